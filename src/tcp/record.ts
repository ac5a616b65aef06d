import { isoTime } from '../capture/frame.js';
import { formatAddress } from '../decode/address.js';
import type {
  ConnectionRecord, Endpoint, EventRecord, PerSide, SeriesRecord, Side, StateChangeRecord,
} from './connection-record.js';
import { CLASS_KEYS, classNames, type ClassKey } from './classes.js';
import type { Connection } from './connection.js';
import type { Direction } from './direction.js';
import { TCP_STATE_NAMES, type EndpointState, type TcpStateName } from './endpoint-state.js';
import { EVENT_KINDS, EVENT_WIDTH, type Series } from './events.js';
import { seqRelative } from './seq.js';
import { ZEEK_CONN_STATES } from './zeek.js';
import { F, I, SummaryStore } from './summary-store.js';
import { ByteReader, ByteWriter } from './varint.js';

/*
 * A connection's detail in the store's byte blob, four sections of varints (varint.ts), each at its
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

/** Bits of the Flags column. */
const FLAG_IPV6 = 1;
const ROLE_SHIFT = 1; // 2 bits: ROLE_BASES index
const CLOSED_FIRST_SHIFT = 3; // 2 bits: closedFirstBy code + 1
const FLAG_EVICTED = 1 << 5;
const FIRST_CLOSE_BY_SHIFT = 6; // 2 bits: firstClose.by code + 1 (0 = none)
const FLAG_FIRST_CLOSE_RST = 1 << 8;
const FINAL_C_SHIFT = 9; // 4 bits each: TcpState
const FINAL_S_SHIFT = 13;
const FLAG_ZEEK_ORIG_IS_CLIENT = 1 << 17;
const ZEEK_STATE_SHIFT = 18; // 4 bits: ZEEK_CONN_STATES index
/** ClassBits: the client's class bits low, the server's from bit 16 (CLASS_COUNT ≤ 16: tested). */
const SERVER_CLASS_SHIFT = 16;
const STATE_TIMER = 16;
/** RSTs listed at most once a record is made (addLateReset). */
const MAX_LATE_LISTED_RESETS = 256;
/** A side's MSS + 1 in the low 17 bits, its window scale + 1 above (0 = unknown, for both). */
const MSS_BITS = 17;

/** Positions in the numbers section. */
const enum N {
  SynFrame, SynAckFrame, WrapsC, WrapsS, EventsDropped, WsMssC, WsMssS, UniqC, UniqS, AfterFinC, AfterFinS, RttNs,
}

const ROLE_BASES = ['syn', 'synack', 'guess'] as const;
const CLOSE_KINDS = ['FIN', 'RST'] as const;
const TIME_WAIT = TCP_STATE_NAMES.indexOf('TIME_WAIT');
const CLOSED = TCP_STATE_NAMES.indexOf('CLOSED');

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Epoch seconds as the whole microseconds the store keeps. */
function micros(t: number): number {
  return Math.round(t * 1e6);
}

