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
type HttpView = HttpJson;
export type HttpTransactionView = HttpJson['transactions'][number];
export type HttpMessageView = NonNullable<HttpTransactionView['request']>;

export interface HttpConnection {
  c: ConnectionRecord;
  h: HttpView;
  /**
   * The record's endpoints and server key, read once: the summaries' getters decode on every read,
   * and the detectors ask for them per transaction (on the benchmark, a second of the HTTP findings).
   */
  clientIp: string;
  server: { ip: string; port: number };
  serverKey: string;
  /** finTime of each side, filled when first asked (undefined: not yet). */
  fin?: { client: number | null; server: number | null };
}

const cache = new WeakMap<DetectorContext, HttpConnection[]>();

function viewOf(c: ConnectionRecord): HttpView | null {
  const h = (c as { http?: unknown }).http;
  if (h === null || typeof h !== 'object') return null;
  const v = h as HttpView;
  return v.protocol === 'http/1.0' || v.protocol === 'http/1.1' ? v : null;
}

function httpConnectionOf(c: ConnectionRecord): HttpConnection | null {
  const h = viewOf(c);
  if (h === null) return null;
  const server = c.server;
  return { c, h, clientIp: c.client.ip, server: { ip: server.ip, port: server.port }, serverKey: `${server.ip}|${server.port}` };
}

/**
 * The HTTP/1.x connections of the analysis, in connection order, all decoded and kept: only proxy
 * pairing needs them all at once (and only when a capture can hold both legs of a proxy).
 */
export function httpConnections(ctx: DetectorContext): readonly HttpConnection[] {
  let list = cache.get(ctx);
  if (list === undefined) {
    list = [];
    for (const c of ctx.connections) {
      const hc = httpConnectionOf(c);
      if (hc !== null) list.push(hc);
    }
    cache.set(ctx, list);
  }
  return list;
}

/**
 * Each HTTP/1.x connection once, in connection order, decoded for the call and then let go: the
 * detectors collect what they need in one pass (findings/index.ts), instead of every decoded record
 * of the capture being held at once (~150 MB on the benchmark capture).
 */
export function eachHttpConnection(ctx: DetectorContext, visit: (hc: HttpConnection) => void): void {
  for (const c of ctx.connections) {
    const hc = httpConnectionOf(c);
    if (hc !== null) visit(hc);
  }
}

/** Per-analysis state of a collecting detector (its per-connection results), created on first use. */
export function stateOf<S>(states: WeakMap<DetectorContext, S>, ctx: DetectorContext, create: () => S): S {
  let s = states.get(ctx);
  if (s === undefined) states.set(ctx, (s = create()));
  return s;
}

const NO_TOKENS: readonly string[] = [];
/** Header values repeat (`close`, `keep-alive`): their tokens are split once. Bounded: a hostile capture has many values. */
const tokenCache = new Map<string, readonly string[]>();
const MAX_CACHED_TOKENS = 4096;

/** Tokens of a comma-separated header value, lower case (RFC 9110 §5.6.1). Shared: do not modify. */
export function tokens(value: string | undefined): readonly string[] {
  if (value === undefined) return NO_TOKENS;
  let list = tokenCache.get(value);
  if (list === undefined) {
    list = value.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
    if (tokenCache.size >= MAX_CACHED_TOKENS) tokenCache.clear();
    tokenCache.set(value, list);
  }
  return list;
}

/** `Keep-Alive: timeout=N` (seconds), or null. */
export function keepAliveTimeout(value: string | undefined): number | null {
  const m = /(?:^|[,;\s])timeout\s*=\s*"?(\d+(?:\.\d+)?)/i.exec(value ?? '');
  return m === null ? null : Number(m[1]);
}

/** When a side of an HTTP connection sent its FIN (the state change it caused), or null. */
export function finTime(hc: HttpConnection, side: 'client' | 'server'): number | null {
  if (hc.fin === undefined) {
    const c = hc.c;
    const frames = c.finFrames;
    if (frames.client === null && frames.server === null) hc.fin = { client: null, server: null };
    else {
      const states = c.states;
      const at = (frame: number | null, own: 'client' | 'server'): number | null => {
        if (frame === null) return null;
        for (const s of states[own]) if (s.frame === frame) return s.time;
        for (const s of states[own === 'client' ? 'server' : 'client']) if (s.frame === frame) return s.time;
        return null;
      };
      hc.fin = { client: at(frames.client, 'client'), server: at(frames.server, 'server') };
    }
  }
  return hc.fin[side];
}

/** Items found on HTTP connections, grouped by server endpoint in order of the first item. */
export type ServerGroups<T> = Map<string, { server: { ip: string; port: number }; items: T[] }>;

export function addToServer<T>(groups: ServerGroups<T>, hc: HttpConnection, x: T | null): void {
  if (x === null) return;
  const g = groups.get(hc.serverKey);
  if (g === undefined) groups.set(hc.serverKey, { server: hc.server, items: [x] });
  else g.items.push(x);
}


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
