import { readFileSync } from 'node:fs';
import { epochString, isoTime } from './capture/frame.js';
import { readCaptures, type ReadOptions } from './capture/reader.js';
import { Decoder } from './decode/decoder.js';
import { DecodeStatus } from './decode/status.js';
import { SCHEMA_VERSION, type Report } from './model.js';
import { TcpTracker, type TrackerOptions } from './tcp/tracker.js';
import { buildEndpoints, detectFindings, type FindingOptions } from './findings/index.js';

export interface AnalyzeOptions extends ReadOptions, TrackerOptions, FindingOptions {
  /** An instant (epoch seconds) at which to report each endpoint's socket counts (`--at`). */
  at?: number;
  /** Endpoint views at most (hosts first, then their busiest ports); default 200. */
  maxEndpointViews?: number;
  /** Connections only: no findings, no endpoint views (faster on very large captures). */
  connectionsOnly?: boolean;
}

let cachedVersion: string | undefined;
export function toolVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

/**
 * The whole pipeline in one streaming pass: capture files → frames → TCP segments → connections.
 * The library entry point; the CLI is a thin shell around it.
 */
export async function analyze(paths: readonly string[], options: AnalyzeOptions = {}): Promise<Report> {
  const decoder = new Decoder();
  const tracker = new TcpTracker(options);
  let frames = 0;
  let tcp = 0;
  let firstSec = -1;
  let firstNsec = 0;
  let lastSec = -1;
  let lastNsec = 0;
  const summaries = await readCaptures(paths, (frame) => {
    frames++;
    if (decoder.decode(frame) !== DecodeStatus.Tcp) return;
    tcp++;
    tracker.add(decoder.segment);
  }, options);
  for (const s of summaries) {
    if (s.firstSec !== null && (firstSec < 0 || s.firstSec < firstSec || (s.firstSec === firstSec && s.firstNsec < firstNsec))) {
      firstSec = s.firstSec;
      firstNsec = s.firstNsec;
    }
    if (s.lastSec !== null && (lastSec < 0 || s.lastSec > lastSec || (s.lastSec === lastSec && s.lastNsec > lastNsec))) {
      lastSec = s.lastSec;
      lastNsec = s.lastNsec;
    }
  }
  const end = lastSec < 0 ? 0 : lastSec + lastNsec / 1e9;
  const connections = tracker.finish(end);
  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    generator: { name: 'tcp-postmortem', version: toolVersion() },
    capture: {
      files: summaries.map((s) => s.name),
      frames,
      packets: summaries.reduce((n, s) => n + s.packets, 0),
      tcpSegments: tcp,
      firstTime: firstSec < 0 ? null : isoTime(firstSec, firstNsec),
      lastTime: lastSec < 0 ? null : isoTime(lastSec, lastNsec),
      firstEpoch: firstSec < 0 ? null : epochString(firstSec, firstNsec),
      lastEpoch: lastSec < 0 ? null : epochString(lastSec, lastNsec),
      durationSec: firstSec < 0 ? null : lastSec - firstSec + (lastNsec - firstNsec) / 1e9,
      decode: decoder.countsByName(),
      problems: summaries.flatMap((s) => s.problems),
    },
    connections,
    tracking: { connections: connections.length, peakLive: tracker.peakLive, evicted: tracker.evicted, maxLive: tracker.maxLive, latePackets: tracker.latePackets },
    findings: [],
    endpoints: [],
  };
  if (options.connectionsOnly === true) return report;
  report.findings = detectFindings(connections, report.capture, options);
  report.endpoints = buildEndpoints(connections, report.capture, {
    timeWaitSec: options.timeWaitSec,
    ...(options.at !== undefined ? { at: options.at } : {}),
    ...(options.maxEndpointViews !== undefined ? { maxViews: options.maxEndpointViews } : {}),
  });
  return report;
}
