/**
 * zero-window: a receiver advertised a zero window. One finding per receiving endpoint (ip:port of a
 * server, the host of clients) with its episodes (who, start and end frames, duration, probes and
 * their intervals, backoff, how it ended); the summary describes the longest. Brief episodes that
 * reopened (< 200 ms) are folded into one info line for the whole capture.
 */
import type { DetectorContext } from './context.js';
import { isTransient, TRANSIENT_ZERO_WINDOW_SEC } from './episodes.js';
import type { FindingEndpoint, Severity, UnansweredProbe, ZeroWindowEpisode, ZeroWindowFinding } from './types.js';
import { unansweredProbes } from './unanswered-probes.js';
import {
  MAX_LISTED, addr, bytes, dur, endpointKey, frameList, groupEndpoint, maxOf, minOf, narrowEndpoint, plural, rel, round6, secs, wsFilter, timeSpan,
} from './util.js';

const WS_CONDITION =
  'tcp.analysis.zero_window || tcp.analysis.zero_window_probe || tcp.analysis.zero_window_probe_ack || tcp.analysis.keep_alive || tcp.analysis.window_update || tcp.flags.reset==1';

export function episodeSeverity(e: ZeroWindowEpisode): Severity {
  if ((e.ended === 'rst' || e.ended === 'fin') && e.durationSec >= 1) return 'critical';
  if (e.durationSec >= 10) return 'critical';
  if (e.durationSec >= 1 || e.ended === 'capture-end') return 'warning';
  return 'info';
}

const SEVERITY_ORDER: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

function endingText(e: ZeroWindowEpisode): string {
  const by = e.endedBy === null ? '' : addr(e.endedBy === e.receiver ? e.receiverEndpoint : e.senderEndpoint);
  switch (e.ended) {
    case 'window-open':
      return `until it reopened the window to ${bytes(e.reopenedWindow ?? 0)} (frame ${e.endFrame})`;
    case 'rst':
      return `until ${by} reset the connection (frame ${e.endFrame})`;
    case 'fin':
      return `until ${by} closed the connection (FIN, frame ${e.endFrame})`;
    case 'capture-end':
      return 'and it was still zero when the capture ended';
  }
}

function probeText(e: ZeroWindowEpisode): string {
  if (e.probes.length === 0) return 'no persist probe was captured';
  const style = e.probeStyle === '0-byte' ? '0-byte, Linux style' : e.probeStyle === '1-byte' ? '1-byte' : 'mixed 0- and 1-byte';
  const iv = e.probeIntervalsSec.map(secs).join(', ');
  const trend = e.exponentialBackoff ? `, backing off ×${e.backoffFactor ?? 2}` : '';
  return `${addr(e.senderEndpoint)} sent ${plural(e.probes.length, 'persist probe')} (${style})${iv !== '' ? ` at intervals of ${iv} s${trend}` : ''}`;
}

const REASON_TEXT: Record<UnansweredProbe['reason'], string> = {
  'rate-limited': 'rate-limited',
  'answered-later': 'lost',
  'peer-unreachable': 'the receiver\'s host stopped answering (dead peer)',
  'peer-answers-elsewhere': 'this connection went silent',
  'connection-silent': 'no answer came any more',
  'capture-end': 'the capture ended',
};

/** " Unanswered persist probes: 21 (rate-limited: …); 29, 33 (the receiver's host stopped answering (dead peer): …)." */
function unansweredText(list: readonly UnansweredProbe[]): string {
  if (list.length === 0) return '';
  const groups = new Map<UnansweredProbe['reason'], UnansweredProbe[]>();
  for (const u of list) groups.set(u.reason, [...(groups.get(u.reason) ?? []), u]);
  const parts = [...groups.entries()].map(([reason, us]) => `frame${us.length > 1 ? 's' : ''} ${us.slice(0, 6).map((u) => u.frame).join(', ')}${us.length > 6 ? ', …' : ''} — ${REASON_TEXT[reason]}: ${us[0]!.evidence}`);
  return ` Unanswered persist probes: ${parts.join('; ')}.`;
}

