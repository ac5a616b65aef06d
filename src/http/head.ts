/**
 * One HTTP/1.x start line plus header block, parsed from a complete block of bytes (RFC 9112 §2-§5).
 * Lenient like a robust recipient, but every deviation a strict parser would reject is flagged.
 */

/** Problems a strict parser would reject (bits, so a connection ORs them together). */
const P_BARE_LF = 1;
const P_OBS_FOLD = 2;
const P_DUPLICATE_CL = 4;
const P_CONFLICTING_CL = 8;
const P_INVALID_CL = 16;
const P_TE_AND_CL = 32;
const P_TE_NOT_CHUNKED = 64;
export const P_MALFORMED = 128;
const P_LOWERCASE_VERSION = 256;

export const PROBLEM_NAMES: readonly [number, string][] = [
  [P_BARE_LF, 'bare-lf'], [P_OBS_FOLD, 'obs-fold'], [P_DUPLICATE_CL, 'duplicate-content-length'],
  [P_CONFLICTING_CL, 'conflicting-content-length'], [P_INVALID_CL, 'invalid-content-length'],
  [P_TE_AND_CL, 'transfer-encoding-with-content-length'], [P_TE_NOT_CHUNKED, 'transfer-encoding-not-chunked'],
  [P_MALFORMED, 'malformed-start-line'], [P_LOWERCASE_VERSION, 'lowercase-http-version'],
];

/** Captured strings are cut to this many characters (control characters escaped at display). */
const MAX_STRING = 256;

/** The headers kept as sent: hop-by-hop and framing ones (issue 14). */
export const KEPT_HEADERS = ['connection', 'keep-alive', 'content-length', 'transfer-encoding', 'upgrade', 'host', 'proxy-connection', 'via'] as const;
export type KeptHeader = (typeof KEPT_HEADERS)[number];
const CONTENT_LENGTH = KEPT_HEADERS.indexOf('content-length');
const TRANSFER_ENCODING = KEPT_HEADERS.indexOf('transfer-encoding');
const CONNECTION = KEPT_HEADERS.indexOf('connection');
const PROXY_CONNECTION = KEPT_HEADERS.indexOf('proxy-connection');
/** Header names read but not kept, after the kept ones. */
const EXPECT = KEPT_HEADERS.length;
const CONTENT_ENCODING = KEPT_HEADERS.length + 1;

const NOTHING = new Uint8Array(0);

/**
 * One parsed start line and header block. The target and the kept header values are byte ranges of
 * the parsed bytes, valid until the next parse: the analyzer copies those it lists into its record
 * (http-connection.ts), so no string is made for them. One Head is reused for every block.
 */
export class Head {
  isRequest = false;
  method = '';
  /** "1.1", "1.0" … as in the start line. */
  version = '';
  status = 0;
  /** The bytes of the block the ranges below lie in. */
  src: Uint8Array = NOTHING;
  /** The target: [targetStart, targetEnd) of src, cut to MAX_STRING. */
  targetStart = 0;
  targetEnd = 0;
  /**
   * Kept header k (KEPT_HEADERS order): [valueStart[k], valueEnd[k]) of valueIn[k] (src, or its own
   * bytes when several fields were joined into one value); valueStart -1: not sent.
   */
  readonly valueIn: Uint8Array[] = KEPT_HEADERS.map(() => NOTHING);
  readonly valueStart = new Int32Array(KEPT_HEADERS.length);
  readonly valueEnd = new Int32Array(KEPT_HEADERS.length);
  /** Content-Length: -1 absent, -2 invalid. */
  contentLength = -1;
  /** Transfer-Encoding present; its last coding is chunked. */
  hasTransferEncoding = false;
  chunked = false;
  /** Tokens of Connection (any case). */
  connectionClose = false;
  connectionKeepAlive = false;
  connectionUpgrade = false;
  expectContinue = false;
  /** Content-Encoding as sent (lower case), '' without one: the decoded length is counted for some. */
  contentCoding = '';
  problems = 0;

