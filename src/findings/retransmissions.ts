/**
 * retransmissions: a loss summary per sender → receiver pair (the sender's endpoint: ip:port for a
 * server, the host for clients), when it matters: at least 3 retransmissions making at least 1% of
 * the sender's segments, or a retransmission run that held the connection for a second or more and
 * then recovered. Retransmissions already explained as a dead peer are left out.
 */
import { C_RETRANSMISSION } from '../tcp/classes.js';
import type { ConnectionRecord, Side } from '../tcp/connection-record.js';
import type { DetectorContext } from './context.js';
import { isDeadPeerRun } from './dead-peer.js';
import type { FindingEndpoint, RetransmissionsFinding, Severity } from './types.js';
import {
  addr, dur, endpointKey, frameList, groupEndpoint, iso, isRetransmission, maxOf, minOf, num, other, pct, plural, round6, wsFilter, eventsOf } from './util.js';

const MIN_COUNT = 3;
const MIN_RATE = 0.01;
const WARN_RATE = 0.05;
const STALL_SEC = 1;

interface Group {
  sender: FindingEndpoint;
  receiver: FindingEndpoint;
  role: Side;
  conns: { c: ConnectionRecord; packets: number; retx: number; excluded: number }[];
  stallSec: number;
  stallFrames: number[];
}

