/**
 * The reading progress bar on stderr (README "Progress"): bytes read of the total, packets per second
 * and the time left, drawn by cli-progress. Only on a terminal, never in CI logs, and only once the
 * input has taken a second, so a small capture prints nothing but its report.
 */
import cliProgress from 'cli-progress';
import type { ReadProgress } from '../capture/reader.js';

/** Inputs read faster than this get no bar at all. */
const PROGRESS_AFTER_MS = 1000;

/** CI set to anything but empty, `0` or `false` (the convention of ci-info and of most CI services). */
const inCi = (env: NodeJS.ProcessEnv): boolean => env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';

/** Whether a bar may be drawn now, `elapsedMs` after reading started. */
export function progressWanted(isTTY: boolean, env: NodeJS.ProcessEnv, elapsedMs: number): boolean {
  return isTTY && !inCi(env) && env.TERM !== 'dumb' && elapsedMs >= PROGRESS_AFTER_MS;
}

const MIB = 1024 * 1024;
const size = (n: number): string => (n >= 1024 * MIB ? `${(n / (1024 * MIB)).toFixed(2)} GiB` : `${(n / MIB).toFixed(1)} MiB`);

export interface ProgressDisplay {
  /** For analyze()'s `onProgress`. */
  onProgress: (p: ReadProgress) => void;
  /** Takes the bar off the screen, if one was drawn (also after an error). */
  stop: () => void;
}

/**
 * A bar on `stream` for one capture's reading. `now` is the clock in milliseconds (tests pass their
 * own). The bar is cleared when reading ends: what follows on the terminal is the report.
 */
export function progressDisplay(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv, now: () => number = () => performance.now()): ProgressDisplay {
  const start = now();
  let bar: cliProgress.SingleBar | null = null;
  let finished = false;
  const stop = (): void => {
    finished = true;
    bar?.stop();
    bar = null;
  };
  const onProgress = (p: ReadProgress): void => {
    if (finished) return;
    if (p.done) return stop();
    const elapsedMs = now() - start;
    const payload = {
      read: size(p.bytesRead),
      of: p.totalBytes !== null ? size(p.totalBytes) : '',
      frames: p.frames.toLocaleString('en-US'),
      rate: elapsedMs > 0 ? Math.round(p.frames / (elapsedMs / 1000)).toLocaleString('en-US') : '0',
    };
    if (bar === null) {
      if (!progressWanted(stream.isTTY === true, env, elapsedMs)) return;
      bar = new cliProgress.SingleBar({
        stream,
        format: p.totalBytes !== null
          ? 'reading [{bar}] {percentage}% | {read} of {of} | {rate} packets/s | ETA {eta_formatted}'
          // Standard input has no size: no bar and no time left, only what was read and how fast.
          : 'reading standard input: {read} | {frames} packets | {rate} packets/s',
        clearOnComplete: true,
        hideCursor: false,
        barsize: 30,
      }, cliProgress.Presets.legacy);
      bar.start(p.totalBytes ?? 1, p.totalBytes !== null ? p.bytesRead : 0, payload);
      return;
    }
    bar.update(p.totalBytes !== null ? p.bytesRead : 0, payload);
  };
  return { onProgress, stop };
}
