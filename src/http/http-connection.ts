/**
 * The HTTP/1.x analyzer of one TCP connection: a StreamConsumer (tcp/stream-reassembly.ts) that
 * recognises the protocol from the first bytes in either direction (any port), frames messages
 * (RFC 9112 §6.3: HEAD/1xx/204/304 no body, CONNECT 2xx and 101 end HTTP, Transfer-Encoding chunked,
 * Content-Length, close-delimited), matches responses to requests in order (pipelining), and keeps
 * the facts of each transaction. Bodies are counted, never stored. Memory per direction: one header
 * block (at most MAX_HEAD bytes, then the direction stops, counted as oversized) plus parser state;
 * the first MAX_LISTED transactions are kept, all are counted.
 *
 * After a gap the parser skips a body of known length; otherwise it scans for the next start line
 * (Zeek's analyzer gives up on the connection instead, zeek/zeek#3607) and marks the transaction `gap`.
 */
import type { Arrival, StreamConsumer, StreamEnd } from '../tcp/stream-reassembly.js';
import { ByteWriter } from '../tcp/varint.js';
import { countedCoding, DecodedLength } from './decoded-length.js';
import { writeKeptHeaders, writeText } from './record-text.js';
import {
  couldStartHttp, isSimpleRequest, keepsAlive, startsWithRegisteredMethod, unregisteredRequestLine, looksLikeResponse, Head, P_MALFORMED, PROBLEM_NAMES,
} from './head.js';

/** One header block per direction is held at most (then the direction stops: oversized). */
export const MAX_HEAD = 64 * 1024;
/** Transactions listed per connection; all are counted. */
export const MAX_LISTED = 64;
/**
 * Requests awaiting a response kept at most (their methods frame the responses: HEAD, CONNECT);
 * beyond, the oldest is dropped and counted. Zeek's HTTP::max_pending_requests is 100.
 */
const MAX_PENDING = 256;
/** Transactions an idle (pooled) analyzer keeps for reuse: a connection carries three on average in a load. */
const MAX_SPARE = 16;
/** First bytes held to recognise a connection: a status line's start, or a whole request line of an unregistered method. */
const DETECT_BYTES = 256;

export type EndedWhen = 'idle' | 'mid-request' | 'mid-response' | 'request-unanswered';

export type HttpProtocol = 'http/1.0' | 'http/1.1' | 'tls' | 'other' | null;

/**
 * One request and its response. Its strings (target, kept headers) are not strings here: they are
 * written, encoded as the record keeps them (http-record.ts), into the connection's `texts` as they
 * are parsed, and this names where; a listed transaction is reused by the next connection the
 * analyzer serves (http-layer.ts pools analyzers): neither costs the collector anything per message.
 */
export class Transaction {
  transDepth = 0;
  method: string | null = null;
  requestVersion: string | null = null;
  version: string | null = null;
  status: number | null = null;
  infoStatus: number | null = null;
  /** The target's and the kept headers' encoded bytes in the connection's texts: [at, end); at -1: none (not listed, or no such message). */
  targetAt = -1;
  targetEnd = -1;
  requestHeadersAt = -1;
  requestHeadersEnd = -1;
  responseHeadersAt = -1;
  responseHeadersEnd = -1;
  /** Declared body bytes (Content-Length), -1 chunked/close-delimited/none. */
  requestBodyDeclared = -1;
  responseBodyDeclared = -1;
  /** Body bytes after de-chunking: delivered, plus those lost in gaps. */
  requestBodyDelivered = 0;
  responseBodyDelivered = 0;
  requestBodyGap = 0;
  responseBodyGap = 0;
  /** Decoded body bytes (gzip/deflate Content-Encoding, decoded-length.ts), -1 when not counted. */
  requestBodyDecoded = -1;
  responseBodyDecoded = -1;
  complete = false;
  gap = false;
  /** Whether it is one of the connection's first MAX_LISTED (kept in the record; the others are counted). */
  listed = false;
  /**
   * Frame and capture time of the request's and the response's first and last byte; frame -1: not
   * seen. Numbers, not [frame, time] pairs: four arrays per transaction were a fifth of its garbage.
   */
  requestFirstFrame = -1;
  requestFirstTime = 0;
  requestLastFrame = -1;
  requestLastTime = 0;
  responseFirstFrame = -1;
  responseFirstTime = 0;
  responseLastFrame = -1;
  responseLastTime = 0;
  /** Seconds from the previous transaction's last byte to this request's first byte; null for the first. */
  idle: number | null = null;

