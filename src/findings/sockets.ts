/**
 * Socket state intervals as objects: for each side of each connection, the time spans it spent in
 * each TCP state (what `ss -tan` would have listed on that host at any instant). The rules and the
 * flat form they are computed in are in socket-table.ts; these are views of single intervals.
 */
import type { ConnectionRecord, Side } from '../tcp/connection-record.js';
import { TCP_STATE_NAMES, type TcpStateName } from '../tcp/endpoint-state.js';
import { End, intervalEdges, intervalTo, NO_STATE, socketOf, socketTable, type SocketTable } from './socket-table.js';
import type { SocketState } from './types.js';
import { sortTimes } from './util.js';

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
  /**
   * Ended by a state change, the TIME_WAIT timer, a new connection on the same 4-tuple, or its
   * sender giving up a connection attempt (SYN_SENT, socket-table.ts: an estimated instant).
   */
  toReason: 'change' | 'timer' | 'reused' | 'abandoned' | null;
}

/** By End (Gone is a change too: to CLOSED). */
const REASONS = [null, 'change', 'timer', 'reused', 'abandoned', 'change'] as const;

/** Interval `k` of the table as an object (`into` is filled and returned when given). */
export function intervalAt(t: SocketTable, k: number, connections: readonly ConnectionRecord[], into?: SocketInterval): SocketInterval {
  const socket = socketOf(t, k);
  const i = socket >> 1;
  const s = socket & 1;
  const self = 2 * i + s;
  const peer = 2 * i + (1 - s);
  const edges = intervalEdges(t, k, connections[i]!);
  const iv: SocketInterval = into ?? ({} as SocketInterval);
  iv.connection = t.id[i]!;
  iv.side = s === 0 ? 'client' : 'server';
  iv.ip = t.ips[t.ip[self]!]!;
  iv.port = t.port[self]!;
  iv.peerIp = t.ips[t.ip[peer]!]!;
  iv.peerPort = t.port[peer]!;
  iv.state = TCP_STATE_NAMES[t.state[k]!] as SocketState;
  iv.from = t.from[k]!;
  iv.fromFrame = edges.fromFrame < 0 ? null : edges.fromFrame;
  iv.to = intervalTo(t, k, socket);
  iv.toFrame = edges.toFrame < 0 ? null : edges.toFrame;
  iv.toState = edges.toState === NO_STATE ? null : TCP_STATE_NAMES[edges.toState]!;
  iv.toReason = REASONS[t.toReason[k]! as End]!;
  return iv;
}

/** Every interval of these states (all when absent), as objects. */
export function socketIntervals(connections: readonly ConnectionRecord[], timeWaitSec: number, states?: ReadonlySet<SocketState>): SocketInterval[] {
  const t = socketTable(connections, timeWaitSec);
  const out: SocketInterval[] = [];
  for (let k = 0; k < t.count; k++) {
    if (states !== undefined && !states.has(TCP_STATE_NAMES[t.state[k]!] as SocketState)) continue;
    out.push(intervalAt(t, k, connections));
  }
  return out;
}

/**
 * A step series of how many intervals were active over [start, end], plus the peak: interval x lasts
 * [from[x], to[x]). At most `maxPoints` points: beyond, time buckets holding each bucket's maximum.
 */
export function countSeries(
  fromTimes: ArrayLike<number>,
  toTimes: ArrayLike<number>,
  start: number,
  end: number,
  maxPoints = 256,
): { t: number[]; v: number[]; peak: number; peakAt: number | null; atEnd: number; bucketed: boolean } {
  // The +1 and −1 instants, each sorted (typed arrays, native sort), merged: every delta at an
  // instant applies before the count is read, so their order within it does not matter.
  const plus = new Float64Array(fromTimes.length);
  const minus = new Float64Array(fromTimes.length);
  let np = 0;
  let nm = 0;
  for (let x = 0; x < fromTimes.length; x++) {
    const a = Math.max(fromTimes[x]!, start);
    const b = toTimes[x]!;
    if (b <= a || a > end) continue;
    plus[np++] = a;
    if (b <= end) minus[nm++] = b;
  }
  const ps = sortTimes(plus.subarray(0, np));
  const ms = sortTimes(minus.subarray(0, nm));
  // The exact step series while it has at most maxPoints instants; all along, per-bucket maxima
  // (the value in force at each bucket's start and every value within it) for when it has more.
  const t: number[] = [];
  const v: number[] = [];
  const width = (end - start) / maxPoints || 1;
  const bt: number[] = [];
  const bv: number[] = [];
  let b = 0;
  let hi = maxPoints === 1 ? Infinity : start + width;
  let current = 0;
  let max = 0;
  let n = 0;
  let peak = 0;
  let peakAt: number | null = null;
  let i = 0;
  let k = 0;
  let instants = 0;
  while (i < np || k < nm) {
    const time = Math.min(i < np ? ps[i]! : Infinity, k < nm ? ms[k]! : Infinity);
    while (k < nm && ms[k] === time) {
      n--;
      k++;
    }
    while (i < np && ps[i] === time) {
      n++;
      i++;
    }
    if (n > peak) {
      peak = n;
      peakAt = time;
    }
    if (++instants <= maxPoints) {
      t.push(time);
      v.push(n);
    }
    while (time >= hi) {
      bv.push(max);
      b++;
      hi = b === maxPoints - 1 ? Infinity : start + b * width + width;
      max = current;
    }
    current = n;
    if (current > max) max = current;
  }
  const atEnd = n;
  if (instants <= maxPoints) return { t: t.map(r6), v, peak, peakAt, atEnd, bucketed: false };
  bv.push(max);
  while (bv.length < maxPoints) bv.push(current);
  for (let j = 0; j < maxPoints; j++) bt.push(r6(start + j * width));
  return { t: bt, v: bv, peak, peakAt, atEnd, bucketed: true };
}

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
