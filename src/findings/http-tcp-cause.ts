/**
 * What TCP shows about why a response did not arrive in a time window: the client's zero window
 * held the server back, or a side retransmitted unanswered (a dead peer). Shared by the HTTP
 * findings that say why a response was cut short or late.
 */
import type { ConnectionRecord } from '../tcp/connection-record.js';
import type { DetectorContext } from './context.js';
import type { HttpTcpCause, ZeroWindowEpisode } from './types.js';
import { round6 } from './util.js';

/** Retries before an unanswered run counts as a dead peer rather than ordinary loss. */
const DEAD_PEER_RETRIES = 3;
/** zero-window.ts's transient bound: shorter windows that reopened are normal flow control. */
const MIN_ZERO_WINDOW_SEC = 0.2;

export function tcpCauseDuring(ctx: DetectorContext, c: ConnectionRecord, from: number, to: number): HttpTcpCause | null {
  // The longest zero window in the window of time: brief ones that reopened explain nothing.
  const zw = ctx.zeroWindowsOf(c.id).filter((e) => e.receiver === 'client' && e.startEpoch <= to && e.endEpoch >= from)
    .reduce<ZeroWindowEpisode | null>((a, e) => (a === null || e.durationSec > a.durationSec ? e : a), null);
  if (zw !== null && zw.durationSec >= MIN_ZERO_WINDOW_SEC) {
    return { kind: 'zero-window', frame: zw.startFrame, sec: round6(zw.durationSec), endedByRstFrame: zw.ended === 'rst' ? zw.endFrame : null };
  }
  for (const r of ctx.runsOf(c.id)) {
    if (r.answered || r.count < DEAD_PEER_RETRIES || r.times[0]! > to || r.times[r.times.length - 1]! < from) continue;
    return { kind: 'dead-peer', frame: r.frames[0]!, sec: round6(r.spanSec), endedByRstFrame: r.after === 'rst-from-peer' || r.after === 'rst-from-sender' ? r.afterFrame : null };
  }
  return null;
}

export function tcpCauseText(cause: HttpTcpCause | null): string {
  if (cause === null) return '';
  const rst = cause.endedByRstFrame !== null ? `, ended by the RST at frame ${cause.endedByRstFrame}` : '';
  return cause.kind === 'zero-window'
    ? ` The client's receive window was zero from frame ${cause.frame} for ${cause.sec.toFixed(cause.sec < 10 ? 2 : 1)} s${rst}.`
    : ` Segments went unanswered from frame ${cause.frame} for ${cause.sec.toFixed(cause.sec < 10 ? 2 : 1)} s (dead peer)${rst}.`;
}