  init(depth: number, idle: number | null, listed: boolean): this {
    this.transDepth = depth;
    this.method = this.requestVersion = this.version = null;
    this.status = this.infoStatus = null;
    this.targetAt = this.targetEnd = this.requestHeadersAt = this.requestHeadersEnd = this.responseHeadersAt = this.responseHeadersEnd = -1;
    this.requestBodyDeclared = this.responseBodyDeclared = this.requestBodyDecoded = this.responseBodyDecoded = -1;
    this.requestBodyDelivered = this.responseBodyDelivered = this.requestBodyGap = this.responseBodyGap = 0;
    this.complete = this.gap = false;
    this.listed = listed;
    this.requestFirstFrame = this.requestLastFrame = this.responseFirstFrame = this.responseLastFrame = -1;
    this.requestFirstTime = this.requestLastTime = this.responseFirstTime = this.responseLastTime = 0;
    this.idle = idle;
    return this;
  }
}

/** Every header block is parsed into this one Head, consumed before the next parse (begin). */
const block = new Head();

const enum St { Detect, Start, Head, Length, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Close, Resync, Stopped }

/** Per-direction parser state. */
class Side {
  st = St.Detect;
  buf: Uint8Array | null = null;
  len = 0;
  remaining = 0;
  /** Line state inside chunk-size / trailer lines. */
  lineLen = 0;
  sizeAcc = 0;
  sizeDigits = 0;
  sizeDone = false;
  sizeZeros = false;
  /** The message being received. */
  current: Transaction | null = null;
  isRequest = false;
  /** Where the message being received began (its first byte); frame -1 before one. */
  firstFrame = -1;
  firstTime = 0;
  closeSent = false;
  afterGap = false;
  ended: StreamEnd | null = null;
  /** Counts the decoded length of the body in flight when it has a counted Content-Encoding. */
  decoder: DecodedLength | null = null;
  reset(): void {
    this.st = St.Detect;
    this.buf = null;
    this.len = this.remaining = this.lineLen = this.sizeAcc = this.sizeDigits = 0;
    this.sizeDone = this.sizeZeros = this.isRequest = this.closeSent = this.afterGap = false;
    this.current = null;
    this.firstFrame = -1;
    this.firstTime = 0;
    this.ended = null;
    this.decoder = null;
  }
  append(b: Uint8Array, s: number, e: number): boolean {
    const n = e - s;
    if (this.len + n > MAX_HEAD) return false;
    if (this.buf === null || this.buf.length < this.len + n) {
      const grown = new Uint8Array(Math.min(MAX_HEAD, Math.max(2048, (this.len + n) * 2)));
      if (this.buf !== null) grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(b.subarray(s, e), this.len);
    this.len += n;
    return true;
  }
}

/**
 * Just after the LF of the empty line that ends a header block (LF (CR)? LF) in b[i, e), or -1; the
 * block's bytes of earlier calls (side.buf) count as the line before. Only LFs are looked at (a
 * tight loop); Uint8Array.indexOf has no end bound and would search on through the capture buffer.
 */
function blockEnd(b: Uint8Array, i: number, e: number, side: Side): number {
  const held = side.len;
  const buf = side.buf;
  for (let j = i; j < e; ) {
    let lf = j;
    while (lf < e && b[lf] !== 0x0a) lf++;
    if (lf >= e) return -1;
    const p1 = lf - 1 >= i ? b[lf - 1]! : held >= i - lf + 1 ? buf![held - (i - lf + 1)]! : -1;
    const p2 = lf - 2 >= i ? b[lf - 2]! : held >= i - lf + 2 ? buf![held - (i - lf + 2)]! : -1;
    if (p1 === 0x0a || (p1 === 0x0d && p2 === 0x0a)) return lf + 1;
    j = lf + 1;
  }
  return -1;
}

export class HttpConnection implements StreamConsumer {
  protocol: HttpProtocol = null;
  requests = 0;
  responses = 0;
  transactions = 0;
  readonly listed: Transaction[] = [];
  problems = 0;
  gaps = 0;
  oversized = 0;
  malformed = 0;
  tunnel = false;
  persistent: boolean | null = null;
  /** Who ended the connection first, how, and where it was relative to the transactions. */
  endedBy: 0 | 1 | null = null;
  endedHow: StreamEnd | null = null;
  endedState: EndedWhen | null = null;
  /** Requests dropped from the pending queue (MAX_PENDING). */
  pendingDropped = 0;
  /** Data after a message that said Connection: close. */
  dataAfterClose = false;
  private readonly sides: [Side, Side] = [new Side(), new Side()];
  /** Requests waiting for their (final) response, oldest first. */
  private readonly pending: Transaction[] = [];
  /** The listed transactions' target and kept headers, encoded as the record has them (Transaction). */
  readonly texts = new ByteWriter(512);
  /** Transactions of the connections served before, reused by open(). */
  private readonly spare: Transaction[] = [];
  private lastEnd = -1;

