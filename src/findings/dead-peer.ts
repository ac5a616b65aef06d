/**
 * dead-peer: the same thing sent again and again with nothing coming back — the peer or the path
 * is gone. Three shapes, one finding per shape and peer endpoint:
 * - data: one segment retransmitted at least 3 times, never ACKed, with growing intervals (or over
 *   at least 1 s), and no sign of life from the peer afterwards except possibly a RST;
 * - syn: a connection attempt whose SYN was repeated without SYN/ACK or RST;
 * - keep-alive: two or more TCP keep-alive probes in a row without an answer.
 */
import type { ConnectionRecord, Side } from '../tcp/connection-record.js';
import { claim, type DetectorContext } from './context.js';
import { keepaliveIdleBefore } from './keepalive-idle.js';
import type { Run } from './runs.js';
import type { DeadPeerFinding, DeadPeerMode, FindingEndpoint, Severity, UnansweredRun } from './types.js';
import {
  MAX_LISTED, addr, dur, endpointKey, frameList, groupEndpoint, maxOf, narrowEndpoint, num, other, plural, rel, secs, wsFilter, timeSpan,
} from './util.js';

const ENDINGS = new Set(['rst-from-peer', 'rst-from-sender', 'fin', 'capture-end', 'gave-up']);

export function isDeadPeerRun(r: Run): boolean {
  if (r.answered || !ENDINGS.has(r.after)) return false;
  switch (r.mode) {
    case 'data':
      return r.count >= 3 && (r.exponentialBackoff || r.spanSec >= 1);
    case 'syn':
      return r.count >= 1 && r.after !== 'rst-from-peer';
    case 'keep-alive':
      return r.count >= 2;
  }
}

/**
 * "sent a 67-byte segment at frame 17 (t=4.001 s) that P never acknowledged: retransmitted 7 times
 * over the next 13.5 s (frames 18–32), first after 205 ms (frame 18) — a tail-loss probe …, then on the
 * retransmission timer at intervals … (backing off ×2)".
 */
function dataTimeline(r: UnansweredRun, peer: string, start: number): string {
  const last = r.frames[r.frames.length - 1];
  const trend = r.exponentialBackoff ? ` (backing off ×${r.backoffFactor ?? 2})` : '';
  if (r.firstTransmission === null) {
    return `retransmitted the same ${num(r.len)}-byte segment ${plural(r.count, 'time')} over ${dur(r.spanSec)} (frames ${r.frames[0]}–${last}, from ${rel(r.firstEpoch, start)}; intervals ${r.backoffIntervalsSec.map(secs).join(', ')} s${trend}; its first transmission is not in the capture) and ${peer} never acknowledged it`;
  }
  const firstRetry = r.frames[1];
  const head = `sent a ${num(r.len)}-byte segment at frame ${r.firstTransmission.frame} (${rel(r.firstTransmission.epoch, start)}) that ${peer} never acknowledged: retransmitted ${plural(r.count, 'time')} over the next ${dur(r.spanSec)} (frames ${firstRetry}–${last}), first after ${dur(r.firstIntervalSec ?? 0)} (frame ${firstRetry})`;
  if (r.tailLossProbe) {
    return `${head} — a tail-loss probe (RFC 8985: sent before the retransmission timer fires) — then on the retransmission timer at intervals ${r.backoffIntervalsSec.map(secs).join(', ')} s${trend}`;
  }
  const rest = r.backoffIntervalsSec.slice(1);
  return rest.length > 0 ? `${head}, then at intervals ${rest.map(secs).join(', ')} s${trend}` : head;
}

function idleOf(c: ConnectionRecord, sender: Side, frame: number): UnansweredRun['keepaliveIdle'] {
  const idle = keepaliveIdleBefore(c, sender, frame);
  return idle === null ? null : { lastDataFrame: idle.lastDataFrame, probeFrame: idle.probeFrame, idleSec: idle.idleSec };
}

/** ", after 3.06 s idle (the keep-alive time …: last data frame 8 → first probe frame 24, answered)". */
function idleText(r: UnansweredRun): string {
  const k = r.keepaliveIdle;
  if (k === null) return '';
  const earlier = k.probeFrame !== r.frames[0] ? `first probe frame ${k.probeFrame}, answered` : `first probe frame ${k.probeFrame}`;
  return `, after ${dur(k.idleSec)} idle (the keep-alive time, TCP_KEEPIDLE / net.ipv4.tcp_keepalive_time: last data frame ${k.lastDataFrame} → ${earlier})`;
}

