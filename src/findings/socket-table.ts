/**
 * The socket table: every socket state interval of every connection, and the few per-connection
 * facts the endpoint view and the detectors group by, in flat typed arrays built in one pass.
 *
 * A busy capture has hundreds of thousands of connections and millions of intervals. Reading them
 * through the record getters (objects built on every access) and keeping them as objects cost
 * seconds and hundreds of megabytes; here a connection costs a few numbers and an interval a few
 * more. Records that are views onto the summary store (ConnectionSummary) are read through their
 * allocation-free accessors; any other ConnectionRecord (a library user's own) through its fields.
 *
 * Interval rules (what `ss -tan` would have listed):
 * - A socket exists from its first state change on; CLOSED and UNKNOWN are not sockets.
 * - TIME_WAIT lasts `timeWaitSec` (2 × MSL; Linux TCP_TIMEWAIT_LEN = 60 s) unless a RST ends it, or a
 *   new connection on the same 4-tuple takes it over (the kernel reuses a TIME_WAIT socket for a new
 *   SYN). Timer entries the engine added (frame null) are replaced by this rule, so a different
 *   `timeWaitSec` here wins.
 * - A state still held when the capture ends lasts "forever" (`to` = Infinity): the capture does not
 *   show it ending, except that a later connection on the same 4-tuple proves the socket was gone.
 * - Except SYN_SENT after the sender gave up: SYNs repeated (at least one retransmission), then none
 *   for longer than the retransmission timer could have waited (abandonedAt). Linux retransmits a
 *   SYN at intervals that double (or stay at 1 s: tcp_syn_linear_timeouts) and gives up one interval,
 *   doubled, after the last: so no SYN for 2.5 × the last interval (and at least 1 s) before the
 *   capture ended means connect() had failed; the socket ends ("abandoned") at last SYN + 2 × that
 *   interval, an estimate (the failure itself is not on the wire).
 */
import type { ConnectionRecord } from '../tcp/connection-record.js';
import { TCP_STATE_NAMES, TcpState } from '../tcp/endpoint-state.js';
import { CLASS_KEYS } from '../tcp/classes.js';
import { ConnectionSummary } from '../tcp/connection-summary.js';
import type { SummaryStore } from '../tcp/summary-store.js';

/**
 * Why an interval ended. Its end instant follows from the reason (intervalTo), so it is not kept per
 * interval: Change, the next interval's start; Timer, its start + timeWaitSec; Reused and Abandoned,
 * the connection's reusedAt and abandonedAt; Open, never. Only a change to a state that is no socket
 * (CLOSED, UNKNOWN: the socket is gone) keeps its instant, in a short list (goneAt, goneTo).
 */
export const enum End {
  Open = 0,
  /** To another state of the socket: the next interval, which begins when this one ends. */
  Change = 1,
  Timer = 2,
  Reused = 3,
  Abandoned = 4,
  /** To CLOSED or UNKNOWN (the socket is gone): a change too, as `toReason` says. */
  Gone = 5,
}

/** No state (an open-ended interval's `toState`). */
export const NO_STATE = 255;

/**
 * Arrays live on SharedArrayBuffers: a helper thread reads the same table without a copy
 * (pipeline/shards.ts computes the endpoint views there while this thread runs the detectors).
 */