  /** Makes a spent analyzer new for another connection (http-layer.ts pools them): every field back to its initial value. */
  reset(): void {
    this.protocol = null;
    this.requests = this.responses = this.transactions = this.problems = this.gaps = this.oversized = this.malformed = this.pendingDropped = 0;
    for (const t of this.listed) if (this.spare.length < MAX_SPARE) this.spare.push(t);
    this.listed.length = 0;
    this.texts.reset();
    // A hostile connection's grown texts are not kept for the next one.
    if (this.texts.bytes.length > 16384) this.texts.bytes = new Uint8Array(512);
    this.tunnel = this.dataAfterClose = this.undecided = false;
    this.persistent = null;
    this.endedBy = null;
    this.endedHow = null;
    this.endedState = null;
    this.sides[0].reset();
    this.sides[1].reset();
    this.pending.length = 0;
    this.lastEnd = -1;
    this.detectFrame = -1;
    this.detectTime = 0;
  }

  data(dir: 0 | 1, b: Uint8Array, s: number, e: number, at: Arrival): void {
    const side = this.sides[dir];
    let i = s;
    while (i < e && side.st !== St.Stopped) i = this.step(dir, side, b, i, e, at);
  }

  gap(dir: 0 | 1, n: number, _at: Arrival): void {
    const side = this.sides[dir];
    this.gaps++;
    if (side.current !== null) side.current.gap = true;
    switch (side.st) {
      case St.Length: {
        // A body of known length is skipped; a gap reaching past it lost the next start line too.
        const inBody = Math.min(n, side.remaining);
        this.bodyGap(side, inBody);
        side.remaining -= inBody;
        if (side.remaining > 0) return;
        this.messageEnd(dir, side, _at);
        if (inBody === n) return;
        break;
      }
      case St.ChunkData:
        if (n <= side.remaining) {
          this.bodyGap(side, n);
          side.remaining -= n;
          if (side.remaining === 0) side.st = St.ChunkDataEnd;
          return;
        }
        break;
      case St.Close:
        this.bodyGap(side, n);
        return;
      case St.Detect:
      case St.Stopped:
        return;
      default:
        break;
    }
    // Framing lost: the message ends here; look for the next start line.
    side.current = null;
    side.len = 0;
    side.st = St.Resync;
    side.afterGap = true;
  }

