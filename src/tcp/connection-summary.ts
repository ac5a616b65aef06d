import { isoTime } from '../capture/frame.js';
import type {
  ConnectionRecord, Endpoint, EventRecord, PerSide, Side, StateChangeRecord,
} from './connection-record.js';
import { CLASS_KEYS, classNames, type ClassKey } from './classes.js';
import { TCP_STATE_NAMES, type TcpStateName } from './endpoint-state.js';
import { EVENT_KINDS } from './events.js';
import { ZEEK_CONN_STATES } from './zeek-conn-state.js';
import { F, I, SummaryStore } from './summary-store.js';
import {
  FLAG_IPV6, ROLE_SHIFT, CLOSED_FIRST_SHIFT, FLAG_EVICTED, FIRST_CLOSE_BY_SHIFT, FLAG_FIRST_CLOSE_RST,
  FINAL_C_SHIFT, FINAL_S_SHIFT, FLAG_ZEEK_ORIG_IS_CLIENT, ZEEK_STATE_SHIFT, SERVER_CLASS_SHIFT,
  STATE_TIMER, MAX_LATE_LISTED_RESETS, MSS_BITS, N, ROLE_BASES, CLOSE_KINDS, TIME_WAIT, CLOSED, round6,
  micros, side, DetailReader, writer, reader, StateList, scratchIn, scratchOut,
} from './record-format.js';

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

  /** The application layer's result (src/http/: connections[].http), null when it did not run or saw nothing. */
  get http(): unknown {
    const decode = this.store.decodeApplication;
    const n = this.int(I.AppLen);
    if (decode === null || n === 0) return null;
    const at = this.int(I.AppAt);
    return decode(this.store.bytePage(at), SummaryStore.byteOffset(at), n, this.store);
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
      evicted: this.evicted, zeek: this.zeek, tunnel: this.tunnel, http: this.http,
    };
  }
}