export function detectRetransmissions(ctx: DetectorContext): Omit<RetransmissionsFinding, 'rank' | 'explainedBy'>[] {
  const runs = ctx.runs();
  const excludedBy = new Map<string, number>();
  for (const r of runs) {
    if (!isDeadPeerRun(r) || r.mode === 'keep-alive') continue;
    const k = `${r.connection}|${r.sender}`;
    excludedBy.set(k, (excludedBy.get(k) ?? 0) + r.count);
  }
  const groups = new Map<string, Group>();
  const t = ctx.facts();
  for (let i = 0; i < ctx.connections.length; i++) {
    // Most connections retransmit nothing: the class bits say so without reading the record.
    if (((t.classBits[2 * i]! | t.classBits[2 * i + 1]!) & C_RETRANSMISSION) === 0) continue;
    const c = ctx.connections[i]!;
    for (const role of ['client', 'server'] as const) {
      const a = c.analysis[role];
      // Handshake retransmissions of a connection that never carried data are not loss of data
      // (a SYN scan, a half-open connection, an attempt reported as dead-peer or refused).
      const handshakeOnly = c.payloadBytes.client + c.payloadBytes.server === 0
        ? eventsOf(c).filter((e) => e.by === role && (e.kind === 'syn' || e.kind === 'syn-ack') && isRetransmission(e)).length
        : 0;
      const retx = Math.max(0, (a.retransmission ?? 0) - handshakeOnly);
      if (retx === 0) continue;
      const sender = groupEndpoint(c, role);
      const receiver = groupEndpoint(c, other(role));
      const key = `${role}|${endpointKey(sender)}|${endpointKey(receiver)}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { sender, receiver, role, conns: [], stallSec: 0, stallFrames: [] }));
      g.conns.push({ c, packets: c.packets[role], retx, excluded: Math.min(retx, excludedBy.get(`${c.id}|${role}`) ?? 0) });
      for (const r of ctx.runsOf(c.id)) {
        if (r.sender !== role || r.mode !== 'data' || isDeadPeerRun(r) || !r.answered) continue;
        if (r.spanSec > g.stallSec) {
          g.stallSec = r.spanSec;
          g.stallFrames = r.frames;
        }
      }
    }
  }
  const out: Omit<RetransmissionsFinding, 'rank' | 'explainedBy'>[] = [];
  for (const g of groups.values()) {
    const packets = g.conns.reduce((n, x) => n + x.packets, 0);
    const excluded = g.conns.reduce((n, x) => n + x.excluded, 0);
    const retx = g.conns.reduce((n, x) => n + x.retx, 0) - excluded;
    const rate = packets === 0 ? 0 : retx / packets;
    const stall = g.stallSec >= STALL_SEC;
    if (!((retx >= MIN_COUNT && rate >= MIN_RATE) || stall)) continue;
    const sum = (k: 'fastRetransmission' | 'spuriousRetransmission' | 'lostSegment') => g.conns.reduce((n, x) => n + (x.c.analysis[g.role][k] ?? 0), 0);
    const fast = sum('fastRetransmission');
    const spurious = sum('spuriousRetransmission');
    const lost = sum('lostSegment');
    const dupAcks = g.conns.reduce((n, x) => n + (x.c.analysis[other(g.role)].duplicateAck ?? 0), 0);
    const severity: Severity = (rate >= WARN_RATE && retx >= 5) || stall ? 'warning' : 'info';
    const ids = g.conns.map((x) => x.c.id).sort((a, b) => a - b);
    const retxFrames = g.conns.flatMap((x) => eventsOf(x.c).filter((e) => e.by === g.role && isRetransmission(e)).map((e) => e.frame));
    const times = g.conns.flatMap((x) => eventsOf(x.c).filter((e) => e.by === g.role && isRetransmission(e)).map((e) => e.time));
    const startEpoch = times.length > 0 ? minOf(times) : null;
    const endEpoch = times.length > 0 ? maxOf(times) : null;
    const extras: string[] = [];
    if (fast > 0) extras.push(`${num(fast)} fast`);
    if (spurious > 0) extras.push(`${num(spurious)} spurious`);
    const extraText = extras.length > 0 ? ` (${extras.join(', ')})` : '';
    const lostText = lost > 0 ? `; ${plural(lost, 'gap')} where earlier segments were never captured` : '';
    const dupText = dupAcks > 0 ? `; the receiver sent ${plural(dupAcks, 'duplicate ACK')}` : '';
    // The run starts at the segment's first transmission when the capture shows it (runs.ts).
    const stallText = stall ? `; one segment went unacknowledged for ${dur(g.stallSec)} before the connection recovered (frames ${g.stallFrames[0]}–${g.stallFrames[g.stallFrames.length - 1]})` : '';
    const srcField = g.sender.ip.includes(':') ? 'ipv6.src' : 'ip.src';
    out.push({
      kind: 'retransmissions',
      severity,
      title: `${addr(g.sender)} → ${addr(g.receiver)}: ${pct(rate)} of segments retransmitted`,
      summary: `${addr(g.sender)} (${g.role}) retransmitted ${num(retx)} of its ${num(packets)} segments to ${addr(g.receiver)} (${pct(rate)})${extraText} on ${plural(ids.length, 'connection')}${lostText}${dupText}${stallText}.`,
      explanation: 'A retransmission is a segment sent again because it — or its ACK — was lost or late. Each loss costs at least a round trip (fast retransmit after duplicate ACKs) or a whole retransmission timeout (200 ms or more on Linux, doubling each time) when too few segments are in flight to produce duplicate ACKs — this is what makes requests slow under loss. Spurious retransmissions carry data the receiver already had: the timer fired early because of a delay spike, not a loss. "Previous segment not captured" gaps are segments the capture never saw: loss upstream of the capture point, or the capture dropping packets.',
      advice: [
        'Locate the loss: interface errors and drops on both hosts and the devices between them (`ip -s link`, `ethtool -S`, switch counters), policers and congested links; `nstat -az | grep -i retrans` on the hosts.',
        'Capture at both ends at the same time: a segment seen leaving one host and not arriving at the other was lost in between.',
        lost > 0
          ? 'Check that the capture itself did not drop packets (tcpdump prints "packets dropped by kernel"): those gaps are not network loss.'
          : 'If most retransmissions are spurious, look for delay spikes (bufferbloat, a busy virtual machine host) rather than loss.',
      ],
      connections: ids,
      frames: frameList(retxFrames),
      endpoint: g.sender,
      startTime: startEpoch === null ? null : iso(startEpoch),
      endTime: endEpoch === null ? null : iso(endEpoch),
      startEpoch,
      endEpoch,
      wiresharkFilter: wsFilter(ids, null, `tcp.analysis.retransmission && ${srcField}==${g.sender.ip}${g.sender.port !== null ? ` && tcp.srcport==${g.sender.port}` : ''}`),
      details: {
        sender: g.sender,
        receiver: g.receiver,
        connections: ids.length,
        packets,
        retransmissions: retx,
        fastRetransmissions: fast,
        spuriousRetransmissions: spurious,
        rate: round6(rate),
        lostSegments: lost,
        duplicateAcks: dupAcks,
        longestStallSec: g.stallSec,
        longestStallFrames: g.stallFrames,
        excludedDeadPeer: excluded,
        perConnection: g.conns
          .map((x) => ({ connection: x.c.id, packets: x.packets, retransmissions: x.retx - x.excluded, rate: x.packets === 0 ? 0 : round6((x.retx - x.excluded) / x.packets) }))
          .sort((a, b) => b.retransmissions - a.retransmissions)
          .slice(0, 50),
      },
    });
  }
  return out;
}
