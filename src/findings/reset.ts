/**
 * reset: every RST with a cause, grouped by cause. The rules, in order, for a RST sent by X to Y:
 * 1. a further RST from X on the same connection is a follow-up and shares the cause of X's first;
 * 2. the capture begins with it → unknown;
 * 3. Y sent a SYN and X had not answered it with a SYN/ACK → refused;
 * 4. X opened the connection and no payload was exchanged → abortive-close (handshake aborted);
 * 5. X had sent its FIN and Y sent something after it (data, a keep-alive, its late FIN) →
 *    after-peer-close (the keep-alive race when it was data); but when Y had ACKed X's FIN (X sat
 *    in FIN_WAIT_2) and what drew the RST was Y's FIN or a keep-alive — both of which a FIN_WAIT_2
 *    socket accepts — X's socket was gone: after-fin-wait-2-timeout (net.ipv4.tcp_fin_timeout
 *    expired on an orphaned socket). Data drawing a RST later after that ACK than the shortest such
 *    FIN_WAIT_2 → RST time of the same server counts the same;
 * 6. a zero-window stall of at least 1 s was still on (or ended with this RST) → stall-timeout;
 * 7. it answered Y's retransmission or keep-alive within 1 s, after repeated tries or a silence of
 *    at least 1 s → stale-connection (X forgot the connection);
 * 7b. X itself had been retrying (keep-alive probes, retransmissions) and the peer answered none of
 *    them; this RST ends that run → retries-exhausted (Linux's keep-alive timer sends a RST when
 *    tcp_keepalive_probes go unanswered: X's TCP gave up on a dead peer, not its application);
 * 8. nothing was exchanged for at least max(1 s, 20 × RTT) before it, as far as the records show
 *    (every segment of the connection placed in time, or a series) → idle-timeout;
 * 9. otherwise, on a connection that had an exchange → abortive-close; else unknown.
 */
import type { ConnectionRecord, EventRecord, Side } from '../tcp/connection-record.js';
import type { DetectorContext } from './context.js';
import { isTransient } from './episodes.js';
import type {
  FindingEndpoint, ResetCause, ResetDetails, ResetFinding, ResetInfo, ResetTrigger, Severity,
} from './types.js';
import {
  MAX_LISTED, addr, dur, endpointKey, frameFilter, frameList, groupEndpoint, isRetransmission, maxOf, minOf, other, plural, rel, round6, spread, wsFilter, timeSpan, eventsOf } from './util.js';

const STALE_ANSWER_SEC = 1;
const OUTAGE_SEC = 1;
const MIN_IDLE_SEC = 1;
const STALL_SEC = 1;

/** Latest instant before the RST at which the records place a segment, and whether every segment is placed. */
function quietBefore(c: ConnectionRecord, frame: number, time: number): { sec: number | null; exact: boolean } {
  let last = -Infinity;
  const known = new Set<number>();
  for (const e of eventsOf(c)) {
    known.add(e.frame);
    if (e.frame < frame && e.time > last) last = e.time;
  }
  for (const side of ['client', 'server'] as const) {
    for (const s of c.states[side]) {
      if (s.frame === null) continue;
      known.add(s.frame);
      if (s.frame < frame && s.time > last) last = s.time;
    }
  }
  if (c.series !== null) {
    for (const s of [c.series.window.client, c.series.window.server, c.series.acked.client, c.series.acked.server]) {
      for (const t of s.t) if (t < time && t > last) last = t;
    }
  }
  for (const r of c.resets) known.add(r.frame);
  const exact = known.size >= c.packets.client + c.packets.server;
  return { sec: Number.isFinite(last) ? Math.max(0, time - last) : null, exact };
}

function triggerOf(e: EventRecord | undefined): ResetTrigger {
  if (e === undefined) return 'none';
  switch (e.kind) {
    case 'syn':
      return 'syn';
    case 'keep-alive':
      return 'keep-alive';
    case 'fin':
      return isRetransmission(e) ? 'retransmission' : 'fin';
    case 'retransmission':
      return 'retransmission';
    case 'zero-window-probe':
      return 'zero-window-probe';
    case 'data-after-fin':
      return 'data';
    default:
      return e.len > 0 ? 'data' : 'unknown';
  }
}

