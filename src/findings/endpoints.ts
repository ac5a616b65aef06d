/**
 * Endpoint views: per endpoint (a server's ip:port, any ip:port used by several connections) and per
 * host, what `ss -tan` would have shown over the capture — socket counts per state over time, their
 * peaks, the counts at the end, and at an instant the user asks for.
 *
 * Built from both sides' state changes (`ConnectionRecord.states`) with TIME_WAIT expiring after
 * `timeWaitSec`, read from the flat socket table (socket-table.ts). A capture shows the wire, so sockets are those of connections that
 * had traffic in the capture: long-idle connections that sent nothing are not seen.
 */
import type { ConnectionRecord, Side } from '../tcp/connection-record.js';
import type { CaptureBounds } from './types.js';
import { intervalTo, socketTable, type SocketTable } from './socket-table.js';
import type { EndpointView, SocketState, StateCounts } from './types.js';
import { captureSpan, iso, sortTimes } from './util.js';

export interface EndpointOptions {
  /** An instant (epoch seconds) to report the counts at. */
  at?: number;
  /** TIME_WAIT duration (2 × MSL), default 60 s as on Linux. */
  timeWaitSec?: number;
  /** At most this many views (hosts first, then their busiest ports); default 200. */
  maxViews?: number;
  /**
   * Views of at least this many sockets are computed state by state over capture-wide lists (less
   * memory for busy endpoints); default: 4096, and an eighth of the capture's sockets (each such view
   * scans every interval of the capture). The views are the same either way (tested).
   */
  stateSweepFrom?: number;
}

const STATE_ORDER: SocketState[] = [
  'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSING', 'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK',
];
const MAX_POINTS = 256;
const STATE_INDEX = new Map<SocketState, number>(STATE_ORDER.map((s, i) => [s, i]));


interface ViewSpec {
  ip: string;
  port: number | null;
  /** Its sockets, ascending: (connection index) × 2 + 1 for the server side, 0 for the client side. */
  members: Int32Array;
}

export function buildEndpoints(connections: ConnectionRecord[], capture: CaptureBounds, options: EndpointOptions = {}): EndpointView[] {
  const span = captureSpan(capture);
  if (span === null || connections.length === 0) return [];
  return endpointViews(socketTable(connections, options.timeWaitSec ?? 60), span, options);
}

/**
 * The views from a socket table alone (what a helper thread receives: pipeline/shards.ts); `span`
 * is the capture's first and last instant.
 */
