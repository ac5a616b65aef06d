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
export const MAX_STRING = 256;

/** The headers kept as sent: hop-by-hop and framing ones (issue 14). */
export const KEPT_HEADERS = ['connection', 'keep-alive', 'content-length', 'transfer-encoding', 'upgrade', 'host', 'proxy-connection', 'via'] as const;
export type KeptHeader = (typeof KEPT_HEADERS)[number];
/**
 * The kept headers of one message, by their index in KEPT_HEADERS (undefined: not sent). An array of
 * eight slots, not an object keyed by name: every message had its own object shape to look up.
 */
export type KeptValues = (string | undefined)[];
const CONTENT_LENGTH = KEPT_HEADERS.indexOf('content-length');
const TRANSFER_ENCODING = KEPT_HEADERS.indexOf('transfer-encoding');
const CONNECTION = KEPT_HEADERS.indexOf('connection');
const PROXY_CONNECTION = KEPT_HEADERS.indexOf('proxy-connection');
/** Header names read but not kept, after the kept ones. */
const EXPECT = KEPT_HEADERS.length;
const CONTENT_ENCODING = KEPT_HEADERS.length + 1;

export interface Head {
  isRequest: boolean;
  method: string;
  target: string;
  /** "1.1", "1.0" … as in the start line. */
  version: string;
  status: number;
  headers: KeptValues;
  /** Content-Length: -1 absent, -2 invalid. */
  contentLength: number;
  /** Transfer-Encoding present; its last coding is chunked. */
  hasTransferEncoding: boolean;
  chunked: boolean;
  /** Tokens of Connection (lower case). */
  connectionClose: boolean;
  connectionKeepAlive: boolean;
  connectionUpgrade: boolean;
  expectContinue: boolean;
  /** Content-Encoding as sent (lower case), '' without one: the decoded length is counted for some. */
  contentCoding: string;
  problems: number;
}

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

/**
 * A field value without its surrounding whitespace (RFC 9110 §5.5 OWS, and what trim() removes),
 * trimmed on the bytes: one string per value, not a padded one and its trimmed copy.
 */
function fieldValue(b: Uint8Array, s: number, e: number): string {
  while (s < e && isTrimmed(b[s]!)) s++;
  while (e > s && isTrimmed(b[e - 1]!)) e--;
  return str(b, s, e);
}

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

/** Parses the block [s, e) that ends with its empty line. Returns null when the start line is not HTTP/1.x. */
export function parseHead(b: Uint8Array, s: number, e: number): Head | null {
  const h: Head = {
    isRequest: false, method: '', target: '', version: '', status: 0, headers: new Array<string | undefined>(KEPT_HEADERS.length),
    contentLength: -1, hasTransferEncoding: false, chunked: false, connectionClose: false,
    connectionKeepAlive: false, connectionUpgrade: false, expectContinue: false, contentCoding: '', problems: 0,
  };
  // Lines: [ls, le) without CR LF.
  let ls = s;
  let first = true;
  let lastName = -1;
  while (ls < e) {
    let nl = ls;
    while (nl < e && b[nl] !== 0x0a) nl++;
    let le = nl;
    if (le > ls && b[le - 1] === 0x0d) le--;
    else if (nl < e) h.problems |= P_BARE_LF;
    if (first) {
      if (!startLine(b, ls, le, h)) return null;
      first = false;
    } else if (le === ls) {
      break;
    } else if (b[ls] === 0x20 || b[ls] === 0x09) {
      // obs-fold (RFC 9112 §5.2): replaced by SP and appended to the previous field value.
      h.problems |= P_OBS_FOLD;
      if (lastName >= 0) field(h, lastName, str(b, ls, le).trim(), true);
    } else {
      let colon = ls;
      while (colon < le && b[colon] !== 0x3a) colon++;
      lastName = colon < le ? knownName(b, ls, colon) : -1;
      if (lastName >= 0) field(h, lastName, fieldValue(b, colon + 1, le), false);
    }
    ls = nl + 1;
  }
  finishFraming(h);
  return h;
}

/** Header names the parser reads (their index: KEPT_HEADERS, then EXPECT, CONTENT_ENCODING), by length. */
const READ_NAMES = [...KEPT_HEADERS, 'expect', 'content-encoding'];
const KNOWN_BY_LENGTH: number[][] = [];
READ_NAMES.forEach((name, index) => (KNOWN_BY_LENGTH[name.length] ??= []).push(index));