  end(dir: 0 | 1, how: StreamEnd, at: Arrival): void {
    const side = this.sides[dir];
    side.ended = how;
    // A close-delimited body ends with its direction (by FIN; a RST leaves it in doubt, RFC 9112 §6.3).
    if (side.st === St.Close && side.current !== null && how === 'fin') this.messageEnd(dir, side, at);
    if (this.endedBy === null) {
      this.endedBy = dir;
      this.endedHow = how;
      this.endedState = this.where();
    }
    side.current = null;
    if (side.st !== St.Stopped) side.st = St.Stopped;
    side.buf = null;
  }

  /** Where the transactions stand: what a close now would interrupt. */
  where(): EndedWhen {
    const [a, b] = this.sides;
    if ((a.current !== null && a.isRequest) || (b.current !== null && b.isRequest)) return 'mid-request';
    if (a.current !== null || b.current !== null) return 'mid-response';
    if (this.pending.length > 0) return 'request-unanswered';
    return 'idle';
  }

  /** End of capture: what is open stays incomplete; the header buffers go. */
  finish(): void {
    for (const side of this.sides) side.buf = null;
    if (this.undecided && this.protocol === null) {
      this.undecided = false;
      this.malformed--;
      this.protocol = 'other';
    }
  }

  problemNames(): string[] {
    const out: string[] = [];
    for (const [bit, name] of PROBLEM_NAMES) if ((this.problems & bit) !== 0) out.push(name);
    if (this.dataAfterClose) out.push('data-after-close');
    if (this.gaps > 0) out.push('gap');
    if (this.oversized > 0) out.push('oversized-header-block');
    if (this.malformed > 0) out.push('malformed-message');
    if (this.tunnel) out.push('stopped-tunnel');
    if (this.pendingDropped > 0) out.push('pending-overflow');
    return out;
  }

  private bodyGap(side: Side, n: number): void {
    const t = side.current;
    if (t === null) return;
    if (side.isRequest) t.requestBodyGap += n;
    else t.responseBodyGap += n;
    if (side.decoder !== null) {
      // Nothing after lost bytes can be inflated: the decoded length is unknown.
      side.decoder.lost();
      if (side.isRequest) t.requestBodyDecoded = -1;
      else t.responseBodyDecoded = -1;
    }
  }

  private body(side: Side, b: Uint8Array, i: number, n: number): void {
    const t = side.current;
    if (t === null) return;
    if (side.isRequest) t.requestBodyDelivered += n;
    else t.responseBodyDelivered += n;
    const d = side.decoder;
    if (d !== null) {
      d.push(b, i, i + n);
      if (side.isRequest) t.requestBodyDecoded = d.counted();
      else t.responseBodyDecoded = d.counted();
    }
  }

  /** Body bytes of known length (Content-Length, or one chunk): counted, never kept; returns where they end. */
  private framedBody(side: Side, b: Uint8Array, i: number, e: number): number {
    const n = Math.min(e - i, side.remaining);
    this.body(side, b, i, n);
    side.remaining -= n;
    return i + n;
  }

