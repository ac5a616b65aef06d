import { isoTime } from '../capture/frame.js';
import { formatAddress } from '../decode/address.js';
import type {
  ConnectionRecord, Endpoint, EventRecord, PerSide, SeriesRecord, Side, StateChangeRecord,
} from '../model.js';
import { CLASS_COUNT, CLASS_KEYS, classNames, type ClassKey } from './classes.js';
import type { Connection } from './connection.js';
import type { Direction } from './direction.js';
import { TCP_STATE_NAMES, type TcpStateName } from './endpoint-state.js';
import { EVENT_KINDS, EVENT_WIDTH, type Series } from './events.js';
import { seqRelative } from './seq.js';
import { F, I, SummaryStore } from './summary-store.js';

/** Numbers per state change in the blob: state, frame (-1 for a timer), time. */
const STATE_WIDTH = 3;
/**
 * Integers per event in the integer blob: head (kind | byClient << 4 | classes << 5), frame, seq,
 * len, ack, window. Kinds fit 4 bits (13 of them), classes 15.
 */
const EVENT_INTS = 6;
/** Numbers per reset in the blob: frame, byClient, time. */
const RESET_WIDTH = 3;
/** Numbers per class count in the blob: byClient, class index, count. */
const CLASS_WIDTH = 3;
const ROLE_BASES = ['syn', 'synack', 'guess'] as const;
const CLOSE_KINDS = ['FIN', 'RST'] as const;
const TIME_WAIT = TCP_STATE_NAMES.indexOf('TIME_WAIT');
const CLOSED = TCP_STATE_NAMES.indexOf('CLOSED');

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function side(isClient: boolean): Side {
  return isClient ? 'client' : 'server';
}

/**
 * One finished connection: a view onto its row of the SummaryStore. It has the public
 * ConnectionRecord shape through getters (objects built on access, then dropped) and `toJSON()` for
 * the report writer, so a capture with 200,000 connections keeps 200,000 small views, not object graphs.
 */
export class ConnectionSummary implements ConnectionRecord {
  // Three fields only: a capture with 200,000 connections keeps 200,000 of these. `row` is the
  // connection's row in its store; `id` its tcp.stream, the same unless the capture was analysed in
  // shards (analyze-shards.ts), each with a store of its own.
  constructor(private readonly store: SummaryStore, private readonly row: number, readonly id: number = row) {}

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

  /** The blob page and local start of a slice whose global position is in column `col`. */
  private slice(col: I): [Float64Array, number] {
    const at = this.int(col);
    return [this.store.blobPage(at), SummaryStore.local(at)];
  }

  private orNull(col: I): number | null {
    const v = this.int(col);
    return v < 0 ? null : v;
  }

  // Allocation-free reads for the findings layer (findings/socket-table.ts), which visits every
  // connection of a large capture: the getters below build objects on every access.

  /** The interned address string of the client (true) or server (false). */
  ipOf(isClient: boolean): string {
    return this.store.string(this.int(isClient ? I.ClientIp : I.ServerIp));
  }

  portOf(isClient: boolean): number {
    return this.int(isClient ? I.ClientPort : I.ServerPort);
  }

  /** The first FIN frame of the client (true) or server (false); -1 when it sent none. */
  finFrameOf(isClient: boolean): number {
    return this.int(isClient ? I.FinC : I.FinS);
  }

  /** finalState as a TcpState code. */
  finalStateCode(isClient: boolean): number {
    return this.int(isClient ? I.FinalC : I.FinalS);
  }

  /** closedFirstBy as a number: -1 none, 0 client, 1 server, 2 both. */
  get closedFirstCode(): number {
    return this.int(I.ClosedFirstBy);
  }

  /** RSTs sent by the client (true) or the server (false). */
  resetsSentBy(isClient: boolean): number {
    if (this.int(I.ResetsLen) === 0) return 0;
    const [b, at] = this.slice(I.ResetsAt);
    const want = isClient ? 1 : 0;
    let n = 0;
    for (let k = at; k < at + this.int(I.ResetsLen); k += RESET_WIDTH) if (b[k + 1] === want) n++;
    return n;
  }

  /** The union of the segment-class bits (classes.ts) of the frames one side sent. */
  classBits(isClient: boolean): number {
    return this.int(isClient ? I.ClassBitsC : I.ClassBitsS);
  }

