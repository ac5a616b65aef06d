/**
 * A connection's HTTP result as it is kept for the whole run: a few hundred bytes in the summary
 * store's byte blob (varints, latin1 strings cut to MAX_STRING), not an object per transaction.
 * `encodeHttp` writes it when the connection is summarised; `decodeHttp` makes the JSON value
 * (`connections[].http`, README "JSON") when a record is read.
 */
import type { ByteSink } from '../tcp/stream-reassembly.js';
import { ByteReader, ByteWriter } from '../tcp/varint.js';
import { KEPT_HEADERS, MAX_STRING, type KeptHeader, type KeptValues } from './head.js';
import type { EndedWhen, HttpConnection, HttpProtocol, Transaction } from './http-connection.js';

const PROTOCOLS: readonly HttpProtocol[] = [null, 'http/1.0', 'http/1.1', 'tls', 'other'];
const WHEN: readonly EndedWhen[] = ['idle', 'mid-request', 'mid-response', 'request-unanswered'];
/** Headers as they are named in the JSON (as usually written; the capture's case is not kept). */
const HEADER_NAMES: Record<KeptHeader, string> = {
  connection: 'Connection', 'keep-alive': 'Keep-Alive', 'content-length': 'Content-Length', 'transfer-encoding': 'Transfer-Encoding',
  upgrade: 'Upgrade', host: 'Host', 'proxy-connection': 'Proxy-Connection', via: 'Via',
};

interface HttpMessageJson {
  firstFrame: number;
  firstTime: number;
  lastFrame: number | null;
  lastTime: number | null;
  /** The kept headers as sent; shared between messages that sent the same ones (frozen: do not modify). */
  headers: Record<string, string>;
  bodyDeclared: number | null;
  bodyDelivered: number;
  bodyMissing: number;
  /** The body's length after its Content-Encoding (gzip, x-gzip, deflate) is undone; null when not counted. */
  bodyDecoded: number | null;
}

interface HttpTransactionJson {
  trans_depth: number;
  method: string | null;
  target: string | null;
  version: string | null;
  status: number | null;
  interimStatus: number | null;
  complete: boolean;
  gap: boolean;
  idleSec: number | null;
  request: HttpMessageJson | null;
  response: HttpMessageJson | null;
}

export interface HttpJson {
  protocol: HttpProtocol;
  requests: number;
  responses: number;
  transactionCount: number;
  persistent: boolean | null;
  ended: { by: 'client' | 'server'; how: 'fin' | 'rst'; when: EndedWhen } | null;
  problems: string[];
  transactions: HttpTransactionJson[];
}

/** Writes `h` (its sides named by `client`) into `out`; returns the byte count. */
export function encodeHttp(h: HttpConnection, client: 0 | 1, out: ByteSink): number {
  const w = out as ByteWriter;
  w.reset();
  w.unsigned(PROTOCOLS.indexOf(h.protocol));
  w.unsigned(h.requests);
  w.unsigned(h.responses);
  w.unsigned(h.transactions);
  w.unsigned(h.persistent === null ? 0 : h.persistent ? 1 : 2);
  w.unsigned(h.endedBy === null ? 0 : h.endedBy === client ? 1 : 2);
  w.unsigned(h.endedHow === 'rst' ? 1 : 0);
  w.unsigned(h.endedState === null ? 0 : WHEN.indexOf(h.endedState));
  const problems = h.problemNames();
  w.unsigned(problems.length);
  for (const p of problems) text(w, p);
  w.unsigned(h.listed.length);
  // Times as microseconds after the first transaction's first byte, frames after its frame.
  const first = h.listed[0];
  const fromRequest = first !== undefined && first.requestFirstFrame >= 0;
  const baseTime = first === undefined ? 0 : fromRequest ? first.requestFirstTime : first.responseFirstFrame >= 0 ? first.responseFirstTime : 0;
  const baseFrame = first === undefined ? 0 : fromRequest ? first.requestFirstFrame : Math.max(0, first.responseFirstFrame);
  if (h.listed.length > 0) {
    w.unsigned(baseFrame);
    w.unsigned(Math.round(baseTime * 1e6));
  }
  for (const t of h.listed) transaction(w, t, baseFrame, baseTime);
  return w.length;
}

