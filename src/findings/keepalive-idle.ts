/**
 * The TCP keep-alive idle time of a connection: from the last data either side sent (the engine's
 * `last-data` event) to the first keep-alive probe after it. It is the keep-alive time
 * (TCP_KEEPIDLE, net.ipv4.tcp_keepalive_time), which is not the probe interval (TCP_KEEPINTVL,
 * net.ipv4.tcp_keepalive_intvl): Linux sends the first probe once the connection has been idle
 * that long, later ones that far apart only while they go unanswered, and after an answered one
 * waits the idle time again. Linux measures the idle time from the last segment it received (an
 * ACK of the last data counts), so the figure read off the capture can exceed the setting by the
 * peer's ACK delay and the timer's slack (a few ms).
 */
import type { ConnectionRecord, EventRecord, Side } from '../tcp/connection-record.js';
import { keepaliveProbes } from './runs.js';
import { eventsOf, round6 } from './util.js';

export interface KeepaliveIdle {
  lastDataFrame: number;
  lastDataEpoch: number;
  /** The first probe after that data. */
  probeFrame: number;
  idleSec: number;
}

/**
 * Each idle period that ended in keep-alive probes of `sender` (`probes`: its probes, in frame
 * order): the last data before a probe, when no earlier probe followed that data. A probe whose
 * idle period began before the capture (no data before it) starts none.
 */
export function keepaliveIdlePeriods(c: ConnectionRecord, probes: readonly EventRecord[]): KeepaliveIdle[] {
  const data = eventsOf(c).filter((e) => e.kind === 'last-data');
  const out: KeepaliveIdle[] = [];
  let prev: EventRecord | undefined;
  for (const p of probes) {
    let last: EventRecord | undefined;
    for (const d of data) if (d.frame < p.frame && (last === undefined || d.frame > last.frame)) last = d;
    if (last !== undefined && (prev === undefined || last.frame > prev.frame)) {
      out.push({ lastDataFrame: last.frame, lastDataEpoch: last.time, probeFrame: p.frame, idleSec: round6(p.time - last.time) });
    }
    prev = p;
  }
  return out;
}

/** The idle period before the keep-alive probe at `frame` of `sender` (or before the probes leading to it). */
export function keepaliveIdleBefore(c: ConnectionRecord, sender: Side, frame: number): KeepaliveIdle | null {
  const periods = keepaliveIdlePeriods(c, keepaliveProbes(c, sender));
  let found: KeepaliveIdle | null = null;
  for (const p of periods) if (p.probeFrame <= frame) found = p;
  return found;
}
