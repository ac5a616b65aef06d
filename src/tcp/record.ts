import { isoTime } from '../capture/frame.js';
import { formatAddress } from '../decode/address.js';
import type { ConnectionRecord, EventRecord, PerSide, Side } from '../model.js';
import { CLASS_COUNT, CLASS_KEYS, classNames, type ClassKey } from './classes.js';
import type { Connection } from './connection.js';
import type { Direction } from './direction.js';
import type { Series } from './events.js';
import { seqRelative } from './seq.js';

/**
 * Values most connections share are one frozen object each (a busy capture has hundreds of
 * thousands of records; identical {client: 0, server: 0} objects would cost megabytes).
 */
const ZERO_PAIR: PerSide<number> = Object.freeze({ client: 0, server: 0 }) as PerSide<number>;
const NULL_PAIR: PerSide<null> = Object.freeze({ client: null, server: null }) as PerSide<null>;
const NO_CLASSES: Partial<Record<ClassKey, number>> = Object.freeze({});
const NO_ANALYSIS = Object.freeze({ client: NO_CLASSES, server: NO_CLASSES }) as PerSide<Partial<Record<ClassKey, number>>>;
const NO_RESETS: ConnectionRecord['resets'] = Object.freeze([]) as unknown as ConnectionRecord['resets'];

function pair<T>(client: T, server: T, empty: T, shared: PerSide<T>): PerSide<T> {
  return client === empty && server === empty ? shared : { client, server };
}

/** Address strings repeat across connections (one client, few servers): keep one copy of each. */
const addressCache = new Map<string, string>();
function internedAddress(words: Uint32Array, version: 4 | 6): string {
  const text = formatAddress(words, 0, version);
  const known = addressCache.get(text);
  if (known !== undefined) return known;
  if (addressCache.size < 100_000) addressCache.set(text, text);
  return text;
}

/** The JSON summary of a connection; after this the Connection object can be dropped. */
export function buildRecord(c: Connection): ConnectionRecord {
  const ci = c.client;
  const si: 0 | 1 = ci === 0 ? 1 : 0;
  const cd = c.dirs[ci];
  const sd = c.dirs[si];
  const clientName = (i: 0 | 1): Side => (i === ci ? 'client' : 'server');
  const firstFin = c.firstFinFrom === -1 ? null : c.dirs[c.firstFinFrom].firstFinFrame;
  const firstReset = c.resets[0];
  let firstClose: ConnectionRecord['firstClose'] = null;
  if (firstFin !== null && (firstReset === undefined || firstFin < firstReset.frame)) {
    firstClose = { by: clientName(c.firstFinFrom as 0 | 1), kind: 'FIN', frame: firstFin };
  } else if (firstReset !== undefined) {
    firstClose = { by: clientName(firstReset.from), kind: 'RST', frame: firstReset.frame };
  }
  const zeek = c.zeek.summarize();
  return {
    id: c.id,
    ipVersion: c.ipVersion,
    client: { ip: internedAddress(ci === 0 ? c.aAddr : c.bAddr, c.ipVersion), port: ci === 0 ? c.aPort : c.bPort },
    server: { ip: internedAddress(si === 0 ? c.aAddr : c.bAddr, c.ipVersion), port: si === 0 ? c.aPort : c.bPort },
    roleGuessed: c.roleBasis === 'guess',
    roleBasis: c.roleBasis,
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    startTime: isoTime(c.startSec, c.startNsec),
    endTime: isoTime(c.endSec, c.endNsec),
    durationSec: round6(c.endSec - c.startSec + (c.endNsec - c.startNsec) / 1e9),
    packets: { client: cd.packets, server: sd.packets },
    payloadBytes: { client: cd.payloadBytes, server: sd.payloadBytes },
    uniqueBytes: pair(uniqueBytes(cd), uniqueBytes(sd), 0, ZERO_PAIR),
    closedFirstBy: c.firstFinFrom === -1 ? null : c.simultaneousClose ? 'both' : clientName(c.firstFinFrom),
    firstFinFrame: firstFin,
    finFrames: pair<number | null>(cd.finCount > 0 ? cd.firstFinFrame : null, sd.finCount > 0 ? sd.firstFinFrame : null, null, NULL_PAIR),
    firstClose,
    resets: c.resets.length === 0 ? NO_RESETS : c.resets.map((r) => ({ frame: r.frame, by: clientName(r.from), time: round6(r.time) })),
    finalState: { client: c.states[ci].name, server: c.states[si].name },
    // The endpoint's own change list, not a copy: it is no longer written to.
    states: { client: c.states[ci].changes, server: c.states[si].changes },
    handshake: {
      synFrame: c.synFrame || null,
      synAckFrame: c.synAckFrame || null,
      rttMs: c.initialRtt > 0 ? round6(c.initialRtt * 1000) : null,
    },
    windowScale: pair<number | null>(cd.winScale >= 0 ? cd.winScale : null, sd.winScale >= 0 ? sd.winScale : null, null, NULL_PAIR),
    mss: pair<number | null>(cd.mss >= 0 ? cd.mss : null, sd.mss >= 0 ? sd.mss : null, null, NULL_PAIR),
    seqWraps: pair(cd.seqWraps, sd.seqWraps, 0, ZERO_PAIR),
    bytesAfterPeerFin: pair(cd.bytesAfterPeerFin, sd.bytesAfterPeerFin, 0, ZERO_PAIR),
    analysis: cd.classCounts === null && sd.classCounts === null ? NO_ANALYSIS : { client: classCounts(cd), server: classCounts(sd) },
    events: c.events.map((e): EventRecord => {
      const r: EventRecord = { kind: e.kind, frame: e.frame, time: e.time, by: clientName(e.from), seq: e.seq, len: e.len, ack: e.ack, window: e.window };
      if (e.classes !== 0) r.classes = classNames(e.classes);
      return r;
    }),
    eventsDropped: c.droppedEvents,
    series: c.series === null ? null : {
      window: { client: series(c.series.window[ci]), server: series(c.series.window[si]) },
      acked: { client: series(c.series.acked[ci]), server: series(c.series.acked[si]) },
    },
    latePackets: 0,
    evicted: c.evicted,
    zeek: { connState: zeek.connState, history: zeek.history, originator: clientName(c.zeek.originator) },
  };
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

function series(s: Series): { t: number[]; v: number[] } {
  return { t: s.t.map(round6), v: [...s.v] };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Resolves TIME_WAIT against the end of the capture: past 2×MSL the socket is gone (Linux: 60 s,
 * TCP_TIMEWAIT_LEN), so the final state is CLOSED, with the expiry as a timer-driven change.
 */
export function settleTimeWait(r: ConnectionRecord, captureEnd: number, timeWaitSec: number): void {
  for (const side of ['client', 'server'] as const) {
    if (r.finalState[side] !== 'TIME_WAIT') continue;
    const last = r.states[side][r.states[side].length - 1];
    if (last === undefined) continue;
    const entered = last.time;
    if (captureEnd - entered >= timeWaitSec) {
      r.finalState[side] = 'CLOSED';
      r.states[side].push({ state: 'CLOSED', frame: null, time: entered + timeWaitSec });
    }
  }
}
