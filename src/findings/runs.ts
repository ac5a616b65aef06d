/**
 * Runs of retries: the same segment sent again and again (retransmission timer with backoff), SYNs
 * repeated without a SYN/ACK, keep-alive probes without an answer. Each run says whether the peer
 * showed any sign of life afterwards and what came after the last retry. Used by dead-peer, reset
 * and retransmissions.
 */
import type { ConnectionRecord, EventRecord, Side } from '../tcp/connection-record.js';
import type { DeadPeerMode, RunEnd } from './types.js';
import { backoff, isRetransmission, other, round6, connectionHasClass, eventsOf } from './util.js';

export interface Run {
  connection: number;
  mode: DeadPeerMode;
  sender: Side;
  seq: number;
  len: number;
  /**
   * Retries (retransmissions, repeated SYNs, probes), after the first transmission when the records
   * name it (a FIN, a SYN, a data segment's `first-transmission` event).
   */
  frames: number[];
  times: number[];
  /** Whether frames[0] is that first transmission (then intervalsSec[0] runs from it to the first retry). */
  hasOriginal: boolean;
  /**
   * data: the first retry was a tail-loss probe (RFC 8985), not the first retransmission timeout: the
   * interval before it does not fit the doubling that follows (see tailLossProbe).
   */
  tailLossProbe: boolean;
  /** The intervals of the retransmission timer's backoff: intervalsSec without the probe's. */
  backoffIntervalsSec: number[];
  /** Retries only (the original transmission not counted). */
  count: number;
  spanSec: number;
  intervalsSec: number[];
  exponentialBackoff: boolean;
  backoffFactor: number | null;
  /** The peer showed it got the data: an ACK beyond it, an answer, or any later segment from it. */
  answered: boolean;
  /** What followed the last retry; 'continued' when unremarkable traffic followed (likely ACKed). */
  after: RunEnd | 'continued' | 'answered';
  afterFrame: number | null;
  afterSec: number;
}

function finishRun(
  c: ConnectionRecord, mode: DeadPeerMode, sender: Side, seq: number, len: number, evs: EventRecord[], retries: number,
  captureEnd: number,
): Run {
  const hasOriginal = evs.length > retries;
  const frames = evs.map((e) => e.frame);
  const times = evs.map((e) => e.time);
  const intervals: number[] = [];
  for (let i = 1; i < times.length; i++) intervals.push(round6(times[i]! - times[i - 1]!));
  const tlp = mode === 'data' && hasOriginal && tailLossProbe(intervals);
  const backoffIntervals = tlp ? intervals.slice(1) : intervals;
  const b = backoff(backoffIntervals);
  const last = evs[evs.length - 1]!;
  const first = evs[0]!;
  const peer = other(sender);
  let answered = false;
  let after: Run['after'] | null = null;
  let afterFrame: number | null = null;
  let afterTime = captureEnd;
  for (const e of eventsOf(c)) {
    if (e.frame <= first.frame) continue;
    if (e.by === peer) {
      if (e.kind === 'rst') {
        if (e.frame > last.frame && after === null) {
          after = 'rst-from-peer';
          afterFrame = e.frame;
          afterTime = e.time;
        }
        break;
      }
      // Any other segment from the peer is a sign of life (an ACK, an answer, its own data).
      answered = mode === 'data' ? e.ack > seq || e.frame > last.frame : true;
      if (answered) {
        if (after === null && e.frame > last.frame) {
          after = 'answered';
          afterFrame = e.frame;
          afterTime = e.time;
        }
        break;
      }
    } else if (e.frame > last.frame && after === null) {
      if (e.kind === 'rst') {
        after = 'rst-from-sender';
        afterFrame = e.frame;
        afterTime = e.time;
        break;
      }
      if (e.kind === 'fin' && mode !== 'data') {
        after = 'fin';
        afterFrame = e.frame;
        afterTime = e.time;
        break;
      }
      if (e.kind === 'fin' && e.seq > seq) {
        after = 'fin';
        afterFrame = e.frame;
        afterTime = e.time;
        break;
      }
      // The sender moved on to later data: what it retransmitted was acknowledged meanwhile.
      if (mode === 'data' && e.seq > seq) {
        answered = true;
        after = 'continued';
        afterFrame = e.frame;
        afterTime = e.time;
        break;
      }
    }
  }
  if (after === null) {
    if (c.lastFrame > last.frame) {
      after = 'continued';
      afterTime = last.time;
    } else {
      // Nothing after the last retry: the capture stopped while the timer was still running, or the
      // sender gave up (Linux: tcp_retries2 / tcp_syn_retries / tcp_keepalive_probes exhausted).
      const lastInterval = intervals[intervals.length - 1] ?? 0;
      const factor = b.factor !== null && b.factor > 1 ? b.factor : 2;
      const nextDue = mode === 'keep-alive' ? lastInterval * 1.5 : lastInterval * factor * 1.25;
      after = lastInterval === 0 || captureEnd - last.time <= Math.max(nextDue, 1) ? 'capture-end' : 'gave-up';
      afterTime = captureEnd;
    }
  }
  return {
    connection: c.id,
    mode,
    sender,
    seq,
    len,
    frames,
    times,
    hasOriginal,
    tailLossProbe: tlp,
    backoffIntervalsSec: backoffIntervals,
    count: retries,
    spanSec: round6(last.time - first.time),
    intervalsSec: intervals,
    exponentialBackoff: b.exponential,
    backoffFactor: b.factor,
    answered,
    after,
    afterFrame,
    afterSec: round6(Math.max(0, afterTime - last.time)),
  };
}

