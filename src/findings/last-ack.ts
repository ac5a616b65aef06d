/**
 * last-ack: a side sent its FIN after the peer's (LAST_ACK) and waited longer than `closeWaitSec`
 * for the ACK of it, or was still waiting when the capture ended. One-sided captures (no segment of
 * the peer visible) are not reported: the ACK would be invisible anyway.
 */
import type { Side } from '../tcp/connection-record.js';
import type { DetectorContext } from './context.js';
import { lingering, groupSocket } from './lingering.js';
import type { FindingEndpoint, LastAckDetails, LastAckFinding, Severity } from './types.js';
import {
  MAX_LISTED, addr, dur, frameList, isRetransmission, maxOf, minOf, narrowEndpoint, num, other, plural, spread, wsFilter, timeSpan,
} from './util.js';

type Socket = LastAckDetails['sockets'][number];

export function detectLastAck(ctx: DetectorContext): Omit<LastAckFinding, 'rank' | 'explainedBy'>[] {
  const groups = new Map<string, { endpoint: FindingEndpoint; role: Side; sockets: Socket[] }>();
  for (const { c, iv, socket } of lingering(ctx, 'LAST_ACK', ctx.closeWaitSec)) {
    const side = iv.side;
    if (c.packets[other(side)] === 0) continue;
    const retx = c.events
      .filter((e) => e.by === side && e.kind === 'fin' && isRetransmission(e) && e.time >= iv.from && e.time <= socket.toEpoch)
      .map((e) => e.frame);
    const s: Socket = { ...socket, finFrame: iv.fromFrame ?? socket.fromFrame, finRetransmissionFrames: retx };
    groupSocket(groups, c, side, s);
  }
  const out: Omit<LastAckFinding, 'rank' | 'explainedBy'>[] = [];
  for (const g of groups.values()) {
    const socks = g.sockets;
    const endpoint = narrowEndpoint(g.endpoint, socks);
    const ids = [...new Set(socks.map((s) => s.connection))].sort((a, b) => a - b);
    const atEnd = socks.filter((s) => s.ended === 'capture-end').length;
    const byRst = socks.filter((s) => s.ended === 'rst').length;
    const retx = socks.reduce((n, s) => n + s.finRetransmissionFrames.length, 0);
    const d = spread(socks.map((s) => s.durationSec));
    const severity: Severity = retx >= 2 || socks.length >= 10 ? 'warning' : 'info';
    const startEpoch = minOf(socks.map((s) => s.fromEpoch));
    const endEpoch = maxOf(socks.map((s) => s.toEpoch));
    const durText = d.min === d.max ? dur(d.max) : `${dur(d.min)} to ${dur(d.max)}`;
    const endings: string[] = [];
    if (atEnd > 0) endings.push(`${num(atEnd)} still waiting when the capture ended`);
    if (byRst > 0) endings.push(`${num(byRst)} ended by a RST`);
    const late = socks.length - atEnd - byRst;
    if (late > 0) endings.push(`${num(late)} ACKed late`);
    out.push({
      kind: 'last-ack',
      severity,
      title: `${addr(endpoint)} waited in LAST_ACK for the ACK of its FIN`,
      summary: `${addr(endpoint)} (${g.role}) sent its FIN after the peer's on ${plural(socks.length, 'connection')} and waited ${durText} for it to be ACKed (${endings.join(', ')})${retx > 0 ? `, retransmitting the FIN ${plural(retx, 'time')}` : ''}.`,
      explanation: 'A socket in LAST_ACK has received the peer\'s FIN, sent its own, and waits for the ACK of that FIN — normally one round trip. When it lasts, the FIN or its ACK was lost, or the peer is gone: Linux retransmits the FIN with backoff (net.ipv4.tcp_orphan_retries for sockets the application has closed) and then drops the socket. A peer that has already forgotten the connection answers the FIN with RST instead.',
      advice: [
        'Check the path to the peer for loss, or a firewall/NAT that dropped the flow after the first FIN.',
        'If this side closed late (a long CLOSE_WAIT before), the peer\'s FIN_WAIT_2 may have timed out (net.ipv4.tcp_fin_timeout): close sockets as soon as a read returns EOF.',
        '`net.ipv4.tcp_orphan_retries` bounds how often an orphaned socket retransmits its FIN (0 means 8).',
      ],
      connections: ids,
      frames: frameList(socks.flatMap((s) => [s.finFrame, ...s.finRetransmissionFrames, s.toFrame])),
      endpoint,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: wsFilter(ids, endpoint, 'tcp.flags.fin==1 || tcp.flags.reset==1'),
      details: {
        role: g.role,
        thresholdSec: ctx.closeWaitSec,
        count: socks.length,
        stillOpenAtEnd: atEnd,
        durationSec: d,
        finRetransmissions: retx,
        sockets: socks.slice(0, MAX_LISTED),
      },
    });
  }
  return out;
}
