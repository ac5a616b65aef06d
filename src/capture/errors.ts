/**
 * A capture that cannot be read (any further). Carries the file and the byte offset so the user can
 * look at the spot with a hex editor; the CLI prints `message` without a stack.
 */
export class CaptureError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: ${reason} (at byte offset ${offset})`);
    this.name = 'CaptureError';
  }
}

/** Something the reader passed over but could read on after (or a clean stop at a damaged tail). */
export interface CaptureProblem {
  file: string;
  offset: number;
  /** Stable identifier of the kind of problem. */
  kind:
    | 'truncated-record'
    | 'damaged-record'
    | 'unknown-interface'
    | 'bad-block'
    | 'trailing-garbage';
  message: string;
  /** Whether the reader had to stop reading this file here. */
  fatal: boolean;
}