export function endpointViews(table: SocketTable, span: { start: number; end: number }, options: EndpointOptions = {}): EndpointView[] {
  const connections = table.id;
  if (connections.length === 0) return [];
  // Grouped with numbers, not strings and objects: a large capture has a port group per client
  // socket. First each socket's host and port group and the groups' sizes; members are listed only
  // for the groups chosen (typed arrays), not for the tens of thousands of client ports.
  const sockets = 2 * connections.length;
  const hostOf = new Int32Array(sockets);
  const portOf = new Int32Array(sockets);
  const hostIds = new Map<number, number>();
  const portIds = new Map<number, number>();
  const hosts: { ip: string; size: number }[] = [];
  const ports: { ip: string; port: number; size: number; server: boolean; first: number; last: number }[] = [];
  for (let member = 0; member < sockets; member++) {
    const ipId = table.ip[member]!;
    const port = table.port[member]!;
    let h = hostIds.get(ipId);
    if (h === undefined) {
      hostIds.set(ipId, (h = hosts.length));
      hosts.push({ ip: table.ips[ipId]!, size: 0 });
    }
    hosts[h]!.size++;
    hostOf[member] = h;
    const pk = ipId * 65536 + port;
    let p = portIds.get(pk);
    if (p === undefined) {
      portIds.set(pk, (p = ports.length));
      ports.push({ ip: table.ips[ipId]!, port, size: 0, server: false, first: member, last: member });
    }
    const pg = ports[p]!;
    pg.size++;
    pg.last = member;
    if ((member & 1) === 1) pg.server = true;
    portOf[member] = p;
  }
  const maxViews = options.maxViews ?? 200;
  const hostOrder = hosts.map((_, k) => k).sort((x, y) => hosts[y]!.size - hosts[x]!.size || hosts[x]!.ip.localeCompare(hosts[y]!.ip));
  const portOrder = ports
    .map((_, k) => k)
    // Servers, and client ports that several connections used (members come in connection order).
    .filter((k) => ports[k]!.server || (ports[k]!.size >= 2 && ports[k]!.first >> 1 !== ports[k]!.last >> 1))
    .sort((x, y) => ports[y]!.size - ports[x]!.size || ports[x]!.port - ports[y]!.port);
  // Hosts first (there are few), then the busiest ports, within the limit.
  const chosenHosts = hostOrder.slice(0, maxViews);
  const chosenPorts = portOrder.slice(0, Math.max(0, maxViews - chosenHosts.length));
  const hostSpec = new Map<number, ViewSpec>(chosenHosts.map((k) => [k, { ip: hosts[k]!.ip, port: null, members: new Int32Array(hosts[k]!.size) }]));
  const portSpec = new Map<number, ViewSpec>(chosenPorts.map((k) => [k, { ip: ports[k]!.ip, port: ports[k]!.port, members: new Int32Array(ports[k]!.size) }]));
  // Per group: its spec when chosen (dense arrays: no map lookups per socket) and how far it is filled.
  const hostTarget: (ViewSpec | undefined)[] = hosts.map((_, k) => hostSpec.get(k));
  const portTarget: (ViewSpec | undefined)[] = ports.map((_, k) => portSpec.get(k));
  const hostFill = new Int32Array(hosts.length);
  const portFill = new Int32Array(ports.length);
  for (let member = 0; member < sockets; member++) {
    const h = hostOf[member]!;
    const hs = hostTarget[h];
    if (hs !== undefined) hs.members[hostFill[h]!++] = member;
    const p = portOf[member]!;
    const ps = portTarget[p];
    if (ps !== undefined) ps.members[portFill[p]!++] = member;
  }
  const chosen = [...chosenHosts.map((k) => hostSpec.get(k)!), ...chosenPorts.map((k) => portSpec.get(k)!)];
  // A host that is one busy port (a server with one listener, a client with one connection) has the
  // same sockets in both views: compute them once.
  const done: { spec: ViewSpec; result: EndpointView }[] = [];
  const scratch = scratchFor(table);
  const sweepFrom = options.stateSweepFrom ?? Math.max(BIG_VIEW_SOCKETS, Math.ceil(sockets / 8));
  return chosen.map((s) => {
    const same = done.find((d) => sameMembers(d.spec.members, s.members));
    const result = same === undefined ? view(s, table, scratch, span.start, span.end, options.at, sweepFrom) : { ...same.result, ip: s.ip, port: s.port, scope: s.port === null ? 'host' as const : 'port' as const };
    if (same === undefined && s.members.length > 1000) done.push({ spec: s, result });
    return result;
  });
}

/** From this many sockets a view sweeps state by state over the capture-wide state lists (default). */
const BIG_VIEW_SOCKETS = 4096;

/**
 * Shared by every view of one call: each state's intervals (positions in the table, in table order),
 * and two edge lists as long as the longest of them, reused state after state.
 */
interface Scratch {
  byState: Int32Array[];
  plus: Float64Array;
  minus: Float64Array;
  mask: Uint8Array;
}

function scratchFor(table: SocketTable): Scratch {
  const S = STATE_ORDER.length;
  const perState = new Int32Array(S);
  for (let k = 0; k < table.count; k++) perState[table.state[k]! - 1]!++;
  const byState = Array.from(perState, (n) => new Int32Array(n));
  const fill = new Int32Array(S);
  for (let k = 0; k < table.count; k++) {
    const si = table.state[k]! - 1;
    byState[si]![fill[si]!++] = k;
  }
  const longest = Math.max(0, ...perState);
  return { byState, plus: new Float64Array(longest), minus: new Float64Array(longest), mask: new Uint8Array(table.begin.length) };
}