  private step(dir: 0 | 1, side: Side, b: Uint8Array, i: number, e: number, at: Arrival): number {
    switch (side.st) {
      case St.Detect:
        return this.detect(dir, side, b, i, e, at);
      case St.Start:
        // RFC 9112 §2.2: empty lines before a start line are ignored.
        while (i < e && (b[i] === 0x0d || b[i] === 0x0a)) i++;
        if (i < e && !side.isRequest && this.pending[0]?.requestVersion === '0.9' && side.current === null) {
          // An HTTP/0.9 response has no status line: the bytes up to the close are the body (as Zeek reads it).
          const t = this.pending.shift()!;
          this.responses++;
          t.responseFirstFrame = at.frame;
          t.responseFirstTime = at.time;
          side.current = t;
          side.st = St.Close;
          return i;
        }
        if (i < e) {
          if (side.closeSent) this.dataAfterClose = true;
          side.st = St.Head;
          side.len = 0;
          side.firstFrame = at.frame;
          side.firstTime = at.time;
        }
        return i;
      case St.Head:
        return this.head(dir, side, b, i, e, at);
      case St.Length: {
        const next = this.framedBody(side, b, i, e);
        if (side.remaining === 0) this.messageEnd(dir, side, at);
        return next;
      }
      case St.Close:
        this.body(side, b, i, e - i);
        return e;
      case St.ChunkSize:
      case St.Trailer:
      case St.ChunkDataEnd:
        return this.chunkLine(dir, side, b, i, e, at);
      case St.ChunkData: {
        const next = this.framedBody(side, b, i, e);
        if (side.remaining === 0) side.st = St.ChunkDataEnd;
        return next;
      }
      case St.Resync:
        return this.resync(side, b, i, e);
      default:
        return e;
    }
  }

  /** First bytes of the connection: HTTP/1.x, TLS or something else. */
  private detect(dir: 0 | 1, side: Side, b: Uint8Array, i: number, e: number, at: Arrival): number {
    if (this.protocol === 'tls' || this.protocol === 'other') {
      side.st = St.Stopped;
      return e;
    }
    if (this.protocol !== null) {
      side.st = St.Start;
      return i;
    }

    if (side.len === 0) {
      // The first segment nearly always decides (a start line): read where it lies; copying the first
      // bytes of every connection into a fresh buffer was most of the layer's garbage.
      if (looksLikeResponse(b, i, e) || startsWithRegisteredMethod(b, i, e)) {
        this.protocol = 'http/1.1';
        side.st = St.Start;
        return i;
      }
      this.detectFrame = at.frame;
      this.detectTime = at.time;
    }
    const had = side.len;
    side.append(b, i, Math.min(e, i + DETECT_BYTES - side.len));
    const p = side.buf!;
    const n = side.len;
    let verdict: HttpProtocol | 'wait' = 'wait';
    if (n >= 2 && p[0] === 0x16 && p[1] === 0x03) verdict = 'tls';
    else if (looksLikeResponse(p, 0, n) || startsWithRegisteredMethod(p, 0, n)) verdict = 'http/1.1';
    else if (n >= 1 && !couldStartHttp(p, n)) {
      const line = unregisteredRequestLine(p, n, DETECT_BYTES);
      if (line !== 'wait') verdict = line === 'yes' ? 'http/1.1' : 'other';
    } else if (n >= DETECT_BYTES) verdict = 'other';
    if (verdict === 'wait') return e;
    side.len = 0;
    if (verdict === 'http/1.1') {
      this.protocol = 'http/1.1';
      side.st = St.Start;
      if (had > 0) {
        // Bytes of earlier calls (a request typed a byte per segment) start the header block;
        // this call's bytes are parsed from `b` as usual.
        side.st = St.Head;
        side.len = had;
        side.firstFrame = this.detectFrame;
        side.firstTime = this.detectTime;
      } else side.buf = null;
      return i;
    }
    side.buf = null;
    const other = this.sides[dir === 0 ? 1 : 0];
    if (verdict === 'other' && other.st === St.Detect && other.len === 0 && other.ended === null) {
      // Recognised from either direction (issue 14): a garbled request line (`OPTIONSHTTP/1.1`) may
      // still be answered by an HTTP response. This side waits for a start line; the peer decides.
      this.undecided = true;
      this.malformed++;
      side.st = St.Resync;
      side.len = p[n - 1] === 0x0a ? 1 : 0;
      return e;
    }
    if (this.undecided) {
      // The peer's first bytes were not HTTP either: neither is the connection.
      this.undecided = false;
      this.malformed--;
    }
    this.protocol = verdict;
    side.st = St.Stopped;
    this.sides[dir === 0 ? 1 : 0].st = St.Stopped;
    return e;
  }