  private clear(b: Uint8Array): void {
    this.isRequest = false;
    this.method = this.version = this.contentCoding = '';
    this.status = this.problems = this.targetStart = this.targetEnd = 0;
    this.src = b;
    // Eight slots: a loop, where fill() was a call into the runtime per block.
    for (let k = 0; k < KEPT_HEADERS.length; k++) {
      this.valueStart[k] = -1;
      this.valueIn[k] = NOTHING;
    }
    this.contentLength = -1;
    this.hasTransferEncoding = this.chunked = this.connectionClose = this.connectionKeepAlive = this.connectionUpgrade = this.expectContinue = false;
  }

  /** Whether kept header k was sent. */
  has(k: number): boolean {
    return this.valueStart[k]! >= 0;
  }

  /** Kept header k's value as a string (for the rare paths that need one), '' when not sent. */
  value(k: number): string {
    return this.has(k) ? str(this.valueIn[k]!, this.valueStart[k]!, this.valueEnd[k]!) : '';
  }

  /**
   * Parses the start line and header block at b[s, …) up to its empty line, finding that line as it
   * goes (one pass over the bytes). `complete`: b[s, e) is the whole block (an HTTP/0.9 request
   * line, or one gathered from several segments); else the block may end before e or not at all.
   * Returns where the block ends (just after its empty line; e for a complete one without), NO_END
   * when it does not end before e (nothing parsed counts), or NOT_HTTP for a start line that is not
   * HTTP/1.x.
   */
  parse(b: Uint8Array, s: number, e: number, complete: boolean): number {
    this.clear(b);
    // Lines: [ls, le) without CR LF.
    let ls = s;
    let first = true;
    let lastName = -1;
    while (ls < e) {
      let nl = ls;
      // A field line's name ends at its colon: found in the same pass as the line's end.
      let colon = -1;
      if (!first && b[ls] !== 0x20 && b[ls] !== 0x09) {
        for (; nl < e; nl++) {
          const c = b[nl]!;
          if (c === 0x3a) {
            colon = nl;
            break;
          }
          if (c === 0x0a) break;
        }
      }
      while (nl < e && b[nl] !== 0x0a) nl++;
      // A line is read only once it is whole: a segment may end anywhere.
      if (nl >= e && !complete) return NO_END;
      let le = nl;
      if (le > ls && b[le - 1] === 0x0d) le--;
      else if (nl < e) this.problems |= P_BARE_LF;
      if (first) {
        if (!startLine(b, ls, le, this)) return NOT_HTTP;
        first = false;
      } else if (le === ls) {
        finishFraming(this);
        return nl + 1;
      } else if (colon < 0 && (b[ls] === 0x20 || b[ls] === 0x09)) {
        // obs-fold (RFC 9112 §5.2): replaced by SP and appended to the previous field value (as
        // str(line).trim(): cut to MAX_STRING, then trimmed).
        this.problems |= P_OBS_FOLD;
        if (lastName >= 0) {
          let vs = ls;
          let ve = Math.min(le, ls + MAX_STRING);
          while (vs < ve && isTrimmed(b[vs]!)) vs++;
          while (ve > vs && isTrimmed(b[ve - 1]!)) ve--;
          field(this, lastName, b, vs, ve, true);
        }
      } else {
        lastName = colon >= 0 && colon < le ? knownName(b, ls, colon) : -1;
        if (lastName >= 0) {
          let vs = colon + 1;
          let ve = le;
          while (vs < ve && isTrimmed(b[vs]!)) vs++;
          while (ve > vs && isTrimmed(b[ve - 1]!)) ve--;
          field(this, lastName, b, vs, Math.min(ve, vs + MAX_STRING), false);
        }
      }
      ls = nl + 1;
    }
    if (!complete) return NO_END;
    finishFraming(this);
    return e;
  }
}