/** One state's step series from its sorted +1 and −1 instants, straight into bucket maxima. */
function sweepState(plus: Float64Array, minus: Float64Array, start: number, width: number, maxima: Int32Array): { now: number; peakCount: number; peakAt: number } {
  let i = 0;
  let k = 0;
  let n = 0;
  let last = -1;
  let peakCount = 0;
  let peakAt = 0;
  while (i < plus.length || k < minus.length) {
    const t = Math.min(i < plus.length ? plus[i]! : Infinity, k < minus.length ? minus[k]! : Infinity);
    const bucket = Math.min(MAX_POINTS - 1, Math.floor((t - start) / width));
    for (let b = last + 1; b <= bucket; b++) maxima[b] = n;
    if (bucket > last) last = bucket;
    while (k < minus.length && minus[k] === t) {
      n--;
      k++;
    }
    while (i < plus.length && plus[i] === t) {
      n++;
      i++;
    }
    if (n > maxima[bucket]!) maxima[bucket] = n;
    if (n > 0 && n > peakCount) {
      peakCount = n;
      peakAt = t;
    }
  }
  for (let b = last + 1; b < MAX_POINTS; b++) maxima[b] = n;
  return { now: n, peakCount, peakAt };
}

interface PerState {
  maxima: Int32Array[];
  now: Int32Array;
  peakCount: Int32Array;
  peakAt: Float64Array;
  rises: Int32Array;
  /** Rises and falls in the view (what the per-view lists would hold). */
  total: number;
}

/** Every state of one view's sockets, state by state over the capture-wide lists (see Scratch). */
function perStateSweep(spec: ViewSpec, t: SocketTable, scratch: Scratch, start: number, end: number, width: number): PerState {
  const S = STATE_ORDER.length;
  const { mask, plus, minus } = scratch;
  for (let m = 0; m < spec.members.length; m++) mask[spec.members[m]!] = 1;
  const out: PerState = {
    maxima: Array.from({ length: S }, () => new Int32Array(MAX_POINTS)), now: new Int32Array(S), peakCount: new Int32Array(S),
    peakAt: new Float64Array(S), rises: new Int32Array(S), total: 0,
  };
  for (let si = 0; si < S; si++) {
    const positions = scratch.byState[si]!;
    let np = 0;
    let nm = 0;
    // Positions ascend: the socket holding each one is found by walking the offsets along.
    let socket = 0;
    for (let p = 0; p < positions.length; p++) {
      const x = positions[p]!;
      while (t.end[socket]! <= x) socket++;
      if (mask[socket] !== 1) continue;
      const ivTo = intervalTo(t, x, socket);
      const a = Math.max(t.from[x]!, start);
      if (ivTo <= a || a > end) continue;
      plus[np++] = a;
      if (ivTo <= end) minus[nm++] = ivTo;
    }
    out.rises[si] = np;
    out.total += np + nm;
    if (np === 0 && nm === 0) continue;
    const r = sweepState(sortTimes(plus.subarray(0, np)), sortTimes(minus.subarray(0, nm)), start, width, out.maxima[si]!);
    out.now[si] = r.now;
    out.peakCount[si] = r.peakCount;
    out.peakAt[si] = r.peakAt;
  }
  for (let m = 0; m < spec.members.length; m++) mask[spec.members[m]!] = 0;
  return out;
}