  private detectFrame = -1;
  private detectTime = 0;
  /** One side's first bytes were not HTTP; the other has not spoken yet. */
  private undecided = false;

  private head(dir: 0 | 1, side: Side, b: Uint8Array, i: number, e: number, at: Arrival): number {
    const from = i;
    if (side.len === 0) {
      // The whole block nearly always lies in this call: parsed where it lies, nothing copied, its
      // end found by the parse itself. A block that goes on (or is not HTTP) takes the way below.
      const end = block.parse(b, from, e, false);
      if (end >= 0) {
        if (end - from > MAX_HEAD) return this.oversize(side, e);
        this.parsed(dir, side, true, at);
        return end;
      }
    }
    // Find the empty line that ends the block: LF (CR)? LF.
    const found = blockEnd(b, i, e, side);
    if (found < 0 && side.len === 0 && this.sides[dir === 0 ? 1 : 0].current === null) {
      // HTTP/0.9 (a request line without version) has no header block: the line is the request.
      let lf = from;
      while (lf < e && b[lf] !== 0x0a) lf++;
      if (lf < e && isSimpleRequest(b, from, lf)) {
        this.parsed(dir, side, block.parse(b, from, lf + 1, true) >= 0, at);
        return lf + 1;
      }
    }
    const stop = found >= 0 ? found : e;
    // The bound holds however the block arrives: a megabyte line in one segment is as oversized as
    // one that trickles in.
    if (side.len + (stop - from) > MAX_HEAD) return this.oversize(side, e);
    if (found >= 0 && side.len === 0) {
      this.parsed(dir, side, block.parse(b, from, found, true) >= 0, at);
      return found;
    }
    side.append(b, from, stop);
    if (found < 0) return e;
    const ok = block.parse(side.buf!, 0, side.len, true) >= 0;
    side.len = 0;
    this.parsed(dir, side, ok, at);
    // The next split block reuses a small buffer; a grown one (up to MAX_HEAD) is not kept.
    if (side.buf !== null && side.buf.length > 4096) side.buf = null;
    return found;
  }

  /** A header block over MAX_HEAD: this direction is not parsed further. */
  private oversize(side: Side, e: number): number {
    this.oversized++;
    side.st = St.Stopped;
    side.buf = null;
    return e;
  }

  private parsed(dir: 0 | 1, side: Side, ok: boolean, at: Arrival): void {
    if (!ok) {
      this.malformed++;
      this.problems |= P_MALFORMED;
      side.st = St.Resync;
      // The block ended with its empty line: the next byte starts a line.
      side.len = 1;
      return;
    }
    this.problems |= block.problems;
    this.begin(dir, side, block, at);
  }

