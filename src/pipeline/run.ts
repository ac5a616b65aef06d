import { readFileSync } from 'node:fs';
import type { HttpOptions } from '../http/http-layer.js';
import { captureSpan, type ReadOptions } from '../capture/reader.js';
import { SCHEMA_VERSION, type Report } from '../model/report.js';
import type { TrackerOptions } from '../tcp/tracker.js';
import type { TunnelOptions } from '../decode/tunnel-ports.js';
import { runEngine, type EngineRun } from './engine.js';
import { chooseThreads, runShards, type ShardedRun } from './shards.js';
import { buildEndpoints, buildIncidents, detectFindings, detectFindingsWhileTableBuilds, type FindingOptions } from '../findings/index.js';
import { captureSpan as findingSpan } from '../findings/util.js';
import { collectGarbageIfLarge } from './memory.js';

export interface AnalyzeOptions extends ReadOptions, Omit<TrackerOptions, 'application'>, FindingOptions, TunnelOptions, HttpOptions {
  /** An instant (epoch seconds) at which to report each endpoint's socket counts (`--at`). */
  at?: number;
  /** The same instant as seconds after the capture's first frame (`--at +12.5`); `at` wins. */
  atOffsetSec?: number;
  /** Endpoint views at most (hosts first, then their busiest ports); default 200. */
  maxEndpointViews?: number;
  /** Connections only: no findings, no endpoint views (faster on very large captures). */
  connectionsOnly?: boolean;
  /**
   * Threads that read the capture, each following a share of the connections: 1 = this thread only.
   * Default: 2 for large captures of many short connections, else 1 (see chooseThreads).
   */
  threads?: number;
}

let cachedVersion: string | undefined;
export function toolVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

/**
 * The whole pipeline in one streaming pass: capture files → frames → TCP segments → connections,
 * then the findings and endpoint views over the records. The library entry point; the CLI is a thin
 * shell around it. Large files are read by several threads, each following a share of the
 * connections (pipeline/shards.ts); the report is the same either way.
 */
export async function analyze(paths: readonly string[], options: AnalyzeOptions = {}): Promise<Report> {
  const lap = phaseTimer();
  const threads = chooseThreads(paths, options);
  // A sharded run whose threads read different captures (a file still being written) is redone here.
  const sharded = threads > 1 ? await runShards(paths, options, threads, options.connectionsOnly !== true) : null;
  const run = sharded ?? inThread(await runEngine(paths, options), options);
  try {
    lap('engine');
    // The engine's dead connection objects would otherwise still fill the heap while the findings
    // allocate (−50 MB peak for 30 ms on the 1 GB benchmark capture). A sharded run collected them
    // as soon as this thread's shard was done (shards.ts).
    if (sharded === null && options.connectionsOnly !== true) collectGarbageIfLarge(run.connections.length);
    return await report(run, options, lap);
  } finally {
    run.helper?.close();
  }
}

async function report(run: ShardedRun, options: AnalyzeOptions, lap: (phase: string) => void): Promise<Report> {
  const { endSeconds: _end, ...span } = captureSpan(run.summaries);
  // The summaries' `http` is what the store's application decoder returns, and the only decoder the
  // pipeline sets is the HTTP layer's (shards.ts, engine.ts): the model's type says so.
  const connections = run.connections as Report['connections'];
  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    generator: { name: 'tcp-postmortem', version: toolVersion() },
    capture: {
      files: run.summaries.map((s) => s.name),
      frames: run.frames,
      packets: run.summaries.reduce((n, s) => n + s.packets, 0),
      tcpSegments: run.tcpSegments,
      ...span,
      decode: run.decode,
      encapsulation: run.encapsulation,
      problems: run.summaries.flatMap((s) => s.problems),
    },
    connections,
    tracking: run.tracking,
    incidents: [],
    findings: [],
    endpoints: [],
  };
  const at = options.at ??
    (options.atOffsetSec !== undefined && span.firstEpoch !== null ? Number(span.firstEpoch) + options.atOffsetSec : undefined);
  const endpointOptions = {
    timeWaitSec: options.timeWaitSec,
    ...(at !== undefined ? { at } : {}),
    ...(options.maxEndpointViews !== undefined ? { maxViews: options.maxEndpointViews } : {}),
  };
  if (options.connectionsOnly === true) return report;
  const helper = run.helper;
  const captureTimes = findingSpan(report.capture);
  if (helper !== null && captureTimes !== null && connections.length > 0) {
    // The socket table and the endpoint views in the helper, the detectors here meanwhile.
    const { table, views } = helper.start(options.timeWaitSec ?? 60, captureTimes, endpointOptions);
    // The decoded HTTP records' and the facts-only detectors' garbage would still fill the heap at
    // the report's peak, when the table and the helper's heap are there too (1 GB benchmark capture:
    // −20 MB for the second, then −8 MiB median of 9 interleaved runs for the first; ~25 ms each).
    report.findings = await detectFindingsWhileTableBuilds(
      connections, report.capture, options, table, () => collectGarbageIfLarge(connections.length),
    );
    lap('findings');
    report.endpoints = await views;
    lap('endpoint views (waited)');
  } else {
    report.findings = detectFindings(connections, report.capture, options);
    lap('findings');
    report.endpoints = buildEndpoints(connections, report.capture, endpointOptions);
    lap('endpoint views');
  }
  report.incidents = buildIncidents(report.findings, connections, captureTimes?.start ?? 0);
  return report;
}

function inThread(run: EngineRun, options: AnalyzeOptions): ShardedRun {
  const t = run.tracker;
  // Not the tracker itself: its pool and queues are garbage from here on (collectGarbageIfLarge).
  const { tracker: _tracker, ...rest } = run;
  return {
    ...rest,
    tracking: { connections: run.connections.length, peakLive: t.peakLive, evicted: t.evicted, maxLive: options.maxLive ?? t.maxLive, latePackets: t.latePackets },
    helper: null,
  };
}

/** With TCP_POSTMORTEM_TIMING set, each phase's wall time and this thread's memory go to stderr (for `npm run bench`). */
function phaseTimer(): (phase: string) => void {
  if (process.env.TCP_POSTMORTEM_TIMING === undefined) return () => undefined;
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    const m = process.memoryUsage();
    const mib = (n: number): string => `${Math.round(n / 1048576)}`;
    process.stderr.write(`phase ${phase}: ${Math.round(now - last)} ms (MiB: rss ${mib(m.rss)}, heap ${mib(m.heapUsed)}/${mib(m.heapTotal)}, array buffers ${mib(m.arrayBuffers)})\n`);
    last = now;
  };
}