  /** State changes: the client's are [0, stateSplit), the server's [stateSplit, stateCount). */
  get stateCount(): number {
    return this.int(I.StatesLen);
  }

  get stateSplit(): number {
    return this.int(I.StateSplit);
  }

  /**
   * Copies the state changes into `codes`, `frames` and `times` (times rounded like `states`; each at
   * least `stateCount` long): one page lookup for all of them.
   */
  copyStates(codes: Int32Array, frames: Int32Array, times: Float64Array): void {
    const n = this.int(I.StatesLen);
    const at = this.int(I.StatesAt);
    const ib = this.store.intBlobPage(at);
    const i0 = SummaryStore.local(at);
    const tAt = this.int(I.StateTimesAt);
    const fb = this.store.blobPage(tAt);
    const f0 = SummaryStore.local(tAt);
    for (let j = 0; j < n; j++) {
      codes[j] = ib[i0 + 2 * j]!;
      frames[j] = ib[i0 + 2 * j + 1]!;
      times[j] = round6(fb[f0 + j]!);
    }
  }

  /** TcpState code of change j. */
  stateCode(j: number): number {
    const at = this.int(I.StatesAt);
    return this.store.intBlobPage(at)[SummaryStore.local(at) + 2 * j]!;
  }

  /** Frame of change j; -1 for a timer. */
  stateFrame(j: number): number {
    const at = this.int(I.StatesAt);
    return this.store.intBlobPage(at)[SummaryStore.local(at) + 2 * j + 1]!;
  }

  /** Epoch seconds of change j (rounded like `states`). */
  stateTime(j: number): number {
    const at = this.int(I.StateTimesAt);
    return round6(this.store.blobPage(at)[SummaryStore.local(at) + j]!);
  }

  get ipVersion(): 4 | 6 {
    return this.int(I.IpVersion) as 4 | 6;
  }

  get roleBasis(): 'syn' | 'synack' | 'guess' {
    return ROLE_BASES[this.int(I.RoleBasis)]!;
  }

  get roleGuessed(): boolean {
    return this.int(I.RoleBasis) === 2;
  }

  get firstFrame(): number {
    return this.int(I.FirstFrame);
  }

  get lastFrame(): number {
    return this.int(I.LastFrame);
  }

  get client(): Endpoint {
    return { ip: this.store.string(this.int(I.ClientIp)), port: this.int(I.ClientPort) };
  }

  get server(): Endpoint {
    return { ip: this.store.string(this.int(I.ServerIp)), port: this.int(I.ServerPort) };
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
    return { client: this.float(F.UniqC), server: this.float(F.UniqS) };
  }

  get closedFirstBy(): Side | 'both' | null {
    const v = this.int(I.ClosedFirstBy);
    return v < 0 ? null : v === 2 ? 'both' : side(v === 0);
  }

  get firstFinFrame(): number | null {
    return this.orNull(I.FirstFinFrame);
  }

  get finFrames(): PerSide<number | null> {
    return { client: this.orNull(I.FinC), server: this.orNull(I.FinS) };
  }

  get firstClose(): ConnectionRecord['firstClose'] {
    const by = this.int(I.FirstCloseBy);
    if (by < 0) return null;
    return { by: side(by === 0), kind: CLOSE_KINDS[this.int(I.FirstCloseKind)]!, frame: this.int(I.FirstCloseFrame) };
  }

  get resets(): { frame: number; by: Side; time: number }[] {
    const [b, at] = this.slice(I.ResetsAt);
    const out: { frame: number; by: Side; time: number }[] = [];
    for (let k = at; k < at + this.int(I.ResetsLen); k += RESET_WIDTH) out.push({ frame: b[k]!, by: side(b[k + 1] === 1), time: round6(b[k + 2]!) });
    return out;
  }

  get finalState(): PerSide<TcpStateName> {
    return { client: TCP_STATE_NAMES[this.int(I.FinalC)]!, server: TCP_STATE_NAMES[this.int(I.FinalS)]! };
  }

