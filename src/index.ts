/**
 * tcp-postmortem as a library: the same pipeline and model the CLI uses.
 *
 *   import { analyze } from 'tcp-postmortem';
 *   const report = await analyze(['capture.pcapng'], { closeWaitSec: 5 });
 *   for (const f of report.findings) console.log(f.title, f.wiresharkFilter);
 */
export { analyze, toolVersion, type AnalyzeOptions } from './pipeline/run.js';
export { captureInfo } from './pipeline/info.js';
export type { CaptureInfo, FileInfo } from './model/info.js';
export { readCaptures, type FileSummary, type ReadOptions } from './capture/reader.js';
export { CaptureError, type CaptureProblem } from './capture/errors.js';
export type { Frame } from './capture/frame.js';
export { Decoder } from './decode/decoder.js';
export { Segment } from './decode/segment.js';
export { TcpTracker, type TrackerOptions } from './tcp/tracker.js';
export { detectFindings, buildEndpoints, type EndpointOptions, type FindingOptions } from './findings/index.js';
export type {
  Finding, FindingKind, Severity, EndpointView, TimeSeries, TimeWaitDetails, CloseWaitDetails, ZeroWindowEnd,
  ZeroWindowDetails, SlowReaderDetails, DeadPeerDetails, RetransmissionDetails,
} from './findings/types.js';
export { writeJsonReport, OutputError } from './report/json.js';
export * from './model/report.js';
