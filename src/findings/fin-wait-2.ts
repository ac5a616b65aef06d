/**
 * fin-wait-2: a side closed its sending direction, the peer ACKed the FIN, and the peer never sent
 * its own FIN — reported only where close-wait does not already explain it: the peer kept using the
 * half-closed connection (it sent data after the FIN) and then neither finished nor closed, or the
 * peer's state could not be inferred. Only sockets still waiting at the capture end or ended by a
 * RST, after at least `closeWaitSec`. One-sided captures are not reported.
 */
import type { Side } from '../tcp/connection-record.js';
import { isClaimed, type DetectorContext } from './context.js';
import { lingering, groupSocket } from './lingering.js';
import type { FindingEndpoint, FinWait2Details, FinWait2Finding } from './types.js';
import {
  MAX_LISTED, addr, bytes, dur, frameList, maxOf, minOf, narrowEndpoint, num, other, plural, spread, wsFilter, timeSpan,
} from './util.js';

type Socket = FinWait2Details['sockets'][number];

export function detectFinWait2(ctx: DetectorContext): Omit<FinWait2Finding, 'rank' | 'explainedBy'>[] {
  const groups = new Map<string, { endpoint: FindingEndpoint; role: Side; sockets: Socket[] }>();
  for (const { c, iv, socket } of lingering(ctx, 'FIN_WAIT_2', ctx.closeWaitSec)) {
    const side = iv.side;
    const peer = other(side);
    if (isClaimed(ctx, 'close-wait', c.id)) continue;
    if (socket.ended !== 'capture-end' && socket.ended !== 'rst') continue;
    if (c.packets[peer] === 0) continue;
    const s: Socket = {
      ...socket,
      finFrame: c.finFrames[side] ?? socket.fromFrame,
      peerBytesAfterFin: c.bytesAfterPeerFin[peer],
    };
    groupSocket(groups, c, side, s);
  }
  const out: Omit<FinWait2Finding, 'rank' | 'explainedBy'>[] = [];
  for (const g of groups.values()) {
    const socks = g.sockets;
    const endpoint = narrowEndpoint(g.endpoint, socks);
    const ids = [...new Set(socks.map((s) => s.connection))].sort((a, b) => a - b);
    const atEnd = socks.filter((s) => s.ended === 'capture-end').length;
    const d = spread(socks.map((s) => s.durationSec));
    const after = socks.reduce((n, s) => n + s.peerBytesAfterFin, 0);
    const startEpoch = minOf(socks.map((s) => s.fromEpoch));
    const endEpoch = maxOf(socks.map((s) => s.toEpoch));
    const durText = d.min === d.max ? dur(d.max) : `${dur(d.min)} to ${dur(d.max)}`;
    out.push({
      kind: 'fin-wait-2',
      severity: 'info',
      title: `${addr(endpoint)} left half-closed in FIN_WAIT_2`,
      summary: `${addr(endpoint)} (${g.role}) closed its side of ${plural(socks.length, 'connection')} and the peer ACKed it, but the peer sent no FIN for ${atEnd === socks.length ? 'at least ' : ''}${durText}${after > 0 ? `, although it sent ${bytes(after)} after the FIN` : ''} (${num(atEnd)} still half-open when the capture ended).`,
      explanation: 'After its FIN is ACKed, a socket sits in FIN_WAIT_2 until the peer sends its own FIN. The peer here kept the connection half-open: it went on using its sending direction (a half-close in use, e.g. a client that called shutdown(SHUT_WR) to mark the end of its request) but never finished with a FIN. An application that has closed its socket does not wait forever — Linux drops an orphaned FIN_WAIT_2 after net.ipv4.tcp_fin_timeout (60 s) — but one that only called shutdown() keeps it as long as it keeps the socket.',
      advice: [
        'Make the peer close its side once it has sent everything (check why it stops without a FIN).',
        'If this side only called shutdown(SHUT_WR), read to EOF with a read timeout and then close().',
        '`net.ipv4.tcp_fin_timeout` bounds orphaned FIN_WAIT_2 sockets (60 s by default).',
      ],
      connections: ids,
      frames: frameList(socks.flatMap((s) => [s.finFrame, s.fromFrame, s.toFrame])),
      endpoint,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: wsFilter(ids, endpoint, 'tcp.flags.fin==1 || tcp.flags.reset==1'),
      details: {
        role: g.role,
        thresholdSec: ctx.closeWaitSec,
        count: socks.length,
        stillOpenAtEnd: atEnd,
        durationSec: d,
        peerBytesAfterFin: after,
        sockets: socks.slice(0, MAX_LISTED),
      },
    });
  }
  return out;
}