  get states(): PerSide<StateChangeRecord[]> {
    const at = this.int(I.StatesAt);
    const ib = this.store.intBlobPage(at);
    const i0 = SummaryStore.local(at);
    const [fb, f0] = this.slice(I.StateTimesAt);
    const split = this.int(I.StateSplit);
    const n = this.int(I.StatesLen);
    const read = (from: number, to: number): StateChangeRecord[] => {
      const out: StateChangeRecord[] = [];
      for (let j = from; j < to; j++) {
        const frame = ib[i0 + 2 * j + 1]!;
        out.push({ state: TCP_STATE_NAMES[ib[i0 + 2 * j]!]!, frame: frame < 0 ? null : frame, time: round6(fb[f0 + j]!) });
      }
      return out;
    };
    return { client: read(0, split), server: read(split, n) };
  }

  get handshake(): ConnectionRecord['handshake'] {
    const rtt = this.float(F.Rtt);
    return { synFrame: this.int(I.SynFrame) || null, synAckFrame: this.int(I.SynAckFrame) || null, rttMs: rtt > 0 ? round6(rtt * 1000) : null };
  }

  get windowScale(): PerSide<number | null> {
    return { client: this.orNull(I.WsC), server: this.orNull(I.WsS) };
  }

  get mss(): PerSide<number | null> {
    return { client: this.orNull(I.MssC), server: this.orNull(I.MssS) };
  }

  get seqWraps(): PerSide<number> {
    return { client: this.int(I.WrapsC), server: this.int(I.WrapsS) };
  }

  get bytesAfterPeerFin(): PerSide<number> {
    return { client: this.float(F.AfterFinC), server: this.float(F.AfterFinS) };
  }

  get analysis(): PerSide<Partial<Record<ClassKey, number>>> {
    const out: PerSide<Partial<Record<ClassKey, number>>> = { client: {}, server: {} };
    const [b, at] = this.slice(I.ClassesAt);
    for (let k = at; k < at + this.int(I.ClassesLen); k += CLASS_WIDTH) out[side(b[k] === 1)][CLASS_KEYS[b[k + 1]!]!] = b[k + 2]!;
    return out;
  }

  get events(): EventRecord[] {
    const at = this.int(I.EventsAt);
    const ib = this.store.intBlobPage(at);
    const i0 = SummaryStore.local(at);
    const [fb, f0] = this.slice(I.EventTimesAt);
    const out: EventRecord[] = [];
    const n = this.int(I.EventsLen);
    for (let j = 0; j < n; j++) {
      const k = i0 + j * EVENT_INTS;
      const head = ib[k]!;
      const ack = ib[k + 4]!;
      const e: EventRecord = {
        kind: EVENT_KINDS[head & 15]!, frame: ib[k + 1]!, time: fb[f0 + j]!, by: side(((head >>> 4) & 1) === 1),
        seq: ib[k + 2]! >>> 0, len: ib[k + 3]!, ack: ack === -1 ? -1 : ack >>> 0, window: ib[k + 5]!,
      };
      const classes = head >>> 5;
      if (classes !== 0) e.classes = classNames(classes);
      out.push(e);
    }
    return out;
  }

  get eventsDropped(): number {
    return this.int(I.EventsDropped);
  }

  get series(): ConnectionRecord['series'] {
    return this.store.series.get(this.row) ?? null;
  }

  get latePackets(): number {
    return this.int(I.LatePackets);
  }

  get evicted(): boolean {
    return this.int(I.Evicted) === 1;
  }