/** Head.parse: the block does not end in the bytes given; its start line is not HTTP/1.x. */
const NO_END = -1;
const NOT_HTTP = -2;

function str(b: Uint8Array, s: number, e: number): string {
  if (e - s > MAX_STRING) e = s + MAX_STRING;
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}

/** "1.1" and "1.0" as constants (nearly every message), else the bytes as sent. */
function version(b: Uint8Array, s: number, e: number): string {
  if (e - s === 3 && b[s] === 0x31 && b[s + 1] === 0x2e) {
    if (b[s + 2] === 0x31) return '1.1';
    if (b[s + 2] === 0x30) return '1.0';
  }
  return str(b, s, e);
}

/** What String.prototype.trim removes, among latin1 bytes: TAB, LF, VT, FF, CR, SP, NBSP. */
const isTrimmed = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

function isTchar(c: number): boolean {
  // RFC 9110 §5.6.2 tchar
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || '!#$%&\'*+-.^_`|~'.includes(String.fromCharCode(c));
}

/**
 * Method bytes. Methods are tokens (RFC 9110 §9.1), but every registered one is upper-case letters
 * and '-' or '_'; asking for that keeps a banner like `SSH-2.0-OpenSSH_9.6 Ubuntu` from passing as HTTP.
 */
function isMethodChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f;
}

/**
 * The methods of the IANA HTTP Method Registry (RFC 9110 §16.1). A connection is recognised as HTTP
 * by one of these (or a status line): SMTP's `EHLO host`, FTP's `USER ftp` and IRC's `NICK x` are
 * upper-case tokens followed by a space too, and must stay `other`. Once a connection is HTTP, any
 * token is accepted as a method.
 */
const REGISTERED_METHODS = new Set([
  'ACL', 'BASELINE-CONTROL', 'BIND', 'CHECKIN', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LABEL', 'LINK',
  'LOCK', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MKREDIRECTREF', 'MKWORKSPACE', 'MOVE', 'OPTIONS', 'ORDERPATCH',
  'PATCH', 'POST', 'PRI', 'PROPFIND', 'PROPPATCH', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH', 'TRACE', 'UNBIND',
  'UNCHECKOUT', 'UNLINK', 'UNLOCK', 'UPDATE', 'UPDATEREDIRECTREF', 'VERSION-CONTROL',
]);
/** The registered methods in one order: a record names one by its index (http-record.ts). */
export const REGISTERED_METHOD_LIST: readonly string[] = [...REGISTERED_METHODS];
const LONGEST_METHOD = [...REGISTERED_METHODS].reduce((n, m) => Math.max(n, m.length), 0);
/** The registered methods by length, with their byte codes: matched where the bytes lie, no string made. */
const METHODS_BY_LENGTH: { name: string; codes: number[] }[][] = [];
for (const m of REGISTERED_METHODS) (METHODS_BY_LENGTH[m.length] ??= []).push({ name: m, codes: [...m].map((ch) => ch.charCodeAt(0)) });
/** The registered method spelled by bytes[s, s + n), as the one shared string of its name (every GET is one string), or null. */
function registeredMethod(b: Uint8Array, s: number, n: number): string | null {
  const list = METHODS_BY_LENGTH[n];
  if (list === undefined) return null;
  for (const { name, codes } of list) {
    let k = 0;
    while (k < n && b[s + k] === codes[k]) k++;
    if (k === n) return name;
  }
  return null;
}

/** Whether bytes[s, e) begins with a registered method and a space (`SP` after at most 17 bytes). */
export function startsWithRegisteredMethod(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e && i - s < LONGEST_METHOD && isMethodChar(b[i]!)) i++;
  return i > s && i < e && b[i] === 0x20 && registeredMethod(b, s, i - s) !== null;
}

