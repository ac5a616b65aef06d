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

/**
 * The summary of a finished connection, as the JSON schema describes it (`ConnectionRecord`), stored
 * packed: plain numbers, shared strings, and flat number arrays for its state changes and events.
 * A busy capture keeps hundreds of thousands of these; the nested objects of the public shape are
 * built on access (getters) and by `toJSON()`, one record at a time, and then dropped.
 */
const STATE_CODE = new Map(TCP_STATE_NAMES.map((n, i) => [n, i]));
/** Numbers per packed state change: state, frame (-1 for a timer), time. */
const STATE_WIDTH = 3;

const NO_CLASSES: Partial<Record<ClassKey, number>> = Object.freeze({});
const NO_NUMBERS: number[] = Object.freeze([]) as unknown as number[];
const NO_RESETS: { frame: number; by: Side; time: number }[] = Object.freeze([]) as unknown as { frame: number; by: Side; time: number }[];

/** Strings that repeat across connections (addresses, Zeek histories): one copy each. */
const interned = new Map<string, string>();
function intern(text: string): string {
  const known = interned.get(text);
  if (known !== undefined) return known;
  if (interned.size < 200_000) interned.set(text, text);
  return text;
}

/** IPv4 addresses by their 32-bit value: formatted once, shared by every record. */
const ipv4Text = new Map<number, string>();
function addressText(words: Uint32Array, version: 4 | 6): string {
  if (version === 6) return intern(formatAddress(words, 0, 6));
  const v = words[3]!;
  let text = ipv4Text.get(v);
  if (text === undefined) {
    text = formatAddress(words, 0, 4);
    if (ipv4Text.size < 200_000) ipv4Text.set(v, text);
  }
  return text;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function side(isClient: boolean): Side {
  return isClient ? 'client' : 'server';
}

export class ConnectionSummary implements ConnectionRecord {
  readonly id: number;
  readonly ipVersion: 4 | 6;
  readonly roleBasis: 'syn' | 'synack' | 'guess';
  readonly firstFrame: number;
  lastFrame: number;
  readonly closedFirstBy: Side | 'both' | null;
  readonly firstFinFrame: number | null;
  readonly resets: { frame: number; by: Side; time: number }[];
  readonly eventsDropped: number;
  latePackets = 0;
  readonly evicted: boolean;
  readonly analysis: PerSide<Partial<Record<ClassKey, number>>>;

  private readonly clientIp: string;
  private readonly serverIp: string;
  private readonly clientPort: number;
  private readonly serverPort: number;
  private readonly startSec: number;
  private readonly startNsec: number;
  private endSec: number;
  private endNsec: number;
  private pktC: number;
  private pktS: number;
  private bytesC: number;
  private bytesS: number;
  private readonly uniqC: number;
  private readonly uniqS: number;
  private readonly finC: number;
  private readonly finS: number;
  private readonly firstCloseBy: Side | null;
  private readonly firstCloseKind: 'FIN' | 'RST';
  private readonly firstCloseFrame: number;
  private finalC: TcpStateName;
  private finalS: TcpStateName;
  /** Client changes then server changes, STATE_WIDTH numbers each; `stateSplit` numbers are the client's. */
  private statesPacked: number[];
  private stateSplit: number;
  private readonly synFrame: number;
  private readonly synAckFrame: number;
  private readonly rtt: number;
  private readonly wsC: number;
  private readonly wsS: number;
  private readonly mssC: number;
  private readonly mssS: number;
  private readonly wrapsC: number;
  private readonly wrapsS: number;
  private readonly afterFinC: number;
  private readonly afterFinS: number;
  private readonly eventsPacked: number[];
  private readonly seriesData: { window: PerSide<SeriesRecord>; acked: PerSide<SeriesRecord> } | null;
  private readonly zeekState: string;
  private readonly zeekHistory: string;
  private readonly zeekOrigIsClient: boolean;

  constructor(c: Connection) {
    const ci = c.client;
    const si: 0 | 1 = ci === 0 ? 1 : 0;
    const cd = c.dirs[ci];
    const sd = c.dirs[si];
    this.id = c.id;
    this.ipVersion = c.ipVersion;
    this.roleBasis = c.roleBasis;
    this.firstFrame = c.firstFrame;
    this.lastFrame = c.lastFrame;
    this.clientIp = addressText(ci === 0 ? c.aAddr : c.bAddr, c.ipVersion);
    this.serverIp = addressText(si === 0 ? c.aAddr : c.bAddr, c.ipVersion);
    this.clientPort = ci === 0 ? c.aPort : c.bPort;
    this.serverPort = si === 0 ? c.aPort : c.bPort;
    this.startSec = c.startSec;
    this.startNsec = c.startNsec;
    this.endSec = c.endSec;
    this.endNsec = c.endNsec;
    this.pktC = cd.packets;
    this.pktS = sd.packets;
    this.bytesC = cd.payloadBytes;
    this.bytesS = sd.payloadBytes;
    this.uniqC = uniqueBytes(cd);
    this.uniqS = uniqueBytes(sd);
    this.finC = cd.finCount > 0 ? cd.firstFinFrame : -1;
    this.finS = sd.finCount > 0 ? sd.firstFinFrame : -1;
    const firstFin = c.firstFinFrom === -1 ? null : c.dirs[c.firstFinFrom].firstFinFrame;
    this.firstFinFrame = firstFin;
    this.closedFirstBy = c.firstFinFrom === -1 ? null : c.simultaneousClose ? 'both' : side(c.firstFinFrom === ci);
    const firstReset = c.resets[0];
    if (firstFin !== null && (firstReset === undefined || firstFin < firstReset.frame)) {
      [this.firstCloseBy, this.firstCloseKind, this.firstCloseFrame] = [side(c.firstFinFrom === ci), 'FIN', firstFin];
    } else if (firstReset !== undefined) {
      [this.firstCloseBy, this.firstCloseKind, this.firstCloseFrame] = [side(firstReset.from === ci), 'RST', firstReset.frame];
    } else {
      [this.firstCloseBy, this.firstCloseKind, this.firstCloseFrame] = [null, 'FIN', 0];
    }
    this.resets = c.resets.length === 0 ? NO_RESETS : c.resets.map((r) => ({ frame: r.frame, by: side(r.from === ci), time: round6(r.time) }));
    this.finalC = c.states[ci].name;
    this.finalS = c.states[si].name;
    this.statesPacked = c.states[ci].packed.concat(c.states[si].packed);
    this.stateSplit = c.states[ci].packed.length;
    this.synFrame = c.synFrame;
    this.synAckFrame = c.synAckFrame;
    this.rtt = c.initialRtt;
    this.wsC = cd.winScale;
    this.wsS = sd.winScale;
    this.mssC = cd.mss;
    this.mssS = sd.mss;
    this.wrapsC = cd.seqWraps;
    this.wrapsS = sd.seqWraps;
    this.afterFinC = cd.bytesAfterPeerFin;
    this.afterFinS = sd.bytesAfterPeerFin;
    this.analysis = cd.classCounts === null && sd.classCounts === null
      ? { client: NO_CLASSES, server: NO_CLASSES }
      : { client: classCounts(cd), server: classCounts(sd) };
    // An exact-size copy (a pushed-to array keeps spare capacity), "from a/b" turned into "by client".
    const events = c.eventData;
    if (events.length === 0) this.eventsPacked = NO_NUMBERS;
    else {
      const packed = events.slice();
      for (let k = 3; k < packed.length; k += EVENT_WIDTH) packed[k] = packed[k] === ci ? 1 : 0;
      this.eventsPacked = packed;
    }
    this.eventsDropped = c.droppedEvents;
    this.seriesData = c.series === null ? null : {
      window: { client: series(c.series.window[ci]), server: series(c.series.window[si]) },
      acked: { client: series(c.series.acked[ci]), server: series(c.series.acked[si]) },
    };
    this.evicted = c.evicted;
    const z = c.zeek.summarize();
    this.zeekState = intern(z.connState);
    this.zeekHistory = intern(z.history);
    this.zeekOrigIsClient = c.zeek.originator === ci;
  }

  get client(): Endpoint {
    return { ip: this.clientIp, port: this.clientPort };
  }

  get server(): Endpoint {
    return { ip: this.serverIp, port: this.serverPort };
  }

  get roleGuessed(): boolean {
    return this.roleBasis === 'guess';
  }

  get startTime(): string {
    return isoTime(this.startSec, this.startNsec);
  }

  get endTime(): string {
    return isoTime(this.endSec, this.endNsec);
  }

  get durationSec(): number {
    return round6(this.endSec - this.startSec + (this.endNsec - this.startNsec) / 1e9);
  }

  get packets(): PerSide<number> {
    return { client: this.pktC, server: this.pktS };
  }

  get payloadBytes(): PerSide<number> {
    return { client: this.bytesC, server: this.bytesS };
  }

  get uniqueBytes(): PerSide<number> {
    return { client: this.uniqC, server: this.uniqS };
  }

  get finFrames(): PerSide<number | null> {
    return { client: this.finC < 0 ? null : this.finC, server: this.finS < 0 ? null : this.finS };
  }

  get firstClose(): ConnectionRecord['firstClose'] {
    return this.firstCloseBy === null ? null : { by: this.firstCloseBy, kind: this.firstCloseKind, frame: this.firstCloseFrame };
  }

  get finalState(): PerSide<TcpStateName> {
    return { client: this.finalC, server: this.finalS };
  }

  get states(): PerSide<StateChangeRecord[]> {
    return {
      client: unpackStates(this.statesPacked, 0, this.stateSplit),
      server: unpackStates(this.statesPacked, this.stateSplit, this.statesPacked.length),
    };
  }

  get handshake(): ConnectionRecord['handshake'] {
    return { synFrame: this.synFrame || null, synAckFrame: this.synAckFrame || null, rttMs: this.rtt > 0 ? round6(this.rtt * 1000) : null };
  }

  get windowScale(): PerSide<number | null> {
    return { client: this.wsC >= 0 ? this.wsC : null, server: this.wsS >= 0 ? this.wsS : null };
  }

  get mss(): PerSide<number | null> {
    return { client: this.mssC >= 0 ? this.mssC : null, server: this.mssS >= 0 ? this.mssS : null };
  }

  get seqWraps(): PerSide<number> {
    return { client: this.wrapsC, server: this.wrapsS };
  }

  get bytesAfterPeerFin(): PerSide<number> {
    return { client: this.afterFinC, server: this.afterFinS };
  }

  get events(): EventRecord[] {
    const p = this.eventsPacked;
    const out: EventRecord[] = [];
    for (let k = 0; k < p.length; k += EVENT_WIDTH) {
      const e: EventRecord = {
        kind: EVENT_KINDS[p[k]!]!, frame: p[k + 1]!, time: p[k + 2]!, by: side(p[k + 3] === 1),
        seq: p[k + 4]!, len: p[k + 5]!, ack: p[k + 6]!, window: p[k + 7]!,
      };
      if (p[k + 8] !== 0) e.classes = classNames(p[k + 8]!);
      out.push(e);
    }
    return out;
  }

  get series(): ConnectionRecord['series'] {
    return this.seriesData;
  }

  get zeek(): ConnectionRecord['zeek'] {
    return { connState: this.zeekState, history: this.zeekHistory, originator: side(this.zeekOrigIsClient) };
  }

  /** A packet that arrived after the summary was made (see Tombstone). */
  addLatePacket(isClient: boolean, payload: number, frame: number, sec: number, nsec: number): void {
    if (isClient) {
      this.pktC++;
      this.bytesC += payload;
    } else {
      this.pktS++;
      this.bytesS += payload;
    }
    this.lastFrame = frame;
    this.endSec = sec;
    this.endNsec = nsec;
    this.latePackets++;
  }

  /**
   * Resolves TIME_WAIT against the end of the capture: past 2×MSL the socket is gone (Linux: 60 s,
   * TCP_TIMEWAIT_LEN), so the final state is CLOSED, with the expiry as a timer-driven change.
   */
  settleTimeWait(captureEnd: number, timeWaitSec: number): void {
    for (const isClient of [true, false]) {
      if ((isClient ? this.finalC : this.finalS) !== 'TIME_WAIT') continue;
      const end = isClient ? this.stateSplit : this.statesPacked.length;
      if (end === (isClient ? 0 : this.stateSplit)) continue;
      const entered = this.statesPacked[end - 1]!;
      if (captureEnd - entered < timeWaitSec) continue;
      const closed = [STATE_CODE.get('CLOSED')!, -1, entered + timeWaitSec];
      this.statesPacked = [...this.statesPacked.slice(0, end), ...closed, ...this.statesPacked.slice(end)];
      if (isClient) {
        this.stateSplit += STATE_WIDTH;
        this.finalC = 'CLOSED';
      } else this.finalS = 'CLOSED';
    }
  }

  /** The documented JSON shape, in the documented order. */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id, ipVersion: this.ipVersion, client: this.client, server: this.server, roleGuessed: this.roleGuessed,
      roleBasis: this.roleBasis, firstFrame: this.firstFrame, lastFrame: this.lastFrame, startTime: this.startTime,
      endTime: this.endTime, durationSec: this.durationSec, packets: this.packets, payloadBytes: this.payloadBytes,
      uniqueBytes: this.uniqueBytes, closedFirstBy: this.closedFirstBy, firstFinFrame: this.firstFinFrame,
      finFrames: this.finFrames, firstClose: this.firstClose, resets: this.resets, finalState: this.finalState,
      states: this.states, handshake: this.handshake, windowScale: this.windowScale, mss: this.mss,
      seqWraps: this.seqWraps, bytesAfterPeerFin: this.bytesAfterPeerFin, analysis: this.analysis,
      events: this.events, eventsDropped: this.eventsDropped, series: this.series, latePackets: this.latePackets,
      evicted: this.evicted, zeek: this.zeek,
    };
  }
}

