import { formatAddress } from '../decode/address.js';
import type { SeriesRecord } from './connection-record.js';
import type { Connection } from './connection.js';
import type { Direction } from './direction.js';
import { type EndpointState } from './endpoint-state.js';
import { EVENT_WIDTH, type Series } from './events.js';
import { seqRelative } from './seq.js';
import { ZEEK_CONN_STATES } from './zeek-conn-state.js';
import { F, I, SummaryStore } from './summary-store.js';
import {
  FLAG_IPV6, ROLE_SHIFT, CLOSED_FIRST_SHIFT, FLAG_EVICTED, FIRST_CLOSE_BY_SHIFT, FLAG_FIRST_CLOSE_RST,
  FINAL_C_SHIFT, FINAL_S_SHIFT, FLAG_ZEEK_ORIG_IS_CLIENT, ZEEK_STATE_SHIFT, SERVER_CLASS_SHIFT, MSS_BITS,
  round6, micros, writer,
} from './record-format.js';

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
