/** Sockets that stayed in one closing state for long: shared by close-wait, last-ack and fin-wait-2. */
import type { ConnectionRecord, Side } from '../tcp/connection-record.js';
import type { DetectorContext } from './context.js';
import { intervalAt, type SocketInterval } from './sockets.js';
import { intervalTo, socketOf } from './socket-table.js';
import { TCP_STATE_NAMES } from '../tcp/endpoint-state.js';
import type { FindingEndpoint, LingerEnd, LingeringSocket, SocketState } from './types.js';
import { endpointKey, groupEndpoint, round6 } from './util.js';

export interface Lingering {
  c: ConnectionRecord;
  iv: SocketInterval;
  socket: LingeringSocket;
}

export function describeInterval(c: ConnectionRecord, iv: SocketInterval, captureEnd: number): LingeringSocket {
  const open = !Number.isFinite(iv.to);
  const toEpoch = open ? Math.max(captureEnd, iv.from) : iv.to;
  let ended: LingerEnd;
  let resetBy: LingeringSocket['resetBy'] = null;
  const reset = iv.toFrame === null ? undefined : c.resets.find((r) => r.frame === iv.toFrame);
  if (open || iv.toReason === 'reused' || iv.toReason === 'timer') ended = 'capture-end';
  else if (reset !== undefined) {
    ended = 'rst';
    resetBy = reset.by;
  } else if (iv.toState === 'CLOSED') ended = 'ack';
  else ended = 'fin';
  return {
    connection: c.id,
    side: iv.side,
    ip: iv.ip,
    port: iv.port,
    peer: { ip: iv.peerIp, port: iv.peerPort },
    fromFrame: iv.fromFrame ?? 0,
    fromEpoch: iv.from,
    toFrame: open ? null : iv.toFrame,
    toEpoch,
    durationSec: round6(toEpoch - iv.from),
    ended,
    resetBy,
  };
}

/** Every interval in `state` that lasted at least `minSec` (to the capture end for open ones). */
export function lingering(ctx: DetectorContext, state: SocketState, minSec: number): Lingering[] {
  const out: Lingering[] = [];
  const t = ctx.sockets();
  const code = TCP_STATE_NAMES.indexOf(state);
  for (let k = 0; k < t.count; k++) {
    if (t.state[k] !== code) continue;
    // The duration as describeInterval computes it, before any object is made: most closing
    // states (every active closer's FIN_WAIT_2) last a round trip.
    const from = t.from[k]!;
    const to = intervalTo(t, k);
    if (round6((Number.isFinite(to) ? to : Math.max(ctx.end, from)) - from) < minSec) continue;
    const c = ctx.connections[socketOf(t, k) >> 1]!;
    const iv = intervalAt(t, k, ctx.connections);
    const socket = describeInterval(c, iv, ctx.end);
    if (socket.durationSec < minSec) continue;
    out.push({ c, iv, socket });
  }
  return out.sort((a, b) => a.socket.fromEpoch - b.socket.fromEpoch);
}

/** Most intervals open at the same instant. */
export function peakConcurrent(items: readonly { fromEpoch: number; toEpoch: number }[]): number {
  const pts: [number, number][] = [];
  for (const s of items) {
    pts.push([s.fromEpoch, 1]);
    pts.push([s.toEpoch, -1]);
  }
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let n = 0;
  let peak = 0;
  for (const [, d] of pts) {
    n += d;
    if (n > peak) peak = n;
  }
  return peak;
}

/** A finding's sockets grouped by endpoint: a server by ip:port, a client by host. */
export interface SocketGroup<S> {
  endpoint: FindingEndpoint;
  role: Side;
  sockets: S[];
}

export function groupSocket<S>(groups: Map<string, SocketGroup<S>>, c: ConnectionRecord, side: Side, socket: S): void {
  const endpoint = groupEndpoint(c, side);
  const key = `${side}|${endpointKey(endpoint)}`;
  let g = groups.get(key);
  if (g === undefined) groups.set(key, (g = { endpoint, role: side, sockets: [] }));
  g.sockets.push(socket);
}