function classifyResets(ctx: DetectorContext, c: ConnectionRecord): ResetInfo[] {
  const out: ResetInfo[] = [];
  const firstBy = new Map<Side, ResetInfo>();
  const stalls = ctx.zeroWindowsOf(c.id).filter((z) => !isTransient(z));
  const runs = ctx.runsOf(c.id);
  const rtt = (c.handshake.rttMs ?? 0) / 1000;
  for (const r of c.resets) {
    const x = r.by;
    const y = other(x);
    const base = {
      connection: c.id,
      frame: r.frame,
      epoch: r.time,
      by: x,
      from: { ip: c[x].ip, port: c[x].port },
      to: { ip: c[y].ip, port: c[y].port },
    };
    const before = eventsOf(c).filter((e) => e.frame < r.frame && e.kind !== 'rst');
    const lastY = [...before].reverse().find((e) => e.by === y);
    const q = quietBefore(c, r.frame, r.time);
    let afterOwnFinSec: number | null = null;
    let finWait2Sec: number | null = null;
    let stallSec: number | null = null;
    const info = (cause: ResetCause, trigger: ResetTrigger, triggerFrame: number | null, evidence: string, followUp = false): ResetInfo => ({
      ...base, cause, trigger, triggerFrame, afterOwnFinSec, finWait2Sec, stallSec, quietSec: q.sec === null ? null : Math.round(q.sec * 1e6) / 1e6, quietExact: q.exact,
      followUp, evidence,
    });
    const xName = `${x} ${addr(base.from)}`;
    const first = firstBy.get(x);
    if (first !== undefined) {
      const answered = lastY !== undefined && lastY.frame > first.frame ? lastY : undefined;
      out.push(info(first.cause, triggerOf(answered), answered?.frame ?? null, `frame ${r.frame}: another RST from ${xName}, which had already reset this connection at frame ${first.frame}`, true));
      continue;
    }
    let result: ResetInfo;
    let gaveUp: (typeof runs)[number] | undefined;
    const ySyn = [...before].reverse().find((e) => e.by === y && e.kind === 'syn');
    const xSynAck = before.find((e) => e.by === x && e.kind === 'syn-ack');
    const xSyn = eventsOf(c).find((e) => e.by === x && e.kind === 'syn');
    const xFin = c.finFrames[x];
    const dataAfterFin = eventsOf(c).find((e) => e.by === y && e.kind === 'data-after-fin' && e.frame < r.frame);
    const stall = stalls.find((z) => z.startFrame < r.frame && (z.endFrame === r.frame || (z.endEpoch >= r.time - STALL_SEC && z.endFrame !== null && z.endFrame <= r.frame)) && r.time - z.startEpoch >= STALL_SEC);
    if (r.frame === c.firstFrame) {
      result = info('unknown', 'unknown', null, `frame ${r.frame}: the capture of this connection starts with this RST from ${xName}`);
    } else if (ySyn !== undefined && xSynAck === undefined) {
      result = info('refused', 'syn', ySyn.frame, `frame ${r.frame}: ${xName} answered the SYN (frame ${ySyn.frame}) with RST`);
    } else if (xSyn !== undefined && c.payloadBytes.client + c.payloadBytes.server === 0) {
      result = info('abortive-close', 'handshake', null, `frame ${r.frame}: ${xName} aborted its own connection attempt before any data`);
    } else if (xFin !== null && xFin < r.frame && (dataAfterFin !== undefined || (lastY !== undefined && lastY.frame > xFin))) {
      const trig: ResetTrigger = dataAfterFin !== undefined ? 'data' : triggerOf(lastY);
      const tf = dataAfterFin?.frame ?? lastY?.frame ?? null;
      const what = trig === 'data' ? 'data' : trig === 'keep-alive' ? 'a keep-alive probe' : trig === 'fin' ? 'its FIN' : 'a segment';
      const finEvent = eventsOf(c).find((e) => e.frame === xFin);
      const tEvent = eventsOf(c).find((e) => e.frame === tf);
      if (finEvent !== undefined && tEvent !== undefined) afterOwnFinSec = Math.round((tEvent.time - finEvent.time) * 1e6) / 1e6;
      const gap = afterOwnFinSec !== null ? ` ${dur(afterOwnFinSec)} after that FIN` : '';
      const fw2 = c.states[x].find((s) => s.state === 'FIN_WAIT_2' && s.frame !== null && s.frame < r.frame);
      if (fw2 !== undefined) finWait2Sec = round6(r.time - fw2.time);
      if (fw2 !== undefined && tf !== null && tf > fw2.frame! && (trig === 'fin' || trig === 'keep-alive')) {
        result = info('after-fin-wait-2-timeout', trig, tf, `frame ${r.frame}: ${xName} had closed (FIN, frame ${xFin}), ${y} ACKed it (frame ${fw2.frame}) and sent ${what} (frame ${tf}) ${dur(r.time - fw2.time)} later: the FIN_WAIT_2 socket was gone`);
      } else {
        result = info('after-peer-close', trig, tf, `frame ${r.frame}: ${xName} had closed (FIN, frame ${xFin}); ${y} sent ${what} (frame ${tf})${gap}`);
      }
    } else if (stall !== undefined) {
      const recv = stall.receiver === x ? 'its own' : `the ${stall.receiver}'s`;
      stallSec = Math.round((r.time - stall.startEpoch) * 1e6) / 1e6;
      result = info('stall-timeout', 'none', stall.startFrame, `frame ${r.frame}: ${xName} reset the connection ${dur(r.time - stall.startEpoch)} into a zero-window stall (${recv} window zero since frame ${stall.startFrame})`);
    } else if (
      lastY !== undefined && (lastY.kind === 'keep-alive' || isRetransmission(lastY)) && r.time - lastY.time <= Math.max(STALE_ANSWER_SEC, 4 * rtt) &&
      (xFin === null || xFin > r.frame) &&
      (runs.some((run) => run.sender === y && run.frames.includes(lastY.frame) && (run.count >= 2 || run.spanSec >= OUTAGE_SEC)) ||
        before.filter((e) => e.frame < lastY.frame).every((e) => lastY.time - e.time >= OUTAGE_SEC))
    ) {
      const run = runs.find((rr) => rr.sender === y && rr.frames.includes(lastY.frame));
      // The run's frames begin with the first transmission when the capture shows it.
      const retry = run !== undefined ? run.frames.indexOf(lastY.frame) + (run.hasOriginal ? 0 : 1) : 0;
      const since = run !== undefined ? (run.hasOriginal ? `first sent at frame ${run.frames[0]} (${rel(run.times[0]!, ctx.start)})` : `since ${rel(run.times[0]!, ctx.start)}`) : '';
      const tries = run !== undefined ? `, retransmission ${retry} of ${run.count}, ${since}` : '';
      result = info('stale-connection', triggerOf(lastY), lastY.frame, `frame ${r.frame}: ${xName} answered ${y}'s ${lastY.kind === 'keep-alive' ? 'keep-alive' : 'retransmission'} (frame ${lastY.frame}${tries}) with RST ${dur(r.time - lastY.time)} later`);
    } else if ((gaveUp = runs.find((run) => run.sender === x && !run.answered && run.count >= 2 && run.after === 'rst-from-sender' && run.afterFrame === r.frame)) !== undefined) {
      const what = gaveUp.mode === 'keep-alive' ? 'keep-alive probes' : gaveUp.mode === 'syn' ? 'SYNs' : 'retransmissions';
      result = info('retries-exhausted', gaveUp.mode === 'keep-alive' ? 'keep-alive' : 'retransmission', gaveUp.frames[gaveUp.frames.length - 1]!,
        `frame ${r.frame}: ${xName} reset the connection ${dur(r.time - gaveUp.times[gaveUp.times.length - 1]!)} after the last of its ${gaveUp.count} unanswered ${what} (frames ${gaveUp.frames[0]}–${gaveUp.frames[gaveUp.frames.length - 1]}): it gave up on ${y}`);
    } else if (q.sec !== null && q.sec >= Math.max(MIN_IDLE_SEC, 20 * rtt) && (q.exact || c.series !== null)) {
      result = info('idle-timeout', 'none', null, `frame ${r.frame}: ${xName} reset the connection after ${dur(q.sec)} without traffic`);
    } else if (before.length > 0 || c.payloadBytes.client + c.payloadBytes.server > 0) {
      // Name what it answered only when that was the peer's FIN or data (a SYN long before is no trigger).
      const t = triggerOf(lastY);
      const answered = t === 'fin' || t === 'data' ? lastY : undefined;
      const after = answered !== undefined ? ` after ${y}'s ${t === 'fin' ? 'FIN' : 'data'} (frame ${answered.frame})` : '';
      result = info('abortive-close', answered !== undefined ? t : 'none', answered?.frame ?? null, `frame ${r.frame}: ${xName} closed with RST instead of FIN${after}`);
    } else {
      result = info('unknown', 'unknown', null, `frame ${r.frame}: RST from ${xName}; the capture shows nothing that explains it`);
    }
    firstBy.set(x, result);
    out.push(result);
  }
  return out;
}