function transaction(w: ByteWriter, t: Transaction, baseFrame: number, baseTime: number): void {
  w.unsigned(t.transDepth);
  w.unsigned((t.complete ? 1 : 0) | (t.gap ? 2 : 0) | (t.requestFirstFrame >= 0 ? 4 : 0) | (t.responseFirstFrame >= 0 ? 8 : 0));
  optionalText(w, t.method);
  optionalText(w, t.target);
  optionalText(w, t.version ?? (t.requestVersion === '0.9' ? '0.9' : null));
  w.unsigned(t.status === null ? 0 : t.status + 1);
  w.unsigned(t.infoStatus === null ? 0 : t.infoStatus + 1);
  w.signed(t.idle === null ? -1 : Math.round(t.idle * 1e6));
  if (t.requestFirstFrame >= 0) message(w, t.requestFirstFrame, t.requestFirstTime, t.requestLastFrame, t.requestLastTime, t.requestHeaders, t.requestBodyDeclared, t.requestBodyDelivered, t.requestBodyGap, t.requestBodyDecoded, baseFrame, baseTime);
  if (t.responseFirstFrame >= 0) message(w, t.responseFirstFrame, t.responseFirstTime, t.responseLastFrame, t.responseLastTime, t.responseHeaders, t.responseBodyDeclared, t.responseBodyDelivered, t.responseBodyGap, t.responseBodyDecoded, baseFrame, baseTime);
}

function message(
  w: ByteWriter, firstFrame: number, firstTime: number, lastFrame: number, lastTime: number, headers: KeptValues,
  declared: number, delivered: number, missing: number, decoded: number, baseFrame: number, baseTime: number,
): void {
  w.signed(firstFrame - baseFrame);
  w.signed(Math.round((firstTime - baseTime) * 1e6));
  w.signed(lastFrame < 0 ? -1 : lastFrame - firstFrame);
  if (lastFrame >= 0) w.signed(Math.round((lastTime - firstTime) * 1e6));
  let mask = 0;
  for (let k = 0; k < headers.length; k++) if (headers[k] !== undefined) mask |= 1 << k;
  w.unsigned(mask);
  for (let k = 0; k < headers.length; k++) {
    const v = headers[k];
    if (v !== undefined) text(w, v);
  }
  w.signed(declared);
  w.unsigned(delivered);
  w.unsigned(missing);
  w.signed(decoded);
}

/** A string from the capture: latin1 bytes (one per character, as parsed), at most MAX_STRING. */
function text(w: ByteWriter, s: string): void {
  const n = Math.min(s.length, MAX_STRING);
  w.unsigned(n);
  w.bytes.length < w.length + n ? grow(w, n) : undefined;
  for (let k = 0; k < n; k++) w.bytes[w.length + k] = s.charCodeAt(k) & 0xff;
  w.length += n;
}

function grow(w: ByteWriter, n: number): void {
  const next = new Uint8Array(Math.max(w.bytes.length * 2, w.length + n + 64));
  next.set(w.bytes.subarray(0, w.length));
  w.bytes = next;
}

function optionalText(w: ByteWriter, s: string | null): void {
  if (s === null) w.unsigned(0);
  else {
    w.unsigned(1);
    text(w, s);
  }
}

const reader = new ByteReader();

export function decodeHttp(bytes: Uint8Array, offset: number, _length: number): HttpJson {
  const r = reader.at(bytes, offset);
  const protocol = PROTOCOLS[r.unsigned()] ?? null;
  const requests = r.unsigned();
  const responses = r.unsigned();
  const transactionCount = r.unsigned();
  const p = r.unsigned();
  const by = r.unsigned();
  const how = r.unsigned() === 1 ? 'rst' : 'fin';
  const when = WHEN[r.unsigned()]!;
  const problems: string[] = [];
  for (let n = r.unsigned(); n > 0; n--) problems.push(readText(r));
  const listed = r.unsigned();
  const transactions: HttpTransactionJson[] = [];
  if (listed > 0) {
    const baseFrame = r.unsigned();
    const baseTime = r.unsigned() / 1e6;
    for (let k = 0; k < listed; k++) transactions.push(readTransaction(r, baseFrame, baseTime));
  }
  return {
    protocol, requests, responses, transactionCount, persistent: p === 0 ? null : p === 1,
    ended: by === 0 ? null : { by: by === 1 ? 'client' : 'server', how, when }, problems, transactions,
  };
}

