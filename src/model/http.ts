/**
 * `connections[].http` (README "JSON") as the renderers read it. ConnectionRecord does not declare the
 * field (a summary decodes its packed bytes on every read), so renderers ask for it once here.
 */
import type { HttpJson } from '../http/http-record.js';
import type { ConnectionRecord } from '../tcp/connection-record.js';

export type HttpRecord = HttpJson;
export type HttpTransactionRecord = HttpJson['transactions'][number];

/** The connection's HTTP/1.x exchange with at least one transaction listed, else null (TLS, other protocols, nothing seen). */
export function httpOf(c: ConnectionRecord): HttpRecord | null {
  const h = (c as { http?: unknown }).http;
  if (h === null || typeof h !== 'object') return null;
  const v = h as HttpRecord;
  return (v.protocol === 'http/1.0' || v.protocol === 'http/1.1') && v.transactions.length > 0 ? v : null;
}
