/**
 * Notable segments kept for each connection (the evidence the findings and the timeline cite). Two
 * kinds name an earlier, plain segment once a later one made it notable, and are placed at its own
 * frame: `first-transmission`, the first transmission of a segment that was later retransmitted on
 * a timer (not fast, not spurious), and `last-data`, the last segment with new data (either side)
 * before a FIN or a keep-alive probe — where the idle time before it began. They carry no ACK
 * (-1), window (-1) or classes.
 */
export type TcpEventKind =
  | 'syn'
  | 'syn-ack'
  | 'fin'
  | 'rst'
  | 'zero-window'
  | 'window-open'
  | 'zero-window-probe'
  | 'zero-window-probe-ack'
  | 'keep-alive'
  | 'keep-alive-ack'
  | 'retransmission'
  | 'lost-segment'
  | 'data-after-fin'
  | 'first-transmission'
  | 'last-data';

/** Kind codes for the packed event store (index = code). */
export const EVENT_KINDS: readonly TcpEventKind[] = [
  'syn', 'syn-ack', 'fin', 'rst', 'zero-window', 'window-open', 'zero-window-probe', 'zero-window-probe-ack',
  'keep-alive', 'keep-alive-ack', 'retransmission', 'lost-segment', 'data-after-fin', 'first-transmission', 'last-data',
];
export const EVENT_CODE: ReadonlyMap<TcpEventKind, number> = new Map(EVENT_KINDS.map((k, i) => [k, i]));
/**
 * Events are stored packed, EVENT_WIDTH numbers each, in this order: kind code (EVENT_CODE), frame,
 * time (epoch seconds), from (0 = the connection's first sender "a", 1 = the other; 1 = client once
 * summarised), relative seq, payload length, relative ACK (-1 without the ACK flag), window in bytes
 * (scaled when known), class bits (classes.ts).
 */
export const EVENT_WIDTH = 9;

/** A compact time series: at most `max` points, halving its resolution when full. */
export class Series {
  readonly t: number[] = [];
  readonly v: number[] = [];
  private stride = 1;
  private skipped = 0;

  constructor(private readonly max = 256) {}

  /**
   * Counts one candidate point: whether it is kept (then `push` it). Asked first so that the points
   * skipped cost no call with a fractional time (a heap number each, on every packet of a long transfer).
   */
  take(): boolean {
    if (++this.skipped < this.stride) return false;
    this.skipped = 0;
    return true;
  }

  /** Adds a point `take` accepted. */
  push(time: number, value: number): void {
    this.t.push(time);
    this.v.push(value);
    if (this.t.length >= this.max) {
      let w = 0;
      for (let r = 0; r < this.t.length; r += 2, w++) {
        this.t[w] = this.t[r]!;
        this.v[w] = this.v[r]!;
      }
      this.t.length = w;
      this.v.length = w;
      this.stride *= 2;
    }
  }
}