interface CauseText {
  severity: (r: ResetInfo[]) => Severity;
  title: (n: number, who: string) => string;
  summary: (r: ResetInfo[], who: string, ctx: DetectorContext, details: ResetDetails) => string;
  explanation: string;
  advice: (r: ResetInfo[]) => string[];
  condition: (r: ResetInfo[]) => string;
}

const resetOnly = () => 'tcp.flags.reset==1';
const list = (r: ResetInfo[]) => frameList(r.map((x) => x.frame), 12).join(', ') + (r.length > 12 ? ', …' : '');
const range = (xs: number[]) => {
  const lo = minOf(xs);
  const hi = maxOf(xs);
  return lo === hi ? dur(lo) : `${dur(lo)} to ${dur(hi)}`;
};

const CAUSES: Record<ResetCause, CauseText> = {
  refused: {
    severity: () => 'warning',
    title: (n, who) => `${who} refused ${plural(n, 'connection attempt')}`,
    summary: (r, who) => {
      const ports = [...new Set(r.map((x) => addr(x.from)))];
      return `${who} answered ${plural(r.length, 'SYN')} with RST (frames ${list(r)}): nothing accepted connections on ${ports.slice(0, 3).join(', ')}${ports.length > 3 ? ` and ${ports.length - 3} more` : ''} — the client got "connection refused" at once.`;
    },
    explanation: 'A RST in answer to a SYN is how a host says no: no socket listens on that port (the service is down, restarting, or bound to another address), a firewall rejects the port with a TCP reset, or the listen queue overflowed with net.ipv4.tcp_abort_on_overflow set. The client gets ECONNREFUSED immediately.',
    advice: (r) => [
      `Check that the service listens on ${addr(r[0]!.from)}: \`ss -ltnp 'sport = :${r[0]!.from.port}'\`, and on the right address (0.0.0.0 vs 127.0.0.1).`,
      'If it happens during deploys or restarts, drain traffic first (health checks, graceful restart) so clients are not sent to a port that is not listening yet.',
      'Listen-queue overflow: raise the listen() backlog and `net.core.somaxconn`; watch `nstat -az TcpExtListenOverflows`.',
    ],
    condition: resetOnly,
  },
  'after-peer-close': {
    severity: (r) => (r.some((x) => x.trigger === 'data' && !x.followUp) ? 'critical' : 'warning'),
    title: (n, who) => `${who} reset ${plural(n, 'connection')} used after it had closed them`,
    summary: (r, who, _ctx, d) => {
      const data = r.filter((x) => x.trigger === 'data').length;
      const ka = r.filter((x) => x.trigger === 'keep-alive').length;
      const fin = r.filter((x) => x.trigger === 'fin').length;
      const parts: string[] = [];
      if (data > 0) parts.push(`on ${plural(data, 'connection')} the peer sent data after that FIN`);
      if (ka > 0) parts.push(`on ${plural(ka, 'connection')} a keep-alive probe came after it`);
      if (fin > 0) parts.push(`on ${plural(fin, 'connection')} the peer's own FIN came late`);
      if (parts.length === 0) parts.push('the peer sent segments after that FIN');
      const gaps = r.map((x) => x.afterOwnFinSec).filter((x): x is number => x !== null);
      const gapText = gaps.length > 0 ? `, ${range(gaps)} after the FIN` : '';
      const idle = d.idleClose !== null && d.idleClose.agreeing * 2 > d.idleClose.of
        ? ` It closes idle connections after ${dur(d.idleClose.estimateSec)}, on ${d.idleClose.agreeing} of ${d.idleClose.of} (last data → its FIN): the peer must stop reusing them before that.`
        : '';
      return `${who} closed first (FIN) and then answered with RST because the peer was still using the connection: ${parts.join('; ')}${gapText} (RST frames ${list(r)}).${idle}`;
    },
    explanation: 'This side had closed the connection — usually its idle keep-alive timeout — while the peer still treated it as open and used it again. A socket whose application has closed it cannot take data, so its kernel answers with RST; the peer gets ECONNRESET / "socket hang up" for a request that was never processed. The race window is the time a FIN needs to reach the peer and be noticed by its connection pool: it is hit whenever the client reuses a connection at about the server\'s idle timeout.',
    advice: () => [
      'Make the client\'s idle timeout for pooled connections shorter than the server\'s keep-alive timeout (server: Node `server.keepAliveTimeout`, nginx `keepalive_timeout`; client: e.g. Go `Transport.IdleConnTimeout`, Apache HttpClient `evictIdleConnections`), so the client closes idle connections first.',
      'Retry idempotent requests once when a reused connection fails with ECONNRESET/EPIPE before any response byte (many HTTP clients do this by default for GET).',
      'Have the client honour the server\'s `Keep-Alive: timeout=N` header, and check connections for a pending FIN (readable with EOF) before reusing them.',
    ],
    condition: (r) => {
      const f = frameFilter(r.map((x) => x.triggerFrame ?? 0).filter((x) => x > 0));
      return `tcp.flags.fin==1 || tcp.flags.reset==1${f !== null ? ` || ${f}` : ''}`;
    },
  },
  'after-fin-wait-2-timeout': {
    severity: (r) => (r.some((x) => x.trigger === 'data' && !x.followUp) ? 'critical' : 'warning'),
    title: (n, who) => `${who} reset ${plural(n, 'late close')} after its FIN_WAIT_2 sockets had timed out`,
    summary: (r, who, _ctx, d) => {
      const fins = r.filter((x) => x.trigger === 'fin').length;
      const other = r.length - fins;
      const what = [fins > 0 ? plural(fins, 'late FIN') : '', other > 0 ? `${plural(other, 'other late segment')} (data or keep-alive)` : ''].filter(Boolean).join(' and ');
      const t = d.finWait2Timeout;
      const timeout = t !== null
        ? ` — it forgot its FIN_WAIT_2 sockets after ~${dur(t.estimateSec)} at most, on ${t.measured} of ${t.of} (FIN ACKed → RST ${t.spreadSec.min === t.spreadSec.max ? dur(t.spreadSec.min) : `${dur(t.spreadSec.min)} to ${dur(t.spreadSec.max)}`})`
        : '';
      return `${who} had closed first and its FIN was ACKed, but the peer kept its side open (CLOSE_WAIT) and sent ${what} only after ${who}'s socket had timed out, so it was answered with RST (frames ${list(r)})${timeout}.`;
    },
    explanation: 'After a side closes and its FIN is ACKed, its socket waits in FIN_WAIT_2 for the peer\'s FIN. When the application has already released it (an orphaned socket, the usual case after close()), Linux keeps it only net.ipv4.tcp_fin_timeout seconds (60 by default; other stacks have similar timers) and then forgets it. A FIN, keep-alive or data that arrives afterwards finds no socket and is answered with RST. The root cause is on the peer: it received the FIN, ACKed it in its kernel, but its application did not close the connection (CLOSE_WAIT) until long after — a socket leak, or a pool that keeps half-closed connections.',
    advice: (r) => [
      'Close the socket on EOF on the peer (the side that sent the late FIN): `read() == 0` / the `end` event means the other side closed; call close() then, and let the pool evict half-closed connections at once (see the close-wait finding).',
      `The FIN_WAIT_2 timeout on ${addr(r[0]!.from)} is \`net.ipv4.tcp_fin_timeout\`: a longer one only hides the leak and holds sockets longer; keep it, fix the peer.`,
      'Retry idempotent requests once on ECONNRESET of a reused connection.',
    ],
    condition: (r) => {
      const f = frameFilter(r.map((x) => x.triggerFrame ?? 0).filter((x) => x > 0));
      return `tcp.flags.fin==1 || tcp.flags.reset==1${f !== null ? ` || ${f}` : ''}`;
    },
  },
  'stale-connection': {
    severity: () => 'warning',
    title: (n, who) => `${who} no longer knew ${plural(n, 'connection')} (RST to retransmissions)`,
    summary: (r, who) => `${who} answered the peer's ${r.every((x) => x.trigger === 'keep-alive') ? 'keep-alive probes' : 'retransmitted segments'} with RST on ${plural(r.length, 'connection')} (frames ${list(r)}): ${r.length === 1 ? r[0]!.evidence.replace(/^frame \d+: /, '') : 'when the segments got through again, it had no connection for them'}.`,
    explanation: 'A RST in answer to a retransmission that comes after a silence means the receiving host has no socket for the connection any more: it restarted or failed over, it dropped the connection while the path was down, or a NAT/firewall lost the mapping so the segment now reaches a host that never had it. The sender\'s pending request fails with ECONNRESET after having waited through the whole retransmission backoff.',
    advice: () => [
      'Find what interrupted the path or restarted the peer before the retransmissions started (see the dead-peer finding for the timeline).',
      'Give requests an application timeout and use TCP keep-alive on pooled connections so such connections are discarded before they are reused.',
    ],
    condition: () => 'tcp.analysis.retransmission || tcp.analysis.keep_alive || tcp.flags.reset==1',
  },
  'retries-exhausted': {
    severity: () => 'warning',
    title: (n, who) => `${who} gave up on ${plural(n, 'connection')} whose peer stopped answering`,
    summary: (r, who) => `${who} reset ${plural(r.length, 'connection')} after its own retries went unanswered (RST frame${r.length === 1 ? '' : 's'} ${list(r)}): ${r.length === 1 ? r[0]!.evidence.replace(/^frame \d+: /, '') : 'its TCP gave up on a peer that no longer answered'}.`,
    explanation: 'This side kept trying — TCP keep-alive probes on an idle connection, or retransmissions of data — and the peer answered none of them; when its limit was reached the kernel dropped the connection and sent a RST (Linux does so when `net.ipv4.tcp_keepalive_probes` keep-alive probes go unanswered). The application sees ETIMEDOUT on its next read or write. The cause is the peer or the path, not this side\'s application (see the dead-peer and keep-alive findings for when it stopped answering).',
    advice: () => [
      'Find what happened to the peer or the path when the retries started: a host that went down, a network cut, a firewall or NAT that dropped the flow.',
      'Make the application treat ETIMEDOUT on a pooled connection as a dead connection: discard it and reconnect (retry idempotent requests).',
    ],
    condition: () => 'tcp.analysis.retransmission || tcp.analysis.keep_alive || tcp.flags.reset==1',
  },
  'stall-timeout': {
    severity: () => 'warning',
    title: (n, who) => `${who} reset ${plural(n, 'connection')} after a zero-window stall`,
    summary: (r, who) => {
      const zeroSince = r.length === 1 && r[0]!.triggerFrame !== null ? `; the window had been zero since frame ${r[0]!.triggerFrame}` : '';
      return `${who} reset ${plural(r.length, 'connection')} ${range(r.map((x) => x.stallSec ?? 0))} into a zero-window stall (RST frame${r.length === 1 ? '' : 's'} ${list(r)}${zeroSince}).`;
    },
    explanation: 'The receiver had advertised a zero window for that long, so nothing could be sent, and a timeout above TCP gave up: e.g. nginx `send_timeout` (60 s by default) fires when a client has not accepted data for that long and, with `reset_timedout_connection on`, closes with RST; proxies have similar write timeouts. The receiver\'s application gets ECONNRESET and whatever it had not received yet — a truncated response.',
    advice: () => [
      'Fix the reader that stopped reading (see the zero-window and slow-reader findings).',
      'If slow readers are expected (large downloads to slow clients), raise the writer\'s timeout (nginx `send_timeout`, Node `socket.setTimeout()`), or buffer the response elsewhere.',
    ],
    condition: () => 'tcp.analysis.zero_window || tcp.analysis.zero_window_probe || tcp.analysis.keep_alive || tcp.flags.reset==1',
  },
  'idle-timeout': {
    severity: () => 'info',
    title: (n, who) => `${who} reset ${plural(n, 'idle connection')}`,
    summary: (r, who) => `${who} reset ${plural(r.length, 'connection')} after ${range(r.map((x) => x.quietSec ?? 0))} without traffic (RST frames ${list(r)}).`,
    explanation: 'A RST after a long silence with no exchange pending is an idle timeout implemented as an abortive close: an application or connection pool dropping idle connections with SO_LINGER 0, or a load balancer, firewall or NAT expiring an idle flow (many send RST to both ends). Nothing was in flight, so nothing failed at that moment — but a peer that still counted on the connection finds it gone at its next use.',
    advice: () => [
      'Align idle timeouts along the path: the side meant to close first (usually the client) gets the shortest; load balancers, NAT gateways and firewalls need longer ones (or TCP keep-alive below their timeout).',
      'If a middlebox sends these, raise its idle timeout or enable TCP keep-alive (`net.ipv4.tcp_keepalive_time` below the middlebox timeout).',
    ],
    condition: resetOnly,
  },
  'abortive-close': {
    severity: () => 'info',
    title: (n, who) => `${who} closed ${plural(n, 'connection')} with RST instead of FIN`,
    summary: (r, who) => {
      const hs = r.filter((x) => x.trigger === 'handshake').length;
      const afterFin = r.filter((x) => x.trigger === 'fin').length;
      const extra = hs > 0 ? ` (${plural(hs, 'connection attempt')} aborted during the handshake)` : afterFin > 0 ? ` (${afterFin} of them in answer to the peer's FIN)` : '';
      return `${who} ended ${plural(r.length, 'connection')} with a RST rather than a FIN (RST frames ${list(r)})${extra}.`;
    },
    explanation: 'A RST ends a connection at once and discards whatever is still queued in either direction. Applications do it on purpose (SO_LINGER with a zero timeout, Node `socket.resetAndDestroy()`, nginx `reset_timedout_connection`, HAProxy `option nolinger`, port scanners aborting handshakes), and the kernel does it when a socket is closed while unread data is still in its receive buffer. After a complete exchange it is harmless; if the peer was still sending or had not read everything, data is lost and the peer sees ECONNRESET.',
    advice: () => [
      'If unintended: read everything before closing (drain the socket), close gracefully (shutdown, read to EOF, close), and avoid SO_LINGER 0.',
      'If the peer reports ECONNRESET or truncated data around these frames, this is the cause.',
    ],
    condition: resetOnly,
  },
  unknown: {
    severity: () => 'info',
    title: (n) => `${plural(n, 'RST')} without a visible cause`,
    summary: (r) => `${plural(r.length, 'RST')} (frames ${list(r)}) have no visible cause in the capture: it starts in the middle of their connections or lacks the segments before them.`,
    explanation: 'Nothing before these RSTs shows why they were sent — the connection started before the capture, or the capture misses one direction.',
    advice: () => ['Capture from earlier, or at both ends, to see what led to these resets.'],
    condition: resetOnly,
  },
};

