/**
 * In-order byte streams of one TCP connection, for application-layer consumers (src/http/ …).
 *
 * Each direction's payload is handed to a `StreamConsumer` in sequence order, exactly once:
 * - `data`: the next bytes of the direction, with the frame and time they arrived in;
 * - `gap`: N bytes of the direction that the capture never held (lost by the capture, or cut off by
 *   the snaplen: a frame with caplen < len yields its captured bytes, then a gap — never garbage);
 * - `end`: the direction ended by FIN or RST.
 *
 * Retransmissions and overlaps: the FIRST copy of a byte wins, the policy of Wireshark (`tcp`
 * "reassemble out-of-order" keeps the first segment; see the Wireshark User's Guide, "TCP
 * Reassembly") and of Zeek's TCP_Reassembler (it delivers the bytes it received first and raises
 * `rexmit_inconsistency` when a later copy differs). Out-of-order segments are held (copied) within
 * a bound per direction; when the bound is reached, when the peer acknowledges past a hole, or when
 * the direction ends, the hole is declared a gap and the held bytes released in order.
 * Sequence arithmetic is modulo 2^32 (seq.ts). TCP knows nothing of the protocol above.
 */
import { FIN, RST, SYN, type Segment } from '../decode/segment.js';
import { seqAdd, seqDiff } from './seq.js';

/** How a direction ended. */
export type StreamEnd = 'fin' | 'rst';

/**
 * Where a byte range arrived: reused for every call (read it during the call, do not keep it), so
 * the per-packet path allocates nothing.
 */
export class Arrival {
  private readonly f = new Float64Array(2);
  get frame(): number {
    return this.f[0]!;
  }
  set frame(v: number) {
    this.f[0] = v;
  }
  /** Capture time, seconds (Segment.time). */
  get time(): number {
    return this.f[1]!;
  }
  set time(v: number) {
    this.f[1] = v;
  }
}

/** What an application-layer analyzer implements. `dir` is the connection side (0 = a, 1 = b). */
export interface StreamConsumer {
  /** bytes[start, end) are the next bytes of `dir`; the view is valid only during the call. */
  data(dir: 0 | 1, bytes: Uint8Array, start: number, end: number, at: Arrival): void;
  /** `length` bytes of `dir` were never captured; what follows starts after them. */
  gap(dir: 0 | 1, length: number, at: Arrival): void;
  /** `dir` ended (no more bytes follow). */
  end(dir: 0 | 1, how: StreamEnd, at: Arrival): void;
}

/**
 * An application-layer analyzer plugged into the TCP pass (tracker.ts): one consumer per connection,
 * whose compact result is kept in the summary store beside the connection's record. TCP knows only
 * this interface, never the protocol behind it.
 */
export interface ApplicationLayer {
  /** A consumer for a new connection (the layer may reuse closed ones). */
  open(): StreamConsumer;
  /**
   * The connection is being summarised: returns how many bytes of `out.bytes` hold its result (0 for
   * none). `client` is the connection side the TCP stage calls the client. The consumer is spent after.
   */
  close(consumer: StreamConsumer, client: 0 | 1, out: ByteSink, shared: SharedBytes): number;
  /** The kept result as the record's JSON value; `shared` is the store the record is in. */
  decode(bytes: Uint8Array, offset: number, length: number, shared: SharedBytes): unknown;
}

/**
 * The summary store's byte blob as a layer may use it beyond its records: bytes many records share
 * (tcp/summary-store.ts), written once and named by their position.
 */
export interface SharedBytes {
  /** Copies bytes[0, n) into the blob; returns their position. */
  appendBytes(bytes: Uint8Array, n: number): number;
  /** The page holding position `at`, and `at`'s offset in it. */
  bytePage(at: number): Uint8Array;
  byteOffsetOf(at: number): number;
}

/** Where a layer writes its result (tcp/varint.ts ByteWriter). */
export interface ByteSink {
  bytes: Uint8Array;
  length: number;
  reset(): void;
}

/** Bounds on what one direction holds out of order. */
export interface ReassemblyLimits {
  maxHeldBytes: number;
  maxHeldSegments: number;
}

