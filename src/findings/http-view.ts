/**
 * The HTTP layer's per-connection result (`connections[].http`, src/http/http-record.ts) as the HTTP
 * findings read it. ConnectionRecord does not declare the field (the summaries expose it as a getter
 * that decodes the packed bytes on every read), so it is read once per analysis here and only the
 * HTTP/1.x connections are kept.
 */
import type { ConnectionRecord } from '../tcp/connection-record.js';
import type { HttpJson } from '../http/http-record.js';
import type { DetectorContext } from './context.js';

/** The HTTP layer's JSON shape (src/http/http-record.ts), the one documented in the README. */
export type HttpView = HttpJson;
export type HttpTransactionView = HttpJson['transactions'][number];
export type HttpMessageView = NonNullable<HttpTransactionView['request']>;

export interface HttpConnection {
  c: ConnectionRecord;
  h: HttpView;
}

const cache = new WeakMap<DetectorContext, HttpConnection[]>();

function viewOf(c: ConnectionRecord): HttpView | null {
  const h = (c as { http?: unknown }).http;
  if (h === null || typeof h !== 'object') return null;
  const v = h as HttpView;
  return v.protocol === 'http/1.0' || v.protocol === 'http/1.1' ? v : null;
}

/** The HTTP/1.x connections of the analysis, in connection order. */
export function httpConnections(ctx: DetectorContext): readonly HttpConnection[] {
  let list = cache.get(ctx);
  if (list === undefined) {
    list = [];
    for (const c of ctx.connections) {
      const h = viewOf(c);
      if (h !== null) list.push({ c, h });
    }
    cache.set(ctx, list);
  }
  return list;
}

/** Tokens of a comma-separated header value, lower case (RFC 9110 §5.6.1). */
export function tokens(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
}

/** `Keep-Alive: timeout=N` (seconds), or null. */
export function keepAliveTimeout(value: string | undefined): number | null {
  const m = /(?:^|[,;\s])timeout\s*=\s*"?(\d+(?:\.\d+)?)/i.exec(value ?? '');
  return m === null ? null : Number(m[1]);
}

/** When a side sent its FIN (the state change it caused), or null. */
export function finTime(c: ConnectionRecord, side: 'client' | 'server'): number | null {
  const frame = c.finFrames[side];
  if (frame === null) return null;
  for (const s of c.states[side]) if (s.frame === frame) return s.time;
  for (const s of c.states[side === 'client' ? 'server' : 'client']) if (s.frame === frame) return s.time;
  return null;
}

/** What `pick` found on each HTTP connection (null: nothing), grouped by server endpoint in order of appearance. */
export function groupByServer<T>(ctx: DetectorContext, pick: (hc: HttpConnection) => T | null): { first: HttpConnection; items: T[] }[] {
  const groups = new Map<string, { first: HttpConnection; items: T[] }>();
  for (const hc of httpConnections(ctx)) {
    const x = pick(hc);
    if (x === null) continue;
    const g = groups.get(serverKey(hc.c));
    if (g === undefined) groups.set(serverKey(hc.c), { first: hc, items: [x] });
    else g.items.push(x);
  }
  return [...groups.values()];
}

export const serverKey = (c: ConnectionRecord): string => `${c.server.ip}|${c.server.port}`;

/** `METHOD target`, cut for one line of text (targets are already bounded by the HTTP layer). */
export function requestLine(t: HttpTransactionView): string {
  const target = t.target ?? '?';
  return printable(`${t.method ?? '?'} ${target.length > 80 ? `${target.slice(0, 77)}…` : target}`);
}

/** Control characters from the capture as \xNN: a captured escape sequence must not reach a terminal raw. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