const SEVERITY_ORDER: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** Whose connections a reset belongs to: the server ip:port (its host for refused SYNs: a port scan is one story). */
function serverOf(c: ConnectionRecord, cause: ResetCause): FindingEndpoint {
  return cause === 'refused' ? { ip: c.server.ip, port: null } : { ip: c.server.ip, port: c.server.port };
}

/**
 * The shortest FIN_WAIT_2 → RST time of a server's after-fin-wait-2-timeout resets bounds its
 * FIN_WAIT_2 timeout; data that drew a RST later than that after the FIN's ACK met the same gone
 * socket, not a closing application (it is moved to that cause, with its follow-ups).
 */
function applyFinWait2Timeouts(ctx: DetectorContext, all: ResetInfo[]): void {
  const bound = new Map<string, number>();
  for (const r of all) {
    if (r.cause !== 'after-fin-wait-2-timeout' || r.followUp || r.finWait2Sec === null) continue;
    const k = endpointKey(serverOf(ctx.byId.get(r.connection)!, r.cause));
    bound.set(k, Math.min(bound.get(k) ?? Infinity, r.finWait2Sec));
  }
  if (bound.size === 0) return;
  const moved = new Set<string>();
  for (const r of all) {
    if (r.cause !== 'after-peer-close' || r.followUp || r.finWait2Sec === null) continue;
    const b = bound.get(endpointKey(serverOf(ctx.byId.get(r.connection)!, r.cause)));
    if (b !== undefined && r.finWait2Sec >= b) {
      r.cause = 'after-fin-wait-2-timeout';
      moved.add(`${r.connection}|${r.by}`);
    }
  }
  for (const r of all) if (r.followUp && moved.has(`${r.connection}|${r.by}`)) r.cause = 'after-fin-wait-2-timeout';
}