/** A timer's doubling, with room for its granularity (Linux: jiffies; RTO rounded up to 200 ms at least). */
const DOUBLING_MIN = 1.6;
const DOUBLING_MAX = 2.6;
const doubles = (a: number, b: number): boolean => a > 0 && b / a >= DOUBLING_MIN && b / a <= DOUBLING_MAX;
/** i1 / i0 at most this: the probe came about when the RTO would have; at least this: far sooner. */
const PROBE_ABOUT_RTO = 1.25;
const PROBE_SHORT = 4;

/**
 * First transmission → retries at intervals i0, i1, i2 …: the retransmission timer doubles from one
 * retry to the next (RFC 6298 §5.5), so i1 ≈ 2 × i0 when the first retry was its first timeout. A
 * tail-loss probe (RFC 8985 §7; Linux since 4.10) fires after the probe timeout (about 2 × SRTT, at
 * least ~200 ms with one segment in flight on Linux) and re-arms the RTO, so i0 is not half of i1:
 * about equal to it (Linux, one segment in flight) or far shorter (2 × SRTT on a long path) — while
 * the intervals after it double. Anything in between (an RTO that grew with a late RTT sample) is
 * not called a probe.
 */
function tailLossProbe(intervals: readonly number[]): boolean {
  if (intervals.length < 3) return false;
  const [i0, i1, i2] = intervals as [number, number, number];
  if (i0 <= 0 || !doubles(i1, i2)) return false;
  const r = i1 / i0;
  return r <= PROBE_ABOUT_RTO || r >= PROBE_SHORT;
}

