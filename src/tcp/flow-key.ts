import type { Segment } from '../decode/segment.js';

/**
 * A connection's 4-tuple, as plain integer fields (no typed arrays: one is allocated per connection,
 * and a busy capture opens thousands a second). "a" is the sender of the first segment seen.
 * Address words are kept as signed 32-bit integers so that V8 stores them unboxed.
 */
export class FlowKey {
  a0 = 0; a1 = 0; a2 = 0; a3 = 0;
  b0 = 0; b1 = 0; b2 = 0; b3 = 0;
  aPort = 0;
  bPort = 0;

  protected keyFromSegment(seg: Segment): void {
    const x = seg.addr;
    this.a0 = x[0]! | 0; this.a1 = x[1]! | 0; this.a2 = x[2]! | 0; this.a3 = x[3]! | 0;
    this.b0 = x[4]! | 0; this.b1 = x[5]! | 0; this.b2 = x[6]! | 0; this.b3 = x[7]! | 0;
    this.aPort = seg.srcPort;
    this.bPort = seg.dstPort;
  }

  protected keyFrom(other: FlowKey): void {
    this.a0 = other.a0; this.a1 = other.a1; this.a2 = other.a2; this.a3 = other.a3;
    this.b0 = other.b0; this.b1 = other.b1; this.b2 = other.b2; this.b3 = other.b3;
    this.aPort = other.aPort;
    this.bPort = other.bPort;
  }

  /** 0 if the segment was sent by "a", 1 if by "b", -1 if it belongs to another 4-tuple. */
  sideOf(seg: Segment): 0 | 1 | -1 {
    const x = seg.addr;
    if (seg.srcPort === this.aPort && seg.dstPort === this.bPort &&
        (x[3]! | 0) === this.a3 && (x[7]! | 0) === this.b3 && (x[0]! | 0) === this.a0 && (x[1]! | 0) === this.a1 &&
        (x[2]! | 0) === this.a2 && (x[4]! | 0) === this.b0 && (x[5]! | 0) === this.b1 && (x[6]! | 0) === this.b2) return 0;
    if (seg.srcPort === this.bPort && seg.dstPort === this.aPort &&
        (x[3]! | 0) === this.b3 && (x[7]! | 0) === this.a3 && (x[0]! | 0) === this.b0 && (x[1]! | 0) === this.b1 &&
        (x[2]! | 0) === this.b2 && (x[4]! | 0) === this.a0 && (x[5]! | 0) === this.a1 && (x[6]! | 0) === this.a2) return 1;
    return -1;
  }

  /** The address words of side a (0) or b (1), for formatting. */
  words(side: 0 | 1): number[] {
    return side === 0 ? [this.a0, this.a1, this.a2, this.a3] : [this.b0, this.b1, this.b2, this.b3];
  }
}