/**
 * For a first line that starts with an unregistered method (`CCM_POST /x HTTP/1.1`): whether it is a
 * request line, by its version. `wait` until the line ends within the n bytes at p.
 */
export function unregisteredRequestLine(p: Uint8Array, n: number, most: number): 'yes' | 'no' | 'wait' {
  let i = 0;
  while (i < n && i <= 24 && isMethodChar(p[i]!)) i++;
  if (i === 0 || i >= n || p[i] !== 0x20) return i === n && n <= 24 ? 'wait' : 'no';
  const lf = p.subarray(0, n).indexOf(0x0a);
  if (lf < 0) return n >= most ? 'no' : 'wait';
  const end = lf > 0 && p[lf - 1] === 0x0d ? lf - 1 : lf;
  let last = end - 1;
  while (last > i && p[last] !== 0x20) last--;
  return last > i && looksLikeResponse(p, last + 1, end) ? 'yes' : 'no';
}

/** Whether the n bytes at p could still grow into a status line or a request line of a registered method. */
export function couldStartHttp(p: Uint8Array, n: number): boolean {
  const prefix = 'HTTP/';
  let k = 0;
  while (k < n && k < 5 && (p[k]! | 0x20) === (prefix.charCodeAt(k) | 0x20)) k++;
  if (k === Math.min(n, 5)) return true;
  if (n > LONGEST_METHOD) return false;
  const start = String.fromCharCode(...p.subarray(0, n));
  for (const m of REGISTERED_METHODS) if (m.startsWith(start)) return true;
  return false;
}

/** Whether bytes[s, e) begins with `HTTP/` (any case). */
export function looksLikeResponse(b: Uint8Array, s: number, e: number): boolean {
  if (e - s < 5) return false;
  return (b[s]! | 0x20) === 0x68 && (b[s + 1]! | 0x20) === 0x74 && (b[s + 2]! | 0x20) === 0x74 && (b[s + 3]! | 0x20) === 0x70 && b[s + 4] === 0x2f;
}

/**
 * Whether the line [s, e) (LF excluded) is an HTTP/0.9 simple request: a registered method SP target,
 * no version. RFC 1945 §4.1 allows only GET; Zeek reads any method so, and so do we.
 */
export function isSimpleRequest(b: Uint8Array, s: number, e: number): boolean {
  if (e > s && b[e - 1] === 0x0d) e--;
  if (!startsWithRegisteredMethod(b, s, e)) return false;
  let last = e - 1;
  while (last > s && b[last] !== 0x20) last--;
  return !looksLikeResponse(b, last + 1, e);
}

/** Header names the parser reads (their index: KEPT_HEADERS, then EXPECT, CONTENT_ENCODING), by length. */
const READ_NAMES = [...KEPT_HEADERS, 'expect', 'content-encoding'];
const KNOWN_BY_LENGTH: number[][] = [];
READ_NAMES.forEach((name, index) => (KNOWN_BY_LENGTH[name.length] ??= []).push(index));

/** Their bytes (lower case), for comparing where the header lies. */
const NAME_CODES = READ_NAMES.map((name) => Uint8Array.from(name, (ch) => ch.charCodeAt(0)));

/**
 * The index of the read header name that bytes[s, e) spell in any case (RFC 9110: case-insensitive),
 * else -1 — no string made. Every read name starts with a letter: its first byte rules out most
 * candidates of the same length (Date/Host, Server/Expect) before a loop.
 */
function knownName(b: Uint8Array, s: number, e: number): number {
  const list = KNOWN_BY_LENGTH[e - s];
  if (list === undefined) return -1;
  const first = b[s]! | 0x20;
  for (let i = 0; i < list.length; i++) {
    const index = list[i]!;
    const name = NAME_CODES[index]!;
    if (name[0] !== first) continue;
    let k = 1;
    while (k < name.length && sameIgnoringCase(b[s + k]!, name[k]!)) k++;
    if (k === name.length) return index;
  }
  return -1;
}

