/**
 * keepalive-probes (info): TCP keep-alive probes and their interval, per sending endpoint.
 *
 * Wireshark's keep-alive rule (0 or 1 byte at next-seq − 1) also matches odd segments in the middle
 * of a transfer (duplicated frames, window probes of some stacks); a probe is counted only when the
 * connection had been quiet for at least 1 s before it (the smallest keep-alive idle time Linux
 * accepts) as far as the records show (runs.ts, keepaliveProbes). Linux zero-window probes are not counted: the engine classes
 * them as zero-window probes.
 */
import { C_KEEP_ALIVE } from '../tcp/classes.js';
import type { Side } from '../tcp/connection-record.js';
import type { DetectorContext } from './context.js';
import { keepaliveIdlePeriods } from './keepalive-idle.js';
import { keepaliveProbes } from './runs.js';
import type { FindingEndpoint, KeepaliveDetails, KeepaliveFinding } from './types.js';
import {
  MAX_LISTED, addr, dur, endpointKey, frameList, groupEndpoint, maxOf, median, minOf, narrowEndpoint, num, other, plural, round6, secs, wsFilter, timeSpan, eventsOf } from './util.js';

type PerConnection = KeepaliveDetails['perConnection'][number];

export function detectKeepaliveProbes(ctx: DetectorContext): Omit<KeepaliveFinding, 'rank' | 'explainedBy'>[] {
  const groups = new Map<string, { endpoint: FindingEndpoint; role: Side; per: PerConnection[]; ports: { port: number }[]; times: number[]; peers: Set<string> }>();
  const facts = ctx.facts();
  for (let i = 0; i < ctx.connections.length; i++) {
    if (((facts.classBits[2 * i]! | facts.classBits[2 * i + 1]!) & C_KEEP_ALIVE) === 0) continue;
    const c = ctx.connections[i]!;
    for (const sender of ['client', 'server'] as const) {
      const peer = other(sender);
      const probeEvents = keepaliveProbes(c, sender);
      const probes = new Set(probeEvents.map((e) => e.frame));
      const periods = keepaliveIdlePeriods(c, probeEvents);
      const startsPeriod = new Set(periods.map((p) => p.probeFrame));
      const frames: number[] = [];
      const times: number[] = [];
      const wasAnswered: boolean[] = [];
      let answered = 0;
      for (const e of eventsOf(c)) {
        if (e.by === peer && e.kind === 'keep-alive-ack' && wasAnswered.length > 0 && !wasAnswered[wasAnswered.length - 1]) {
          answered++;
          wasAnswered[wasAnswered.length - 1] = true;
        }
        if (e.by === sender && e.kind === 'keep-alive' && probes.has(e.frame)) {
          frames.push(e.frame);
          times.push(e.time);
          wasAnswered.push(false);
        }
      }
      if (frames.length === 0) continue;
      const intervals: number[] = [];
      // After an answered probe the kernel waits the idle time again; after an unanswered one, the
      // probe interval. A probe after new data starts a new idle period: no interval of either.
      const repeat: number[] = [];
      const retry: number[] = [];
      for (let i = 1; i < times.length; i++) {
        const iv = round6(times[i]! - times[i - 1]!);
        intervals.push(iv);
        if (!startsPeriod.has(frames[i]!)) (wasAnswered[i - 1] ? repeat : retry).push(iv);
      }
      const endpoint = groupEndpoint(c, sender);
      const key = `${sender}|${endpointKey(endpoint)}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { endpoint, role: sender, per: [], ports: [], times: [], peers: new Set() }));
      g.per.push({
        connection: c.id, frames, answered, intervalsSec: intervals, repeatIntervalsSec: repeat, retryIntervalsSec: retry,
        idlePeriods: periods.map((p) => ({ lastDataFrame: p.lastDataFrame, probeFrame: p.probeFrame, idleSec: p.idleSec })),
      });
      g.ports.push({ port: c[sender].port });
      g.times.push(...times);
      g.peers.add(addr(sender === 'client' ? c[peer] : { ip: c[peer].ip, port: null }));
    }
  }
  const out: Omit<KeepaliveFinding, 'rank' | 'explainedBy'>[] = [];
  for (const g of groups.values()) {
    const endpoint = narrowEndpoint(g.endpoint, g.ports);
    const ids = g.per.map((p) => p.connection).sort((a, b) => a - b);
    const probes = g.per.reduce((n, p) => n + p.frames.length, 0);
    const answered = g.per.reduce((n, p) => n + p.answered, 0);
    const intervals = g.per.flatMap((p) => p.intervalsSec);
    const med = intervals.length > 0 ? round6(median(intervals)) : null;
    const idles = g.per.flatMap((p) => p.idlePeriods.map((x) => x.idleSec));
    const idle = idles.length > 0 ? round6(median(idles)) : null;
    const repeats = g.per.flatMap((p) => p.repeatIntervalsSec);
    const retries = g.per.flatMap((p) => p.retryIntervalsSec);
    const repeat = repeats.length > 0 ? round6(median(repeats)) : null;
    const retry = retries.length > 0 ? round6(median(retries)) : null;
    const peers = [...g.peers];
    const peerText = peers.length === 1 ? peers[0]! : `${peers.length} peers`;
    const startEpoch = minOf(g.times);
    const endEpoch = maxOf(g.times);
    const timing = timingText(g.per.flatMap((p) => p.idlePeriods), idle, repeat, retry);
    const answers = answered === probes ? 'all answered' : `${num(answered)} answered`;
    out.push({
      kind: 'keepalive-probes',
      severity: 'info',
      title: `${addr(endpoint)} sends TCP keep-alive probes${idle !== null ? ` after ${dur(idle)} idle` : med !== null ? ` every ${dur(med)}` : ''}`,
      summary: `${addr(endpoint)} (${g.role}) sent ${plural(probes, 'TCP keep-alive probe')} on ${plural(ids.length, 'idle connection')} to ${peerText}${timing}; ${answers}${intervals.length > 0 && intervals.length <= 8 ? ` (intervals ${intervals.map(secs).join(', ')} s)` : ''}.`,
      explanation: 'A TCP keep-alive probe is an empty segment just below the next sequence number that the kernel sends on a connection that has been idle for the keep-alive time (Linux: net.ipv4.tcp_keepalive_time, 7200 s by default, often set per socket with TCP_KEEPIDLE); a live peer ACKs it at once. Answered probes repeat once per idle period; unanswered ones every net.ipv4.tcp_keepalive_intvl, and after net.ipv4.tcp_keepalive_probes of them the connection is dropped. They keep NAT and firewall state alive and find dead peers; seeing them means these connections sat idle at least that long.',
      advice: [
        'Nothing to fix. If these connections must survive idle periods, keep the probe interval below the idle timeout of every firewall, NAT or load balancer on the path.',
        'Tune per socket with TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT (Node `socket.setKeepAlive(true, ms)`), or system-wide with `net.ipv4.tcp_keepalive_time` / `_intvl` / `_probes`.',
      ],
      connections: ids,
      frames: frameList(g.per.flatMap((p) => p.frames)),
      endpoint,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: wsFilter(ids, endpoint, 'tcp.analysis.keep_alive || tcp.analysis.keep_alive_ack'),
      details: {
        role: g.role,
        probes,
        answered,
        connections: ids.length,
        intervalsSec: intervals,
        medianIntervalSec: med,
        idleSec: idle,
        repeatIntervalSec: repeat,
        retryIntervalSec: retry,
        perConnection: g.per.slice(0, MAX_LISTED),
      },
    });
  }
  return out;
}

/**
 * ": the first after 3.06 s idle (the keep-alive time …; last data frame 8 → probe frame 24), again
 * 3.01 s after an answered probe, 1.02 s apart while unanswered (the probe interval …)".
 */
function timingText(periods: readonly PerConnection['idlePeriods'][number][], idle: number | null, repeat: number | null, retry: number | null): string {
  const parts: string[] = [];
  if (idle !== null) {
    const where = periods.length === 1 ? `; last data frame ${periods[0]!.lastDataFrame} → probe frame ${periods[0]!.probeFrame}` : `; median of ${periods.length} idle periods, last data → first probe`;
    parts.push(`the first after ${dur(idle)} idle (the keep-alive time, TCP_KEEPIDLE / net.ipv4.tcp_keepalive_time${where})`);
  } else {
    parts.push('the first after an idle period the capture does not show the start of');
  }
  if (repeat !== null) parts.push(`again ${dur(repeat)} after an answered probe`);
  if (retry !== null) parts.push(`${dur(retry)} apart while unanswered (the probe interval, TCP_KEEPINTVL / net.ipv4.tcp_keepalive_intvl)`);
  return `: ${parts.join(', ')}`;
}
