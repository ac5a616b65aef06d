/**
 * Zero-window episodes, from the engine's events: a receiver advertises a zero window
 * (`zero-window`), the sender's persist timer probes it (`zero-window-probe`, both the Linux 0-byte
 * probe at next-seq − 1 and the classic 1-byte probe, RFC 9293 §3.8.6.1), the receiver answers with
 * zero-window ACKs (`zero-window-probe-ack`), until it reopens its window (`window-open`), a FIN or
 * RST ends the connection, or the capture ends. Used by zero-window, slow-reader and reset.
 */
import type { ConnectionRecord, EventRecord, Side } from '../tcp/connection-record.js';
import type { PersistProbe, ZeroWindowEpisode } from './types.js';
import { backoff, other, round6, connectionHasClass, eventsOf } from './util.js';

/** Recovered zero windows shorter than this are transient: Linux's minimum RTO/persist interval (TCP_RTO_MIN). */
export const TRANSIENT_ZERO_WINDOW_SEC = 0.2;

export function isTransient(e: ZeroWindowEpisode): boolean {
  return e.ended === 'window-open' && e.durationSec < TRANSIENT_ZERO_WINDOW_SEC;
}

interface Open {
  start: EventRecord;
  startFrame: number;
  startEpoch: number;
  ack: number;
  probes: PersistProbe[];
  zeroFrames: number[];
}

export function zeroWindowEpisodes(c: ConnectionRecord, captureEnd: number): ZeroWindowEpisode[] {
  const out: ZeroWindowEpisode[] = [];
  // An episode starts with a zero-window frame (or a probe into one): no such class, no episode.
  if (!connectionHasClass(c, 'zeroWindow', 'zeroWindowProbe')) return out;
  for (const receiver of ['client', 'server'] as const) {
    const sender = other(receiver);
    let open: Open | null = null;
    const close = (ended: ZeroWindowEpisode['ended'], e: EventRecord | null, endedBy: Side | null) => {
      if (open === null) return;
      out.push(finish(c, receiver, open, ended, e, endedBy, captureEnd));
      open = null;
    };
    const begin = (e: EventRecord) => {
      open = { start: e, startFrame: e.frame, startEpoch: e.time, ack: e.ack, probes: [], zeroFrames: [e.frame] };
    };
    for (const e of eventsOf(c)) {
      if (e.kind === 'rst') {
        close('rst', e, e.by);
        continue;
      }
      if (e.by === receiver) {
        switch (e.kind) {
          case 'zero-window':
            if (open === null) begin(e);
            break;
          case 'zero-window-probe-ack': {
            if (open === null) begin(e);
            const o = open as Open | null;
            if (o === null) break;
            if (!o.zeroFrames.includes(e.frame)) o.zeroFrames.push(e.frame);
            const last = o.probes[o.probes.length - 1];
            if (last !== undefined && last.answerFrame === null && last.frame < e.frame) last.answerFrame = e.frame;
            break;
          }
          case 'fin':
            close('fin', e, receiver);
            break;
          case 'window-open':
            close('window-open', e, receiver);
            break;
          default:
            break;
        }
      } else if (e.by === sender) {
        if (e.kind === 'zero-window-probe') {
          // A probe means the receiver's last segment had a zero window even if its advertisement was not kept.
          if (open === null) begin(e);
          const o = open as Open | null;
          if (o !== null) o.probes.push({ frame: e.frame, epoch: e.time, style: e.len === 0 ? '0-byte' : '1-byte', answerFrame: null });
        } else if (e.kind === 'fin' && open !== null) {
          close('fin', e, sender);
        }
      }
    }
    close('capture-end', null, null);
  }
  return out.sort((a, b) => a.startFrame - b.startFrame);
}

function finish(
  c: ConnectionRecord, receiver: Side, o: Open, ended: ZeroWindowEpisode['ended'], e: EventRecord | null,
  endedBy: Side | null, captureEnd: number,
): ZeroWindowEpisode {
  const sender = other(receiver);
  const endEpoch = e !== null ? e.time : Math.max(captureEnd, o.startEpoch);
  const intervals: number[] = [];
  let prev = o.startEpoch;
  for (const p of o.probes) {
    intervals.push(round6(p.epoch - prev));
    prev = p.epoch;
  }
  // When the episode was opened by a probe, the first interval is unknown.
  if (o.start.by === sender) intervals.shift();
  const b = backoff(intervals);
  const styles = new Set(o.probes.map((p) => p.style));
  const first = o.probes[0];
  let inFlight: number | null = null;
  if (first !== undefined && o.ack >= 0) {
    const probeSeq = eventsOf(c).find((x) => x.frame === first.frame && x.kind === 'zero-window-probe')?.seq;
    if (probeSeq !== undefined) inFlight = Math.max(0, (first.style === '0-byte' ? probeSeq + 1 : probeSeq) - o.ack);
  }
  return {
    connection: c.id,
    receiver,
    receiverEndpoint: { ip: c[receiver].ip, port: c[receiver].port },
    senderEndpoint: { ip: c[sender].ip, port: c[sender].port },
    startFrame: o.startFrame,
    startEpoch: o.startEpoch,
    endFrame: e !== null ? e.frame : null,
    endEpoch,
    durationSec: round6(endEpoch - o.startEpoch),
    ended,
    endedBy,
    reopenedWindow: ended === 'window-open' && e !== null ? e.window : null,
    bytesReceivedBefore: Math.max(0, o.ack - 1),
    senderHadDataWaiting: o.probes.length > 0,
    bytesInFlight: inFlight,
    probes: o.probes,
    probeStyle: styles.size === 0 ? 'none' : styles.size === 2 ? 'mixed' : o.probes[0]!.style,
    probeIntervalsSec: intervals,
    exponentialBackoff: b.exponential,
    backoffFactor: b.factor,
    zeroWindowFrames: o.zeroFrames,
  };
}