function startLine(b: Uint8Array, s: number, e: number, h: Head): boolean {
  if (looksLikeResponse(b, s, e)) {
    // HTTP/x.y SP 3DIGIT [SP reason]
    if (b[s] !== 0x48) h.problems |= P_LOWERCASE_VERSION;
    let i = s + 5;
    while (i < e && b[i] !== 0x20) i++;
    h.version = version(b, s + 5, i);
    let j = i + 1;
    let status = 0;
    let digits = 0;
    while (j < e && b[j]! >= 0x30 && b[j]! <= 0x39 && digits < 3) {
      status = status * 10 + b[j]! - 0x30;
      j++;
      digits++;
    }
    if (digits !== 3) return false;
    h.status = status;
    return true;
  }
  let i = s;
  while (i < e && isTchar(b[i]!)) i++;
  if (i === s || i >= e || b[i] !== 0x20) return false;
  h.isRequest = true;
  h.method = registeredMethod(b, s, i - s) ?? str(b, s, i);
  // The target runs to the last SP; the version follows it.
  let last = e - 1;
  while (last > i && b[last] !== 0x20) last--;
  if (last === i && looksLikeResponse(b, i + 1, e)) {
    // `OPTIONS HTTP/1.1`: the target is missing (Zeek logs an empty uri), the version is there.
    h.problems |= P_MALFORMED;
    h.targetStart = h.targetEnd = i + 1;
    h.version = str(b, i + 6, e);
    return true;
  }
  if (last <= i || !looksLikeResponse(b, last + 1, e)) {
    // No version: HTTP/0.9 when the method is a registered one, else not a request line at all
    // (`T / HTTP` cruft, which nginx answers with 400): malformed, no transaction.
    if (!startsWithRegisteredMethod(b, s, e)) return false;
    h.problems |= P_MALFORMED;
    target(h, i + 1, e);
    h.version = '0.9';
    return true;
  }
  if (b[last + 1] !== 0x48) h.problems |= P_LOWERCASE_VERSION;
  target(h, i + 1, last);
  h.version = version(b, last + 6, e);
  return true;
}

function target(h: Head, s: number, e: number): void {
  h.targetStart = s;
  h.targetEnd = Math.min(e, s + MAX_STRING);
}

/** Whether byte c is the lower-case ASCII `w` in either case (only letters have a case: `\r` is not `-`). */
function sameIgnoringCase(c: number, w: number): boolean {
  return c === w || (w >= 0x61 && w <= 0x7a && (c | 0x20) === w);
}

/** Whether bytes[s, e) are `word` (lower case) in any case. */
function bytesAre(b: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (!sameIgnoringCase(b[s + k]!, word.charCodeAt(k))) return false;
  return true;
}

/** The field value [vs, ve) of b (trimmed, cut) for header `name`; `folded`: an obs-fold line continuing it. */
function field(h: Head, name: number, b: Uint8Array, vs: number, ve: number, folded: boolean): void {
  if (name < EXPECT) {
    if (h.valueStart[name]! < 0) {
      h.valueIn[name] = b;
      h.valueStart[name] = vs;
      h.valueEnd[name] = ve;
    } else joinValue(h, name, b, vs, ve, folded ? ' ' : ', ');
  }
  if (name === CONTENT_LENGTH) {
    if (folded) return;
    contentLength(h, b, vs, ve);
  } else if (name === TRANSFER_ENCODING) {
    h.hasTransferEncoding = true;
  } else if (name === CONNECTION || name === PROXY_CONNECTION) {
    // Nearly always one token as written: compared on the bytes, no lower-cased copy and split.
    if (bytesAre(b, vs, ve, 'close')) h.connectionClose = true;
    else if (bytesAre(b, vs, ve, 'keep-alive')) h.connectionKeepAlive = true;
    else for (const t of str(b, vs, ve).toLowerCase().split(',')) connectionToken(h, name, t.trim());
  } else if (name === EXPECT) {
    if (bytesAre(b, vs, ve, '100-continue')) h.expectContinue = true;
  } else if (name === CONTENT_ENCODING) {
    // Several fields are one list (RFC 9110 §5.3); a folded line continues the value.
    const value = str(b, vs, ve).toLowerCase();
    h.contentCoding = h.contentCoding === '' ? value : `${h.contentCoding}${folded ? ' ' : ', '}${value}`;
  }
}