export interface SocketTable extends ConnectionFacts {
  /** Per connection index. */
  readonly id: Int32Array;
  /** -1 not closed, 0 client first, 1 server first, 2 both (crossed FINs). */
  readonly closedFirst: Int8Array;
  /** The first connection (index) on the same 4-tuple: equal values, same 4-tuple. */
  readonly tuple: Int32Array;
  /** Per socket (connection index × 2 + 0 client / 1 server): address index into `ips`, port, RSTs sent, class bits. */
  readonly ip: Int32Array;
  readonly port: Uint16Array;
  readonly resetsSent: Int32Array;
  readonly classBits: Int32Array;
  /** First FIN frame sent (-1: none). */
  readonly finFrame: Int32Array;
  readonly ips: readonly string[];
  /** Per socket: its intervals are positions [begin, end) (`end` is `begin` one socket on: one array). */
  readonly begin: Int32Array;
  readonly end: Int32Array;
  /**
   * Per interval (its socket is the one whose [begin, end) holds it: socketOf; a pass over the
   * intervals in order follows the sockets along, without a lookup).
   */
  readonly count: number;
  readonly state: Uint8Array;
  readonly from: Float64Array;
  /** Why each ended; when: intervalTo. */
  readonly toReason: Uint8Array;
  /** The intervals that ended End.Gone, ascending, and when each ended. */
  readonly goneAt: Int32Array;
  readonly goneTo: Float64Array;
  /** What the intervals were computed with (intervalEdges recomputes one from them). */
  readonly timeWaitSec: number;
  /** Per connection index: when a later connection took its 4-tuple over (Infinity: never). */
  readonly reusedAt: Float64Array;
  /** Per connection index: when its sender gave up its SYN_SENT socket (Infinity: it did not, or it cannot be told). */
  readonly abandonedAt: Float64Array;
}

/** State changes of one connection, read into reused arrays. */
class StateScratch {
  codes = new Int32Array(64);
  frames = new Int32Array(64);
  times = new Float64Array(64);
  split = 0;
  n = 0;

  ensure(n: number): void {
    if (n <= this.codes.length) return;
    const size = Math.max(n, this.codes.length * 2);
    this.codes = new Int32Array(size);
    this.frames = new Int32Array(size);
    this.times = new Float64Array(size);
  }

  read(c: ConnectionRecord): void {
    if (c instanceof ConnectionSummary) {
      const n = c.stateCount;
      this.ensure(n);
      c.copyStates(this.codes, this.frames, this.times);
      this.split = c.stateSplit;
      this.n = n;
      return;
    }
    const { client, server } = c.states;
    this.ensure(client.length + server.length);
    let j = 0;
    for (const s of [client, server]) {
      for (const x of s) {
        this.codes[j] = TCP_STATE_NAMES.indexOf(x.state);
        this.frames[j] = x.frame ?? -1;
        this.times[j] = x.time;
        j++;
      }
      if (s === client) this.split = j;
    }
    this.n = j;
  }
}

/** Per socket (connection index × 2 + 0 client / 1 server): what the detectors that need no intervals read. */
export interface ConnectionFacts {
  readonly classBits: Int32Array;
  readonly resetsSent: Int32Array;
}

/** The facts alone (a fraction of the table's cost), for detectors that run before it is built. */
export function connectionFacts(connections: readonly ConnectionRecord[]): ConnectionFacts {
  const facts = { classBits: new Int32Array(2 * connections.length), resetsSent: new Int32Array(2 * connections.length) };
  fillFacts(connections.length, (i) => connections[i]!, facts);
  return facts;
}

/**
 * Record `i` of a list of `n`. The one returned may be a cursor that the next call moves (a helper
 * thread reads the stores through one view: socketTableOfStores), so it is read before the next call.
 */
type RecordAt = (i: number) => ConnectionRecord;

function fillFacts(n: number, recordAt: RecordAt, into: ConnectionFacts): void {
  for (let i = 0; i < n; i++) {
    const c = recordAt(i);
    if (c instanceof ConnectionSummary) {
      into.resetsSent[2 * i] = c.resetsSentBy(true);
      into.resetsSent[2 * i + 1] = c.resetsSentBy(false);
      into.classBits[2 * i] = c.classBits(true);
      into.classBits[2 * i + 1] = c.classBits(false);
    } else {
      for (const r of c.resets) into.resetsSent[2 * i + (r.by === 'client' ? 0 : 1)]!++;
      into.classBits[2 * i] = classBitsOf(c.analysis.client);
      into.classBits[2 * i + 1] = classBitsOf(c.analysis.server);
    }
  }
}

