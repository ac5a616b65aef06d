/**
 * A connection's HTTP result as it is kept for the whole run: a few hundred bytes in the summary
 * store's byte blob (varints, latin1 strings cut to MAX_STRING), not an object per transaction.
 * `encodeHttp` writes it when the connection is summarised; `decodeHttp` makes the JSON value
 * (`connections[].http`, README "JSON") when a record is read.
 */
import type { ByteSink, SharedBytes } from '../tcp/stream-reassembly.js';
import { ByteReader, ByteWriter } from '../tcp/varint.js';
import { KEPT_HEADERS, REGISTERED_METHOD_LIST, type KeptHeader } from './head.js';
import type { EndedWhen, HttpConnection, HttpProtocol, Transaction } from './http-connection.js';
import type { SharedTexts } from './shared-texts.js';

/** Where a record's repeated chunks go (shared-texts.ts); without it every chunk is written inline. */
export interface Sharing {
  store: SharedBytes;
  texts: SharedTexts;
}

/** How a target is written: absent, its text inline, or the position of its text in the store. */
const TARGET_NONE = 0;
const TARGET_INLINE = 1;
const TARGET_SHARED = 2;
/** How a message's kept headers are written: inline (mask, then the values), or the position of that chunk. */
const HEADERS_INLINE = 0;
const HEADERS_SHARED = 1;

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
export function encodeHttp(h: HttpConnection, client: 0 | 1, out: ByteSink, sharing: Sharing | null = null): number {
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
  for (const t of h.listed) transaction(w, t, h.texts, sharing, baseFrame, baseTime);
  return w.length;
}

function transaction(w: ByteWriter, t: Transaction, texts: ByteWriter, sharing: Sharing | null, baseFrame: number, baseTime: number): void {
  w.unsigned(t.transDepth);
  // Whether a message's last byte was seen is a bit of its own: held bytes keep their frame, so a
  // message delivered out of order can end in a frame before the one it began in (a negative delta).
  w.unsigned(
    (t.complete ? 1 : 0) | (t.gap ? 2 : 0) | (t.requestFirstFrame >= 0 ? 4 : 0) | (t.responseFirstFrame >= 0 ? 8 : 0) |
      (t.requestLastFrame >= 0 ? 16 : 0) | (t.responseLastFrame >= 0 ? 32 : 0),
  );
  named(w, t.method, METHOD_CODES);
  if (t.targetAt < 0) w.unsigned(TARGET_NONE);
  else chunk(w, texts, t.targetAt, t.targetEnd, sharing, TARGET_INLINE, TARGET_SHARED);
  named(w, t.version ?? (t.requestVersion === '0.9' ? '0.9' : null), VERSION_CODES);
  w.unsigned(t.status === null ? 0 : t.status + 1);
  w.unsigned(t.infoStatus === null ? 0 : t.infoStatus + 1);
  w.signed(t.idle === null ? -1 : Math.round(t.idle * 1e6));
  if (t.requestFirstFrame >= 0) {
    message(w, t.requestFirstFrame, t.requestFirstTime, t.requestLastFrame, t.requestLastTime, baseFrame, baseTime);
    headers(w, texts, t.requestHeadersAt, t.requestHeadersEnd, sharing);
    body(w, t.requestBodyDeclared, t.requestBodyDelivered, t.requestBodyGap, t.requestBodyDecoded);
  }
  if (t.responseFirstFrame >= 0) {
    message(w, t.responseFirstFrame, t.responseFirstTime, t.responseLastFrame, t.responseLastTime, baseFrame, baseTime);
    headers(w, texts, t.responseHeadersAt, t.responseHeadersEnd, sharing);
    body(w, t.responseBodyDeclared, t.responseBodyDelivered, t.responseBodyGap, t.responseBodyDecoded);
  }
}

function message(w: ByteWriter, firstFrame: number, firstTime: number, lastFrame: number, lastTime: number, baseFrame: number, baseTime: number): void {
  w.signed(firstFrame - baseFrame);
  w.signed(Math.round((firstTime - baseTime) * 1e6));
  if (lastFrame < 0) return;
  w.signed(lastFrame - firstFrame);
  w.signed(Math.round((lastTime - firstTime) * 1e6));
}

/** A message's kept headers as writeKeptHeaders put them in the texts (none: an empty mask). */
function headers(w: ByteWriter, texts: ByteWriter, at: number, end: number, sharing: Sharing | null): void {
  if (at >= 0) chunk(w, texts, at, end, sharing, HEADERS_INLINE, HEADERS_SHARED);
  else {
    w.unsigned(HEADERS_INLINE);
    w.unsigned(0);
  }
}

/** The encoded chunk texts[at, end): by its position in the store when it is shared there, else inline. */
function chunk(w: ByteWriter, texts: ByteWriter, at: number, end: number, sharing: Sharing | null, inline: number, shared: number): void {
  const pos = sharing === null ? -1 : sharing.texts.positionOf(sharing.store, texts.bytes, at, end);
  if (pos >= 0) {
    w.unsigned(shared);
    w.unsigned(pos);
  } else {
    w.unsigned(inline);
    w.copy(texts.bytes, at, end);
  }
}

function body(w: ByteWriter, declared: number, delivered: number, missing: number, decoded: number): void {
  w.signed(declared);
  w.unsigned(delivered);
  w.unsigned(missing);
  w.signed(decoded);
}