function readTransaction(r: ByteReader, baseFrame: number, baseTime: number): HttpTransactionJson {
  const trans_depth = r.unsigned();
  const bits = r.unsigned();
  const method = readOptional(r);
  const target = readOptional(r);
  const version = readOptional(r);
  const status = r.unsigned() - 1;
  const info = r.unsigned() - 1;
  const idle = r.signed();
  const request = (bits & 4) !== 0 ? readMessage(r, baseFrame, baseTime) : null;
  const response = (bits & 8) !== 0 ? readMessage(r, baseFrame, baseTime) : null;
  return {
    trans_depth, method, target, version, status: status < 0 ? null : status, interimStatus: info < 0 ? null : info,
    complete: (bits & 1) !== 0, gap: (bits & 2) !== 0, idleSec: idle < 0 ? null : idle / 1e6, request, response,
  };
}

function readMessage(r: ByteReader, baseFrame: number, baseTime: number): HttpMessageJson {
  const firstFrame = baseFrame + r.signed();
  const firstTime = round6(baseTime + r.signed() / 1e6);
  const lastDelta = r.signed();
  const lastTime = lastDelta < 0 ? null : round6(firstTime + r.signed() / 1e6);
  const headers = readHeaders(r, r.unsigned());
  const declared = r.signed();
  return {
    firstFrame, firstTime, lastFrame: lastDelta < 0 ? null : firstFrame + lastDelta, lastTime, headers,
    bodyDeclared: declared < 0 ? null : declared, bodyDelivered: r.unsigned(), bodyMissing: r.unsigned(), bodyDecoded: nonNegative(r.signed()),
  };
}

/**
 * The same kept headers recur on most messages (`Connection: close` and one Host on every request of
 * a load): one frozen object per distinct set, so a view of 180 k connections does not hold a
 * million small objects. Bounded: a hostile capture has as many sets as it likes.
 */
const headerSets = new Map<string, Readonly<Record<string, string>>>();
const MAX_HEADER_SETS = 4096;
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const values: string[] = [];

function readHeaders(r: ByteReader, mask: number): Record<string, string> {
  if (mask === 0) return NO_HEADERS as Record<string, string>;
  values.length = 0;
  for (let k = 0; k < KEPT_HEADERS.length; k++) if ((mask & (1 << k)) !== 0) values.push(readText(r));
  const key = `${mask}\u0000${values.join('\u0000')}`;
  let set = headerSets.get(key);
  if (set === undefined) {
    const headers: Record<string, string> = {};
    let v = 0;
    for (let k = 0; k < KEPT_HEADERS.length; k++) if ((mask & (1 << k)) !== 0) headers[HEADER_NAMES[KEPT_HEADERS[k]!]] = values[v++]!;
    set = Object.freeze(headers);
    if (headerSets.size >= MAX_HEADER_SETS) headerSets.clear();
    headerSets.set(key, set);
  }
  return set as Record<string, string>;
}

function nonNegative(x: number): number | null {
  return x < 0 ? null : x;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Decoded strings are mostly the same few (methods, versions, `keep-alive`, a Host, the targets of a
 * load test): a small table keyed by a hash of the bytes hands out one string per value, so a view
 * of 180 k connections holds each once instead of building a million.
 */
const INTERN_SLOTS = 4096;
const INTERN_MAX = 64;
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS);

function readText(r: ByteReader): string {
  const n = r.unsigned();
  const b = r.bytes;
  const at = r.pos;
  r.pos += n;
  if (n > INTERN_MAX) return latin1(b, at, n);
  let hash = 0x811c9dc5;
  for (let k = 0; k < n; k++) hash = Math.imul(hash ^ b[at + k]!, 0x01000193);
  const slot = (hash ^ n) & (INTERN_SLOTS - 1);
  const hit = interned[slot];
  if (hit !== undefined && hit.length === n) {
    let k = 0;
    while (k < n && hit.charCodeAt(k) === b[at + k]) k++;
    if (k === n) return hit;
  }
  const s = latin1(b, at, n);
  interned[slot] = s;
  return s;
}

function latin1(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += String.fromCharCode(b[at + k]!);
  return s;
}

function readOptional(r: ByteReader): string | null {
  return r.unsigned() === 0 ? null : readText(r);
}