  get zeek(): ConnectionRecord['zeek'] {
    return {
      connState: this.store.string(this.int(I.ZeekState)),
      history: this.store.string(this.int(I.ZeekHistory)),
      originator: side(this.int(I.ZeekOrigIsClient) === 1),
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
    const [b, at] = this.slice(I.ResetsAt);
    const resets: number[] = [];
    for (let k = at; k < at + ints[i + I.ResetsLen]!; k++) resets.push(b[k]!);
    resets.push(frame, byClient ? 1 : 0, time);
    ints[i + I.ResetsAt] = this.store.append(resets);
    ints[i + I.ResetsLen] = resets.length;
    if (ints[i + I.FirstCloseBy]! < 0) {
      ints[i + I.FirstCloseBy] = byClient ? 0 : 1;
      ints[i + I.FirstCloseKind] = 1;
      ints[i + I.FirstCloseFrame] = frame;
    }
    // Append CLOSED to each side that was not closed yet.
    const split = ints[i + I.StateSplit]!;
    const n = ints[i + I.StatesLen]!;
    const sAt = ints[i + I.StatesAt]!;
    const ib = this.store.intBlobPage(sAt);
    const i0 = SummaryStore.local(sAt);
    const [fb, f0] = this.slice(I.StateTimesAt);
    const codes: number[] = [];
    const times: number[] = [];
    let added = 0;
    for (const [from, to, finalCol] of [[0, split, I.FinalC], [split, n, I.FinalS]] as const) {
      for (let j = from; j < to; j++) {
        codes.push(ib[i0 + 2 * j]!, ib[i0 + 2 * j + 1]!);
        times.push(fb[f0 + j]!);
      }
      if (ints[i + finalCol] !== CLOSED) {
        codes.push(CLOSED, frame);
        times.push(time);
        ints[i + finalCol] = CLOSED;
        added++;
        if (finalCol === I.FinalC) ints[i + I.StateSplit] = split + 1;
      }
    }
    writeStates(this.store, ints, i, codes, times);
    ints[i + I.StatesLen] = n + added;
  }

  /**
   * Resolves TIME_WAIT against the end of the capture: past 2×MSL the socket is gone (Linux: 60 s,
   * TCP_TIMEWAIT_LEN), so the final state is CLOSED, with the expiry as a timer-driven change.
   */
  settleTimeWait(captureEnd: number, timeWaitSec: number): void {
    const ints = this.ints;
    for (const isClient of [true, false]) {
      if (ints[this.i + (isClient ? I.FinalC : I.FinalS)] !== TIME_WAIT) continue;
      const split = ints[this.i + I.StateSplit]!;
      const n = ints[this.i + I.StatesLen]!;
      const last = isClient ? split : n;
      if (last === (isClient ? 0 : split)) continue;
      const at = ints[this.i + I.StatesAt]!;
      const ib = this.store.intBlobPage(at);
      const i0 = SummaryStore.local(at);
      const [fb, f0] = this.slice(I.StateTimesAt);
      const entered = fb[f0 + last - 1]!;
      if (captureEnd - entered < timeWaitSec) continue;
      // Copy the changes with the timer's CLOSED inserted after this side's last one.
      const codes: number[] = [];
      const times: number[] = [];
      for (let j = 0; j < n; j++) {
        if (j === last) {
          codes.push(CLOSED, -1);
          times.push(entered + timeWaitSec);
        }
        codes.push(ib[i0 + 2 * j]!, ib[i0 + 2 * j + 1]!);
        times.push(fb[f0 + j]!);
      }
      if (last === n) {
        codes.push(CLOSED, -1);
        times.push(entered + timeWaitSec);
      }
      writeStates(this.store, ints, this.i, codes, times);
      ints[this.i + I.StatesLen] = n + 1;
      if (isClient) ints[this.i + I.StateSplit] = split + 1;
      ints[this.i + (isClient ? I.FinalC : I.FinalS)] = CLOSED;
    }
  }

  /** The documented JSON shape, in the documented order. */
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
      evicted: this.evicted, zeek: this.zeek,
    };
  }
}

