/**
 * Findings: detectors over the connection records, one file per kind, run here and ranked so that
 * what most likely caused the incident comes first. They consume only the report model
 * (ConnectionRecord, CaptureBounds) and know nothing about file formats.
 */
import type { ConnectionRecord } from '../tcp/connection-record.js';
import type { CaptureBounds } from './types.js';
import { detectCloseWait } from './close-wait.js';
import { collectConnectionClose, detectConnectionClose } from './connection-close.js';
import { detectHopByHopForwarded } from './hop-by-hop-forwarded.js';
import { eachHttpConnection, type HttpConnection } from './http-view.js';
import { collectKeepaliveRace, detectKeepaliveRace } from './keepalive-race.js';
import { collectKeepaliveTimeoutMismatch, detectKeepaliveTimeoutMismatch } from './keepalive-timeout-mismatch.js';
import { collectProxyLegs } from './proxy-pairs.js';
import { collectStalledResponse, detectStalledResponse } from './stalled-response.js';
import { collectTruncatedBody, detectTruncatedBody } from './truncated-body.js';
import { makeContext, type DetectorContext } from './context.js';
import { detectDeadPeer } from './dead-peer.js';
import { detectFinWait2 } from './fin-wait-2.js';
import { detectKeepaliveProbes } from './keepalive-probes.js';
import { detectLastAck } from './last-ack.js';
import { detectResets } from './reset.js';
import { detectRetransmissions } from './retransmissions.js';
import { detectSlowReader } from './slow-reader.js';
import { detectTimeWaitAccumulation } from './time-wait-accumulation.js';
import { FINDING_KINDS, SEVERITIES, type Finding, type FindingKind, type Severity, type UnrankedFinding } from './types.js';
import { captureSpan, forgetEvents } from './util.js';
import type { SocketTable } from './socket-table.js';
import { detectZeroWindow } from './zero-window.js';

export { buildEndpoints, type EndpointOptions } from './endpoints.js';
export { buildIncidents } from './incidents.js';
export * from './types.js';

export interface FindingOptions {
  /** A socket in CLOSE_WAIT (or LAST_ACK, FIN_WAIT_2) longer than this is reported; default 1 s. */
  closeWaitSec?: number;
  /** TIME_WAIT duration (2 × MSL); default 60 s as on Linux. */
  timeWaitSec?: number;
  /** A request that waits longer than this for the first byte of its response is stalled; default 1 s. */
  stallSec?: number;
  /** Leave out findings below this severity. */
  minSeverity?: Severity;
  /** Only these kinds (all when absent). */
  kinds?: FindingKind[];
}

/**
 * Detectors in dependency order: close-wait before fin-wait-2 (fin-wait-2 skips what close-wait
 * explained), dead-peer before retransmissions (its retransmissions are not counted twice).
 */
/** `intervals`: the detector reads socket intervals (the socket table), not only connection facts. */
const DETECTORS: { kind: FindingKind; run: (ctx: DetectorContext) => UnrankedFinding[]; intervals: boolean }[] = [
  { kind: 'dead-peer', run: detectDeadPeer, intervals: false },
  { kind: 'zero-window', run: detectZeroWindow, intervals: false },
  { kind: 'slow-reader', run: detectSlowReader, intervals: false },
  { kind: 'close-wait', run: detectCloseWait, intervals: true },
  { kind: 'fin-wait-2', run: detectFinWait2, intervals: true },
  { kind: 'last-ack', run: detectLastAck, intervals: true },
  { kind: 'reset', run: detectResets, intervals: false },
  { kind: 'time-wait-accumulation', run: detectTimeWaitAccumulation, intervals: true },
  { kind: 'retransmissions', run: detectRetransmissions, intervals: false },
  { kind: 'keepalive-probes', run: detectKeepaliveProbes, intervals: false },
  // The HTTP layer's findings (connections[].http): they read the HTTP record and the TCP episodes.
  { kind: 'connection-close', run: detectConnectionClose, intervals: false },
  { kind: 'keepalive-race', run: detectKeepaliveRace, intervals: false },
  { kind: 'keepalive-timeout-mismatch', run: detectKeepaliveTimeoutMismatch, intervals: false },
  { kind: 'truncated-body', run: detectTruncatedBody, intervals: false },
  { kind: 'hop-by-hop-forwarded', run: (ctx) => detectHopByHopForwarded(ctx, ctx.stallSec), intervals: false },
  { kind: 'stalled-response', run: (ctx) => detectStalledResponse(ctx, ctx.stallSec), intervals: false },
];

