/**
 * One full garbage collection, when Node exposes the collector (`--expose-gc`: the CLI's shebang and
 * the benchmark run with it) and the capture is large: at the few points where a phase's garbage
 * would otherwise still fill the heap while the next phase builds its own (pipeline/run.ts, findings).
 * A library user without the flag is not affected.
 */
export function collectGarbageIfLarge(connections: number): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined && connections >= 20_000) gc();
}
