import { ACK, SYN, type Segment } from '../decode/segment.js';
import type { Connection } from './connection.js';

/** Int32 words a tombstone: both addresses (4 words each), ports, both sides' base seq, flags, next. */
const A0 = 0;
const B0 = 4;
const PORTS = 8;
const SEQ0 = 9;
const SEQ1 = 10;
const FLAGS = 11; // bit 0: side 0's base known, bit 1: side 1's, bit 2: side 1 is the client
const NEXT = 12; // the next tombstone (record id + 1) in the same bucket, 0 at the end
const HASH = 13; // its flow hash (to rehash when the buckets grow)
const WIDTH = 14;
const PAGE_BITS = 13;
const PAGE = 1 << PAGE_BITS;

/**
 * What stays of a finished connection once it was summarised: its 4-tuple, each side's base
 * sequence number and which side is the client, under its record id. A late packet (a retransmitted
 * FIN, an ACK in TIME_WAIT) still lands on the same id, as in Wireshark, and is counted on the
 * record; only a bare SYN with a new ISN opens a new id. Kept in typed arrays (56 bytes a
 * connection, and a bucket), not objects: a capture leaves one per connection, hundreds of thousands, which as
 * objects were a quarter of the engine's heap and garbage-collector work.
 */
export class TombstoneTable {
  private readonly pages: Int32Array[] = [];
  /** Chained hashing: bucket (flow hash & mask) → its first tombstone (record id + 1), 0 when empty. */
  private buckets = new Int32Array(4096);
  private mask = 4095;
  private count = 0;

  private page(id: number): Int32Array {
    const p = id >>> PAGE_BITS;
    while (this.pages.length <= p) this.pages.push(new Int32Array(PAGE * WIDTH));
    return this.pages[p]!;
  }

  /** Leaves the tombstone of connection `c` (summarised as record `c.id`) under flow hash `h`. */
  add(c: Connection, h: number): void {
    const t = this.page(c.id);
    const k = (c.id & (PAGE - 1)) * WIDTH;
    t[k + A0] = c.a0; t[k + A0 + 1] = c.a1; t[k + A0 + 2] = c.a2; t[k + A0 + 3] = c.a3;
    t[k + B0] = c.b0; t[k + B0 + 1] = c.b1; t[k + B0 + 2] = c.b2; t[k + B0 + 3] = c.b3;
    t[k + PORTS] = (c.aPort << 16) | c.bPort;
    // As int32 bit patterns: seq numbers are compared as such.
    t[k + SEQ0] = c.dirs[0].wsBase | 0;
    t[k + SEQ1] = c.dirs[1].wsBase | 0;
    t[k + FLAGS] = (c.dirs[0].wsBaseSet ? 1 : 0) | (c.dirs[1].wsBaseSet ? 2 : 0) | (c.client === 1 ? 4 : 0);
    t[k + HASH] = h;
    t[k + NEXT] = this.buckets[h & this.mask]!;
    this.buckets[h & this.mask] = c.id + 1;
    if (++this.count > this.buckets.length) this.grow();
  }

  private word(id: number, w: number): number {
    return this.pages[id >>> PAGE_BITS]![(id & (PAGE - 1)) * WIDTH + w]!;
  }

  private setWord(id: number, w: number, v: number): void {
    this.pages[id >>> PAGE_BITS]![(id & (PAGE - 1)) * WIDTH + w] = v;
  }

  /** Twice the buckets, every chain rebuilt: chains stay about one tombstone long. */
  private grow(): void {
    const old = this.buckets;
    this.buckets = new Int32Array(old.length * 2);
    this.mask = this.buckets.length - 1;
    for (let b = 0; b < old.length; b++) {
      for (let ref = old[b]!; ref !== 0; ) {
        const id = ref - 1;
        ref = this.word(id, NEXT);
        const slot = this.word(id, HASH) & this.mask;
        this.setWord(id, NEXT, this.buckets[slot]!);
        this.buckets[slot] = id + 1;
      }
    }
  }

  /** The side of record `id`'s 4-tuple that sent `seg`: 0 ("a"), 1, or -1 when not this 4-tuple. */
  private sideOf(id: number, seg: Segment): 0 | 1 | -1 {
    const t = this.pages[id >>> PAGE_BITS]!;
    const k = (id & (PAGE - 1)) * WIDTH;
    const x = seg.addr;
    const ports = t[k + PORTS]!;
    const aPort = ports >>> 16;
    const bPort = ports & 0xffff;
    if (seg.srcPort === aPort && seg.dstPort === bPort && sameWords(x, 0, t, k + A0) && sameWords(x, 4, t, k + B0)) return 0;
    if (seg.srcPort === bPort && seg.dstPort === aPort && sameWords(x, 0, t, k + B0) && sameWords(x, 4, t, k + A0)) return 1;
    return -1;
  }

  /**
   * The tombstone `seg` belongs to under flow hash `h`: its record id, and in `found.side` the side
   * that sent it; -1 when none.
   */
  find(h: number, seg: Segment, found: { side: 0 | 1 }): number {
    for (let ref = this.buckets[h & this.mask]!; ref !== 0; ) {
      const id = ref - 1;
      const side = this.word(id, HASH) === h ? this.sideOf(id, seg) : -1;
      if (side !== -1) {
        found.side = side;
        return id;
      }
      ref = this.word(id, NEXT);
    }
    return -1;
  }

  /**
   * Whether a bare SYN from `side` opens a new connection on record `id`'s 4-tuple: Wireshark starts a
   * new tcp.stream when the SYN's sequence number differs from that side's base.
   */
  isNewSynFrom(id: number, side: 0 | 1, seg: Segment): boolean {
    if ((seg.flags & (SYN | ACK)) !== SYN) return false;
    const t = this.pages[id >>> PAGE_BITS]!;
    const k = (id & (PAGE - 1)) * WIDTH;
    return (t[k + FLAGS]! & (side === 0 ? 1 : 2)) !== 0 && (seg.seq | 0) !== t[k + (side === 0 ? SEQ0 : SEQ1)];
  }

  /** Whether side `side` of record `id` is its client. */
  isClient(id: number, side: 0 | 1): boolean {
    return ((this.word(id, FLAGS) & 4) !== 0 ? 1 : 0) === side;
  }

  /** Removes record `id`'s tombstone (a new connection takes its 4-tuple over). */
  remove(id: number): void {
    const slot = this.word(id, HASH) & this.mask;
    let ref = this.buckets[slot]!;
    if (ref === id + 1) this.buckets[slot] = this.word(id, NEXT);
    else {
      while (ref !== 0) {
        const prev = ref - 1;
        ref = this.word(prev, NEXT);
        if (ref === id + 1) {
          this.setWord(prev, NEXT, this.word(id, NEXT));
          break;
        }
      }
      if (ref === 0) return;
    }
    this.count--;
  }
}

function sameWords(x: Uint32Array, at: number, t: Int32Array, k: number): boolean {
  return (x[at + 3]! | 0) === t[k + 3] && (x[at]! | 0) === t[k] && (x[at + 1]! | 0) === t[k + 1] && (x[at + 2]! | 0) === t[k + 2];
}