/** An idle close: at least this long between the last data and the FIN (a close after a response is sooner). */
const MIN_IDLE_CLOSE_SEC = 0.05;

/**
 * How long the side that reset these connections lets one idle before it closes it: over every
 * connection of the same server on which that side sent the first FIN, last data (either way) → that
 * FIN. The keep-alive race is the peer reusing a connection at about this age.
 */
function idleCloseOf(ctx: DetectorContext, resets: ResetInfo[]): ResetDetails['idleClose'] {
  const first = ctx.byId.get(resets[0]!.connection)!;
  const closer = resets[0]!.by;
  const idles: number[] = [];
  for (const c of ctx.connections) {
    if (c.server.ip !== first.server.ip || c.server.port !== first.server.port || c.closedFirstBy !== closer) continue;
    const fin = c.finFrames[closer];
    if (fin === null) continue;
    const evs = eventsOf(c);
    const finEvent = evs.find((e) => e.frame === fin);
    let last: EventRecord | undefined;
    for (const e of evs) if (e.kind === 'last-data' && e.frame < fin && (last === undefined || e.frame > last.frame)) last = e;
    if (finEvent === undefined || last === undefined || finEvent.time - last.time < MIN_IDLE_CLOSE_SEC) continue;
    idles.push(round6(finEvent.time - last.time));
  }
  if (idles.length < 2) return null;
  const sp = spread(idles);
  const agreeing = idles.filter((x) => Math.abs(x - sp.median) <= Math.max(MIN_IDLE_CLOSE_SEC, 0.1 * sp.median)).length;
  return { estimateSec: sp.median, agreeing, of: idles.length, spreadSec: sp };
}