  private begin(dir: 0 | 1, side: Side, h: Head, at: Arrival): void {
    const firstFrame = side.firstFrame >= 0 ? side.firstFrame : at.frame;
    const firstTime = side.firstFrame >= 0 ? side.firstTime : at.time;
    side.isRequest = h.isRequest;
    if (h.version === '1.0' && (this.protocol === 'http/1.1')) this.protocol = this.requests + this.responses === 0 ? 'http/1.0' : this.protocol;
    let t: Transaction;
    if (h.isRequest) {
      this.requests++;
      t = this.open(firstTime);
      t.method = h.method;
      t.requestVersion = h.version;
      if (t.listed) {
        t.targetAt = this.texts.length;
        writeText(this.texts, h.src, h.targetStart, h.targetEnd);
        t.targetEnd = t.requestHeadersAt = this.texts.length;
        writeKeptHeaders(this.texts, h);
        t.requestHeadersEnd = this.texts.length;
      }
      t.requestBodyDeclared = h.contentLength >= 0 ? h.contentLength : -1;
      t.requestFirstFrame = firstFrame;
      t.requestFirstTime = firstTime;
      if (this.pending.length >= MAX_PENDING) {
        this.pending.shift();
        this.pendingDropped++;
      }
      this.pending.push(t);
      if (!keepsAlive(h)) side.closeSent = true;
      this.persistent = keepsAlive(h);
    } else {
      this.responses++;
      const head = this.pending[0];
      if (h.status >= 100 && h.status < 200 && h.status !== 101) {
        if (head !== undefined) head.infoStatus = h.status;
        side.current = null;
        side.st = St.Start;
        side.firstFrame = -1;
        return;
      }
      t = head ?? this.open(firstTime);
      if (head !== undefined) this.pending.shift();
      t.version = h.version;
      t.status = h.status;
      if (h.status === 101) t.infoStatus = 101;
      if (t.listed) {
        t.responseHeadersAt = this.texts.length;
        writeKeptHeaders(this.texts, h);
        t.responseHeadersEnd = this.texts.length;
      }
      t.responseBodyDeclared = h.contentLength >= 0 ? h.contentLength : -1;
      t.responseFirstFrame = firstFrame;
      t.responseFirstTime = firstTime;
      if (!keepsAlive(h)) side.closeSent = true;
      this.persistent = (this.persistent ?? true) && keepsAlive(h);
    }
    if (side.afterGap) {
      t.gap = true;
      side.afterGap = false;
    }
    side.current = t;
    side.firstFrame = -1;
    // Only a listed transaction's decoded length is kept (the record lists the first MAX_LISTED):
    // the others' bodies are not inflated.
    const coding = h.contentCoding === '' || !t.listed ? null : countedCoding(h.contentCoding);
    // Always set: a message whose framing a gap lost never reached messageEnd, and its decoder must
    // not count the next message's body.
    side.decoder = coding === null ? null : new DecodedLength(coding);
    if (coding !== null) {
      if (h.isRequest) t.requestBodyDecoded = 0;
      else t.responseBodyDecoded = 0;
    }
    // Framing (RFC 9112 §6.3).
    if (!h.isRequest) {
      const m = t.method;
      if (h.status === 101 || (m === 'CONNECT' && h.status >= 200 && h.status < 300)) {
        this.tunnel = true;
        this.messageEnd(dir, side, at);
        this.sides[0].st = St.Stopped;
        this.sides[1].st = St.Stopped;
        return;
      }
      if (m === 'HEAD' || h.status === 204 || h.status === 304) return this.messageEnd(dir, side, at);
    }
    if (h.hasTransferEncoding && h.chunked) {
      side.st = St.ChunkSize;
      this.resetLine(side);
    } else if (h.hasTransferEncoding && !h.isRequest) side.st = St.Close;
    else if (h.contentLength >= 0) {
      side.remaining = h.contentLength;
      side.st = St.Length;
      if (h.contentLength === 0) this.messageEnd(dir, side, at);
    } else if (h.isRequest) this.messageEnd(dir, side, at);
    else side.st = St.Close;
  }

  private open(firstTime: number): Transaction {
    this.transactions++;
    const listed = this.listed.length < MAX_LISTED;
    const t = this.spare.pop() ?? new Transaction();
    t.init(this.transactions, this.lastEnd >= 0 ? Math.max(0, firstTime - this.lastEnd) : null, listed);
    // Beyond the listed ones a transaction lives only while it is in flight.
    if (listed) this.listed.push(t);
    return t;
  }