/** The index of the read header name that bytes[s, e) spell in any case (RFC 9110: case-insensitive), else -1 — no string made. */
function knownName(b: Uint8Array, s: number, e: number): number {
  const list = KNOWN_BY_LENGTH[e - s];
  if (list === undefined) return -1;
  for (const index of list) {
    const name = READ_NAMES[index]!;
    let k = 0;
    while (k < name.length && (b[s + k]! | 0x20) === name.charCodeAt(k)) k++;
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
    h.target = '';
    h.version = str(b, i + 6, e);
    return true;
  }
  if (last <= i || !looksLikeResponse(b, last + 1, e)) {
    // No version: HTTP/0.9 when the method is a registered one, else not a request line at all
    // (`T / HTTP` cruft, which nginx answers with 400): malformed, no transaction.
    if (!startsWithRegisteredMethod(b, s, e)) return false;
    h.problems |= P_MALFORMED;
    h.target = str(b, i + 1, e);
    h.version = '0.9';
    return true;
  }
  if (b[last + 1] !== 0x48) h.problems |= P_LOWERCASE_VERSION;
  h.target = str(b, i + 1, last);
  h.version = version(b, last + 6, e);
  return true;
}

function field(h: Head, name: number, value: string, folded: boolean): void {
  if (name < EXPECT) {
    const prev = h.headers[name];
    h.headers[name] = prev === undefined ? value : (folded ? `${prev} ${value}` : `${prev}, ${value}`).slice(0, MAX_STRING);
  }
  if (name === CONTENT_LENGTH) {
    if (folded) return;
    // RFC 9112 §6.3: a list of identical values may be taken as one; differing values are an error.
    let n = -1;
    const digits = leadingDigits(value);
    if (digits === value.length && digits > 0 && digits < 16) n = Number(value);
    else for (const part of value.split(',')) {
      const p = part.trim();
      const v = /^[0-9]+$/.test(p) ? Number(p) : -2;
      if (v === -2 || !Number.isSafeInteger(v)) {
        h.problems |= P_INVALID_CL;
        h.contentLength = -2;
        return;
      }
      if (n >= 0 && v !== n) h.problems |= P_CONFLICTING_CL;
      n = v;
    }
    if (h.contentLength >= 0) {
      h.problems |= h.contentLength === n ? P_DUPLICATE_CL : P_CONFLICTING_CL;
      if (h.contentLength !== n) h.contentLength = -2;
      return;
    }
    if (h.contentLength === -1) h.contentLength = n;
  } else if (name === TRANSFER_ENCODING) {
    h.hasTransferEncoding = true;
  } else if (name === CONNECTION || name === PROXY_CONNECTION) {
    // Nearly always one token as written: compared without a lower-cased copy and a split.
    if (value === 'close') h.connectionClose = true;
    else if (value === 'keep-alive' || value === 'Keep-Alive') h.connectionKeepAlive = true;
    else for (const t of value.toLowerCase().split(',')) connectionToken(h, name, t.trim());
  } else if (name === EXPECT) {
    if (value.toLowerCase() === '100-continue') h.expectContinue = true;
  } else if (name === CONTENT_ENCODING) {
    // Several fields are one list (RFC 9110 §5.3); a folded line continues the value.
    h.contentCoding = h.contentCoding === '' ? value.toLowerCase() : `${h.contentCoding}${folded ? ' ' : ', '}${value.toLowerCase()}`;
  }
}

function connectionToken(h: Head, name: number, tok: string): void {
  if (tok === 'close') h.connectionClose = true;
  else if (tok === 'keep-alive') h.connectionKeepAlive = true;
  else if (tok === 'upgrade' && name === CONNECTION) h.connectionUpgrade = true;
}

/** How many ASCII digits `s` starts with. */
function leadingDigits(s: string): number {
  let k = 0;
  while (k < s.length && s.charCodeAt(k) >= 0x30 && s.charCodeAt(k) <= 0x39) k++;
  return k;
}

function finishFraming(h: Head): void {
  const te = h.headers[TRANSFER_ENCODING];
  if (te !== undefined) {
    const codings = te.toLowerCase().split(',').map((x) => x.trim()).filter((x) => x !== '');
    h.chunked = codings[codings.length - 1] === 'chunked';
    if (!h.chunked) h.problems |= P_TE_NOT_CHUNKED;
    if (h.headers[CONTENT_LENGTH] !== undefined) h.problems |= P_TE_AND_CL;
  }
}

/** Zeek/RFC 9112 §9.3 persistence of one message. */
export function keepsAlive(h: Head): boolean {
  if (h.connectionClose) return false;
  if (h.version === '1.0' || h.version === '0.9') return h.connectionKeepAlive;
  return true;
}
