import { readFileSync } from 'node:fs';
import { captureSpan, readCaptures, type ReadOptions } from './capture/reader.js';
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
  const summaries = await readCaptures(paths, (frame) => {
    frames++;
    if (decoder.decode(frame) !== DecodeStatus.Tcp) return;
    tcp++;
    tracker.add(decoder.segment);
  }, options);
  const { endSeconds, ...span } = captureSpan(summaries);
  const connections = tracker.finish(endSeconds);
  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    generator: { name: 'tcp-postmortem', version: toolVersion() },
    capture: {
      files: summaries.map((s) => s.name),
      frames,
      packets: summaries.reduce((n, s) => n + s.packets, 0),
      tcpSegments: tcp,
      ...span,
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
