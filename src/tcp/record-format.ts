/**
 * The packed form of a summarised connection in its SummaryStore row, shared by the writer
 * (record-builder.ts) and the view (connection-summary.ts): the Flags column's bits, and the
 * detail in the store's byte blob, four sections of varints (varint.ts), each at its
 * own position column with its entry count:
 * - states (StatesAt, StatesLen; the client's first, StateSplit of them): head = TcpState | 16 for a
 *   timer-driven change; unless a timer: frame − previous frame (signed); then time − previous time.
 * - events (EventsAt, EventsLen): head = kind | byClient << 4 | classes << 5; frame − previous frame;
 *   time − previous time; relative seq (uint32); len (signed); relative ack + 1 (0: no ACK flag);
 *   window (signed int32, as the engine truncates it).
 * - resets (ResetsAt, ResetsLen): frame − previous frame; byClient; time − previous time.
 * - class counts (ClassesAt, ClassesLen): byClient; class index; count.
 * - numbers (NumbersAt), the values read rarely, in the order of N below: SYN and SYN/ACK frames −
 *   FirstFrame + 1 (0: none); sequence wraps, client then server; events dropped; window scale and
 *   MSS per side (see MSS_BITS); unique bytes and bytes after the peer's FIN per side; handshake RTT
 *   in nanoseconds.
 * Times are whole microseconds since the epoch (the report's resolution), each section's first
 * difference taken from the connection's start second, its first frame from FirstFrame: most
 * numbers then fit one or two bytes, where fixed columns took eight to sixteen.
 */

import type { Side } from './connection-record.js';
import { TCP_STATE_NAMES } from './endpoint-state.js';
import { ByteReader, ByteWriter } from './varint.js';

/** Bits of the Flags column. */
export const FLAG_IPV6 = 1;
export const ROLE_SHIFT = 1; // 2 bits: ROLE_BASES index
export const CLOSED_FIRST_SHIFT = 3; // 2 bits: closedFirstBy code + 1
export const FLAG_EVICTED = 1 << 5;
export const FIRST_CLOSE_BY_SHIFT = 6; // 2 bits: firstClose.by code + 1 (0 = none)
export const FLAG_FIRST_CLOSE_RST = 1 << 8;
export const FINAL_C_SHIFT = 9; // 4 bits each: TcpState
export const FINAL_S_SHIFT = 13;
export const FLAG_ZEEK_ORIG_IS_CLIENT = 1 << 17;
export const ZEEK_STATE_SHIFT = 18; // 4 bits: ZEEK_CONN_STATES index
/** ClassBits: the client's class bits low, the server's from bit 16 (CLASS_COUNT ≤ 16: tested). */
export const SERVER_CLASS_SHIFT = 16;
export const STATE_TIMER = 16;
/** RSTs listed at most once a record is made (addLateReset). */
export const MAX_LATE_LISTED_RESETS = 256;
/** A side's MSS + 1 in the low 17 bits, its window scale + 1 above (0 = unknown, for both). */
export const MSS_BITS = 17;

/** Positions in the numbers section. */
export const enum N {
  SynFrame, SynAckFrame, WrapsC, WrapsS, EventsDropped, WsMssC, WsMssS, UniqC, UniqS, AfterFinC, AfterFinS, RttNs,
}

export const ROLE_BASES = ['syn', 'synack', 'guess'] as const;
export const CLOSE_KINDS = ['FIN', 'RST'] as const;
export const TIME_WAIT = TCP_STATE_NAMES.indexOf('TIME_WAIT');
export const CLOSED = TCP_STATE_NAMES.indexOf('CLOSED');

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Epoch seconds as the whole microseconds the store keeps. */
export function micros(t: number): number {
  return Math.round(t * 1e6);
}

export function side(isClient: boolean): Side {
  return isClient ? 'client' : 'server';
}

/** Writes a section: frames and times as differences from the previous ones of the section. */
class DetailWriter extends ByteWriter {
  private lastFrame = 0;
  private lastMicros = 0;

  /** Starts a section of the connection whose first frame and start second are given. */
  begin(firstFrame: number, baseMicros: number): this {
    this.reset();
    this.lastFrame = firstFrame;
    this.lastMicros = baseMicros;
    return this;
  }

  frame(f: number): void {
    this.signed(f - this.lastFrame);
    this.lastFrame = f;
  }

  micros(us: number): void {
    this.signed(us - this.lastMicros);
    this.lastMicros = us;
  }

  /** One state change (frame -1: timer-driven). */
  state(code: number, frame: number, us: number): void {
    if (frame < 0) this.unsigned(code | STATE_TIMER);
    else {
      this.unsigned(code);
      this.frame(frame);
    }
    this.micros(us);
  }
}

/** Reads a section written by DetailWriter. */
export class DetailReader extends ByteReader {
  private lastFrame = 0;
  private lastMicros = 0;

  begin(bytes: Uint8Array, pos: number, firstFrame: number, baseMicros: number): this {
    this.at(bytes, pos);
    this.lastFrame = firstFrame;
    this.lastMicros = baseMicros;
    return this;
  }

  frame(): number {
    return (this.lastFrame += this.signed());
  }

  micros(): number {
    return (this.lastMicros += this.signed());
  }
}

/** Shared scratch: the store is written and read one connection at a time. */
export const writer = new DetailWriter();
export const reader = new DetailReader();

/** One connection's state changes, decoded (times in microseconds). */
export class StateList {
  codes = new Int32Array(16);
  frames = new Int32Array(16);
  times = new Float64Array(16);
  n = 0;

  /** Room for `n` changes (the contents are kept). */
  ensure(n: number): void {
    if (n <= this.codes.length) return;
    const size = Math.max(n, 2 * this.codes.length);
    const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b);
    this.codes = grow(this.codes, new Int32Array(size));
    this.frames = grow(this.frames, new Int32Array(size));
    this.times = grow(this.times, new Float64Array(size));
  }

  push(code: number, frame: number, us: number): void {
    this.ensure(this.n + 1);
    this.codes[this.n] = code;
    this.frames[this.n] = frame;
    this.times[this.n] = us;
    this.n++;
  }

  /** Writes the changes into the shared writer (see the format above). */
  encode(firstFrame: number, baseMicros: number): void {
    writer.begin(firstFrame, baseMicros);
    for (let j = 0; j < this.n; j++) writer.state(this.codes[j]!, this.frames[j]!, this.times[j]!);
  }
}

/** State lists reused by the late-change paths (appendState), one connection at a time. */
export const scratchIn = new StateList();
export const scratchOut = new StateList();