function finWait2Timeout(cause: ResetCause, firsts: ResetInfo[]): ResetDetails['finWait2Timeout'] {
  if (cause !== 'after-fin-wait-2-timeout') return null;
  const gaps = firsts.map((r) => r.finWait2Sec).filter((x): x is number => x !== null);
  if (gaps.length === 0) return null;
  const sp = spread(gaps);
  return { estimateSec: sp.min, spreadSec: sp, measured: gaps.length, of: firsts.length };
}

export function detectResets(ctx: DetectorContext): Omit<ResetFinding, 'rank' | 'explainedBy'>[] {
  const all: ResetInfo[] = [];
  const t = ctx.facts();
  for (let i = 0; i < ctx.connections.length; i++) {
    if (t.resetsSent[2 * i] === 0 && t.resetsSent[2 * i + 1] === 0) continue;
    all.push(...classifyResets(ctx, ctx.connections[i]!));
  }
  applyFinWait2Timeouts(ctx, all);
  // One finding per cause and server: two servers' resets are two stories even for the same cause.
  const groups = new Map<string, { cause: ResetCause; server: FindingEndpoint; resets: ResetInfo[] }>();
  for (const r of all) {
    const server = serverOf(ctx.byId.get(r.connection)!, r.cause);
    const key = `${r.cause}|${endpointKey(server)}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { cause: r.cause, server, resets: [r] });
    else g.resets.push(r);
  }
  const out: Omit<ResetFinding, 'rank' | 'explainedBy'>[] = [];
  for (const { cause, server, resets } of groups.values()) {
    resets.sort((a, b) => a.frame - b.frame);
    const text = CAUSES[cause];
    const senders = new Map<string, FindingEndpoint>();
    for (const r of resets) {
      const c = ctx.byId.get(r.connection)!;
      const e = groupEndpoint(c, r.by);
      senders.set(endpointKey(e), e);
    }
    const endpoint = senders.size === 1 ? [...senders.values()][0]! : server;
    const sides = new Set(resets.map((r) => r.by));
    const who = senders.size === 1
      ? `${addr(endpoint)}${sides.size === 1 ? ` (${[...sides][0]})` : ''}`
      : sides.size === 1 ? `The ${[...sides][0]}s of ${addr(server)}` : `Both ends of connections to ${addr(server)}`;
    const ids = [...new Set(resets.map((r) => r.connection))].sort((a, b) => a - b);
    const firsts = resets.filter((r) => !r.followUp);
    const severity = text.severity(resets);
    const followUps = resets.length - firsts.length;
    const followConns = new Set(resets.filter((r) => r.followUp).map((r) => r.connection)).size;
    const followText = followUps > 0 ? ` ${plural(followUps, 'further RST')} followed on the same connection${followConns === 1 ? '' : 's'} (frames ${list(resets.filter((r) => r.followUp))}).` : '';
    const details: ResetDetails = {
      cause,
      count: resets.length,
      firstResets: firsts.length,
      bySide: { client: resets.filter((r) => r.by === 'client').length, server: resets.filter((r) => r.by === 'server').length },
      server,
      finWait2Timeout: finWait2Timeout(cause, firsts),
      idleClose: cause === 'after-peer-close' ? idleCloseOf(ctx, resets) : null,
      resets: resets.slice(0, MAX_LISTED),
    };
    const startEpoch = minOf(resets.map((r) => r.epoch));
    const endEpoch = maxOf(resets.map((r) => r.epoch));
    out.push({
      kind: 'reset',
      severity,
      title: `RST (${cause}): ${text.title(ids.length, who)}`,
      summary: text.summary(firsts, who, ctx, details) + followText,
      explanation: text.explanation,
      advice: text.advice(resets),
      connections: ids,
      frames: frameList(resets.flatMap((r) => [r.frame, r.triggerFrame])),
      endpoint,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: wsFilter(ids, endpoint, text.condition(resets)),
      details,
    });
  }
  return out.sort((a, b) => SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity]);
}
