import { isoTime } from '../capture/frame.js';
import { formatAddress } from '../decode/address.js';
import type { ConnectionRecord, EventRecord, PerSide, Side, StateChangeRecord } from '../model.js';
import { CLASS_COUNT, CLASS_KEYS, classNames, type ClassKey } from './classes.js';
import type { Connection } from './connection.js';
import type { Direction } from './direction.js';
import type { EndpointState } from './endpoint-state.js';
import type { Series } from './events.js';
import { seqRelative } from './seq.js';

/** The JSON summary of a connection; after this the Connection object can be dropped. */
export function buildRecord(c: Connection): ConnectionRecord {
  const ci = c.client;
  const si: 0 | 1 = ci === 0 ? 1 : 0;
  const sideName = (i: 0 | 1): Side => (i === ci ? 'client' : 'server');
  const both = <T>(f: (i: 0 | 1) => T): PerSide<T> => ({ client: f(ci), server: f(si) });
  const addr = (i: 0 | 1) => ({
    ip: formatAddress(i === 0 ? c.aAddr : c.bAddr, 0, c.ipVersion),
    port: i === 0 ? c.aPort : c.bPort,
  });
  const firstFin = c.firstFinFrom === -1 ? null : c.dirs[c.firstFinFrom].firstFinFrame;
  const firstReset = c.resets[0];
  let firstClose: ConnectionRecord['firstClose'] = null;
  if (firstFin !== null && (firstReset === undefined || firstFin < firstReset.frame)) {
    firstClose = { by: sideName(c.firstFinFrom as 0 | 1), kind: 'FIN', frame: firstFin };
  } else if (firstReset !== undefined) {
    firstClose = { by: sideName(firstReset.from), kind: 'RST', frame: firstReset.frame };
  }
  return {
    id: c.id,
    ipVersion: c.ipVersion,
    client: addr(ci),
    server: addr(si),
    roleGuessed: c.roleBasis === 'guess',
    roleBasis: c.roleBasis,
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    startTime: isoTime(c.startSec, c.startNsec),
    endTime: isoTime(c.endSec, c.endNsec),
    durationSec: round6(c.endSec - c.startSec + (c.endNsec - c.startNsec) / 1e9),
    packets: both((i) => c.dirs[i].packets),
    payloadBytes: both((i) => c.dirs[i].payloadBytes),
    uniqueBytes: both((i) => uniqueBytes(c.dirs[i])),
    closedFirstBy: c.firstFinFrom === -1 ? null : c.simultaneousClose ? 'both' : sideName(c.firstFinFrom),
    firstFinFrame: firstFin,
    finFrames: both((i) => (c.dirs[i].finCount > 0 ? c.dirs[i].firstFinFrame : null)),
    firstClose,
    resets: c.resets.map((r) => ({ frame: r.frame, by: sideName(r.from), time: round6(r.time) })),
    finalState: both((i) => c.states[i].name),
    states: both((i) => stateChanges(c.states[i])),
    handshake: {
      synFrame: c.synFrame || null,
      synAckFrame: c.synAckFrame || null,
      rttMs: c.initialRtt > 0 ? round6(c.initialRtt * 1000) : null,
    },
    windowScale: both((i) => (c.dirs[i].winScale >= 0 ? c.dirs[i].winScale : null)),
    mss: both((i) => (c.dirs[i].mss >= 0 ? c.dirs[i].mss : null)),
    seqWraps: both((i) => c.dirs[i].seqWraps),
    bytesAfterPeerFin: both((i) => c.dirs[i].bytesAfterPeerFin),
    analysis: both((i) => classCounts(c.dirs[i])),
    events: c.events.map((e): EventRecord => {
      const r: EventRecord = { kind: e.kind, frame: e.frame, time: e.time, by: sideName(e.from), seq: e.seq, len: e.len, ack: e.ack, window: e.window };
      if (e.classes !== 0) r.classes = classNames(e.classes);
      return r;
    }),
    eventsDropped: c.droppedEvents,
    series: c.series === null ? null : {
      window: both((i) => series(c.series!.window[i])),
      acked: both((i) => series(c.series!.acked[i])),
    },
    latePackets: 0,
    evicted: c.evicted,
    zeek: c.zeek.summarize(),
  };
}

function uniqueBytes(d: Direction): number {
  if (!d.nextSeqSet || !d.baseSet) return 0;
  let n = seqRelative(d.nextSeq, d.base) - 1; // less the SYN (or the base offset)
  if (d.finCount > 0) n--;
  return Math.max(0, n) + d.seqWraps * 4294967296;
}

function classCounts(d: Direction): Partial<Record<ClassKey, number>> {
  const out: Partial<Record<ClassKey, number>> = {};
  const counts = d.classCounts;
  if (counts !== null) for (let i = 0; i < CLASS_COUNT; i++) if (counts[i]) out[CLASS_KEYS[i]!] = counts[i]!;
  return out;
}

function stateChanges(s: EndpointState): StateChangeRecord[] {
  return s.changes.map((ch) => ({ state: ch.state, frame: ch.frame, time: round6(ch.time) }));
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
      r.states[side].push({ state: 'CLOSED', frame: null, time: round6(entered + timeWaitSec) });
    }
  }
}
