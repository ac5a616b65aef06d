/**
 * slow-reader: the receiver keeps ACKing data while the window it advertises shrinks — the data
 * arrived and sits in its receive queue (Recv-Q) because its application is not reading.
 *
 * The receiver's timeline merges its own events (ACK number and window of each) with the
 * connection's series (`series.window` of the receiver, `series.acked` of the sender). A shrink
 * phase runs from the last time the window was at its peak to the moment it reached its lowest.
 * Reported when the phase ends in a zero window that is not transient, or when the window stays at
 * or below 10% of a peak of at least 8 KiB for at least a second; in both cases the ACK number must
 * have advanced while the window fell. The queued-bytes estimate is the window shrink since the
 * peak: a lower bound, since Linux keeps part of the buffer for overhead.
 */
import { C_ZERO_WINDOW, C_ZERO_WINDOW_PROBE } from '../tcp/classes.js';
import type { ConnectionRecord, Side } from '../tcp/connection-record.js';
import type { DetectorContext } from './context.js';
import { isTransient } from './episodes.js';
import type { FindingEndpoint, Severity, SlowReaderFinding, SlowReaderInstance, ZeroWindowEpisode } from './types.js';
import {
  addr, bytes, dur, endpointKey, frameList, groupEndpoint, maxOf, minOf, narrowEndpoint, num, other, plural, rel, round6, sourceFilter, wsFilter, timeSpan, eventsOf } from './util.js';
import { episodeSeverity } from './zero-window.js';

const LOW_FRACTION = 0.1;
const MIN_PEAK_FOR_LOW = 8192;
const MIN_LOW_SEC = 1;

interface Point {
  t: number;
  w: number | null;
  a: number | null;
  frame: number | null;
}

/** The receiver's window and the ACK number of what it acknowledged, in time order. */
function timeline(c: ConnectionRecord, reader: Side): { t: number; w: number; a: number; frame: number | null }[] {
  const sender = other(reader);
  const pts: Point[] = [];
  for (const e of eventsOf(c)) {
    if (e.by !== reader || e.kind === 'syn' || e.kind === 'syn-ack' || e.kind === 'rst' || e.ack < 0) continue;
    pts.push({ t: e.time, w: e.window, a: e.ack, frame: e.frame });
  }
  if (c.series !== null) {
    const ws = c.series.window[reader];
    for (let i = 0; i < ws.t.length; i++) pts.push({ t: ws.t[i]!, w: ws.v[i]!, a: null, frame: null });
    const as = c.series.acked[sender];
    for (let i = 0; i < as.t.length; i++) pts.push({ t: as.t[i]!, w: null, a: as.v[i]!, frame: null });
  }
  pts.sort((x, y) => x.t - y.t || (x.frame === null ? 1 : 0) - (y.frame === null ? 1 : 0));
  const out: { t: number; w: number; a: number; frame: number | null }[] = [];
  let w: number | null = null;
  let a: number | null = null;
  for (const p of pts) {
    if (p.w !== null) w = p.w;
    if (p.a !== null) a = Math.max(a ?? 0, p.a);
    if (w === null || a === null) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.t === p.t) {
      last.w = w;
      last.a = a;
      if (p.frame !== null) last.frame = p.frame;
    } else out.push({ t: p.t, w, a, frame: p.frame });
  }
  return out;
}

/** Whether the reader's advertised windows (series and events) range from a deep-shrink peak to its low. */
function mayShrinkDeeply(c: ConnectionRecord, reader: Side): boolean {
  let min = Infinity;
  let max = -Infinity;
  const ws = c.series?.window[reader].v ?? [];
  for (let i = 0; i < ws.length; i++) {
    if (ws[i]! < min) min = ws[i]!;
    if (ws[i]! > max) max = ws[i]!;
  }
  const events = eventsOf(c);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.by !== reader) continue;
    if (e.window < min) min = e.window;
    if (e.window > max) max = e.window;
  }
  return max >= MIN_PEAK_FOR_LOW && min <= max * LOW_FRACTION;
}

interface Phase {
  peak: number;
  peakT: number;
  ackAtPeak: number;
  low: number;
  lowT: number;
  ackAtLow: number;
  /** Index range in the timeline: [from the last peak point, to the low point]. */
  i0: number;
  i1: number;
}

/** The shrink phase that ends at index `end` (walk back while the window does not decrease). */
function phaseEndingAt(tl: ReturnType<typeof timeline>, end: number): Phase | null {
  const lowPt = tl[end];
  if (lowPt === undefined) return null;
  let i = end;
  while (i > 0 && tl[i - 1]!.w >= tl[i]!.w) i--;
  // i is the first point of the plateau at the peak; the shrink starts after its last point.
  const peak = tl[i]!.w;
  let j = i;
  while (j + 1 <= end && tl[j + 1]!.w === peak) j++;
  if (peak <= lowPt.w) return null;
  return { peak, peakT: tl[j]!.t, ackAtPeak: tl[j]!.a, low: lowPt.w, lowT: lowPt.t, ackAtLow: lowPt.a, i0: j, i1: end };
}