/** Writes a finished connection into the store and returns its view; the Connection can then go. */
export function buildRecord(c: Connection, store: SummaryStore): ConnectionSummary {
  const ci = c.client;
  const si: 0 | 1 = ci === 0 ? 1 : 0;
  const cd = c.dirs[ci];
  const sd = c.dirs[si];
  const ints = store.intPage(c.id);
  const floats = store.floatPage(c.id);
  const r = SummaryStore.rowIndex(c.id, I.Width);
  const q = SummaryStore.rowIndex(c.id, F.Width);
  ints[r + I.Id] = c.id;
  ints[r + I.IpVersion] = c.ipVersion;
  ints[r + I.RoleBasis] = c.roleBasis === 'syn' ? 0 : c.roleBasis === 'synack' ? 1 : 2;
  ints[r + I.FirstFrame] = c.firstFrame;
  ints[r + I.LastFrame] = c.lastFrame;
  ints[r + I.ClosedFirstBy] = c.firstFinFrom === -1 ? -1 : c.simultaneousClose ? 2 : c.firstFinFrom === ci ? 0 : 1;
  const firstFin = c.firstFinFrom === -1 ? -1 : c.dirs[c.firstFinFrom].firstFinFrame;
  ints[r + I.FirstFinFrame] = firstFin;
  ints[r + I.EventsDropped] = c.droppedEvents;
  ints[r + I.LatePackets] = 0;
  ints[r + I.Evicted] = c.evicted ? 1 : 0;
  ints[r + I.ClientIp] = addressIndex(store, c, ci, c.ipVersion);
  ints[r + I.ServerIp] = addressIndex(store, c, si, c.ipVersion);
  ints[r + I.ClientPort] = ci === 0 ? c.aPort : c.bPort;
  ints[r + I.ServerPort] = si === 0 ? c.aPort : c.bPort;
  floats[q + F.StartSec] = c.startSec;
  ints[r + I.StartNsec] = c.startNsec;
  floats[q + F.EndSec] = c.endSec;
  ints[r + I.EndNsec] = c.endNsec;
  ints[r + I.PktC] = cd.packets;
  ints[r + I.PktS] = sd.packets;
  floats[q + F.BytesC] = cd.payloadBytes;
  floats[q + F.BytesS] = sd.payloadBytes;
  floats[q + F.UniqC] = uniqueBytes(cd);
  floats[q + F.UniqS] = uniqueBytes(sd);
  ints[r + I.FinC] = cd.finCount > 0 ? cd.firstFinFrame : -1;
  ints[r + I.FinS] = sd.finCount > 0 ? sd.firstFinFrame : -1;
  const firstReset = c.resets[0];
  if (firstFin >= 0 && (firstReset === undefined || firstFin < firstReset.frame)) {
    ints[r + I.FirstCloseBy] = c.firstFinFrom === ci ? 0 : 1;
    ints[r + I.FirstCloseKind] = 0;
    ints[r + I.FirstCloseFrame] = firstFin;
  } else if (firstReset !== undefined) {
    ints[r + I.FirstCloseBy] = firstReset.from === ci ? 0 : 1;
    ints[r + I.FirstCloseKind] = 1;
    ints[r + I.FirstCloseFrame] = firstReset.frame;
  } else {
    ints[r + I.FirstCloseBy] = -1;
  }
  ints[r + I.FinalC] = c.states[ci].state;
  ints[r + I.FinalS] = c.states[si].state;
  const cs = c.states[ci];
  const ss = c.states[si];
  const changes = (cs.packedLength + ss.packedLength) / STATE_WIDTH;
  const codesAt = store.reserveInts(2 * changes);
  const stateTimesAt = store.reserve(changes);
  const codePage = store.intBlobPage(codesAt);
  const timePage = store.blobPage(stateTimesAt);
  let ci0 = SummaryStore.local(codesAt);
  let fi0 = SummaryStore.local(stateTimesAt);
  for (const st of [cs, ss]) {
    const p = st.packed;
    for (let k = 0; k < st.packedLength; k += STATE_WIDTH) {
      codePage[ci0++] = p[k]!;
      codePage[ci0++] = p[k + 1]!;
      timePage[fi0++] = p[k + 2]!;
    }
  }
  ints[r + I.StatesAt] = codesAt;
  ints[r + I.StateTimesAt] = stateTimesAt;
  ints[r + I.StatesLen] = changes;
  ints[r + I.StateSplit] = cs.packedLength / STATE_WIDTH;
  ints[r + I.SynFrame] = c.synFrame;
  ints[r + I.SynAckFrame] = c.synAckFrame;
  floats[q + F.Rtt] = c.initialRtt;
  ints[r + I.WsC] = cd.winScale >= 0 ? cd.winScale : -1;
  ints[r + I.WsS] = sd.winScale >= 0 ? sd.winScale : -1;
  ints[r + I.MssC] = cd.mss;
  ints[r + I.MssS] = sd.mss;
  ints[r + I.WrapsC] = cd.seqWraps;
  ints[r + I.WrapsS] = sd.seqWraps;
  floats[q + F.AfterFinC] = cd.bytesAfterPeerFin;
  floats[q + F.AfterFinS] = sd.bytesAfterPeerFin;
  // Events: six 32-bit numbers each (relative seq/ack stored as int32 bit patterns) plus the time
  // as a double; "from a/b" becomes "by client".
  const events = c.eventData;
  const count = c.eventLength / EVENT_WIDTH;
  const intsAt = store.reserveInts(count * EVENT_INTS);
  const timesAt = store.reserve(count);
  const ib = store.intBlobPage(intsAt);
  const fb = store.blobPage(timesAt);
  const i0 = SummaryStore.local(intsAt);
  const f0 = SummaryStore.local(timesAt);
  for (let j = 0; j < count; j++) {
    const e = j * EVENT_WIDTH;
    const k = i0 + j * EVENT_INTS;
    ib[k] = events[e]! | ((events[e + 3] === ci ? 1 : 0) << 4) | (events[e + 8]! << 5);
    ib[k + 1] = events[e + 1]!;
    fb[f0 + j] = events[e + 2]!;
    ib[k + 2] = events[e + 4]! | 0;
    ib[k + 3] = events[e + 5]!;
    ib[k + 4] = events[e + 6]! | 0;
    ib[k + 5] = events[e + 7]!;
  }
  ints[r + I.EventsAt] = intsAt;
  ints[r + I.EventTimesAt] = timesAt;
  ints[r + I.EventsLen] = count;
  ints[r + I.ResetsLen] = 0;
  if (c.resets.length > 0) {
    // Straight into the blob: a temporary array per record was a fifth of what a capture allocates.
    const n = c.resets.length * RESET_WIDTH;
    const at = store.reserve(n);
    const page = store.blobPage(at);
    let k = SummaryStore.local(at);
    for (const x of c.resets) {
      page[k++] = x.frame;
      page[k++] = x.from === ci ? 1 : 0;
      page[k++] = x.time;
    }
    ints[r + I.ResetsAt] = at;
    ints[r + I.ResetsLen] = n;
  }
  ints[r + I.ClassesLen] = 0;
  const bitsC = classBits(cd);
  const bitsS = classBits(sd);
  ints[r + I.ClassBitsC] = bitsC;
  ints[r + I.ClassBitsS] = bitsS;
  if (bitsC !== 0 || bitsS !== 0) {
    const n = (popCount(bitsC) + popCount(bitsS)) * CLASS_WIDTH;
    const at = store.reserve(n);
    const page = store.blobPage(at);
    let k = SummaryStore.local(at);
    for (const [d, byClient] of [[cd, 1], [sd, 0]] as const) {
      const counts = d.classCounts;
      if (counts === null) continue;
      for (let j = 0; j < CLASS_COUNT; j++) {
        if ((d.classUnion & (1 << j)) === 0) continue;
        page[k++] = byClient;
        page[k++] = j;
        page[k++] = counts[j]!;
      }
    }
    ints[r + I.ClassesAt] = at;
    ints[r + I.ClassesLen] = n;
  }
  const z = c.zeek.summarize();
  ints[r + I.ZeekState] = store.intern(z.connState);
  ints[r + I.ZeekHistory] = store.intern(z.history);
  ints[r + I.ZeekOrigIsClient] = c.zeek.originator === ci ? 1 : 0;
  if (c.series !== null) {
    store.series.set(c.id, {
      window: { client: series(c.series.window[ci]), server: series(c.series.window[si]) },
      acked: { client: series(c.series.acked[ci]), server: series(c.series.acked[si]) },
    });
  }
  return new ConnectionSummary(store, c.id);
}

function popCount(bits: number): number {
  let n = 0;
  for (let b = bits; b !== 0; b &= b - 1) n++;
  return n;
}

function classBits(d: Direction): number {
  return d.classUnion;
}

/** Stores state changes: (state, frame) pairs in the integer blob, times in the double blob. */
function writeStates(store: SummaryStore, ints: Int32Array, row: number, codes: readonly number[], times: readonly number[]): void {
  const at = store.reserveInts(codes.length);
  const ib = store.intBlobPage(at);
  const i0 = SummaryStore.local(at);
  for (let j = 0; j < codes.length; j++) ib[i0 + j] = codes[j]!;
  ints[row + I.StatesAt] = at;
  ints[row + I.StateTimesAt] = store.append(times);
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
