/**
 * Socket state intervals: for each side of each connection, the time spans it spent in each TCP
 * state, rebuilt from the state changes the engine inferred (`ConnectionRecord.states`). This is
 * what `ss -tan` would have listed on that host at any instant.
 *
 * - A socket exists from its first state change on; CLOSED and UNKNOWN are not sockets.
 * - TIME_WAIT lasts `timeWaitSec` (2 × MSL; Linux TCP_TIMEWAIT_LEN = 60 s) unless a RST ends it, or a
 *   new connection on the same 4-tuple takes it over (the kernel reuses a TIME_WAIT socket for a new
 *   SYN). Timer entries the engine added (frame null) are replaced by this rule, so a different
 *   `timeWaitSec` here wins.
 * - A state still held when the capture ends lasts "forever" (`to` = Infinity): the capture does not
 *   show it ending, except that a later connection on the same 4-tuple proves the socket was gone.
 */
import type { ConnectionRecord, Side, StateChangeRecord } from '../model.js';
import type { TcpStateName } from '../tcp/endpoint-state.js';
import type { SocketState } from './types.js';
import { other } from './util.js';

export interface SocketInterval {
  connection: number;
  side: Side;
  ip: string;
  port: number;
  peerIp: string;
  peerPort: number;
  state: SocketState;
  from: number;
  fromFrame: number | null;
  /** End of the interval (epoch s); Infinity when the capture does not show it ending. */
  to: number;
  toFrame: number | null;
  /** The state it changed to; 'CLOSED' for a TIME_WAIT expiry; null when open-ended. */
  toState: TcpStateName | null;
  /** Ended by the TIME_WAIT timer, or by a new connection on the same 4-tuple. */
  toReason: 'change' | 'timer' | 'reused' | null;
}

const NOT_A_SOCKET = new Set<TcpStateName>(['CLOSED', 'UNKNOWN']);

/** The connection's first instant: its earliest state change (or event). */
export function connectionStart(c: ConnectionRecord): number {
  // Its first segment: the first state change and the first event are never earlier.
  return c.startEpoch;
}

/** Real state changes (timer entries dropped: TIME_WAIT expiry is recomputed). */
function realChanges(list: StateChangeRecord[]): StateChangeRecord[] {
  return list.every((s) => s.frame !== null) ? list : list.filter((s) => s.frame !== null);
}

/**
 * The same intervals for the same records are wanted by several detectors: computed once per
 * (records, timeWaitSec, states). Records are views whose getters build objects on every access, so
 * each connection's states and endpoints are read once per pass.
 */
const cache = new WeakMap<readonly ConnectionRecord[], Map<string, SocketInterval[]>>();
export function socketIntervals(connections: readonly ConnectionRecord[], timeWaitSec: number, states?: ReadonlySet<SocketState>): SocketInterval[] {
  const key = `${timeWaitSec}|${states === undefined ? '*' : [...states].sort().join(',')}`;
  let byKey = cache.get(connections);
  if (byKey === undefined) cache.set(connections, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit !== undefined) return hit;
  const out: SocketInterval[] = [];
  visitSocketIntervals(connections, timeWaitSec, (iv) => {
    if (states === undefined || states.has(iv.state)) out.push({ ...iv });
  });
  byKey.set(key, out);
  return out;
}

/** When a 4-tuple is used again, the earlier connection's sockets on it end there: by connection id. */
const reuseCache = new WeakMap<readonly ConnectionRecord[], Map<number, number>>();
function reuseTimes(connections: readonly ConnectionRecord[]): Map<number, number> {
  const hit = reuseCache.get(connections);
  if (hit !== undefined) return hit;
  const reuseAt = new Map<number, number>();
  const byTuple = new Map<string, ConnectionRecord[]>();
  for (const c of connections) {
    const key = `${c.client.ip}|${c.client.port}|${c.server.ip}|${c.server.port}`;
    const list = byTuple.get(key);
    if (list === undefined) byTuple.set(key, [c]);
    else list.push(c);
  }
  for (const list of byTuple.values()) {
    if (list.length < 2) continue;
    const sorted = list.map((c) => ({ c, start: connectionStart(c) })).sort((a, b) => a.start - b.start);
    for (let i = 0; i + 1 < sorted.length; i++) reuseAt.set(sorted[i]!.c.id, sorted[i + 1]!.start);
  }

  reuseCache.set(connections, reuseAt);
  return reuseAt;
}

