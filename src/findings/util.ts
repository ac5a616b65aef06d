/** Small shared helpers of the finding detectors: time, numbers, endpoints, Wireshark filters. */
import { CLASS_KEYS, type ClassKey } from '../tcp/classes.js';
import { ConnectionSummary } from '../tcp/connection-summary.js';
import type { ConnectionRecord, EventRecord, Side } from '../tcp/connection-record.js';
import type { CaptureBounds } from './types.js';
import type { FindingEndpoint, Spread } from './types.js';

export const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/** Per-item lists in `details` keep at most this many entries (the totals are given separately). */
export const MAX_LISTED = 200;

/** Epoch seconds of the capture's first and last frame (null for an empty capture). */
export function captureSpan(capture: CaptureBounds): { start: number; end: number } | null {
  if (capture.firstEpoch === null || capture.lastEpoch === null) return null;
  return { start: Number(capture.firstEpoch), end: Number(capture.lastEpoch) };
}

/** ISO 8601 UTC with microseconds, from epoch seconds. */
export function iso(epoch: number): string {
  let sec = Math.floor(epoch);
  let micros = Math.round((epoch - sec) * 1e6);
  if (micros >= 1e6) {
    sec += 1;
    micros -= 1e6;
  }
  const d = new Date(sec * 1000);
  if (Number.isNaN(d.getTime())) return `${epoch}s-after-epoch`;
  return `${d.toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
export const round3 = (x: number): number => Math.round(x * 1e3) / 1e3;

/** "113 µs", "4.5 ms", "205 ms", "6.66 s", "2 min 5 s", "1 h 3 min". */
export function dur(sec: number): string {
  const a = Math.abs(sec);
  if (a < 1e-3) return `${Math.round(a * 1e6)} µs`;
  if (a < 0.01) return `${(a * 1e3).toFixed(1)} ms`;
  if (a < 1) return `${Math.round(a * 1e3)} ms`;
  if (a < 10) return `${a.toFixed(2)} s`;
  if (a < 60) return `${a.toFixed(1)} s`;
  if (a < 3600) {
    const m = Math.floor(a / 60);
    const s = Math.round(a - m * 60);
    return s === 0 ? `${m} min` : `${m} min ${s} s`;
  }
  const h = Math.floor(a / 3600);
  const m = Math.round((a - h * 3600) / 60);
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Seconds as a short number for lists of intervals: "0.208", "6.66", "13.8". */
export function secs(x: number): string {
  if (x < 0.01) return x.toPrecision(2);
  if (x < 10) return x.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  return x.toFixed(1);
}

export const num = (n: number): string => n.toLocaleString('en-US');
export const bytes = (n: number): string => `${num(n)} byte${n === 1 ? '' : 's'}`;
export const plural = (n: number, one: string, many = `${one}s`): string => `${num(n)} ${n === 1 ? one : many}`;
export const pct = (x: number): string => `${x >= 0.1 ? Math.round(x * 100) : Math.round(x * 1000) / 10}%`;

/** "1.00 s–1.20 s" for a spread of durations, one figure when they are all the same to the precision shown. */
export function durRange(values: readonly number[]): string {
  const a = dur(minOf(values));
  const b = dur(maxOf(values));
  return a === b ? a : `${a}–${b}`;
}

/** "t=2.22 s" relative to the capture's first frame (Wireshark's frame.time_relative). */
export function rel(epoch: number, start: number): string {
  const t = epoch - start;
  return `t=${t < 10 ? t.toFixed(3) : t < 1000 ? t.toFixed(2) : t.toFixed(0)} s`;
}

export function addr(e: { ip: string; port: number | null }): string {
  if (e.port === null) return e.ip;
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/**
 * How findings group sockets: a server endpoint is ip:port (a listening socket); a client endpoint
 * is its host (ephemeral ports change with every connection).
 */
export function groupEndpoint(c: ConnectionRecord, side: Side): FindingEndpoint {
  return side === 'server' ? { ip: c.server.ip, port: c.server.port } : { ip: c.client.ip, port: null };
}
export const endpointKey = (e: FindingEndpoint): string => `${e.ip}|${e.port ?? '*'}`;

/** The group endpoint, narrowed to ip:port when every socket in the group used the same port. */
export function narrowEndpoint(group: FindingEndpoint, sockets: readonly { port: number }[]): FindingEndpoint {
  if (group.port !== null || sockets.length === 0) return group;
  const p = sockets[0]!.port;
  return sockets.every((s) => s.port === p) ? { ip: group.ip, port: p } : group;
}

/** Smallest / largest value (Infinity / −Infinity when empty); safe for arrays of any length, unlike Math.min(...xs). */
// Index loops, not for-of: on typed arrays and in large detectors the iterator allocated per element.
export function minOf(values: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! < m) m = values[i]!;
  return m;
}
export function maxOf(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: 0, median: 0, max: 0 };
  return { min: round6(minOf(values)), median: round6(median(values)), max: round6(maxOf(values)) };
}

/**
 * Whether intervals between retries grow exponentially, as retransmission and persist timers back
 * off (RFC 6298 §5.5, RFC 9293 §3.8.6.1; Linux doubles, up to TCP_RTO_MAX = 120 s). Needs at least
 * three intervals that never shrink (each ≥ 0.8× the previous) and at least two steps that grew by
 * 1.5× or more; then either the intervals grew 4× overall (a few equal retries first, as some
 * stacks do, are fine) or nearly every step grew or stayed level at the cap (≥ 30 s).
 */
export function backoff(intervals: readonly number[]): { exponential: boolean; factor: number | null } {
  if (intervals.length < 2) return { exponential: false, factor: null };
  const ratios: number[] = [];
  let growing = 0;
  let level = 0;
  for (let i = 1; i < intervals.length; i++) {
    const prev = intervals[i - 1]!;
    const cur = intervals[i]!;
    if (prev <= 0) continue;
    const r = cur / prev;
    ratios.push(r);
    if (r >= 1.5) growing++;
    else if (r >= 0.8 && r <= 1.25 && prev >= 30) level++;
  }
  const factor = ratios.length === 0 ? null : Math.round(median(ratios) * 100) / 100;
  const first = intervals[0]!;
  const last = intervals[intervals.length - 1]!;
  const neverShrinks = ratios.every((r) => r >= 0.8);
  const exponential = intervals.length >= 3 && neverShrinks && growing >= 2 &&
    ((first > 0 && last / first >= 4) || growing + level >= 0.8 * ratios.length);
  return { exponential, factor };
}

/** Ascending unique frame numbers, at most `cap`. */
export function frameList(frames: Iterable<number | null | undefined>, cap = 200): number[] {
  if (Array.isArray(frames)) {
    // Evidence lists are mostly ascending already (frames in connection order): no set, no sort.
    const out: number[] = [];
    let ascending = true;
    const list = frames as (number | null | undefined)[];
    for (let i = 0; i < list.length; i++) {
      const f = list[i];
      if (typeof f !== 'number' || f <= 0) continue;
      const last = out.length === 0 ? 0 : out[out.length - 1]!;
      if (f < last) {
        ascending = false;
        break;
      }
      if (f > last && out.length < cap) out.push(f);
    }
    if (ascending) return out;
  }
  // Otherwise a numeric typed-array sort (no comparator calls), then the first `cap` distinct.
  const all: number[] = [];
  for (const f of frames) if (typeof f === 'number' && f > 0) all.push(f);
  const sorted = Float64Array.from(all).sort();
  const out: number[] = [];
  for (let i = 0; i < sorted.length && out.length < cap; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]!);
  return out;
}

const hasClass = (e: EventRecord, ...keys: string[]): boolean => e.classes !== undefined && keys.some((k) => (e.classes as string[]).includes(k));

export const isRetransmission = (e: EventRecord): boolean =>
  hasClass(e, 'retransmission', 'fastRetransmission', 'spuriousRetransmission');

// ---------------------------------------------------------------------------------------------
// Wireshark display filters

const MAX_IDS_IN_FILTER = 64;

/** `tcp.stream eq 3`, `tcp.stream in {3 5}`; null when there are too many to list. */
function streamFilter(ids: readonly number[]): string | null {
  // Too many distinct ids for a filter: known without sorting them all (a finding may list 180,000).
  const distinct = new Set<number>();
  for (let i = 0; i < ids.length && distinct.size <= MAX_IDS_IN_FILTER; i++) distinct.add(ids[i]!);
  if (distinct.size > MAX_IDS_IN_FILTER) return null;
  const u = [...distinct].sort((a, b) => a - b);
  if (u.length === 0 || u.length > MAX_IDS_IN_FILTER) return null;
  return u.length === 1 ? `tcp.stream eq ${u[0]}` : `tcp.stream in {${u.join(' ')}}`;
}

/** A filter for an endpoint: `ip.addr==10.0.0.1 && tcp.port==80` (ipv6.addr for IPv6). */
function endpointFilter(e: FindingEndpoint): string {
  const ipf = e.ip.includes(':') ? `ipv6.addr==${e.ip}` : `ip.addr==${e.ip}`;
  return e.port === null ? ipf : `${ipf} && tcp.port==${e.port}`;
}

/** Source-side filter for the segments one endpoint sent. */
export function sourceFilter(e: { ip: string; port: number }): string {
  return `${e.ip.includes(':') ? 'ipv6.src' : 'ip.src'}==${e.ip} && tcp.srcport==${e.port}`;
}

/** Streams (or the endpoint when too many streams) combined with a condition. */
export function wsFilter(ids: readonly number[], endpoint: FindingEndpoint | null, condition: string | null): string {
  const scope = streamFilter(ids) ?? (endpoint !== null ? endpointFilter(endpoint) : 'tcp');
  if (condition === null || condition === '') return scope;
  return `${scope} && ${condition.includes('||') ? `(${condition})` : condition}`;
}

/** `frame.number in {24 34}` for a few evidence frames. */
export function frameFilter(frames: readonly number[]): string | null {
  const u = frameList(frames, MAX_IDS_IN_FILTER + 1);
  if (u.length === 0 || u.length > MAX_IDS_IN_FILTER) return null;
  return u.length === 1 ? `frame.number==${u[0]}` : `frame.number in {${u.join(' ')}}`;
}

/**
 * Whether either side sent a frame of one of these classes: a cheap test (the class counts) before a
 * detector reads a connection's events, which on a large capture are mostly not worth reading.
 */
export function connectionHasClass(c: ConnectionRecord, ...keys: ClassKey[]): boolean {
  if (c instanceof ConnectionSummary) {
    let mask = 0;
    for (let i = 0; i < keys.length; i++) mask |= 1 << CLASS_KEYS.indexOf(keys[i]!);
    return ((c.classBits(true) | c.classBits(false)) & mask) !== 0;
  }
  const a = c.analysis;
  for (const k of keys) if ((a.client[k] ?? 0) > 0 || (a.server[k] ?? 0) > 0) return true;
  return false;
}

/** A finding's time span, as ISO text and epoch seconds. */
export function timeSpan(startEpoch: number | null, endEpoch: number | null): { startTime: string | null; endTime: string | null; startEpoch: number | null; endEpoch: number | null } {
  return {
    startTime: startEpoch === null ? null : iso(startEpoch),
    endTime: endEpoch === null ? null : iso(endEpoch),
    startEpoch,
    endEpoch,
  };
}

/**
 * Sorts times ascending, in place. Interval edges read in connection order are nearly sorted
 * (connections start in time order; only long ones end out of place), and an insertion sort does
 * that in about linear time where the native typed-array sort took most of the endpoint view's
 * time. Past a budget of moves (a capture whose times are far from ordered) it hands over to the
 * native sort.
 */
export function sortTimes(a: Float64Array): Float64Array {
  const n = a.length;
  let budget = 16 * n + 1024;
  for (let i = 1; i < n; i++) {
    const x = a[i]!;
    let j = i - 1;
    if (a[j]! <= x) continue;
    while (j >= 0 && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
    budget -= i - 1 - j;
    if (budget < 0) return a.sort();
  }
  return a;
}

let lastRecord: ConnectionRecord | null = null;
let lastEvents: readonly EventRecord[] = [];

/**
 * `c.events`, read once for consecutive calls on the same record: the detectors ask several times
 * per connection (per side, per RST), and each read builds every event object anew. Treat as
 * read-only.
 */
export function eventsOf(c: ConnectionRecord): readonly EventRecord[] {
  if (c !== lastRecord) {
    lastRecord = c;
    lastEvents = c.events;
  }
  return lastEvents;
}

/** Forgets the record `eventsOf` holds (so that it does not outlive an analysis or see stale events). */
export function forgetEvents(): void {
  lastRecord = null;
  lastEvents = [];
}
