/**
 * tcp-postmortem as a library: the same pipeline and model the CLI uses.
 *
 *   import { analyze } from 'tcp-postmortem';
 *   const report = await analyze(['capture.pcapng'], { closeWaitSec: 5 });
 *   for (const f of report.findings) console.log(f.title, f.wiresharkFilter);
 */
export { analyze, toolVersion, type AnalyzeOptions } from './analyze.js';
export { captureInfo, type CaptureInfo, type FileInfo } from './info.js';
export { readCaptures, type FileSummary, type ReadOptions } from './capture/reader.js';
export { CaptureError, type CaptureProblem } from './capture/errors.js';
export type { Frame } from './capture/frame.js';
export { Decoder } from './decode/decoder.js';
export { Segment } from './decode/segment.js';
export { TcpTracker, type TrackerOptions } from './tcp/tracker.js';
export { detectFindings, buildEndpoints, type FindingOptions } from './findings/index.js';
export type { Finding, FindingKind, Severity, EndpointView } from './findings/types.js';
export { writeJsonReport, OutputError } from './report/json.js';
export * from './model.js';