/** Every run of two or more transmissions of the same thing on a connection. */
export function retryRuns(c: ConnectionRecord, captureEnd: number): Run[] {
  const out: Run[] = [];
  // Runs are made of retransmissions (data, FIN, SYN) and keep-alive probes.
  if (!connectionHasClass(c, 'retransmission', 'keepAlive')) return out;
  for (const sender of ['client', 'server'] as const) {
    const peer = other(sender);
    // Data and FIN retransmissions: consecutive retransmissions of the same sequence number.
    const seen = new Set<number>();
    let cur: EventRecord[] = [];
    let originals = 0;
    // First transmissions of retransmitted data, by sequence number (the engine names them).
    const firstSent = new Map<number, EventRecord>();
    for (const e of eventsOf(c)) if (e.by === sender && e.kind === 'first-transmission' && !firstSent.has(e.seq)) firstSent.set(e.seq, e);
    const flush = () => {
      const retries = cur.length - originals;
      if (retries >= 2 || (retries >= 1 && originals > 0)) {
        // Which runs there are does not depend on it; a run shows its first transmission when known.
        const original = originals === 0 ? firstSent.get(cur[0]!.seq) : undefined;
        if (original !== undefined && original.frame < cur[0]!.frame) cur.unshift(original);
        const head = cur[0]!;
        out.push(finishRun(c, 'data', sender, head.seq, head.len, cur, retries, captureEnd));
      }
      cur = [];
      originals = 0;
    };
    // A retransmitted SYN or SYN/ACK is also listed as a 'retransmission' event of the same frame.
    const synFrames = new Set(eventsOf(c).filter((e) => e.kind === 'syn' || e.kind === 'syn-ack').map((e) => e.frame));
    for (const e of eventsOf(c)) {
      if (e.by !== sender || e.kind === 'syn' || e.kind === 'syn-ack' || e.kind === 'rst' || synFrames.has(e.frame)) continue;
      const retx = isRetransmission(e) && (e.kind === 'retransmission' || e.kind === 'fin');
      const originalFin = e.kind === 'fin' && !isRetransmission(e);
      if (!retx && !originalFin) continue;
      if (seen.has(e.frame)) continue;
      seen.add(e.frame);
      const head = cur[0];
      if (head !== undefined && head.seq !== e.seq) flush();
      if (originalFin) {
        flush();
        cur = [e];
        originals = 1;
        continue;
      }
      cur.push(e);
    }
    flush();

    // SYNs without a SYN/ACK (the client side of a connection attempt). A sender that later acts
    // as if connected (one-sided captures) got its SYN/ACK even if the capture does not show it.
    const connected = c.states[sender].some((s) => s.state === 'ESTABLISHED') || c.payloadBytes[sender] > 0;
    if (c.handshake.synAckFrame === null && !connected) {
      const syns = eventsOf(c).filter((e) => e.by === sender && e.kind === 'syn');
      const uniq = syns.filter((e, i) => syns.findIndex((x) => x.frame === e.frame) === i);
      if (uniq.length >= 2) out.push(finishRun(c, 'syn', sender, 0, 0, uniq, uniq.length - 1, captureEnd));
    }

    // Keep-alive probes: consecutive probes with no answer from the peer in between.
    const probes = new Set(keepaliveProbes(c, sender).map((e) => e.frame));
    let ka: EventRecord[] = [];
    const flushKa = () => {
      if (ka.length >= 2) out.push(finishRun(c, 'keep-alive', sender, ka[0]!.seq, 0, ka, ka.length, captureEnd));
      ka = [];
    };
    for (const e of eventsOf(c)) {
      if (e.by === peer && e.kind !== 'rst') flushKa();
      else if (e.by === sender && e.kind === 'keep-alive') {
        if (probes.has(e.frame)) ka.push(e);
      } else if (e.by === sender && e.kind !== 'rst') flushKa();
    }
    flushKa();
  }
  return out;
}

/** Below this much quiet before it, a Wireshark "keep-alive" is not a keep-alive probe (Linux's smallest TCP_KEEPIDLE is 1 s). */
const MIN_KEEPALIVE_IDLE_SEC = 1;

/**
 * The keep-alive events of `sender` that are real keep-alive probes: Wireshark's rule (0 or 1 byte at
 * next-seq − 1) also matches odd segments in the middle of a transfer (duplicated frames, some
 * stacks' window probes). A probe needs a quiet connection before it — no segment the records place
 * within 1 s — or a previous probe at least 1 s earlier.
 */
export function keepaliveProbes(c: ConnectionRecord, sender: Side): EventRecord[] {
  const candidates = eventsOf(c).filter((e) => e.by === sender && e.kind === 'keep-alive');
  if (candidates.length === 0) return [];
  // Every instant at which the records place a segment of the connection, with its frame.
  const known: [number, number][] = eventsOf(c).map((e) => [e.time, e.frame]);
  for (const side of ['client', 'server'] as const) for (const s of c.states[side]) if (s.frame !== null) known.push([s.time, s.frame]);
  if (c.series !== null) {
    for (const s of [c.series.window.client, c.series.window.server, c.series.acked.client, c.series.acked.server]) for (const t of s.t) known.push([t, -1]);
  }
  const out: EventRecord[] = [];
  for (const e of candidates) {
    let before = -Infinity;
    for (const [t, f] of known) if (f !== e.frame && t <= e.time && t > before && (f === -1 ? t < e.time : f < e.frame)) before = t;
    const prev = out[out.length - 1];
    if (e.time - before >= MIN_KEEPALIVE_IDLE_SEC || (prev !== undefined && e.time - prev.time >= MIN_KEEPALIVE_IDLE_SEC)) out.push(e);
  }
  return out;
}
