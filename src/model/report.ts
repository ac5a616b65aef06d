/**
 * The report model: what `analyze` produces and what `--json` writes. Field names are a public,
 * versioned interface (schemaVersion); add fields freely, never rename or remove within a version.
 */
import type { CaptureTotals } from './info.js';
import type { EndpointView, Finding, Incident } from '../findings/types.js';

export type { EndpointView, Finding, Incident, SocketState } from '../findings/types.js';
export type { EncapsulationSummary } from '../decode/decoder.js';

export const SCHEMA_VERSION = 1;

export type {
  Endpoint, EventRecord, PerSide, SeriesRecord, Side, StateChangeRecord,
} from '../tcp/connection-record.js';
import type { ConnectionRecord as TcpConnectionRecord } from '../tcp/connection-record.js';
import type { HttpJson } from '../http/http-record.js';
export type { HttpJson } from '../http/http-record.js';

/**
 * A connection as the report holds it: the TCP stage's record and, when the HTTP layer ran, its
 * result (`connections[].http`; null when the layer saw nothing, absent with --no-http).
 */
export type ConnectionRecord = TcpConnectionRecord & { readonly http?: HttpJson | null };

export interface CaptureRecord extends CaptureTotals {
  files: string[];
}

export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  generator: { name: 'tcp-postmortem'; version: string };
  capture: CaptureRecord;
  connections: ConnectionRecord[];
  /** Live-table statistics: connections evicted to bound memory, peak live connections. */
  tracking: { connections: number; peakLive: number; evicted: number; maxLive: number; latePackets: number };
  /** Findings grouped into incidents (cause chain, or one server in one time window), by their best finding's rank. */
  incidents: Incident[];
  /** Ranked: the most likely cause of the incident first. */
  findings: Finding[];
  /** What `ss -tan` would have shown per endpoint over the capture (hosts first, busiest ports next). */
  endpoints: EndpointView[];
}