/**
 * The HTTP detectors' per-connection work, done in one pass that decodes each connection's HTTP
 * record once (eachHttpConnection); each keeps only what its finding needs.
 */
const HTTP_COLLECTORS: readonly ((ctx: DetectorContext, hc: HttpConnection) => void)[] = [
  collectProxyLegs, collectConnectionClose, collectKeepaliveRace, collectKeepaliveTimeoutMismatch, collectTruncatedBody, collectStalledResponse,
];

function collectHttp(ctx: DetectorContext): void {
  eachHttpConnection(ctx, (hc) => {
    for (const collect of HTTP_COLLECTORS) collect(ctx, hc);
  });
}

/**
 * How likely a finding is the cause of the incident, within its severity: causes before symptoms,
 * symptoms before consequences (a slow reader causes the zero window, which ends in a stall-timeout
 * RST; a dead peer ends in a stale-connection RST).
 */
function weight(f: UnrankedFinding): number {
  switch (f.kind) {
    case 'slow-reader':
      return 90;
    case 'dead-peer':
      return 88;
    case 'zero-window':
      return f.details.transient ? 5 : 85;
    case 'close-wait':
      return 80;
    case 'reset':
      switch (f.details.cause) {
        case 'after-peer-close':
          return 84;
        case 'refused':
          return 70;
        case 'after-fin-wait-2-timeout':
          return 58;
        case 'stall-timeout':
        case 'stale-connection':
        case 'retries-exhausted':
          return 60;
        case 'idle-timeout':
          return 35;
        case 'abortive-close':
          return 30;
        case 'unknown':
          return 20;
      }
      break;
    case 'last-ack':
      return 55;
    case 'fin-wait-2':
      return 50;
    case 'time-wait-accumulation':
      return 45;
    case 'retransmissions':
      return 40;
    case 'keepalive-probes':
      return 10;
    case 'keepalive-timeout-mismatch':
      return 87;
    case 'keepalive-race':
      return 86;
    case 'hop-by-hop-forwarded':
      return 83;
    case 'stalled-response':
      return 65;
    case 'truncated-body':
      return 62;
    case 'connection-close':
      return 47;
  }
  return 0;
}

/** Size of the finding, 0–1: more connections and longer durations rank higher among equals. */
function magnitude(f: UnrankedFinding): number {
  const n = f.connections.length;
  const span = f.startEpoch !== null && f.endEpoch !== null ? f.endEpoch - f.startEpoch : 0;
  return Math.min(1, Math.log10(1 + n) / 4 + Math.log10(1 + Math.max(0, span)) / 8);
}

/**
 * What can explain what, kind by kind (a reset by its cause): the causal chains the detectors know.
 * The relation is acyclic, so ordering by it always succeeds.
 */
const EXPLAINS: Record<string, readonly string[]> = {
  'slow-reader': ['zero-window', 'reset:stall-timeout', 'truncated-body', 'stalled-response'],
  'zero-window': ['reset:stall-timeout', 'truncated-body', 'stalled-response'],
  'dead-peer': ['reset:stale-connection', 'reset:retries-exhausted', 'retransmissions', 'keepalive-probes', 'truncated-body', 'stalled-response'],
  'close-wait': ['reset:after-fin-wait-2-timeout', 'reset:after-peer-close', 'fin-wait-2', 'last-ack'],
  'reset:stall-timeout': ['truncated-body'],
  'reset:abortive-close': ['truncated-body'],
  'reset:stale-connection': ['truncated-body'],
  'reset:retries-exhausted': ['truncated-body', 'stalled-response'],
  'keepalive-timeout-mismatch': ['keepalive-race', 'reset:after-peer-close'],
  'keepalive-race': ['reset:after-peer-close'],
  'connection-close': ['time-wait-accumulation'],
  'hop-by-hop-forwarded': ['stalled-response'],
};

const causeKey = (f: UnrankedFinding): string => (f.kind === 'reset' ? `reset:${f.details.cause}` : f.kind);

/**
 * Whether `cause` explains `effect`: the kinds form a known chain, they share a connection, and the
 * cause began first (causal order). A transient zero window explains nothing.
 */
function explains(cause: UnrankedFinding, effect: UnrankedFinding): boolean {
  if (cause === effect || !(EXPLAINS[causeKey(cause)] ?? []).includes(causeKey(effect))) return false;
  if (cause.kind === 'zero-window' && cause.details.transient) return false;
  if ((cause.startEpoch ?? -Infinity) > (effect.startEpoch ?? Infinity) + 1e-6) return false;
  const ids = new Set(cause.connections);
  return effect.connections.some((id) => ids.has(id));
}