/** A name the analyzer holds as a string (a method, a version, a problem): one byte per character. */
function text(w: ByteWriter, s: string): void {
  w.unsigned(s.length);
  const n = s.length;
  if (w.bytes.length < w.length + n) grow(w, n);
  for (let k = 0; k < n; k++) w.bytes[w.length + k] = s.charCodeAt(k) & 0xff;
  w.length += n;
}

function grow(w: ByteWriter, n: number): void {
  const next = new Uint8Array(Math.max(w.bytes.length * 2, w.length + n + 64));
  next.set(w.bytes.subarray(0, w.length));
  w.bytes = next;
}

/**
 * The names nearly every record holds (a registered method, a common version) as one byte: 0 none,
 * 1 the text follows (any other), 2 + k the k-th name of the list.
 */
const METHOD_CODES = new Map(REGISTERED_METHOD_LIST.map((m, k) => [m, k]));
const VERSIONS: readonly string[] = ['1.1', '1.0', '0.9'];
const VERSION_CODES = new Map(VERSIONS.map((v, k) => [v, k]));

function named(w: ByteWriter, s: string | null, codes: ReadonlyMap<string, number>): void {
  const k = s === null ? undefined : codes.get(s);
  if (k !== undefined) w.unsigned(2 + k);
  else optionalText(w, s);
}

function readNamed(r: ByteReader, names: readonly string[]): string | null {
  const how = r.unsigned();
  if (how === 0) return null;
  return how === 1 ? readText(r) : names[how - 2]!;
}

function optionalText(w: ByteWriter, s: string | null): void {
  if (s === null) w.unsigned(0);
  else {
    w.unsigned(1);
    text(w, s);
  }
}

const reader = new ByteReader();

/** Per store: what the shared chunks decode to, by position (targets and header sets apart: the same bytes may be either). */
interface Decoded {
  targets: Map<number, string>;
  headers: Map<number, Record<string, string>>;
}
const decodedByStore = new WeakMap<SharedBytes, Decoded>();
/** Reads a shared chunk where it lies in its store. */
const chunkReader = new ByteReader();
let decoded: Decoded | null = null;
let decodedStore: SharedBytes | null = null;

export function decodeHttp(bytes: Uint8Array, offset: number, _length: number, shared: SharedBytes | null = null): HttpJson {
  // The record's store, for its shared chunks, is held only during the call: a module reference
  // would keep the last analysis's store (tens of MB) alive after its report is gone.
  decodedStore = shared;
  decoded = shared === null ? null : (decodedByStore.get(shared) ?? setDecoded(shared));
  try {
    return readRecord(bytes, offset);
  } finally {
    decodedStore = null;
    decoded = null;
  }
}

function readRecord(bytes: Uint8Array, offset: number): HttpJson {
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

function setDecoded(shared: SharedBytes): Decoded {
  const d: Decoded = { targets: new Map(), headers: new Map() };
  decodedByStore.set(shared, d);
  return d;
}

/** Where a shared chunk lies: chunkReader, positioned on it. */
function sharedChunk(pos: number): ByteReader {
  if (decodedStore === null) throw new Error('an HTTP record names a shared chunk but was read without its store');
  return chunkReader.at(decodedStore.bytePage(pos), decodedStore.byteOffsetOf(pos));
}

function readTarget(r: ByteReader): string | null {
  const how = r.unsigned();
  if (how === TARGET_NONE) return null;
  if (how === TARGET_INLINE) return readText(r);
  const pos = r.unsigned();
  let t = decoded!.targets.get(pos);
  if (t === undefined) decoded!.targets.set(pos, (t = readText(sharedChunk(pos))));
  return t;
}

function readKeptHeaders(r: ByteReader): Record<string, string> {
  if (r.unsigned() === HEADERS_INLINE) return readHeaders(r, r.unsigned());
  const pos = r.unsigned();
  let h = decoded!.headers.get(pos);
  if (h === undefined) {
    const c = sharedChunk(pos);
    decoded!.headers.set(pos, (h = readHeaders(c, c.unsigned())));
  }
  return h;
}

function readTransaction(r: ByteReader, baseFrame: number, baseTime: number): HttpTransactionJson {
  const trans_depth = r.unsigned();
  const bits = r.unsigned();
  const method = readNamed(r, REGISTERED_METHOD_LIST);
  const target = readTarget(r);
  const version = readNamed(r, VERSIONS);
  const status = r.unsigned() - 1;
  const info = r.unsigned() - 1;
  const idle = r.signed();
  const request = (bits & 4) !== 0 ? readMessage(r, baseFrame, baseTime, (bits & 16) !== 0) : null;
  const response = (bits & 8) !== 0 ? readMessage(r, baseFrame, baseTime, (bits & 32) !== 0) : null;
  return {
    trans_depth, method, target, version, status: status < 0 ? null : status, interimStatus: info < 0 ? null : info,
    complete: (bits & 1) !== 0, gap: (bits & 2) !== 0, idleSec: idle < 0 ? null : idle / 1e6, request, response,
  };
}

function readMessage(r: ByteReader, baseFrame: number, baseTime: number, ended: boolean): HttpMessageJson {
  const firstFrame = baseFrame + r.signed();
  const firstTime = round6(baseTime + r.signed() / 1e6);
  const lastFrame = ended ? firstFrame + r.signed() : null;
  const lastTime = ended ? round6(firstTime + r.signed() / 1e6) : null;
  const headers = readKeptHeaders(r);
  const declared = r.signed();
  return {
    firstFrame, firstTime, lastFrame, lastTime, headers,
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