/** A repeated (or folded) kept header: one value, the fields joined by `sep`, cut to MAX_STRING — in bytes of its own. */
function joinValue(h: Head, name: number, b: Uint8Array, vs: number, ve: number, sep: string): void {
  const prev = h.valueIn[name]!;
  const ps = h.valueStart[name]!;
  const pn = h.valueEnd[name]! - ps;
  const n = Math.min(MAX_STRING, pn + sep.length + (ve - vs));
  const joined = new Uint8Array(n);
  let k = 0;
  for (let i = 0; i < pn && k < n; i++) joined[k++] = prev[ps + i]!;
  for (let i = 0; i < sep.length && k < n; i++) joined[k++] = sep.charCodeAt(i);
  for (let i = vs; i < ve && k < n; i++) joined[k++] = b[i]!;
  h.valueIn[name] = joined;
  h.valueStart[name] = 0;
  h.valueEnd[name] = n;
}

/** RFC 9112 §6.3: a list of identical values may be taken as one; differing values are an error. */
function contentLength(h: Head, b: Uint8Array, vs: number, ve: number): void {
  let n = -1;
  let digits = 0;
  let v = 0;
  while (vs + digits < ve && b[vs + digits]! >= 0x30 && b[vs + digits]! <= 0x39) v = v * 10 + b[vs + digits++]! - 0x30;
  if (vs + digits === ve && digits > 0 && digits < 16) n = v;
  else for (const part of str(b, vs, ve).split(',')) {
    const p = part.trim();
    const x = /^[0-9]+$/.test(p) ? Number(p) : -2;
    if (x === -2 || !Number.isSafeInteger(x)) {
      h.problems |= P_INVALID_CL;
      h.contentLength = -2;
      return;
    }
    if (n >= 0 && x !== n) h.problems |= P_CONFLICTING_CL;
    n = x;
  }
  if (h.contentLength >= 0) {
    h.problems |= h.contentLength === n ? P_DUPLICATE_CL : P_CONFLICTING_CL;
    if (h.contentLength !== n) h.contentLength = -2;
    return;
  }
  if (h.contentLength === -1) h.contentLength = n;
}

function connectionToken(h: Head, name: number, tok: string): void {
  if (tok === 'close') h.connectionClose = true;
  else if (tok === 'keep-alive') h.connectionKeepAlive = true;
  else if (tok === 'upgrade' && name === CONNECTION) h.connectionUpgrade = true;
}

function finishFraming(h: Head): void {
  if (h.has(TRANSFER_ENCODING)) {
    const t = TRANSFER_ENCODING;
    const codings = bytesAre(h.valueIn[t]!, h.valueStart[t]!, h.valueEnd[t]!, 'chunked') ? ['chunked'] : h.value(t).toLowerCase().split(',').map((x) => x.trim()).filter((x) => x !== '');
    h.chunked = codings[codings.length - 1] === 'chunked';
    if (!h.chunked) h.problems |= P_TE_NOT_CHUNKED;
    if (h.has(CONTENT_LENGTH)) h.problems |= P_TE_AND_CL;
  }
}

/** Zeek/RFC 9112 §9.3 persistence of one message. */
export function keepsAlive(h: Head): boolean {
  if (h.connectionClose) return false;
  if (h.version === '1.0' || h.version === '0.9') return h.connectionKeepAlive;
  return true;
}
