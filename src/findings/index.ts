/**
 * Findings: detectors over the connection records, one file per kind, run here and ranked so that
 * what most likely caused the incident comes first. They consume only the report model
 * (ConnectionRecord, CaptureRecord) and know nothing about file formats.
 */
import type { CaptureRecord, ConnectionRecord } from '../model.js';
import { detectCloseWait } from './close-wait.js';
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
import { captureSpan } from './util.js';
import { detectZeroWindow } from './zero-window.js';

export { buildEndpoints, type EndpointOptions } from './endpoints.js';
export * from './types.js';

export interface FindingOptions {
  /** A socket in CLOSE_WAIT (or LAST_ACK, FIN_WAIT_2) longer than this is reported; default 1 s. */
  closeWaitSec?: number;
  /** TIME_WAIT duration (2 × MSL); default 60 s as on Linux. */
  timeWaitSec?: number;
  /** Leave out findings below this severity. */
  minSeverity?: Severity;
  /** Only these kinds (all when absent). */
  kinds?: FindingKind[];
}

/**
 * Detectors in dependency order: close-wait before fin-wait-2 (fin-wait-2 skips what close-wait
 * explained), dead-peer before retransmissions (its retransmissions are not counted twice).
 */
const DETECTORS: { kind: FindingKind; run: (ctx: DetectorContext) => UnrankedFinding[] }[] = [
  { kind: 'dead-peer', run: detectDeadPeer },
  { kind: 'zero-window', run: detectZeroWindow },
  { kind: 'slow-reader', run: detectSlowReader },
  { kind: 'close-wait', run: detectCloseWait },
  { kind: 'fin-wait-2', run: detectFinWait2 },
  { kind: 'last-ack', run: detectLastAck },
  { kind: 'reset', run: detectResets },
  { kind: 'time-wait-accumulation', run: detectTimeWaitAccumulation },
  { kind: 'retransmissions', run: detectRetransmissions },
  { kind: 'keepalive-probes', run: detectKeepaliveProbes },
];

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
        case 'stall-timeout':
        case 'stale-connection':
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
  }
  return 0;
}

/** Size of the finding, 0–1: more connections and longer durations rank higher among equals. */
function magnitude(f: UnrankedFinding): number {
  const n = f.connections.length;
  const span = f.startEpoch !== null && f.endEpoch !== null ? f.endEpoch - f.startEpoch : 0;
  return Math.min(1, Math.log10(1 + n) / 4 + Math.log10(1 + Math.max(0, span)) / 8);
}

export function rankFindings(findings: UnrankedFinding[]): Finding[] {
  const scored = findings.map((f) => ({ f, score: SEVERITIES.indexOf(f.severity) * 1000 + weight(f) * 10 + magnitude(f) * 9 }));
  scored.sort((a, b) => b.score - a.score || (a.f.startEpoch ?? Infinity) - (b.f.startEpoch ?? Infinity));
  // Key order in JSON: kind, severity, rank, then the rest.
  return scored.map(({ f }, i) => {
    const { kind, severity, ...rest } = f;
    return { kind, severity, rank: i + 1, ...rest } as Finding;
  });
}

export function detectFindings(connections: ConnectionRecord[], capture: CaptureRecord, options: FindingOptions = {}): Finding[] {
  const span = captureSpan(capture);
  if (span === null || connections.length === 0) return [];
  const ctx = makeContext(connections, capture, span.start, span.end, options.closeWaitSec ?? 1, options.timeWaitSec ?? 60);
  const wanted = new Set<FindingKind>(options.kinds ?? FINDING_KINDS);
  const all: UnrankedFinding[] = [];
  // Every detector runs (later ones use what earlier ones explained); the filter applies afterwards.
  for (const d of DETECTORS) {
    const found = d.run(ctx);
    if (wanted.has(d.kind)) all.push(...found);
  }
  const min = SEVERITIES.indexOf(options.minSeverity ?? 'info');
  return rankFindings(all.filter((f) => SEVERITIES.indexOf(f.severity) >= min));
}