function sameMembers(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function view(spec: ViewSpec, bySocket: SocketTable, scratch: Scratch, start: number, end: number, at: number | undefined, stateSweepFrom: number): EndpointView {
  // A socket's intervals are positions [begin, end) of the flat arrays (a host view may cover millions).
  const members = spec.members;
  const roles = new Set<Side>();
  let closedFirst = 0;
  let peerClosedFirst = 0;
  let resetsSent = 0;
  let resetsReceived = 0;
  let lastConnection = -1;
  let connectionCount = 0;
  const abandoned: number[] = [];
  const sideBits = [false, false];
  for (const member of spec.members) {
    const i = member >> 1;
    const s = member & 1;
    // Members are in ascending order: both sides of a connection, when in one view, are adjacent.
    if (i !== lastConnection) {
      connectionCount++;
      lastConnection = i;
    }
    sideBits[s] = true;
    const by = bySocket.closedFirst[i]!;
    if (by === s || by === 2) closedFirst++;
    else if (by === 1 - s) peerClosedFirst++;
    resetsSent += bySocket.resetsSent[member]!;
    resetsReceived += bySocket.resetsSent[member ^ 1]!;
    if (s === 0 && bySocket.abandonedAt[i]! < Infinity) abandoned.push(bySocket.id[i]!);
  }
  if (sideBits[0]) roles.add('client');
  if (sideBits[1]) roles.add('server');

  // Sweep over the state changes, clipped to the capture: per state and sign, the instants sorted
  // (typed arrays, native sort), then merged; −1 before +1 at equal instants. One pass keeps both
  // the exact step series (while it has at most MAX_POINTS instants) and per-bucket maxima.
  const S = STATE_ORDER.length;
  const width = (end - start) / MAX_POINTS || 1;
  // A busy endpoint (a host or port with most of the capture's sockets): each state on its own,
  // from the capture-wide list of that state's intervals, into two small reused edge lists.
  const big = spec.members.length >= stateSweepFrom ? perStateSweep(spec, bySocket, scratch, start, end, width) : null;
  let sorted: Float64Array[] = [];
  if (big === null || big.total <= MAX_POINTS) {
    // Few sockets (or instants): the view's edges per state and sign, counted, collected, sorted.
    const sizes = new Int32Array(2 * S);
    let lists: Float64Array[] | null = null;
    for (let pass = 0; pass < 2; pass++) {
      for (let m = 0; m < members.length; m++) for (let x = bySocket.begin[members[m]!]!, e = bySocket.end[members[m]!]!; x < e; x++) {
        const ivTo = intervalTo(bySocket, x, members[m]!);
        const a = Math.max(bySocket.from[x]!, start);
        if (ivTo <= a || a > end) continue;
        const si = bySocket.state[x]! - 1; // TcpState code → STATE_ORDER index
        if (lists !== null) lists[2 * si + 1]![sizes[2 * si + 1]!] = a;
        sizes[2 * si + 1]!++;
        if (ivTo <= end) {
          if (lists !== null) lists[2 * si]![sizes[2 * si]!] = ivTo;
          sizes[2 * si]!++;
        }
      }
      if (lists === null) {
        lists = Array.from(sizes, (n) => new Float64Array(n));
        sizes.fill(0);
      }
    }
    sorted = lists!.map(sortTimes);
  }
  const useBig = big !== null && big.total > MAX_POINTS;
  const heads = new Int32Array(2 * S);
  const present = STATE_ORDER.map((_, si) => (useBig ? big!.rises[si]! > 0 : sorted[2 * si + 1]!.length > 0));
  const states = STATE_ORDER.filter((_, si) => present[si]);
  const cols = states.map((st) => STATE_INDEX.get(st)!);
  const cur = new Int32Array(S);
  const exactT: number[] = [];
  const exactV: number[][] = states.map(() => []);
  const bucketMax: Int32Array[] = states.map((_, j) => (useBig ? big!.maxima[cols[j]!]! : new Int32Array(MAX_POINTS)));
  let lastBucket = -1;
  const peak: EndpointView['peak'] = {};
  let total = useBig ? big!.total : 0;
  for (const arr of sorted) total += arr.length;
  if (useBig) {
    for (let j = 0; j < cols.length; j++) {
      const si = cols[j]!;
      cur[si] = big!.now[si]!;
      if (big!.peakCount[si]! > 0) peak[states[j]!] = { count: big!.peakCount[si]!, epoch: round6(big!.peakAt[si]!) };
    }
    lastBucket = MAX_POINTS - 1;
    exactT.length = MAX_POINTS + 1; // marks the series as bucketed below
  }
  // Large endpoints (a two-way merge of its sorted +1 and −1 instants), straight
  // into bucket maxima. Linear, where merging all states at every instant cost O(instants × states).
  if (!useBig && total > MAX_POINTS) {
    for (let j = 0; j < cols.length; j++) {
      const plus = sorted[2 * cols[j]! + 1]!;
      const minus = sorted[2 * cols[j]!]!;
      const r = sweepState(plus, minus, start, width, bucketMax[j]!);
      if (r.peakCount > 0) peak[states[j]!] = { count: r.peakCount, epoch: round6(r.peakAt) };
      cur[cols[j]!] = r.now;
    }
    lastBucket = MAX_POINTS - 1;
    exactT.length = MAX_POINTS + 1; // marks the series as bucketed below
  }
  for (;;) {
    if (total > MAX_POINTS) break;
    let t = Infinity;
    for (let k = 0; k < 2 * S; k++) {
      const arr = sorted[k]!;
      const h = heads[k]!;
      if (h < arr.length && arr[h]! < t) t = arr[h]!;
    }
    if (t === Infinity) break;
    const bucket = Math.min(MAX_POINTS - 1, Math.floor((t - start) / width));
    for (let b = lastBucket + 1; b <= bucket; b++) for (let j = 0; j < cols.length; j++) bucketMax[j]![b] = cur[cols[j]!]!;
    lastBucket = Math.max(lastBucket, bucket);
    for (let k = 0; k < 2 * S; k++) {
      const arr = sorted[k]!;
      let h = heads[k]!;
      const d = k % 2 === 1 ? 1 : -1;
      while (h < arr.length && arr[h] === t) {
        cur[k >> 1]! += d;
        h++;
      }
      heads[k] = h;
    }
    for (let j = 0; j < cols.length; j++) {
      const n = cur[cols[j]!]!;
      if (n > bucketMax[j]![bucket]!) bucketMax[j]![bucket] = n;
      const st = states[j]!;
      const p = peak[st];
      if (n > 0 && (p === undefined || n > p.count)) peak[st] = { count: n, epoch: round6(t) };
    }
    if (exactT.length <= MAX_POINTS) {
      exactT.push(round6(t));
      for (let j = 0; j < cols.length; j++) exactV[j]!.push(cur[cols[j]!]!);
    }
  }
  for (let b = lastBucket + 1; b < MAX_POINTS; b++) for (let j = 0; j < cols.length; j++) bucketMax[j]![b] = cur[cols[j]!]!;
  const atEnd: StateCounts = {};
  for (let j = 0; j < cols.length; j++) if (cur[cols[j]!]! > 0) atEnd[states[j]!] = cur[cols[j]!]!;
  const bucketed = exactT.length > MAX_POINTS;
  const t = bucketed ? Array.from({ length: MAX_POINTS }, (_, b) => round6(start + b * width)) : exactT;
  const counts: Partial<Record<SocketState, number[]>> = {};
  states.forEach((st, j) => (counts[st] = bucketed ? Array.from(bucketMax[j]!) : exactV[j]!));

  let atView: EndpointView['at'] = null;
  if (at !== undefined && Number.isFinite(at)) {
    const c: StateCounts = {};
    const conns: Partial<Record<SocketState, number[]>> = {};
    for (let m = 0; m < members.length; m++) for (let x = bySocket.begin[members[m]!]!, e = bySocket.end[members[m]!]!; x < e; x++) {
      const conn = members[m]! >> 1;
      if (bySocket.from[x]! <= at && at < intervalTo(bySocket, x, members[m]!)) {
        const st = STATE_ORDER[bySocket.state[x]! - 1]!;
        c[st] = (c[st] ?? 0) + 1;
        (conns[st] ??= []).push(bySocket.id[conn]!);
      }
    }
    for (const s of Object.keys(conns) as SocketState[]) conns[s]!.sort((a, b) => a - b);
    atView = { epoch: at, time: iso(at), counts: c, connections: conns };
  }
  return {
    ip: spec.ip,
    port: spec.port,
    scope: spec.port === null ? 'host' : 'port',
    role: roles.size === 2 ? 'both' : [...roles][0]!,
    connections: connectionCount,
    closedFirst,
    peerClosedFirst,
    resetsSent,
    resetsReceived,
    series: { t, counts, bucketed },
    peak,
    atEnd,
    abandoned: abandoned.sort((a, b) => a - b),
    at: atView,
  };
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