const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = { maxHeldBytes: 256 * 1024, maxHeldSegments: 64 };

/** A held piece of the stream: bytes (copied), or a gap of `length` bytes when `bytes` is null. */
interface Held {
  seq: number;
  length: number;
  bytes: Uint8Array | null;
  frame: number;
  time: number;
}

/** Counters a consumer or report may want. */
class ReassemblyCounters {
  /** Bytes seen again after delivery (retransmitted or overlapping), dropped. */
  duplicateBytes = 0;
  /** Of those, bytes whose later copy differed from the delivered one. */
  inconsistentBytes = 0;
  /** Bytes declared as gaps. */
  gapBytes = 0;
  /** Segments that arrived out of order and were held. */
  heldSegments = 0;
}

const NO_BYTES = new Uint8Array(0);
const RECENT = 512;

class DirectionStream {
  started = false;
  ended = false;
  /** Next sequence number to deliver. */
  next = 0;
  held: Held[] = [];
  heldBytes = 0;
  /**
   * The last bytes delivered, to tell a retransmission with different bytes: bounded (RECENT bytes)
   * and allocated at the first delivery, since every live connection has two directions.
   */
  recent: Uint8Array = NO_BYTES;
  recentEnd = 0; // seq just after recent's last byte (== next once anything was delivered)
  recentLen = 0;
  reset(): void {
    this.started = false;
    this.ended = false;
    this.next = 0;
    this.held = [];
    this.heldBytes = 0;
    this.recentLen = 0;
  }
}

/**
 * One connection's reassembly. `add` takes every segment of the connection with its side; `finish`
 * flushes what is held at the end of the capture (holes become gaps; no `end` is sent).
 */
export class StreamReassembly {
  private readonly dirs: [DirectionStream, DirectionStream] = [new DirectionStream(), new DirectionStream()];
  private readonly at = new Arrival();
  readonly counters = new ReassemblyCounters();

  /**
   * `compareDuplicates`: keep the last RECENT delivered bytes of each direction to count a
   * retransmission whose bytes differ (`counters.inconsistentBytes`, Zeek's rexmit_inconsistency).
   * Off in the engine, which reports no such count: the copy per delivery cost 3 % of an HTTP run.
   */
  constructor(
    private consumer: StreamConsumer,
    private readonly limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS,
    private readonly compareDuplicates = false,
  ) {}

  /** Both directions ended (FIN or RST): the consumer will be given nothing more. */
  get ended(): boolean {
    return this.dirs[0].ended && this.dirs[1].ended;
  }

  /** Reuses this reassembly for another connection. */
  reset(consumer: StreamConsumer): void {
    this.consumer = consumer;
    this.dirs[0].reset();
    this.dirs[1].reset();
    const c = this.counters;
    c.duplicateBytes = c.inconsistentBytes = c.gapBytes = c.heldSegments = 0;
  }

  add(seg: Segment, side: 0 | 1): void {
    const d = this.dirs[side];
    const flags = seg.flags;
    // The peer acknowledges bytes of this side: a hole below that ack will never be filled.
    if ((flags & 0x10) !== 0) this.acked(side === 0 ? 1 : 0, seg.ack, seg);
    if (d.ended) return;
    let seq = seg.seq;
    if ((flags & SYN) !== 0) {
      seq = seqAdd(seq, 1);
      if (!d.started) {
        d.started = true;
        d.next = seq;
      }
    }
    if ((flags & RST) !== 0) {
      this.setAt(seg.frame, seg.time);
      this.endDirection(side, 'rst', seg);
      return;
    }
    const len = seg.payloadLength;
    if (len > 0) {
      if (!d.started) {
        // Mid-stream capture: the first payload seen starts the stream.
        d.started = true;
        d.next = seq;
      }
      const captured = Math.min(seg.payloadCaptured, len);
      this.offer(side, seq, seg.data, seg.payloadOffset, captured, len, seg);
    }
    if ((flags & FIN) !== 0) {
      const finSeq = seqAdd(seq, len);
      if (!d.started) {
        d.started = true;
        d.next = finSeq;
      }
      this.setAt(seg.frame, seg.time);
      // Bytes before the FIN that never came are a gap; then the direction ends.
      this.releaseAll(side, finSeq);
      this.endDirection(side, 'fin', seg);
    }
  }