function unpackStates(p: number[], from: number, to: number): StateChangeRecord[] {
  const out: StateChangeRecord[] = [];
  for (let k = from; k < to; k += STATE_WIDTH) {
    out.push({ state: TCP_STATE_NAMES[p[k]!]!, frame: p[k + 1]! < 0 ? null : p[k + 1]!, time: round6(p[k + 2]!) });
  }
  return out;
}

/** The summary of a connection; after this the Connection object can be dropped. */
export function buildRecord(c: Connection): ConnectionSummary {
  return new ConnectionSummary(c);
}

function uniqueBytes(d: Direction): number {
  if (!d.nextSeqSet || !d.baseSet) return 0;
  let n = seqRelative(d.nextSeq, d.base) - 1; // less the SYN (or the base offset)
  if (d.finCount > 0) n--;
  return Math.max(0, n) + d.seqWraps * 4294967296;
}

function classCounts(d: Direction): Partial<Record<ClassKey, number>> {
  const counts = d.classCounts;
  if (counts === null) return NO_CLASSES;
  const out: Partial<Record<ClassKey, number>> = {};
  for (let i = 0; i < CLASS_COUNT; i++) if (counts[i]) out[CLASS_KEYS[i]!] = counts[i]!;
  return out;
}

function series(s: Series): SeriesRecord {
  return { t: s.t.map(round6), v: [...s.v] };
}