/**
 * Calls `visit` for every socket interval, connection by connection (client side, then server side,
 * in time order). The interval object is reused between calls: copy what must be kept.
 */
export function visitSocketIntervals(connections: readonly ConnectionRecord[], timeWaitSec: number, visit: (iv: Readonly<SocketInterval>) => void): void {
  const reuseAt = reuseTimes(connections);
  const iv: SocketInterval = {
    connection: 0, side: 'client', ip: '', port: 0, peerIp: '', peerPort: 0, state: 'ESTABLISHED', from: 0,
    fromFrame: null, to: 0, toFrame: null, toState: null, toReason: null,
  };
  for (const c of connections) {
    const reused = reuseAt.get(c.id) ?? Infinity;
    const states = c.states;
    const ends = { client: c.client, server: c.server };
    for (const side of ['client', 'server'] as const) {
      const ch = realChanges(states[side]);
      const peer = ends[other(side)];
      const self = ends[side];
      for (let i = 0; i < ch.length; i++) {
        const cur = ch[i]!;
        if (NOT_A_SOCKET.has(cur.state)) continue;
        const next = ch[i + 1];
        let to = next !== undefined ? next.time : Infinity;
        let toFrame = next !== undefined ? next.frame : null;
        let toState: TcpStateName | null = next !== undefined ? next.state : null;
        let toReason: SocketInterval['toReason'] = next !== undefined ? 'change' : null;
        if (cur.state === 'TIME_WAIT' && cur.time + timeWaitSec < to) {
          to = cur.time + timeWaitSec;
          toFrame = null;
          toState = 'CLOSED';
          toReason = 'timer';
        }
        if (reused < to && reused >= cur.time) {
          to = reused;
          toFrame = null;
          toState = 'CLOSED';
          toReason = 'reused';
        }
        iv.connection = c.id;
        iv.side = side;
        iv.ip = self.ip;
        iv.port = self.port;
        iv.peerIp = peer.ip;
        iv.peerPort = peer.port;
        iv.state = cur.state as SocketState;
        iv.from = cur.time;
        iv.fromFrame = cur.frame;
        iv.to = to;
        iv.toFrame = toFrame;
        iv.toState = toState;
        iv.toReason = toReason;
        visit(iv);
      }
    }
  }
}

/**
 * A step series of how many of `intervals` were active over [start, end], plus the peak. At most
 * `maxPoints` points: beyond, time buckets holding each bucket's maximum.
 */
export function countSeries(
  intervals: readonly { from: number; to: number }[],
  start: number,
  end: number,
  maxPoints = 256,
): { t: number[]; v: number[]; peak: number; peakAt: number | null; atEnd: number; bucketed: boolean } {
  const deltas: [number, number][] = [];
  for (const iv of intervals) {
    const a = Math.max(iv.from, start);
    const b = iv.to;
    if (b <= a || a > end) continue;
    deltas.push([a, 1]);
    if (b <= end) deltas.push([b, -1]);
  }
  deltas.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const t: number[] = [];
  const v: number[] = [];
  let n = 0;
  let peak = 0;
  let peakAt: number | null = null;
  for (let i = 0; i < deltas.length; ) {
    const time = deltas[i]![0];
    while (i < deltas.length && deltas[i]![0] === time) n += deltas[i++]![1];
    if (n > peak) {
      peak = n;
      peakAt = time;
    }
    if (t.length > 0 && t[t.length - 1] === time) v[v.length - 1] = n;
    else {
      t.push(time);
      v.push(n);
    }
  }
  const atEnd = n;
  if (t.length <= maxPoints) return { t: t.map(r6), v, peak, peakAt, atEnd, bucketed: false };
  // Bucket maxima: the value in force at each bucket's start and every value within it.
  const width = (end - start) / maxPoints || 1;
  const bt: number[] = [];
  const bv: number[] = [];
  let j = 0;
  let current = 0;
  for (let b = 0; b < maxPoints; b++) {
    const lo = start + b * width;
    const hi = b === maxPoints - 1 ? Infinity : lo + width;
    let max = current;
    while (j < t.length && t[j]! < hi) {
      current = v[j]!;
      if (current > max) max = current;
      j++;
    }
    bt.push(r6(lo));
    bv.push(max);
  }
  return { t: bt, v: bv, peak, peakAt, atEnd, bucketed: true };
}

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