  /** End of the capture: holes before held bytes become gaps and the held bytes are delivered. */
  finish(): void {
    for (const side of [0, 1] as const) {
      const d = this.dirs[side];
      if (d.ended || d.held.length === 0) continue;
      const last = d.held[d.held.length - 1]!;
      this.releaseAll(side, seqAdd(last.seq, last.length));
    }
  }

  private setAt(frame: number, time: number): void {
    this.at.frame = frame;
    this.at.time = time;
  }

  private endDirection(side: 0 | 1, how: StreamEnd, seg: Segment): void {
    const d = this.dirs[side];
    if (d.held.length > 0) {
      const last = d.held[d.held.length - 1]!;
      this.releaseAll(side, seqAdd(last.seq, last.length));
    }
    d.ended = true;
    this.setAt(seg.frame, seg.time);
    this.consumer.end(side, how, this.at);
  }

  private acked(side: 0 | 1, ack: number, seg: Segment): void {
    const d = this.dirs[side];
    if (!d.started || d.ended) return;
    // More than one byte: a single unacknowledged byte may be a FIN not yet seen.
    if (seqDiff(ack, d.next) > 1) {
      this.setAt(seg.frame, seg.time);
      this.releaseAll(side, ack);
    }
  }

  /**
   * The captured part [off, off+captured) of a segment at `seq` occupying `len` bytes of sequence
   * space; bytes past `captured` were cut by the snaplen.
   */
  private offer(side: 0 | 1, seq: number, data: Uint8Array, off: number, captured: number, len: number, seg: Segment): void {
    const d = this.dirs[side];
    let rel = seqDiff(seq, d.next);
    if (rel + len <= 0) {
      this.duplicate(d, seq, data, off, captured);
      return;
    }
    this.setAt(seg.frame, seg.time);
    if (rel > 0) {
      this.hold(side, seq, data, off, captured, len, seg);
      return;
    }
    if (rel < 0) {
      // The front was delivered already: first copy wins.
      const skip = -rel;
      this.duplicate(d, seq, data, off, Math.min(skip, captured));
      off += Math.min(skip, captured);
      captured = Math.max(0, captured - skip);
      len -= skip;
      seq = d.next;
      rel = 0;
    }
    // Bytes that a held piece already covers (arrived earlier) are not this copy's to give.
    const limit = this.firstHeldRel(d, len);
    const take = Math.min(len, limit);
    this.deliverRange(side, data, off, Math.min(captured, take), take);
    if (take < len) {
      // The rest overlaps held pieces; keep only what they do not cover.
      const rest = Math.max(0, captured - take);
      this.hold(side, seqAdd(seq, take), data, off + Math.min(captured, take), rest, len - take, seg);
    }
    this.drain(side);
  }

  /** Offset of the first held piece from `next`, at most `len`. */
  private firstHeldRel(d: DirectionStream, len: number): number {
    if (d.held.length === 0) return len;
    return Math.max(0, Math.min(len, seqDiff(d.held[0]!.seq, d.next)));
  }

  /** Delivers `captured` bytes at `next`, then a gap of `len - captured` (snaplen cut). */
  private deliverRange(side: 0 | 1, data: Uint8Array, off: number, captured: number, len: number): void {
    const d = this.dirs[side];
    if (captured > 0) {
      if (this.compareDuplicates) this.remember(d, data, off, captured);
      d.next = seqAdd(d.next, captured);
      this.consumer.data(side, data, off, off + captured, this.at);
    }
    if (len > captured) this.deliverGap(side, len - captured);
  }

  private deliverGap(side: 0 | 1, n: number): void {
    const d = this.dirs[side];
    d.next = seqAdd(d.next, n);
    d.recentLen = 0;
    this.counters.gapBytes += n;
    this.consumer.gap(side, n, this.at);
  }