function afterText(r: UnansweredRun, sender: string, peer: string, start: number): string {
  switch (r.after) {
    case 'rst-from-peer':
      return `then ${peer} answered with a RST (frame ${r.afterFrame}, ${dur(r.afterSec)} after the last try): the path was back, but the peer no longer knew the connection`;
    case 'rst-from-sender':
      return `then ${sender} gave up and reset the connection (frame ${r.afterFrame})`;
    case 'fin':
      return `then ${sender} closed the connection (FIN, frame ${r.afterFrame})`;
    case 'capture-end':
      return 'it was still trying when the capture ended';
    case 'gave-up':
      return `then nothing more was sent on the connection for the remaining ${dur(r.afterSec)} of the capture (the sender gave up) — last try at ${rel(r.lastEpoch, start)}`;
  }
}

const MODE_FILTER: Record<DeadPeerMode, string> = {
  data: 'tcp.analysis.retransmission || tcp.flags.reset==1',
  syn: 'tcp.flags.syn==1 || tcp.flags.reset==1',
  'keep-alive': 'tcp.analysis.keep_alive || tcp.flags.reset==1',
};

export function detectDeadPeer(ctx: DetectorContext): Omit<DeadPeerFinding, 'rank' | 'explainedBy'>[] {
  const groups = new Map<string, { mode: DeadPeerMode; peer: FindingEndpoint; runs: UnansweredRun[] }>();
  for (const r of ctx.runs()) {
    if (!isDeadPeerRun(r)) continue;
    const c = ctx.byId.get(r.connection);
    if (c === undefined) continue;
    const peerSide = other(r.sender);
    const run: UnansweredRun = {
      connection: r.connection,
      mode: r.mode,
      sender: r.sender,
      senderEndpoint: { ip: c[r.sender].ip, port: c[r.sender].port },
      peerEndpoint: { ip: c[peerSide].ip, port: c[peerSide].port },
      seq: r.seq,
      len: r.len,
      frames: r.frames,
      firstEpoch: r.times[0]!,
      lastEpoch: r.times[r.times.length - 1]!,
      firstTransmission: r.hasOriginal ? { frame: r.frames[0]!, epoch: r.times[0]! } : null,
      firstIntervalSec: r.hasOriginal ? r.intervalsSec[0] ?? null : null,
      keepaliveIdle: r.mode === 'keep-alive' ? idleOf(c, r.sender, r.frames[0]!) : null,
      tailLossProbe: r.tailLossProbe,
      count: r.count,
      spanSec: r.spanSec,
      intervalsSec: r.intervalsSec,
      backoffIntervalsSec: r.backoffIntervalsSec,
      exponentialBackoff: r.exponentialBackoff,
      backoffFactor: r.backoffFactor,
      after: r.after as UnansweredRun['after'],
      afterFrame: r.afterFrame,
      afterSec: r.afterSec,
    };
    const peer = groupEndpoint(c, peerSide);
    const key = `${r.mode}|${peerSide}|${endpointKey(peer)}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { mode: r.mode, peer, runs: [] }));
    g.runs.push(run);
    claim(ctx, 'dead-peer-frames', r.frames);
    claim(ctx, 'dead-peer', [r.connection]);
  }
  const out: Omit<DeadPeerFinding, 'rank' | 'explainedBy'>[] = [];
  for (const g of groups.values()) {
    const runs = g.runs.sort((a, b) => a.firstEpoch - b.firstEpoch);
    const peerEp = narrowEndpoint(g.peer, runs.map((r) => r.peerEndpoint));
    const ids = [...new Set(runs.map((r) => r.connection))].sort((a, b) => a - b);
    const longest = runs.reduce((a, b) => (b.spanSec > a.spanSec ? b : a));
    const sender = addr(longest.senderEndpoint);
    const peer = addr(longest.peerEndpoint);
    const role = longest.sender;
    const retx = runs.reduce((n, r) => n + r.count, 0);
    const iv = longest.intervalsSec.map(secs).join(', ');
    const trend = longest.exponentialBackoff ? `, backing off ×${longest.backoffFactor ?? 2}` : '';
    const timeline = dataTimeline(longest, peer, ctx.start);
    const others = runs.length > 1 ? ` The same happened on ${plural(runs.length - 1, 'other connection')} to ${addr(peerEp)}.` : '';
    let severity: Severity;
    let title: string;
    let summary: string;
    let explanation: string;
    let advice: string[];
    const frameRange = `frames ${longest.frames[0]}–${longest.frames[longest.frames.length - 1]}`;
    switch (g.mode) {
      case 'data':
        severity = 'critical';
        title = `${peer} stopped answering: data retransmitted ${longest.count} times without an ACK`;
        summary = `${sender} (${role}) ${timeline}; ${afterText(longest, sender, peer, ctx.start)}.${others}`;
        explanation = 'TCP retransmits an unacknowledged segment each time its retransmission timer expires and doubles the timer every time (exponential backoff, RFC 6298; up to 120 s on Linux). The same segment sent again and again at growing intervals with nothing coming back means that neither the data nor any ACK gets through: the peer is gone (crashed, restarted, powered off, its address moved) or something on the path drops the flow (a firewall or NAT that expired the connection, a network partition). Linux keeps trying for net.ipv4.tcp_retries2 retries (15, about 15 minutes), so an application without its own timeout hangs that long. When the path comes back, a peer that lost the connection answers the next retransmission with RST.';
        advice = [
          'Put a timeout on every request in the application and close (reset) the connection when it fires: e.g. Node `AbortSignal.timeout()` / `req.setTimeout()`, Go `http.Client{Timeout}`, Java `setSoTimeout`.',
          'Bound TCP\'s own retrying: the socket option TCP_USER_TIMEOUT, or a lower `net.ipv4.tcp_retries2` (8 ≈ 100 s).',
          'For pooled idle connections, enable TCP keep-alive with short timers (`net.ipv4.tcp_keepalive_time` / `_intvl` / `_probes`, or TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT; Node `socket.setKeepAlive(true, 10000)`) and keep the pool\'s idle timeout below any firewall/NAT idle timeout on the path, so a dead connection is found before a request is sent on it.',
          `Check what happened to ${longest.peerEndpoint.ip} or the path at ${rel(longest.firstEpoch, ctx.start)} (restart, failover, firewall or NAT state expiry).`,
        ];
        break;
      case 'syn':
        severity = ids.length >= 3 ? 'critical' : 'warning';
        title = `${addr(peerEp)} did not answer ${plural(ids.length, 'connection attempt')}`;
        summary = `${sender} sent its SYN ${plural(longest.count + 1, 'time')} over ${dur(longest.spanSec)} (${frameRange}; intervals ${iv} s${trend}) without a SYN/ACK or RST from ${peer}; ${afterText(longest, sender, peer, ctx.start)}.${others}`;
        explanation = 'A SYN that is neither answered (SYN/ACK) nor refused (RST) was dropped on the way or at the destination: the host is down or unreachable, or a firewall / security group drops the port silently. The client retries with backoff (Linux: net.ipv4.tcp_syn_retries = 6, about 127 s), so connect() hangs that long unless the application sets a connect timeout.';
        advice = [
          `Check that ${addr(peerEp)} is up and reachable, and the firewall / security-group rules for port ${longest.peerEndpoint.port}.`,
          'Set a connect timeout in the client (a few seconds) rather than waiting for the kernel\'s SYN retries; `net.ipv4.tcp_syn_retries` lowers the kernel\'s limit.',
        ];
        break;
      case 'keep-alive':
        severity = 'warning';
        title = `${peer} did not answer TCP keep-alive probes`;
        summary = `${sender} (${role}) sent ${plural(longest.count, 'TCP keep-alive probe')} over ${dur(longest.spanSec)} (${frameRange}; intervals ${iv} s: the probe interval, TCP_KEEPINTVL / net.ipv4.tcp_keepalive_intvl)${idleText(longest)} and ${peer} answered none; ${afterText(longest, sender, peer, ctx.start)}.${others}`;
        explanation = 'A TCP keep-alive probe is an empty segment just below the next sequence number that an idle connection sends to check that the peer is still there; a live peer answers with an ACK at once. Unanswered probes mean the peer or the path is gone. After net.ipv4.tcp_keepalive_probes unanswered probes (9 by default, net.ipv4.tcp_keepalive_intvl = 75 s apart) Linux drops the connection and the application gets ETIMEDOUT.';
        advice = [
          'This is keep-alive doing its job: make sure the application then discards the connection and reconnects.',
          'To detect dead peers sooner, shorten the timers (TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT per socket, or `net.ipv4.tcp_keepalive_time` / `_intvl` / `_probes`).',
        ];
        break;
    }
    const startEpoch = runs[0]!.firstEpoch;
    const endEpoch = maxOf(runs.map((r) => r.lastEpoch + r.afterSec));
    out.push({
      kind: 'dead-peer',
      severity,
      title,
      summary,
      explanation,
      advice,
      connections: ids,
      frames: frameList(runs.flatMap((r) => [...r.frames, r.afterFrame])),
      endpoint: peerEp,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: wsFilter(ids, peerEp, MODE_FILTER[g.mode]),
      details: {
        mode: g.mode,
        runs: runs.slice(0, MAX_LISTED),
        retransmissions: retx,
        longestSpanSec: longest.spanSec,
      },
    });
  }
  return out;
}
