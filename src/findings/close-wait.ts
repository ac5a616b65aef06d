/**
 * close-wait: an endpoint received a FIN, ACKed it, and did not close its own side for longer than
 * `closeWaitSec` or until the capture ended — its application never closed the socket.
 *
 * Not reported: a side that kept sending data after the FIN (a half-close in use: the peer shut down
 * its sending side and is still reading) — fin-wait-2 reports those when they hang; and a FIN whose
 * ACK the capture does not show (one-sided captures, a receiver that is gone) unless the side closed
 * later. Sockets are aggregated per endpoint: ip:port for a server, the host for clients.
 */
import type { Side } from '../tcp/connection-record.js';
import { claim, type DetectorContext } from './context.js';
import { describeInterval, lingering, peakConcurrent, groupSocket } from './lingering.js';
import type { CloseWaitFinding, CloseWaitSocket, FindingEndpoint, Severity } from './types.js';
import {
  MAX_LISTED, addr, dur, frameList, maxOf, minOf, narrowEndpoint, num, other, plural, spread, wsFilter, timeSpan,
} from './util.js';

/** From this many sockets, a CLOSE_WAIT leak is critical (descriptor and memory exhaustion ahead). */
const CRITICAL_COUNT = 50;

export function detectCloseWait(ctx: DetectorContext): Omit<CloseWaitFinding, 'rank' | 'explainedBy'>[] {
  const groups = new Map<string, { endpoint: FindingEndpoint; role: Side; sockets: CloseWaitSocket[] }>();
  for (const { c, iv, socket } of lingering(ctx, 'CLOSE_WAIT', ctx.closeWaitSec)) {
    const side = iv.side;
    const peer = other(side);
    if (c.bytesAfterPeerFin[side] > 0) continue; // half-close in use
    const peerFw2 = ctx.socketIntervalsOf(c.id).find((p) => p.connection === c.id && p.side === peer && p.state === 'FIN_WAIT_2' && p.from >= iv.from);
    const acked = peerFw2 !== undefined || socket.ended === 'fin';
    if (!acked) continue;
    const fw2 = peerFw2 === undefined ? null : describeInterval(c, peerFw2, ctx.end);
    const s: CloseWaitSocket = {
      ...socket,
      peerFinFrame: c.finFrames[peer] ?? socket.fromFrame,
      finAckFrame: peerFw2?.fromFrame ?? null,
      peerFinWait2: fw2 === null ? null : { fromFrame: fw2.fromFrame, durationSec: fw2.durationSec, ended: fw2.ended },
    };
    groupSocket(groups, c, side, s);
  }

  const out: Omit<CloseWaitFinding, 'rank' | 'explainedBy'>[] = [];
  for (const g of groups.values()) {
    const socks = g.sockets;
    const endpoint = narrowEndpoint(g.endpoint, socks);
    const ids = [...new Set(socks.map((s) => s.connection))].sort((a, b) => a - b);
    claim(ctx, 'close-wait', ids);
    const atEnd = socks.filter((s) => s.ended === 'capture-end');
    const byFin = socks.filter((s) => s.ended === 'fin');
    const byRst = socks.filter((s) => s.ended === 'rst');
    const d = spread(socks.map((s) => s.durationSec));
    const peak = peakConcurrent(socks);
    const severity: Severity = socks.length >= CRITICAL_COUNT || peak >= CRITICAL_COUNT ? 'critical' : 'warning';
    const peers = [...new Set(socks.map((s) => addr(g.role === 'client' ? s.peer : { ip: s.peer.ip, port: null })))];
    const peerText = peers.length === 1 ? peers[0]! : `${peers.length} peers`;
    const who = g.role === 'server' ? `${addr(endpoint)} (the server)` : `${addr(endpoint)} (client)`;
    const durText = d.min === d.max ? dur(d.max) : `${dur(d.min)} to ${dur(d.max)}`;
    const endings: string[] = [];
    if (atEnd.length > 0) endings.push(`${num(atEnd.length)} still open when the capture ended`);
    if (byFin.length > 0) endings.push(`${num(byFin.length)} closed late with a FIN`);
    if (byRst.length > 0) endings.push(`${num(byRst.length)} ended by a RST`);
    const fw2 = socks.filter((s) => s.peerFinWait2 !== null).length;
    const frames = frameList(socks.flatMap((s) => [s.peerFinFrame, s.finAckFrame, s.toFrame]));
    const startEpoch = minOf(socks.map((s) => s.fromEpoch));
    const endEpoch = maxOf(socks.map((s) => s.toEpoch));
    out.push({
      kind: 'close-wait',
      severity,
      title: `${addr(endpoint)} left ${plural(socks.length, 'connection')} in CLOSE_WAIT`,
      summary: `${who} received and ACKed a FIN from ${peerText} on ${plural(socks.length, 'connection')} but did not close its own side for ${atEnd.length === socks.length ? 'at least ' : ''}${durText} (${endings.join(', ')})${fw2 > 0 ? `; meanwhile the peer's socket${fw2 === 1 ? ' sat' : 's sat'} in FIN_WAIT_2` : ''}.`,
      explanation: 'When a peer closes its side (FIN), the receiving kernel ACKs it at once and the socket enters CLOSE_WAIT. It leaves CLOSE_WAIT only when the application calls close() (or shutdown()), and TCP has no timer for it: a socket that stays there means the application never noticed the end of the stream (a read returning 0 / EOF) or never closed the socket — a descriptor leak, typical of connection pools that keep connections the server already closed. ' +
        `The peer waits meanwhile in FIN_WAIT_2; Linux drops an orphaned FIN_WAIT_2 socket after net.ipv4.tcp_fin_timeout (60 s by default), after which anything the CLOSE_WAIT side still sends on that connection (a reused request, its late FIN) is answered with RST.${byRst.length > 0 ? ' Here some of these connections did end with a RST.' : ''}`,
      advice: [
        g.role === 'client'
          ? 'Close the socket when a read returns EOF (0 bytes): Node handles \'end\' for you unless `allowHalfOpen: true`; in Python `if not data: sock.close()`; in Java `read() == -1` means close.'
          : 'The server application did not close after the client\'s FIN: check handlers that keep the socket after an error, a timeout or an early client close, and close on EOF.',
        'In connection pools, drop connections the peer has closed: validate idle connections before reuse, and keep the client\'s idle timeout below the server\'s keep-alive timeout (Node `server.keepAliveTimeout`, nginx `keepalive_timeout`).',
        `Find the owner on ${g.endpoint.ip}: \`ss -tanp state close-wait\` (Recv-Q 1 is the unread FIN) or \`lsof -nP -p PID | grep CLOSE_WAIT\`.`,
      ],
      connections: ids,
      frames,
      endpoint,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: wsFilter(ids, endpoint, 'tcp.flags.fin==1 || tcp.flags.reset==1'),
      details: {
        role: g.role,
        thresholdSec: ctx.closeWaitSec,
        count: socks.length,
        stillOpenAtEnd: atEnd.length,
        endedByFin: byFin.length,
        endedByRst: byRst.length,
        durationSec: d,
        peakConcurrent: peak,
        sockets: socks.slice(0, MAX_LISTED),
      },
    });
  }
  return out;
}