interface Found {
  reader: Side;
  severity: Severity;
  group: FindingEndpoint;
  startEpoch: number;
  endEpoch: number;
  zeroEnded: ZeroWindowEpisode['ended'] | null;
  lowT: number;
  i: SlowReaderInstance;
}

const SEVERITY_ORDER: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function detectSlowReader(ctx: DetectorContext): Omit<SlowReaderFinding, 'rank' | 'explainedBy'>[] {
  const out: Omit<SlowReaderFinding, 'rank' | 'explainedBy'>[] = [];
  const instances: Found[] = [];
  const t = ctx.facts();
  for (let ci = 0; ci < ctx.connections.length; ci++) {
    const c = ctx.connections[ci]!;
    // A zero window (its classes) or a window series is what a shrink is read from.
    if (((t.classBits[2 * ci]! | t.classBits[2 * ci + 1]!) & (C_ZERO_WINDOW | C_ZERO_WINDOW_PROBE)) === 0 && c.series === null) continue;
    for (const reader of ['client', 'server'] as const) {
      const zeros = ctx.zeroWindowsOf(c.id).filter((e) => e.receiver === reader && !isTransient(e));
      // Without a zero window, only a connection with a series can show a deep, lasting shrink, and
      // only if its windows span one: a peak of MIN_PEAK_FOR_LOW and a low within LOW_FRACTION of it
      // (checked on every window the timeline could hold, before building it).
      if (zeros.length === 0 && (c.series === null || !mayShrinkDeeply(c, reader))) continue;
      const tl = timeline(c, reader);
      if (tl.length < 2) continue;
      let phase: Phase | null = null;
      let zero: ZeroWindowEpisode | null = null;
      let lowUntil = 0;
      for (const z of zeros) {
        const idx = tl.findIndex((p) => p.t >= z.startEpoch && p.w === 0);
        if (idx < 0) continue;
        const ph = phaseEndingAt(tl, idx);
        if (ph !== null && ph.ackAtLow > ph.ackAtPeak) {
          phase = ph;
          zero = z;
          break;
        }
      }
      if (phase === null) {
        // No zero window: a deep shrink held for a while.
        let best: Phase | null = null;
        for (let k = 1; k < tl.length; k++) {
          const ph = phaseEndingAt(tl, k);
          if (ph === null || ph.peak < MIN_PEAK_FOR_LOW || ph.low > ph.peak * LOW_FRACTION || ph.ackAtLow <= ph.ackAtPeak) continue;
          // How long did it stay low?
          let m = k;
          while (m + 1 < tl.length && tl[m + 1]!.w <= ph.peak * LOW_FRACTION) m++;
          const until = m + 1 < tl.length ? tl[m + 1]!.t : Math.max(ctx.end, tl[m]!.t);
          const closedAt = c.resets[0]?.time ?? Infinity;
          if (Math.min(until, closedAt) - ph.lowT < MIN_LOW_SEC) continue;
          if (best === null || ph.peak - ph.low > best.peak - best.low) {
            best = ph;
            lowUntil = until;
          }
        }
        phase = best;
      }
      if (phase === null) continue;
      const sender = other(reader);
      const shrink = phase.peak - phase.low;
      const acked = phase.ackAtLow - phase.ackAtPeak;
      if (acked <= 0) continue;
      const read = Math.max(0, acked - shrink);
      const q: { t: number[]; v: number[] } = { t: [], v: [] };
      let maxQ = 0;
      const stop = zero !== null ? zero.endEpoch : lowUntil;
      for (let k = phase.i0; k < tl.length; k++) {
        const p = tl[k]!;
        if (k > phase.i1 && p.t > stop) break;
        const v = Math.max(0, phase.peak - p.w);
        if (q.v.length > 0 && q.v[q.v.length - 1] === v) continue;
        q.t.push(round6(p.t));
        q.v.push(v);
        if (v > maxQ) maxQ = v;
      }
      const windowFull = c.analysis[sender].windowFull ?? 0;
      const phaseFrames = tl.slice(phase.i0, phase.i1 + 1).map((p) => p.frame);
      instances.push({
        reader,
        // As serious as the zero window it led to; a lasting low window without zero is a warning.
        severity: zero !== null ? episodeSeverity(zero) : 'warning',
        group: groupEndpoint(c, reader),
        startEpoch: phase.peakT,
        endEpoch: zero !== null ? zero.endEpoch : lowUntil,
        zeroEnded: zero?.ended ?? null,
        lowT: phase.lowT,
        i: {
          connection: c.id,
          readerEndpoint: { ip: c[reader].ip, port: c[reader].port },
          senderEndpoint: { ip: c[sender].ip, port: c[sender].port },
          peakWindow: phase.peak,
          peakWindowEpoch: phase.peakT,
          minWindow: phase.low,
          ackedDuringShrink: acked,
          windowShrink: shrink,
          readDuringShrink: read,
          zeroFrame: zero?.startFrame ?? null,
          zeroEpoch: zero?.startEpoch ?? null,
          zeroDurationSec: zero?.durationSec ?? null,
          lowDurationSec: zero === null ? round6(lowUntil - phase.lowT) : null,
          recvQueue: q,
          maxRecvQueue: maxQ,
          senderWindowFull: windowFull,
          frames: frameList([...phaseFrames, zero?.startFrame]),
        },
      });
    }
  }
  const groups = new Map<string, Found[]>();
  for (const f of instances) {
    const key = `${f.reader}|${endpointKey(f.group)}`;
    const l = groups.get(key);
    if (l === undefined) groups.set(key, [f]);
    else l.push(f);
  }
  for (const list of groups.values()) {
    const stall = (f: Found) => f.i.zeroDurationSec ?? f.i.lowDurationSec ?? 0;
    list.sort((a, b) => SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] || stall(b) - stall(a));
    const worst = list[0]!;
    const w = worst.i;
    const endpoint = list.length === 1 ? { ip: w.readerEndpoint.ip, port: w.readerEndpoint.port } : narrowEndpoint(worst.group, list.map((f) => f.i.readerEndpoint));
    const ids = [...new Set(list.map((f) => f.i.connection))].sort((a, b) => a - b);
    const zeroText = w.zeroFrame !== null
      ? `when its window reached zero at frame ${w.zeroFrame} (${rel(w.zeroEpoch!, ctx.start)}); it stayed zero for ${worst.zeroEnded === 'capture-end' ? 'at least ' : ''}${dur(w.zeroDurationSec ?? 0)}`
      : `when its window bottomed out at ${bytes(w.minWindow)} (${rel(worst.lowT, ctx.start)}) for ${dur(w.lowDurationSec ?? 0)}`;
    const one = `${addr(w.readerEndpoint)} (${worst.reader}) acknowledged ${bytes(w.ackedDuringShrink)} more while the window it advertised fell from ${num(w.peakWindow)} to ${bytes(w.minWindow)} — its application read at most ${bytes(w.readDuringShrink)} of them — so at least ${bytes(w.maxRecvQueue)} sat unread in its receive queue ${zeroText}`;
    const summary = list.length === 1
      ? `${one}.`
      : `The application on ${addr(endpoint)} stopped reading on ${plural(ids.length, 'connection')} (receive queues of up to ${bytes(maxOf(list.map((f) => f.i.maxRecvQueue)))}); the worst: ${one}.`;
    const windowFull = w.senderWindowFull;
    const startEpoch = minOf(list.map((f) => f.startEpoch));
    const endEpoch = maxOf(list.map((f) => f.endEpoch));
    out.push({
      kind: 'slow-reader',
      severity: worst.severity,
      title: list.length === 1 ? `The application on ${addr(endpoint)} stopped reading` : `The application on ${addr(endpoint)} stopped reading on ${plural(ids.length, 'connection')}`,
      summary,
      explanation: 'A receiving kernel acknowledges data as soon as it arrives and keeps it in the socket\'s receive queue (Recv-Q) until the application reads it; the window it advertises is the room left. A window that shrinks while the ACK number keeps advancing therefore means the data got there and is waiting for the application: the network is not the bottleneck, the reader is.' +
        (windowFull > 0 ? ` The sender filled the advertised window ${windowFull} times (Wireshark: TCP Window Full).` : '') +
        ' The window shrink is a lower bound for the queued bytes: Linux reserves part of the buffer for overhead, so the real Recv-Q is usually larger.',
      advice: [
        `Find what keeps the application on ${w.readerEndpoint.ip} from reading: a blocked thread or event loop, a slow downstream write it waits for, a consumer that paused (e.g. a paused stream without back-pressure handling).`,
        `Watch the socket: \`ss -tmn src ${addr(list.length === 1 ? w.readerEndpoint : endpoint)}\` shows Recv-Q growing to the buffer size while the peer stalls.`,
        `Bound the stall on the sending side (${w.senderEndpoint.ip}): nginx \`send_timeout\`, Node \`socket.setTimeout()\`, HAProxy \`timeout client\`/\`timeout server\`.`,
      ],
      connections: ids,
      frames: frameList(list.flatMap((f) => f.i.frames)),
      endpoint,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: list.length === 1
        ? `tcp.stream eq ${w.connection} && ${sourceFilter(w.readerEndpoint)}`
        : wsFilter(ids, endpoint, `${w.readerEndpoint.ip.includes(':') ? 'ipv6.src' : 'ip.src'}==${w.readerEndpoint.ip}`),
      details: {
        reader: worst.reader,
        count: list.length,
        maxRecvQueue: maxOf(list.map((f) => f.i.maxRecvQueue)),
        instances: list.slice(0, 100).map((f) => f.i),
      },
    });
  }
  return out;
}