export function detectZeroWindow(ctx: DetectorContext): Omit<ZeroWindowFinding, 'rank' | 'explainedBy'>[] {
  const all = ctx.zeroWindows();
  const out: Omit<ZeroWindowFinding, 'rank' | 'explainedBy'>[] = [];
  const byKey = new Map<string, { group: FindingEndpoint; eps: ZeroWindowEpisode[] }>();
  const transient: ZeroWindowEpisode[] = [];
  for (const e of all) {
    if (isTransient(e)) {
      transient.push(e);
      continue;
    }
    // One finding per receiving endpoint (ip:port of a server, the host of clients).
    const c = ctx.byId.get(e.connection)!;
    const group = groupEndpoint(c, e.receiver);
    const key = `${e.receiver}|${endpointKey(group)}`;
    const g = byKey.get(key);
    if (g === undefined) byKey.set(key, { group, eps: [e] });
    else g.eps.push(e);
  }
  for (const { group, eps } of byKey.values()) {
    const longest = eps.reduce((a, b) => (b.durationSec > a.durationSec ? b : a));
    const severity = eps.map(episodeSeverity).reduce((a, b) => (SEVERITY_ORDER[b] > SEVERITY_ORDER[a] ? b : a));
    const ids = [...new Set(eps.map((e) => e.connection))].sort((a, b) => a - b);
    const endpoint = ids.length === 1 ? { ...longest.receiverEndpoint } : narrowEndpoint(group, eps.map((e) => e.receiverEndpoint));
    const recv = addr(longest.receiverEndpoint);
    const total = eps.reduce((n, e) => n + e.durationSec, 0);
    const one = `${recv} (${longest.receiver}) advertised a zero window at frame ${longest.startFrame} (${rel(longest.startEpoch, ctx.start)}) after receiving ${bytes(longest.bytesReceivedBefore)} and kept it for ${longest.ended === 'capture-end' ? 'at least ' : ''}${dur(longest.durationSec)}: ${probeText(longest)}, ${endingText(longest)}`;
    // Keep the details bounded: the longest episodes, in time order.
    const kept = eps.length <= 100 ? eps : [...eps].sort((a, b) => b.durationSec - a.durationSec).slice(0, 100).sort((a, b) => a.startEpoch - b.startEpoch);
    let summary: string;
    if (ids.length > 1) summary = `${addr(endpoint)} stalled ${plural(ids.length, 'connection')} with zero windows (${plural(eps.length, 'episode')}, ${dur(total)} in all); the longest: ${one}.`;
    else if (eps.length > 1) summary = `${one} (${eps.length} zero-window episodes on this connection, ${dur(total)} in all; the longest is described).`;
    else summary = `${one}.`;
    const unanswered = kept.flatMap((e) => unansweredProbes(ctx, e));
    summary += unansweredText(unanswered);
    const frames = frameList(kept.flatMap((e) => [e.startFrame, ...e.zeroWindowFrames, ...e.probes.map((p) => p.frame), e.endFrame]));
    const startEpoch = minOf(eps.map((e) => e.startEpoch));
    const endEpoch = maxOf(eps.map((e) => e.endEpoch));
    const sender = longest.senderEndpoint;
    out.push({
      kind: 'zero-window',
      severity,
      title: ids.length > 1
        ? `${addr(endpoint)} stalled ${plural(ids.length, 'connection')} with zero windows (longest ${dur(longest.durationSec)})`
        : `${recv} stopped the transfer with a zero window for ${dur(longest.durationSec)}`,
      summary,
      explanation: 'A receiver advertises a zero window when its receive buffer is full because its application is not reading what has already arrived. The sender must stop; to learn when the window reopens, its persist timer sends probes — Linux sends a 0-byte segment just below the next sequence number (Wireshark labels it "TCP Keep-Alive"), other stacks send one byte of new data — backing off exponentially up to 120 s, and the receiver answers each with its still-zero window. Nothing moves until the receiving application drains its buffer, or until a timeout above TCP gives up (e.g. nginx `send_timeout`, a proxy\'s write timeout), often with a RST. The sender still has unsent data all along: it only probes when it has some.',
      advice: [
        `Find why the application on ${longest.receiverEndpoint.ip} stopped reading: a blocked thread or event loop, back-pressure from a slow downstream, a consumer that reads the headers and waits.`,
        `Look at its socket while it happens: \`ss -tmn dst ${addr(sender)}\` on ${longest.receiverEndpoint.ip} shows Recv-Q (unread bytes) near the buffer size.`,
        `On ${sender.ip}, the stall lasts as long as its write timeout: nginx \`send_timeout\` (default 60 s), Node \`socket.setTimeout()\` / \`server.timeout\`, HAProxy \`timeout client\`/\`timeout server\`. Set it to the longest stall you accept.`,
        'If the reader is slow by design (streaming), give it a larger receive buffer (`net.ipv4.tcp_rmem`, SO_RCVBUF) or pace the sender at the application level.',
      ],
      connections: ids,
      frames,
      endpoint,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: wsFilter(ids, endpoint, WS_CONDITION),
      details: {
        transient: false,
        transientBelowSec: TRANSIENT_ZERO_WINDOW_SEC,
        episodes: kept,
        unansweredProbes: unanswered.slice(0, MAX_LISTED),
        totalStallSec: round6(total),
        longestSec: longest.durationSec,
      },
    });
  }
  if (transient.length > 0) {
    const ids = [...new Set(transient.map((e) => e.connection))].sort((a, b) => a - b);
    const total = transient.reduce((n, e) => n + e.durationSec, 0);
    const longest = maxOf(transient.map((e) => e.durationSec));
    const receivers = [...new Set(transient.map((e) => addr(e.receiverEndpoint)))];
    const startEpoch = minOf(transient.map((e) => e.startEpoch));
    const endEpoch = maxOf(transient.map((e) => e.endEpoch));
    const frames = transient.flatMap((e) => [e.startFrame, e.endFrame]);
    out.push({
      kind: 'zero-window',
      severity: 'info',
      title: `${plural(transient.length, 'brief zero window')}, all reopened`,
      summary: `${plural(transient.length, 'zero window')} on ${plural(ids.length, 'connection')} (from ${receivers.length <= 3 ? receivers.join(', ') : `${receivers.length} receivers`}) reopened within ${dur(TRANSIENT_ZERO_WINDOW_SEC)} — the longest ${dur(longest)}, ${dur(total)} in all (frames ${frameList(frames, 10).join(', ')}${frames.length > 10 ? ', …' : ''}).`,
      explanation: 'A receiver\'s buffer filled for a moment and its application caught up at once: the window reopened before a sender\'s persist timer would even fire. This costs a little throughput and is not an incident unless it happens constantly.',
      advice: [
        'Nothing to fix unless these are frequent; if they are, the receiver reads in bursts — a larger receive buffer (`net.ipv4.tcp_rmem`) or reading more often smooths it.',
      ],
      connections: ids,
      frames: frameList(frames),
      endpoint: null,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: wsFilter(ids, null, 'tcp.analysis.zero_window || tcp.analysis.window_update'),
      details: {
        transient: true,
        transientBelowSec: TRANSIENT_ZERO_WINDOW_SEC,
        episodes: transient.slice(0, MAX_LISTED),
        unansweredProbes: [],
        totalStallSec: round6(total),
        longestSec: longest,
      },
    });
  }
  return out;
}