function side(isClient: boolean): Side {
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
class DetailReader extends ByteReader {
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
const writer = new DetailWriter();
const reader = new DetailReader();

/** One connection's state changes, decoded (times in microseconds). */
class StateList {
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
const scratchIn = new StateList();
const scratchOut = new StateList();

/**
 * One finished connection: a view onto its row of the SummaryStore. It has the public
 * ConnectionRecord shape through getters (objects built on access, then dropped) and `toJSON()` for
 * the report writer, so a capture with 200,000 connections keeps 200,000 small views, not object graphs.
 */
export class ConnectionSummary implements ConnectionRecord {
  // Three fields only: a capture with 200,000 connections keeps 200,000 of these. `row` is the
  // connection's row in its store; `id` its tcp.stream, the same unless the capture was analysed in
  // shards (pipeline/shards.ts), each with a store of its own.
  constructor(private store: SummaryStore, private row: number, public id: number = row) {}

  /**
   * Points this view at another row: a cursor for a pass over every record that keeps none of them
   * (findings/socket-table.ts socketTableOfStores). Not for views handed out as records.
   */
  moveTo(store: SummaryStore, row: number, id: number): this {
    this.store = store;
    this.row = row;
    this.id = id;
    return this;
  }

  /** The first frame of row `row` of `store`, without a view. */
  static firstFrameOf(store: SummaryStore, row: number): number {
    return store.intPage(row)[SummaryStore.rowIndex(row, I.Width) + I.FirstFrame]!;
  }

  private get ints(): Int32Array {
    return this.store.intPage(this.row);
  }

  private get floats(): Float64Array {
    return this.store.floatPage(this.row);
  }

  private get i(): number {
    return SummaryStore.rowIndex(this.row, I.Width);
  }

  private get f(): number {
    return SummaryStore.rowIndex(this.row, F.Width);
  }

  private int(col: I): number {
    return this.ints[this.i + col]!;
  }

  private float(col: F): number {
    return this.floats[this.f + col]!;
  }

  private get flags(): number {
    return this.int(I.Flags);
  }

  private orNull(col: I): number | null {
    const v = this.int(col);
    return v < 0 ? null : v;
  }

  /** The reader, placed at the section whose position is in column `col`. */
  private section(col: I): DetailReader {
    const at = this.int(col);
    return reader.begin(this.store.bytePage(at), SummaryStore.byteOffset(at), this.int(I.FirstFrame), this.baseMicros);
  }

  /** Stores the shared writer's bytes as the section of column `col`. */
  private putSection(col: I): void {
    this.ints[this.i + col] = this.store.appendBytes(writer.bytes, writer.length) | 0;
  }

  /** Value `k` of the numbers section. */
  private number(k: N): number {
    const r = this.section(I.NumbersAt);
    for (let j = 0; j < k; j++) r.unsigned();
    return r.unsigned();
  }

  /** A frame kept relative to FirstFrame (0: none). */
  private frameNumber(k: N): number | null {
    const v = this.number(k);
    return v === 0 ? null : this.int(I.FirstFrame) + v - 1;
  }

  /** The microsecond the section differences start from. */
  private get baseMicros(): number {
    return this.float(F.StartSec) * 1e6;
  }

  /** The state changes into `list`, times in microseconds. */
  private readStates(list: StateList): StateList {
    const n = this.int(I.StatesLen);
    list.ensure(n);
    this.decodeStates(list.codes, list.frames, list.times, 1);
    list.n = n;
    return list;
  }

  /** The state changes into the arrays, times in microseconds divided by `unit`. */
  private decodeStates(codes: Int32Array, frames: Int32Array, times: Float64Array, unit: number): void {
    const r = this.section(I.StatesAt);
    const n = this.int(I.StatesLen);
    for (let j = 0; j < n; j++) {
      const head = r.unsigned();
      codes[j] = head & 15;
      frames[j] = (head & STATE_TIMER) === 0 ? r.frame() : -1;
      times[j] = r.micros() / unit;
    }
  }

  // Allocation-free reads for the findings layer (findings/socket-table.ts), which visits every
  // connection of a large capture: the getters below build objects on every access.

  /** The interned address string of the client (true) or server (false). */
  ipOf(isClient: boolean): string {
    return this.store.string(this.int(isClient ? I.ClientIp : I.ServerIp));
  }

  portOf(isClient: boolean): number {
    const ports = this.int(I.Ports);
    return isClient ? ports >>> 16 : ports & 0xffff;
  }

  /** The first FIN frame of the client (true) or server (false); -1 when it sent none. */
  finFrameOf(isClient: boolean): number {
    return this.int(isClient ? I.FinC : I.FinS);
  }

  /** finalState as a TcpState code. */
  finalStateCode(isClient: boolean): number {
    return (this.flags >>> (isClient ? FINAL_C_SHIFT : FINAL_S_SHIFT)) & 15;
  }

  /** closedFirstBy as a number: -1 none, 0 client, 1 server, 2 both. */
  get closedFirstCode(): number {
    return ((this.flags >>> CLOSED_FIRST_SHIFT) & 3) - 1;
  }

  /** RSTs sent by the client (true) or the server (false). */
  resetsSentBy(isClient: boolean): number {
    const count = this.int(I.ResetsLen);
    if (count === 0) return 0;
    const r = this.section(I.ResetsAt);
    const want = isClient ? 1 : 0;
    let n = 0;
    for (let k = 0; k < count; k++) {
      r.signed();
      if (r.unsigned() === want) n++;
      r.signed();
    }
    return n;
  }

  /** The union of the segment-class bits (classes.ts) of the frames one side sent. */
  classBits(isClient: boolean): number {
    const bits = this.int(I.ClassBits);
    return isClient ? bits & ((1 << SERVER_CLASS_SHIFT) - 1) : bits >>> SERVER_CLASS_SHIFT;
  }

  /** State changes: the client's are [0, stateSplit), the server's [stateSplit, stateCount). */
  get stateCount(): number {
    return this.int(I.StatesLen);
  }

  get stateSplit(): number {
    return this.int(I.StateSplit);
  }

  /**
   * Copies the state changes into `codes`, `frames` and `times` (epoch seconds, like `states`; each at
   * least `stateCount` long), without allocating.
   */
  copyStates(codes: Int32Array, frames: Int32Array, times: Float64Array): void {
    this.decodeStates(codes, frames, times, 1e6);
  }

  get ipVersion(): 4 | 6 {
    return (this.flags & FLAG_IPV6) !== 0 ? 6 : 4;
  }

  get roleBasis(): 'syn' | 'synack' | 'guess' {
    return ROLE_BASES[(this.flags >>> ROLE_SHIFT) & 3]!;
  }

  get roleGuessed(): boolean {
    return this.roleBasis === 'guess';
  }

  get firstFrame(): number {
    return this.int(I.FirstFrame);
  }

  get lastFrame(): number {
    return this.int(I.LastFrame);
  }

  get client(): Endpoint {
    return { ip: this.ipOf(true), port: this.portOf(true) };
  }

  get server(): Endpoint {
    return { ip: this.ipOf(false), port: this.portOf(false) };
  }

  get startTime(): string {
    return isoTime(this.float(F.StartSec), this.int(I.StartNsec));
  }

  get endTime(): string {
    return isoTime(this.float(F.EndSec), this.int(I.EndNsec));
  }

  get startEpoch(): number {
    return round6(this.float(F.StartSec) + this.int(I.StartNsec) / 1e9);
  }

  get endEpoch(): number {
    return round6(this.float(F.EndSec) + this.int(I.EndNsec) / 1e9);
  }

  get durationSec(): number {
    return round6(this.float(F.EndSec) - this.float(F.StartSec) + (this.int(I.EndNsec) - this.int(I.StartNsec)) / 1e9);
  }

  get packets(): PerSide<number> {
    return { client: this.int(I.PktC), server: this.int(I.PktS) };
  }

  get payloadBytes(): PerSide<number> {
    return { client: this.float(F.BytesC), server: this.float(F.BytesS) };
  }

  get uniqueBytes(): PerSide<number> {
    return { client: this.number(N.UniqC), server: this.number(N.UniqS) };
  }

  get closedFirstBy(): Side | 'both' | null {
    const v = this.closedFirstCode;
    return v < 0 ? null : v === 2 ? 'both' : side(v === 0);
  }

  /** The first FIN of either side (frames are processed in order: the earlier of the two). */
  get firstFinFrame(): number | null {
    if (this.closedFirstCode < 0) return null;
    const c = this.int(I.FinC);
    const s = this.int(I.FinS);
    return c < 0 ? s : s < 0 ? c : Math.min(c, s);
  }

  get finFrames(): PerSide<number | null> {
    return { client: this.orNull(I.FinC), server: this.orNull(I.FinS) };
  }

  get firstClose(): ConnectionRecord['firstClose'] {
    const by = ((this.flags >>> FIRST_CLOSE_BY_SHIFT) & 3) - 1;
    if (by < 0) return null;
    return { by: side(by === 0), kind: CLOSE_KINDS[(this.flags & FLAG_FIRST_CLOSE_RST) !== 0 ? 1 : 0]!, frame: this.int(I.FirstCloseFrame) };
  }

  get resets(): { frame: number; by: Side; time: number }[] {
    const out: { frame: number; by: Side; time: number }[] = [];
    const count = this.int(I.ResetsLen);
    if (count === 0) return out;
    const r = this.section(I.ResetsAt);
    for (let k = 0; k < count; k++) {
      const frame = r.frame();
      const byClient = r.unsigned() === 1;
      out.push({ frame, by: side(byClient), time: r.micros() / 1e6 });
    }
    return out;
  }

  get finalState(): PerSide<TcpStateName> {
    return { client: TCP_STATE_NAMES[this.finalStateCode(true)]!, server: TCP_STATE_NAMES[this.finalStateCode(false)]! };
  }

  get states(): PerSide<StateChangeRecord[]> {
    const list = this.readStates(new StateList());
    const split = this.int(I.StateSplit);
    const read = (from: number, to: number): StateChangeRecord[] => {
      const out: StateChangeRecord[] = [];
      for (let j = from; j < to; j++) {
        const frame = list.frames[j]!;
        out.push({ state: TCP_STATE_NAMES[list.codes[j]!]!, frame: frame < 0 ? null : frame, time: list.times[j]! / 1e6 });
      }
      return out;
    };
    return { client: read(0, split), server: read(split, list.n) };
  }

  get handshake(): ConnectionRecord['handshake'] {
    const rttNs = this.number(N.RttNs);
    return { synFrame: this.frameNumber(N.SynFrame), synAckFrame: this.frameNumber(N.SynAckFrame), rttMs: rttNs > 0 ? round6(rttNs / 1e6) : null };
  }

  get windowScale(): PerSide<number | null> {
    const ws = (k: N): number | null => {
      const v = Math.floor(this.number(k) / (1 << MSS_BITS)) - 1;
      return v < 0 ? null : v;
    };
    return { client: ws(N.WsMssC), server: ws(N.WsMssS) };
  }

  get mss(): PerSide<number | null> {
    const mss = (k: N): number | null => {
      const v = (this.number(k) % (1 << MSS_BITS)) - 1;
      return v < 0 ? null : v;
    };
    return { client: mss(N.WsMssC), server: mss(N.WsMssS) };
  }

  get seqWraps(): PerSide<number> {
    return { client: this.number(N.WrapsC), server: this.number(N.WrapsS) };
  }

  get bytesAfterPeerFin(): PerSide<number> {
    return { client: this.number(N.AfterFinC), server: this.number(N.AfterFinS) };
  }

  get analysis(): PerSide<Partial<Record<ClassKey, number>>> {
    const out: PerSide<Partial<Record<ClassKey, number>>> = { client: {}, server: {} };
    const count = this.int(I.ClassesLen);
    if (count === 0) return out;
    const r = this.section(I.ClassesAt);
    for (let k = 0; k < count; k++) {
      const byClient = r.unsigned() === 1;
      const key = CLASS_KEYS[r.unsigned()]!;
      out[side(byClient)][key] = r.unsigned();
    }
    return out;
  }

  get events(): EventRecord[] {
    const out: EventRecord[] = [];
    const n = this.int(I.EventsLen);
    if (n === 0) return out;
    const r = this.section(I.EventsAt);
    for (let j = 0; j < n; j++) {
      const head = r.unsigned();
      const frame = r.frame();
      const us = r.micros();
      const seq = r.unsigned();
      const len = r.signed();
      const ack = r.unsigned() - 1;
      const window = r.signed();
      const e: EventRecord = { kind: EVENT_KINDS[head & 15]!, frame, time: us / 1e6, by: side((Math.floor(head / 16) & 1) === 1), seq, len, ack, window };
      const classes = Math.floor(head / 32);
      if (classes !== 0) e.classes = classNames(classes);
      out.push(e);
    }
    return out;
  }

  get eventsDropped(): number {
    return this.number(N.EventsDropped);
  }

  get series(): ConnectionRecord['series'] {
    return this.store.series.get(this.row) ?? null;
  }

  get latePackets(): number {
    return this.int(I.LatePackets);
  }

  get evicted(): boolean {
    return (this.flags & FLAG_EVICTED) !== 0;
  }

  get zeek(): ConnectionRecord['zeek'] {
    return {
      connState: ZEEK_CONN_STATES[(this.flags >>> ZEEK_STATE_SHIFT) & 15]!,
      history: this.store.string(this.int(I.ZeekHistory)),
      originator: side((this.flags & FLAG_ZEEK_ORIG_IS_CLIENT) !== 0),
    };
  }

  /** A packet that arrived after the summary was made (see Tombstone). */
  addLatePacket(isClient: boolean, payload: number, frame: number, sec: number, nsec: number): void {
    const ints = this.ints;
    const floats = this.floats;
    ints[this.i + (isClient ? I.PktC : I.PktS)]!++;
    floats[this.f + (isClient ? F.BytesC : F.BytesS)]! += payload;
    ints[this.i + I.LastFrame] = frame;
    floats[this.f + F.EndSec] = sec;
    ints[this.i + I.EndNsec] = nsec;
    ints[this.i + I.LatePackets]!++;
  }

  /**
   * A RST that arrived after the summary was made (a peer resetting a socket in TIME_WAIT, say): it is
   * listed with the resets, and it closes both endpoints then, as it would have on a live connection.
   */
  addLateReset(byClient: boolean, frame: number, time: number): void {
    const ints = this.ints;
    const i = this.i;
    // Each late RST re-encodes the list: a storm of them on one 4-tuple is listed up to a bound
    // (the rest are counted with the late packets); the first one is what changes the story.
    if (ints[i + I.ResetsLen]! >= MAX_LATE_LISTED_RESETS) return;
    const resets = this.resets;
    writer.begin(ints[i + I.FirstFrame]!, this.baseMicros);
    for (const x of [...resets, { frame, by: side(byClient), time }]) {
      writer.frame(x.frame);
      writer.unsigned(x.by === 'client' ? 1 : 0);
      writer.micros(micros(x.time));
    }
    this.putSection(I.ResetsAt);
    ints[i + I.ResetsLen] = resets.length + 1;
    if (((ints[i + I.Flags]! >>> FIRST_CLOSE_BY_SHIFT) & 3) === 0) {
      ints[i + I.Flags]! |= (((byClient ? 0 : 1) + 1) << FIRST_CLOSE_BY_SHIFT) | FLAG_FIRST_CLOSE_RST;
      ints[i + I.FirstCloseFrame] = frame;
    }
    // CLOSED for each side that was not closed yet, after its last change.
    if (this.finalStateCode(true) !== CLOSED) this.appendState(true, CLOSED, frame, micros(time));
    if (this.finalStateCode(false) !== CLOSED) this.appendState(false, CLOSED, frame, micros(time));
  }

  /**
   * Adds a state change after a side's last one (a late RST, TIME_WAIT's expiry), which becomes its
   * final state, and stores the changes again at a new position.
   */
  private appendState(isClient: boolean, code: number, frame: number, us: number): void {
    const ints = this.ints;
    const i = this.i;
    const list = this.readStates(scratchIn);
    const at = isClient ? ints[i + I.StateSplit]! : list.n;
    const out = scratchOut;
    out.n = 0;
    for (let j = 0; j <= list.n; j++) {
      if (j === at) out.push(code, frame, us);
      if (j < list.n) out.push(list.codes[j]!, list.frames[j]!, list.times[j]!);
    }
    out.encode(ints[i + I.FirstFrame]!, this.baseMicros);
    this.putSection(I.StatesAt);
    ints[i + I.StatesLen] = out.n;
    if (isClient) ints[i + I.StateSplit]!++;
    const shift = isClient ? FINAL_C_SHIFT : FINAL_S_SHIFT;
    ints[i + I.Flags] = (ints[i + I.Flags]! & ~(15 << shift)) | (code << shift);
  }

  /**
   * Resolves TIME_WAIT against the end of the capture: past 2×MSL the socket is gone (Linux: 60 s,
   * TCP_TIMEWAIT_LEN), so the final state is CLOSED, with the expiry as a timer-driven change.
   */
  settleTimeWait(captureEnd: number, timeWaitSec: number): void {
    for (let s = 0; s < 2; s++) {
      const isClient = s === 0;
      if (this.finalStateCode(isClient) !== TIME_WAIT) continue;
      const split = this.int(I.StateSplit);
      const last = isClient ? split : this.int(I.StatesLen);
      if (last === (isClient ? 0 : split)) continue;
      const entered = this.readStates(scratchIn).times[last - 1]!;
      if (captureEnd - entered / 1e6 < timeWaitSec) continue;
      this.appendState(isClient, CLOSED, -1, entered + micros(timeWaitSec));
    }
  }

  /** The documented JSON shape, in the documented order. */
  get tunnel(): string[] {
    return this.store.tunnels.get(this.row) ?? [];
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id, ipVersion: this.ipVersion, client: this.client, server: this.server, roleGuessed: this.roleGuessed,
      roleBasis: this.roleBasis, firstFrame: this.firstFrame, lastFrame: this.lastFrame, startTime: this.startTime,
      endTime: this.endTime, startEpoch: this.startEpoch, endEpoch: this.endEpoch, durationSec: this.durationSec, packets: this.packets, payloadBytes: this.payloadBytes,
      uniqueBytes: this.uniqueBytes, closedFirstBy: this.closedFirstBy, firstFinFrame: this.firstFinFrame,
      finFrames: this.finFrames, firstClose: this.firstClose, resets: this.resets, finalState: this.finalState,
      states: this.states, handshake: this.handshake, windowScale: this.windowScale, mss: this.mss,
      seqWraps: this.seqWraps, bytesAfterPeerFin: this.bytesAfterPeerFin, analysis: this.analysis,
      events: this.events, eventsDropped: this.eventsDropped, series: this.series, latePackets: this.latePackets,
      evicted: this.evicted, zeek: this.zeek, tunnel: this.tunnel,
    };
  }
}

/** Writes a finished connection into row `c.id` of the store; the Connection can then go. */
export function buildRecord(c: Connection, store: SummaryStore, describeEncap?: (id: number) => readonly string[]): void {
  if (c.encaps !== null && describeEncap !== undefined) store.tunnels.set(c.id, c.encaps.map((id) => describeEncap(id).join(' / ')));
  const ci = c.client;
  const si: 0 | 1 = ci === 0 ? 1 : 0;
  const cd = c.dirs[ci];
  const sd = c.dirs[si];
  const ints = store.intPage(c.id);
  const floats = store.floatPage(c.id);
  const r = SummaryStore.rowIndex(c.id, I.Width);
  const q = SummaryStore.rowIndex(c.id, F.Width);
  const firstFrame = c.firstFrame;
  const base = c.startSec * 1e6;
  let flags = c.ipVersion === 6 ? FLAG_IPV6 : 0;
  flags |= (c.roleBasis === 'syn' ? 0 : c.roleBasis === 'synack' ? 1 : 2) << ROLE_SHIFT;
  flags |= (c.firstFinFrom === -1 ? 0 : c.simultaneousClose ? 3 : c.firstFinFrom === ci ? 1 : 2) << CLOSED_FIRST_SHIFT;
  if (c.evicted) flags |= FLAG_EVICTED;
  ints[r + I.FirstFrame] = firstFrame;
  ints[r + I.LastFrame] = c.lastFrame;
  ints[r + I.LatePackets] = 0;
  ints[r + I.ClientIp] = addressIndex(store, c, ci, c.ipVersion);
  ints[r + I.ServerIp] = addressIndex(store, c, si, c.ipVersion);
  ints[r + I.Ports] = ((ci === 0 ? c.aPort : c.bPort) << 16) | (si === 0 ? c.aPort : c.bPort);
  floats[q + F.StartSec] = c.startSec;
  ints[r + I.StartNsec] = c.startNsec;
  floats[q + F.EndSec] = c.endSec;
  ints[r + I.EndNsec] = c.endNsec;
  ints[r + I.PktC] = cd.packets;
  ints[r + I.PktS] = sd.packets;
  floats[q + F.BytesC] = cd.payloadBytes;
  floats[q + F.BytesS] = sd.payloadBytes;
  ints[r + I.FinC] = cd.finCount > 0 ? cd.firstFinFrame : -1;
  ints[r + I.FinS] = sd.finCount > 0 ? sd.firstFinFrame : -1;
  const firstFin = c.firstFinFrom === -1 ? -1 : c.dirs[c.firstFinFrom].firstFinFrame;
  const firstReset = c.resets[0];
  if (firstFin >= 0 && (firstReset === undefined || firstFin < firstReset.frame)) {
    flags |= (c.firstFinFrom === ci ? 1 : 2) << FIRST_CLOSE_BY_SHIFT;
    ints[r + I.FirstCloseFrame] = firstFin;
  } else if (firstReset !== undefined) {
    flags |= (firstReset.from === ci ? 1 : 2) << FIRST_CLOSE_BY_SHIFT;
    flags |= FLAG_FIRST_CLOSE_RST;
    ints[r + I.FirstCloseFrame] = firstReset.frame;
  } else {
    ints[r + I.FirstCloseFrame] = -1;
  }
  const cs = c.states[ci];
  const ss = c.states[si];
  flags |= cs.state << FINAL_C_SHIFT;
  flags |= ss.state << FINAL_S_SHIFT;
  if (c.zeek.originator === ci) flags |= FLAG_ZEEK_ORIG_IS_CLIENT;
  ints[r + I.Flags] = flags;

  const put = (col: I): void => {
    ints[r + col] = store.appendBytes(writer.bytes, writer.length) | 0;
  };
  // States: both sides' packed (state, frame, time) triples.
  writer.begin(firstFrame, base);
  writePacked(cs);
  writePacked(ss);
  put(I.StatesAt);
  ints[r + I.StatesLen] = (cs.packedLength + ss.packedLength) / 3;
  ints[r + I.StateSplit] = cs.packedLength / 3;
  // The rarely read numbers, in the order of N.
  writer.reset();
  writer.unsigned(c.synFrame === 0 ? 0 : c.synFrame - firstFrame + 1);
  writer.unsigned(c.synAckFrame === 0 ? 0 : c.synAckFrame - firstFrame + 1);
  writer.unsigned(cd.seqWraps);
  writer.unsigned(sd.seqWraps);
  writer.unsigned(c.droppedEvents);
  writer.unsigned(wsMss(cd));
  writer.unsigned(wsMss(sd));
  writer.unsigned(uniqueBytes(cd));
  writer.unsigned(uniqueBytes(sd));
  writer.unsigned(cd.bytesAfterPeerFin);
  writer.unsigned(sd.bytesAfterPeerFin);
  writer.unsigned(Math.max(0, Math.round(c.initialRtt * 1e9)));
  put(I.NumbersAt);

  // Events; "from a/b" becomes "by client", relative seq/ack are kept as uint32.
  const events = c.eventData;
  const count = c.eventLength / EVENT_WIDTH;
  writer.begin(firstFrame, base);
  for (let j = 0; j < count; j++) {
    const e = j * EVENT_WIDTH;
    writer.unsigned(events[e]! + (events[e + 3] === ci ? 16 : 0) + events[e + 8]! * 32);
    writer.frame(events[e + 1]!);
    writer.micros(micros(events[e + 2]!));
    writer.unsigned(events[e + 4]! >>> 0);
    writer.signed(events[e + 5]! | 0);
    const ack = events[e + 6]!;
    writer.unsigned(ack === -1 ? 0 : (ack >>> 0) + 1);
    writer.signed(events[e + 7]! | 0);
  }
  put(I.EventsAt);
  ints[r + I.EventsLen] = count;

  ints[r + I.ResetsLen] = c.resets.length;
  ints[r + I.ResetsAt] = 0;
  if (c.resets.length > 0) {
    writer.begin(firstFrame, base);
    for (const x of c.resets) {
      writer.frame(x.frame);
      writer.unsigned(x.from === ci ? 1 : 0);
      writer.micros(micros(x.time));
    }
    put(I.ResetsAt);
  }

  const bitsC = cd.classUnion;
  const bitsS = sd.classUnion;
  ints[r + I.ClassBits] = bitsC | (bitsS << SERVER_CLASS_SHIFT);
  ints[r + I.ClassesLen] = 0;
  ints[r + I.ClassesAt] = 0;
  if (bitsC !== 0 || bitsS !== 0) {
    writer.reset();
    const n = writeClassCounts(cd, 1) + writeClassCounts(sd, 0);
    put(I.ClassesAt);
    ints[r + I.ClassesLen] = n;
  }
  const z = c.zeek.summarize();
  ints[r + I.Flags]! |= ZEEK_CONN_STATES.indexOf(z.connState) << ZEEK_STATE_SHIFT;
  ints[r + I.ZeekHistory] = store.intern(z.history);
  if (c.series !== null) {
    store.series.set(c.id, {
      window: { client: series(c.series.window[ci]), server: series(c.series.window[si]) },
      acked: { client: series(c.series.acked[ci]), server: series(c.series.acked[si]) },
    });
  }
}

/** One endpoint's packed (state, frame, time) changes into the shared writer. */
function writePacked(st: EndpointState): void {
  const p = st.packed;
  for (let k = 0; k < st.packedLength; k += 3) writer.state(p[k]!, p[k + 1]!, micros(p[k + 2]!));
}

/** One side's class counts into the shared writer (byClient, class index, count each); how many. */
function writeClassCounts(d: Direction, byClient: number): number {
  const counts = d.classCounts;
  if (counts === null) return 0;
  let n = 0;
  for (let bits = d.classUnion, j = 0; bits !== 0; bits >>>= 1, j++) {
    if ((bits & 1) === 0) continue;
    writer.unsigned(byClient);
    writer.unsigned(j);
    writer.unsigned(counts[j]!);
    n++;
  }
  return n;
}

/** A side's window scale and MSS in one number (see MSS_BITS); an absent value is -1. */
function wsMss(d: Direction): number {
  const ws = d.winScale >= 0 ? d.winScale : -1;
  return ((d.mss + 1) % (1 << MSS_BITS)) + (ws + 1) * (1 << MSS_BITS);
}

/** IPv4 addresses by their 32-bit value: formatted and interned once per store. */
function addressIndex(store: SummaryStore, c: Connection, which: 0 | 1, version: 4 | 6): number {
  if (version === 6) return store.intern(formatAddress(c.words(which), 0, 6));
  const v = which === 0 ? c.a3 : c.b3;
  let index = store.ipv4Index.get(v);
  if (index === undefined) {
    index = store.intern(formatAddress(c.words(which), 0, 4));
    store.ipv4Index.set(v, index);
  }
  return index;
}

function uniqueBytes(d: Direction): number {
  if (!d.nextSeqSet || !d.baseSet) return 0;
  let n = seqRelative(d.nextSeq, d.base) - 1; // less the SYN (or the base offset)
  if (d.finCount > 0) n--;
  return Math.max(0, n) + d.seqWraps * 4294967296;
}

function series(s: Series): SeriesRecord {
  return { t: s.t.map(round6), v: [...s.v] };
}
