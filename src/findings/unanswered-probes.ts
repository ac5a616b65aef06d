/**
 * Why a persist (zero-window) probe went unanswered, where the capture tells. A receiver's kernel
 * answers every probe with its window at once (RFC 9293 §3.8.6.1), even while its application reads
 * nothing, so a probe without an answer means one of:
 * - rate-limited: the receiver answered later probes, and this one came less than 500 ms after its
 *   previous ACK: Linux answers segments below the window (a 0-byte probe at next-seq − 1 is one) at
 *   most once per net.ipv4.tcp_invalid_ratelimit (500 ms by default);
 * - answered-later: it answered later probes, this one (or its answer) was lost;
 * - peer-unreachable: nothing more came from the receiver, and another connection to its host went
 *   unanswered at the same time (dead-peer runs: retransmissions, SYNs, keep-alive probes): the host
 *   or the path is gone, not only its application's reading;
 * - peer-answers-elsewhere: nothing more came on this connection, but the host still sent on another
 *   connection afterwards: this connection alone went silent (a middlebox dropping it, its socket gone);
 * - connection-silent: nothing more came, and the capture has no other traffic of the host to tell;
 * - capture-end: the capture ended within a second of the probe.
 */
import type { EventRecord } from '../tcp/connection-record.js';
import type { DetectorContext } from './context.js';
import type { UnansweredProbe, ZeroWindowEpisode } from './types.js';
import { dur, eventsOf, other, plural, rel, round6 } from './util.js';

/** Linux's default net.ipv4.tcp_invalid_ratelimit. */
const INVALID_RATELIMIT_SEC = 0.5;
/** A probe this close to the capture's end may have been answered after it. */
const ANSWER_WAIT_SEC = 1;

export function unansweredProbes(ctx: DetectorContext, e: ZeroWindowEpisode): UnansweredProbe[] {
  const c = ctx.byId.get(e.connection);
  if (c === undefined) return [];
  const fromReceiver = eventsOf(c).filter((x) => x.by === e.receiver);
  const out: UnansweredProbe[] = [];
  for (const p of e.probes) {
    if (p.answerFrame !== null) continue;
    const before = lastBefore(fromReceiver, p.epoch);
    const after = fromReceiver.find((x) => x.time > p.epoch);
    const base = { connection: e.connection, frame: p.frame, epoch: p.epoch };
    if (after !== undefined) {
      const gap = before !== undefined ? round6(p.epoch - before.time) : null;
      if (gap !== null && gap < INVALID_RATELIMIT_SEC) {
        out.push({ ...base, reason: 'rate-limited', evidence: `probe ${p.frame} came ${dur(gap)} after the receiver's previous ACK (frame ${before!.frame}), and it answered again at frame ${after.frame}: Linux answers segments below the window at most once per net.ipv4.tcp_invalid_ratelimit (500 ms)` });
      } else {
        out.push({ ...base, reason: 'answered-later', evidence: `the receiver answered again at frame ${after.frame}: probe ${p.frame} or its answer was lost` });
      }
      continue;
    }
    const host = c[e.receiver].ip;
    const lastSign = before !== undefined ? `after frame ${before.frame} (${rel(before.time, ctx.start)})` : 'at all during the episode';
    const dead = ctx.runs().find((r) => {
      const rc = ctx.byId.get(r.connection);
      return rc !== undefined && r.connection !== c.id && !r.answered && r.count >= 2 && rc[other(r.sender)].ip === host &&
        r.times[r.times.length - 1]! >= (before?.time ?? e.startEpoch) && r.times[0]! <= ctx.end;
    });
    if (dead !== undefined) {
      const kind = dead.mode === 'keep-alive' ? 'keep-alive probes' : dead.mode === 'syn' ? 'SYNs' : 'retransmissions';
      out.push({ ...base, reason: 'peer-unreachable', evidence: `${host} answered nothing ${lastSign}, and on connection #${dead.connection} its peer's ${kind} went unanswered too (${plural(dead.count, 'try', 'tries')} from frame ${dead.frames[0]}, ${rel(dead.times[0]!, ctx.start)}): the host or the path is gone, not only its application's reading` });
      continue;
    }
    const elsewhere = laterFromHost(ctx, host, c.id, p.epoch);
    if (elsewhere !== null) {
      out.push({ ...base, reason: 'peer-answers-elsewhere', evidence: `${host} sent nothing more on this connection ${lastSign}, but still sent on connection #${elsewhere.connection} (frame ${elsewhere.frame}): this connection alone went silent` });
    } else if (ctx.end - p.epoch < ANSWER_WAIT_SEC) {
      out.push({ ...base, reason: 'capture-end', evidence: `the capture ended ${dur(ctx.end - p.epoch)} after probe ${p.frame}` });
    } else {
      out.push({ ...base, reason: 'connection-silent', evidence: `${host} sent nothing more on this connection ${lastSign}; the capture has no other traffic of that host to tell a gone host from a gone connection` });
    }
  }
  return out;
}

function lastBefore(events: readonly EventRecord[], t: number): EventRecord | undefined {
  let found: EventRecord | undefined;
  for (const x of events) if (x.time < t) found = x;
  return found;
}

/** Every kept event a host sent, time order, per analysis: built once per host asked about. */
const sentByHost = new WeakMap<DetectorContext, Map<string, { time: number; connection: number; frame: number }[]>>();

/**
 * The first kept event `host` sent on another connection after `t` (the records keep notable
 * segments only). One scan of the connections per host asked about, then a binary search per probe:
 * a scan per probe was connections × probes on a capture of many stalled readers.
 */
function laterFromHost(ctx: DetectorContext, host: string, except: number, t: number): { connection: number; frame: number } | null {
  let byHost = sentByHost.get(ctx);
  if (byHost === undefined) sentByHost.set(ctx, (byHost = new Map()));
  let sent = byHost.get(host);
  if (sent === undefined) {
    sent = [];
    for (const c of ctx.connections) {
      for (const side of ['client', 'server'] as const) {
        if (c[side].ip !== host) continue;
        for (const ev of eventsOf(c)) if (ev.by === side) sent.push({ time: ev.time, connection: c.id, frame: ev.frame });
      }
    }
    sent.sort((x, y) => x.time - y.time || x.frame - y.frame);
    byHost.set(host, sent);
  }
  let lo = 0;
  let hi = sent.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sent[mid]!.time <= t) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < sent.length; k++) if (sent[k]!.connection !== except) return { connection: sent[k]!.connection, frame: sent[k]!.frame };
  return null;
}