/** Bits of the classes a side sent, for a record that is not a store view. */
function classBitsOf(analysis: Partial<Record<string, number>>): number {
  let bits = 0;
  for (let k = 0; k < CLASS_KEYS.length; k++) if ((analysis[CLASS_KEYS[k]!] ?? 0) > 0) bits |= 1 << k;
  return bits;
}

type TypedArrayOf<T> = { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

/** A typed array of `n` elements on a SharedArrayBuffer. */
function shared<T>(Ctor: TypedArrayOf<T>, n: number): T {
  return new Ctor(new SharedArrayBuffer(Math.max(1, n) * Ctor.BYTES_PER_ELEMENT));
}

class Intervals {
  n = 0;
  readonly state: Uint8Array;
  readonly from: Float64Array;
  readonly toReason: Uint8Array;
  /** The End.Gone ones: interval and end instant (grown as needed; about one per connection). */
  goneAt: Int32Array;
  goneTo: Float64Array;
  gone = 0;

  constructor(cap: number, private readonly onShared = true) {
    this.state = this.make(Uint8Array, cap);
    this.from = this.make(Float64Array, cap);
    this.toReason = this.make(Uint8Array, cap);
    this.goneAt = this.make(Int32Array, 16);
    this.goneTo = this.make(Float64Array, 16);
  }

  private make<T>(Ctor: TypedArrayOf<T> & (new (n: number) => T), n: number): T {
    return this.onShared ? shared(Ctor, n) : new Ctor(n);
  }

  addGone(k: number, to: number): void {
    if (this.gone === this.goneAt.length) {
      const at = this.make(Int32Array, 2 * this.gone);
      const tos = this.make(Float64Array, 2 * this.gone);
      at.set(this.goneAt);
      tos.set(this.goneTo);
      this.goneAt = at;
      this.goneTo = tos;
    }
    this.goneAt[this.gone] = k;
    this.goneTo[this.gone++] = to;
  }
}

const cache = new WeakMap<readonly ConnectionRecord[], Map<number, SocketTable>>();

/** The table of these records (computed once per records list and TIME_WAIT duration). */
export function socketTable(connections: readonly ConnectionRecord[], timeWaitSec: number): SocketTable {
  let byTw = cache.get(connections);
  if (byTw === undefined) cache.set(connections, (byTw = new Map()));
  let t = byTw.get(timeWaitSec);
  if (t === undefined) byTw.set(timeWaitSec, (t = build(connections.length, (i) => connections[i]!, timeWaitSec)));
  return t;
}

/**
 * The table of the records of several summary stores, in `order` (pipeline/shards.ts), read through
 * one reused view: no view object per record in the thread that builds it.
 */
export function socketTableOfStores(stores: readonly SummaryStore[], order: { store: Uint8Array; row: Int32Array }, timeWaitSec: number): SocketTable {
  const cursor = new ConnectionSummary(stores[0]!, 0, 0);
  return build(order.row.length, (i) => cursor.moveTo(stores[order.store[i]!]!, order.row[i]!, i), timeWaitSec);
}

function build(n: number, recordAt: RecordAt, timeWaitSec: number): SocketTable {
  const id = shared(Int32Array, n);
  const start = new Float64Array(n); // for reuseTimes only: not kept
  const closedFirst = shared(Int8Array, n);
  const ip = shared(Int32Array, 2 * n);
  const port = shared(Uint16Array, 2 * n);
  const resetsSent = shared(Int32Array, 2 * n);
  const classBits = shared(Int32Array, 2 * n);
  const finFrame = shared(Int32Array, 2 * n);
  const ips: string[] = [];
  const ipIndex = new Map<string, number>();
  const addressIndex = (s: string): number => {
    let k = ipIndex.get(s);
    if (k === undefined) {
      k = ips.length;
      ips.push(s);
      ipIndex.set(s, k);
    }
    return k;
  };
  fillFacts(n, recordAt, { classBits, resetsSent });
  // The last instant any connection shows: the capture's end as far as TCP tells (abandonedAt).
  let lastSeen = -Infinity;
  for (let i = 0; i < n; i++) {
    const c = recordAt(i);
    id[i] = c.id;
    start[i] = c.startEpoch;
    lastSeen = Math.max(lastSeen, c.endEpoch);
    if (c instanceof ConnectionSummary) {
      closedFirst[i] = c.closedFirstCode;
      for (let s = 0; s < 2; s++) {
        const isClient = s === 0;
        ip[2 * i + s] = addressIndex(c.ipOf(isClient));
        port[2 * i + s] = c.portOf(isClient);
        finFrame[2 * i + s] = c.finFrameOf(isClient);
      }
    } else {
      const by = c.closedFirstBy;
      closedFirst[i] = by === null ? -1 : by === 'client' ? 0 : by === 'server' ? 1 : 2;
      ip[2 * i] = addressIndex(c.client.ip);
      ip[2 * i + 1] = addressIndex(c.server.ip);
      port[2 * i] = c.client.port;
      port[2 * i + 1] = c.server.port;
      finFrame[2 * i] = c.finFrames.client ?? -1;
      finFrame[2 * i + 1] = c.finFrames.server ?? -1;
    }
  }
  const tuple = shared(Int32Array, n);
  const reusedAt = reuseTimes(n, ip, port, start, tuple);

  // A socket's intervals follow the previous socket's: its end is the next one's begin.
  const offsets = shared(Int32Array, 2 * n + 1);
  const begin = offsets.subarray(0, 2 * n);
  const end = offsets.subarray(1, 2 * n + 1);
  // Sized once: a socket has at most as many intervals as state changes.
  let changes = 0;
  for (let i = 0; i < n; i++) {
    const c = recordAt(i);
    changes += c instanceof ConnectionSummary ? c.stateCount : c.states.client.length + c.states.server.length;
  }
  const g = new Intervals(changes);
  const st = new StateScratch();
  const abandonedAt = shared(Float64Array, n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const c = recordAt(i);
    st.read(c);
    if (endsInSynSent(st)) abandonedAt[i] = synGiveUp(c, lastSeen);
    const reused = reusedAt[i]!;
    for (let s = 0; s < 2; s++) {
      appendIntervals(st, s, timeWaitSec, reused, abandonedAt[i]!, i, g, null);
      end[2 * i + s] = g.n;
    }
  }
  const m = g.n;
  return {
    id, closedFirst, tuple, ip, port, resetsSent, classBits, finFrame, ips, begin, end, timeWaitSec, reusedAt, abandonedAt, count: m,
    state: g.state.subarray(0, m), from: g.from.subarray(0, m), toReason: g.toReason.subarray(0, m),
    goneAt: g.goneAt.subarray(0, g.gone), goneTo: g.goneTo.subarray(0, g.gone),
  };
}

/**
 * Appends the intervals of one socket (side 0 client, 1 server) of connection `i`, whose state
 * changes are in `st`, to `out`, in time order. With `changes`, also the index of the change that
 * began each interval and of the one that ended it (st.n when none did), by position in `out`.
 */
function appendIntervals(
  st: StateScratch, side: number, timeWaitSec: number, reused: number, abandoned: number, i: number, out: Intervals,
  changes: { began: Int32Array; ended: Int32Array } | null,
): void {
  const lo = side === 0 ? 0 : st.split;
  const hi = side === 0 ? st.split : st.n;
  // Real changes only: timer entries (frame -1) are recomputed here.
  let j = lo;
  while (j < hi && st.frames[j] === -1) j++;
  while (j < hi) {
    let next = j + 1;
    while (next < hi && st.frames[next] === -1) next++;
    const code = st.codes[j]!;
    if (code !== TcpState.Closed && code !== TcpState.Unknown) {
      const from = st.times[j]!;
      let to = Infinity;
      let toReason: End = End.Open;
      if (next < hi) {
        to = st.times[next]!;
        const nextCode = st.codes[next]!;
        toReason = nextCode === TcpState.Closed || nextCode === TcpState.Unknown ? End.Gone : End.Change;
      }
      if (code === TcpState.SynSent && toReason === End.Open && abandoned >= from && abandoned < to) {
        to = abandoned;
        toReason = End.Abandoned;
      }
      if (code === TcpState.TimeWait && from + timeWaitSec < to) {
        to = from + timeWaitSec;
        toReason = End.Timer;
      }
      if (reused < to && reused >= from) {
        to = reused;
        toReason = End.Reused;
      }
      const k = out.n++;
      out.state[k] = code;
      out.from[k] = from;
      out.toReason[k] = toReason;
      if (toReason === End.Gone) out.addGone(k, to);
      if (changes !== null) {
        changes.began[k] = j;
        changes.ended[k] = next < hi ? next : st.n;
      }
    }
    j = next;
  }
}

/** The client's last real state change is to SYN_SENT and the server side has none: an unanswered attempt. */
function endsInSynSent(st: StateScratch): boolean {
  let last = -1;
  for (let j = 0; j < st.split; j++) if (st.frames[j] !== -1) last = j;
  if (last === -1 || st.codes[last] !== TcpState.SynSent) return false;
  for (let j = st.split; j < st.n; j++) if (st.frames[j] !== -1 && st.codes[j] !== TcpState.Closed && st.codes[j] !== TcpState.Unknown) return false;
  return true;
}

/** Below this many seconds of silence after the last SYN, giving up is not told apart from waiting. */
const MIN_GIVE_UP_SILENCE_SEC = 1;

/** When the sender of a SYN_SENT socket gave up (rule in the header), Infinity when it cannot be told. */
function synGiveUp(c: ConnectionRecord, captureEnd: number): number {
  let last = -Infinity;
  let before = -Infinity;
  for (const e of c.events) {
    if (e.kind !== 'syn' || e.by !== 'client' || e.time <= last) continue;
    before = last;
    last = e.time;
  }
  if (before === -Infinity) return Infinity;
  const interval = last - before;
  return captureEnd - last > Math.max(2.5 * interval, MIN_GIVE_UP_SILENCE_SEC) ? last + 2 * interval : Infinity;
}

/**
 * When interval `k` ended (Infinity: not in the capture). `socket`, when the caller knows it
 * (connection index × 2 + side), saves looking it up for the reasons that need the connection.
 */
export function intervalTo(t: SocketTable, k: number, socket = -1): number {
  switch (t.toReason[k]! as End) {
    case End.Change:
      return t.from[k + 1]!;
    case End.Timer:
      return t.from[k]! + t.timeWaitSec;
    case End.Reused:
      return t.reusedAt[(socket >= 0 ? socket : socketOf(t, k)) >> 1]!;
    case End.Abandoned:
      return t.abandonedAt[(socket >= 0 ? socket : socketOf(t, k)) >> 1]!;
    case End.Gone:
      return goneTo(t, k);
    default:
      return Infinity;
  }
}

/** The end instant of interval `k`, one that ended End.Gone: the list is ascending. */
function goneTo(t: SocketTable, k: number): number {
  const at = t.goneAt;
  let lo = 0;
  let hi = at.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return t.goneTo[lo]!;
}

/** The socket (connection index × 2 + side) of interval `k`: the first whose intervals end past it. */
export function socketOf(t: SocketTable, k: number): number {
  const end = t.end;
  let lo = 0;
  let hi = end.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (end[mid]! > k) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}


/**
 * The frames of interval `k` (what began it, what ended it) and the state it changed to: not kept in
 * the table (a few bytes of millions of intervals that the detectors read for a handful), recomputed
 * from the record's state changes. -1 for no frame; `toState` NO_STATE when open-ended.
 */
export function intervalEdges(t: SocketTable, k: number, c: ConnectionRecord): { fromFrame: number; toFrame: number; toState: number } {
  const socket = socketOf(t, k);
  const i = socket >> 1;
  const side = socket & 1;
  const want = k - t.begin[2 * i + side]!;
  const st = new StateScratch();
  st.read(c);
  const one = new Intervals(st.n, false);
  const changes = { began: new Int32Array(st.n), ended: new Int32Array(st.n) };
  appendIntervals(st, side, t.timeWaitSec, t.reusedAt[i]!, t.abandonedAt[i]!, i, one, changes);
  const j = changes.began[want]!;
  const next = changes.ended[want]!;
  const toReason = one.toReason[want] as End;
  const changed = toReason === End.Change || toReason === End.Gone;
  const out = {
    fromFrame: st.frames[j]!,
    toFrame: changed ? st.frames[next]! : -1,
    toState: changed ? st.codes[next]! : toReason === End.Open ? NO_STATE : TcpState.Closed,
  };
  return out;
}

/**
 * When a 4-tuple is used again, the earlier connection's sockets on it end when the next one starts:
 * per connection index, that instant (Infinity when the 4-tuple is not used again). Connections are
 * chained by a hash of their 4-tuple (numbers, no keys to build) and compared in full on the chain.
 */
function reuseTimes(n: number, ip: Int32Array, port: Uint16Array, start: Float64Array, tuple: Int32Array): Float64Array {
  const out = shared(Float64Array, n).fill(Infinity);
  const prevSame = new Int32Array(n).fill(-1); // the previous connection with the same hash
  // Open addressing on typed arrays (a Map of hundreds of thousands of keys was megabytes of garbage):
  // per hash, the latest connection (index + 1; 0 empty).
  const hashes = new Int32Array(n);
  let size = 16;
  while (size < 2 * n) size *= 2;
  const latest = new Int32Array(size);
  const mask = size - 1;
  for (let i = 0; i < n; i++) {
    const key = tupleHash(ip[2 * i]!, port[2 * i]!, ip[2 * i + 1]!, port[2 * i + 1]!);
    hashes[i] = key;
    let j = key & mask;
    while (latest[j] !== 0 && hashes[latest[j]! - 1] !== key) j = (j + 1) & mask;
    if (latest[j] !== 0) prevSame[i] = latest[j]! - 1;
    latest[j] = i + 1;
  }
  const same = (x: number, y: number): boolean =>
    ip[2 * x] === ip[2 * y] && port[2 * x] === port[2 * y] && ip[2 * x + 1] === ip[2 * y + 1] && port[2 * x + 1] === port[2 * y + 1];
  // Per 4-tuple, its connections in start order: each one's sockets end at the next one's start.
  const seen = new Uint8Array(n);
  const group: number[] = [];
  for (let i = 0; i < n; i++) tuple[i] = i;
  for (let i = n - 1; i >= 0; i--) {
    if (seen[i] === 1 || prevSame[i] === -1) continue;
    group.length = 0;
    for (let x = i; x !== -1; x = prevSame[x]!) {
      if (seen[x] === 1 || !same(x, i)) continue;
      seen[x] = 1;
      group.push(x);
    }
    if (group.length < 2) continue;
    group.reverse();
    for (const x of group) tuple[x] = group[0]!;
    // By start, then index (ids follow first appearance); mostly in order already.
    group.sort((a, b) => start[a]! - start[b]! || a - b);
    for (let k = 0; k + 1 < group.length; k++) out[group[k]!] = start[group[k + 1]!]!;
  }
  return out;
}

function tupleHash(a: number, p: number, b: number, q: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ p, 0xcc9e2d51);
  h = Math.imul(h ^ b, 0x85ebca6b);
  h = Math.imul(h ^ q, 0xcc9e2d51);
  return (h ^ (h >>> 15)) | 0;
}