  private messageEnd(dir: 0 | 1, side: Side, at: Arrival): void {
    const t = side.current;
    if (side.decoder !== null) {
      side.decoder.end();
      if (t !== null) {
        if (side.isRequest) t.requestBodyDecoded = side.decoder.counted();
        else t.responseBodyDecoded = side.decoder.counted();
      }
      side.decoder = null;
    }
    if (t !== null) {
      if (side.isRequest) {
        t.requestLastFrame = at.frame;
        t.requestLastTime = at.time;
      } else {
        t.responseLastFrame = at.frame;
        t.responseLastTime = at.time;
        t.complete = t.requestLastFrame >= 0 || t.method === null;
        this.lastEnd = at.time;
        // An unlisted transaction is done with once answered (nothing else names it, unless its
        // request is still arriving): reused by the next one, as a long keep-alive connection's
        // transactions past MAX_LISTED were most of the layer's garbage (~160 MB on the benchmark).
        if (!t.listed && this.sides[dir === 0 ? 1 : 0].current !== t && this.spare.length < MAX_SPARE) this.spare.push(t);
      }
    }
    side.current = null;
    side.st = side.st === St.Stopped ? St.Stopped : St.Start;
  }

  private resetLine(side: Side): void {
    side.sizeAcc = 0;
    side.sizeDigits = 0;
    side.sizeDone = false;
    side.sizeZeros = false;
    side.lineLen = 0;
  }

  /** Chunk-size lines (with extensions), the CRLF after chunk data, trailer lines (RFC 9112 §7.1). */
  private chunkLine(dir: 0 | 1, side: Side, b: Uint8Array, i: number, e: number, at: Arrival): number {
    while (i < e) {
      const c = b[i++]!;
      if (c !== 0x0a) {
        if (side.st === St.ChunkSize && !side.sizeDone) {
          const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
          if (v >= 0) {
            side.sizeAcc = side.sizeAcc * 16 + v;
            // Leading zeros do not count toward the bound on significant digits.
            if (side.sizeAcc > 0) side.sizeDigits++;
            else side.sizeZeros = true;
          } else side.sizeDone = true; // extension or CR
        }
        if (c !== 0x0d) side.lineLen++;
        if (side.lineLen > MAX_HEAD) {
          this.oversized++;
          side.st = St.Stopped;
          return e;
        }
        continue;
      }
      // End of a line.
      if (side.st === St.ChunkDataEnd) {
        side.st = St.ChunkSize;
        this.resetLine(side);
        continue;
      }
      if (side.st === St.ChunkSize) {
        if ((side.sizeDigits === 0 && !side.sizeZeros) || side.sizeDigits > 13 || !Number.isSafeInteger(side.sizeAcc)) {
          // Chunk sizes beyond 2^52 (2^64 overflow attempts) are not framing anyone can follow.
          this.malformed++;
          this.problems |= P_MALFORMED;
          side.current = null;
          side.st = St.Resync;
          return i;
        }
        if (side.sizeAcc === 0) {
          side.st = St.Trailer;
          side.lineLen = 0;
          continue;
        }
        side.remaining = side.sizeAcc;
        side.st = St.ChunkData;
        return i;
      }
      // Trailer section: ends with an empty line.
      if (side.lineLen === 0) {
        this.messageEnd(dir, side, at);
        return i;
      }
      side.lineLen = 0;
    }
    return i;
  }

  /** After lost framing: skip to a line that starts a message. */
  private resync(side: Side, b: Uint8Array, i: number, e: number): number {
    let lineStart = side.afterGap && side.len === 0 ? i : -1;
    for (let j = i; j < e; j++) {
      if (j === lineStart || (j > i && b[j - 1] === 0x0a) || (j === i && side.len === 1)) {
        if (looksLikeResponse(b, j, e) || startsWithRegisteredMethod(b, j, e)) {
          side.st = St.Start;
          side.len = 0;
          return j;
        }
      }
    }
    // Remember whether the call ended at a line end (the next one starts a line).
    side.len = e > i && b[e - 1] === 0x0a ? 1 : 0;
    side.afterGap = side.afterGap && lineStart >= 0 ? true : side.afterGap;
    return e;
  }
}