function rankFindings(findings: UnrankedFinding[]): Finding[] {
  const scored = findings.map((f) => ({ f, score: SEVERITIES.indexOf(f.severity) * 1000 + weight(f) * 10 + magnitude(f) * 9 }));
  scored.sort((a, b) => b.score - a.score || (a.f.startEpoch ?? Infinity) - (b.f.startEpoch ?? Infinity));
  // Cause before consequence whatever their severities: the best-scored finding whose causes are all
  // placed goes next (a critical RST that answered a leak's late FINs follows the leak).
  const causes = scored.map(({ f }) => scored.map((x, j) => (explains(x.f, f) ? j : -1)).filter((j) => j >= 0));
  const placed = new Array<boolean>(scored.length).fill(false);
  const order: number[] = [];
  while (order.length < scored.length) {
    let next = scored.findIndex((_, i) => !placed[i] && causes[i]!.every((j) => placed[j]));
    if (next < 0) next = placed.indexOf(false); // unreachable with an acyclic EXPLAINS
    placed[next] = true;
    order.push(next);
  }
  const rankOf = new Map(order.map((i, r) => [i, r + 1]));
  // Key order in JSON: kind, severity, rank, then the rest.
  return order.map((i) => {
    const { kind, severity, ...rest } = scored[i]!.f;
    const explainedBy = causes[i]!.map((j) => rankOf.get(j)!).sort((a, b) => a - b);
    return { kind, severity, rank: rankOf.get(i)!, ...rest, explainedBy } as Finding;
  });
}

export function detectFindings(connections: ConnectionRecord[], capture: CaptureBounds, options: FindingOptions = {}): Finding[] {
  const span = captureSpan(capture);
  if (span === null || connections.length === 0) return [];
  const ctx = makeContext(connections, capture, span.start, span.end, options.closeWaitSec ?? 1, options.timeWaitSec ?? 60, options.stallSec ?? 1);
  ctx.sockets(); // built now: its facts serve the first detectors too
  forgetEvents();
  try {
    collectHttp(ctx);
    // Every detector runs (later ones use what earlier ones explained); the filter applies afterwards.
    return finish(DETECTORS.map((d) => d.run(ctx)), options);
  } finally {
    forgetEvents();
  }
}

/**
 * The same findings, with the socket table built elsewhere (a helper thread, pipeline/run.ts): the
 * detectors that read only connection facts run while it is being built, the others once it is
 * there. Results are ranked in the same order as detectFindings'.
 */
export async function detectFindingsWhileTableBuilds(
  connections: ConnectionRecord[], capture: CaptureBounds, options: FindingOptions, table: Promise<SocketTable>,
  /**
   * Called after the HTTP detectors' pass over the decoded records and again once the facts-only
   * detectors are done, before the others run (memory housekeeping).
   */
  betweenPhases: () => void = () => {},
): Promise<Finding[]> {
  const span = captureSpan(capture);
  if (span === null || connections.length === 0) return [];
  const ctx = makeContext(connections, capture, span.start, span.end, options.closeWaitSec ?? 1, options.timeWaitSec ?? 60, options.stallSec ?? 1);
  const found: UnrankedFinding[][] = DETECTORS.map(() => []);
  try {
    forgetEvents();
    collectHttp(ctx);
    betweenPhases();
    DETECTORS.forEach((d, i) => {
      if (!d.intervals) found[i] = d.run(ctx);
    });
    forgetEvents(); // another analysis may run while this one waits
    ctx.provideSockets(await table);
    betweenPhases();
    DETECTORS.forEach((d, i) => {
      if (d.intervals) found[i] = d.run(ctx);
    });
  } finally {
    forgetEvents();
  }
  return finish(found, options);
}

/** Per detector (in DETECTORS order) what it found → the kinds and severities asked for, ranked. */
function finish(found: UnrankedFinding[][], options: FindingOptions): Finding[] {
  const wanted = new Set<FindingKind>(options.kinds ?? FINDING_KINDS);
  const all: UnrankedFinding[] = [];
  DETECTORS.forEach((d, i) => {
    if (wanted.has(d.kind)) all.push(...found[i]!);
  });
  const min = SEVERITIES.indexOf(options.minSeverity ?? 'info');
  return rankFindings(all.filter((f) => SEVERITIES.indexOf(f.severity) >= min));
}