  private remember(d: DirectionStream, data: Uint8Array, off: number, n: number): void {
    if (d.recent === NO_BYTES) d.recent = new Uint8Array(RECENT);
    const r = d.recent;
    if (n >= r.length) {
      r.set(data.subarray(off + n - r.length, off + n));
      d.recentLen = r.length;
    } else {
      const keep = Math.min(d.recentLen, r.length - n);
      r.copyWithin(0, d.recentLen - keep, d.recentLen);
      for (let i = 0; i < n; i++) r[keep + i] = data[off + i]!;
      d.recentLen = keep + n;
    }
    d.recentEnd = seqAdd(d.next, n);
  }

  /** Bytes at `seq` seen again: counted, compared with the delivered copy where it is still known. */
  private duplicate(d: DirectionStream, seq: number, data: Uint8Array, off: number, n: number): void {
    this.counters.duplicateBytes += n;
    const back = seqDiff(d.recentEnd, seq);
    if (back <= 0 || back > d.recentLen) return;
    const start = d.recentLen - back;
    const m = Math.min(n, back);
    for (let i = 0; i < m; i++) {
      if (d.recent[start + i] !== data[off + i]) {
        this.counters.inconsistentBytes++;
      }
    }
  }

  /** Holds an out-of-order piece, minus what held pieces already cover (first copy wins). */
  private hold(side: 0 | 1, seq: number, data: Uint8Array, off: number, captured: number, len: number, seg: Segment): void {
    const d = this.dirs[side];
    this.counters.heldSegments++;
    // Uncovered sub-ranges, relative to seq.
    let from = 0;
    const pieces: [number, number][] = [];
    for (const h of d.held) {
      const hs = seqDiff(h.seq, seq);
      const he = hs + h.length;
      if (he <= from) continue;
      if (hs >= len) break;
      if (hs > from) pieces.push([from, hs]);
      from = Math.max(from, he);
    }
    if (from < len) pieces.push([from, len]);
    for (const [s, e] of pieces) {
      const capEnd = Math.min(e, captured);
      if (capEnd > s) this.insert(d, { seq: seqAdd(seq, s), length: capEnd - s, bytes: data.slice(off + s, off + capEnd), frame: seg.frame, time: seg.time });
      const gs = Math.max(s, captured);
      if (e > gs) this.insert(d, { seq: seqAdd(seq, gs), length: e - gs, bytes: null, frame: seg.frame, time: seg.time });
    }
    // Over the bound: the hole before the first held piece is given up as a gap.
    while (d.held.length > this.limits.maxHeldSegments || d.heldBytes > this.limits.maxHeldBytes) {
      const first = d.held[0]!;
      this.setAt(first.frame, first.time);
      const hole = seqDiff(first.seq, d.next);
      if (hole > 0) this.deliverGap(side, hole);
      this.drain(side);
    }
  }

  private insert(d: DirectionStream, h: Held): void {
    let i = d.held.length;
    while (i > 0 && seqDiff(d.held[i - 1]!.seq, h.seq) > 0) i--;
    d.held.splice(i, 0, h);
    d.heldBytes += h.length;
  }

  /** Delivers held pieces that now start at (or before) `next`. */
  private drain(side: 0 | 1): void {
    const d = this.dirs[side];
    while (d.held.length > 0) {
      const h = d.held[0]!;
      const rel = seqDiff(h.seq, d.next);
      if (rel > 0) return;
      d.held.shift();
      d.heldBytes -= h.length;
      const skip = -rel;
      if (skip >= h.length) continue;
      this.setAt(h.frame, h.time);
      if (h.bytes === null) this.deliverGap(side, h.length - skip);
      else this.deliverRange(side, h.bytes, skip, h.length - skip, h.length - skip);
    }
  }

  /** Declares every hole below `upTo` a gap, delivering the held pieces in order. */
  private releaseAll(side: 0 | 1, upTo: number): void {
    const d = this.dirs[side];
    for (;;) {
      this.drain(side);
      const target = d.held.length > 0 ? d.held[0]!.seq : upTo;
      if (d.held.length > 0 && seqDiff(d.held[0]!.seq, upTo) >= 0) {
        const hole = seqDiff(upTo, d.next);
        if (hole > 0) this.deliverGap(side, hole);
        return;
      }
      const hole = seqDiff(target, d.next);
      if (hole > 0) this.deliverGap(side, hole);
      if (d.held.length === 0) return;
    }
  }
}
