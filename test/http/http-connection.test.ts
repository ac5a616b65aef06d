/**
 * The HTTP/1.x analyzer over the stream reassembly (tcp/stream-reassembly.ts): segments in, the
 * connection's JSON (`connections[].http`) out, through the same encode/decode the engine uses.
 */
import test from 'ava';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { ACK, FIN, RST, SYN, Segment } from '../../src/decode/segment.js';
import { StreamReassembly } from '../../src/tcp/stream-reassembly.js';
import { ByteWriter } from '../../src/tcp/varint.js';
import { HttpConnection, MAX_HEAD, MAX_LISTED } from '../../src/http/http-connection.js';
import { decodeHttp, encodeHttp, type HttpJson } from '../../src/http/http-record.js';

const CLIENT_ISN = 1000;
const SERVER_ISN = 50000;

/** A two-sided conversation: side 0 is the client. Sequence numbers advance unless told. */
class Conversation {
  readonly http = new HttpConnection();
  readonly r = new StreamReassembly(this.http, undefined, true);
  frame = 0;
  time = 100;
  readonly next: [number, number] = [CLIENT_ISN + 1, SERVER_ISN + 1];

  constructor() {
    this.seg(0, SYN, CLIENT_ISN, new Uint8Array(0));
    this.seg(1, SYN | ACK, SERVER_ISN, new Uint8Array(0));
  }

  seg(side: 0 | 1, flags: number, seq: number, payload: Uint8Array, ack?: number): void {
    const s = new Segment();
    s.frame = ++this.frame;
    this.time += 0.001;
    s.time = this.time;
    s.flags = flags;
    s.seq = seq >>> 0;
    s.ack = (ack ?? this.next[side === 0 ? 1 : 0]) >>> 0;
    s.data = payload;
    s.payloadOffset = 0;
    s.payloadLength = payload.length;
    s.payloadCaptured = payload.length;
    this.r.add(s, side);
  }

  /** Sends `text` from `side` as one segment (or `seq` for a retransmission / out-of-order one). */
  send(side: 0 | 1, text: string | Uint8Array, seq?: number, ack?: number): void {
    const bytes = typeof text === 'string' ? latin1(text) : text;
    const at = seq ?? this.next[side];
    this.seg(side, ACK | 0x08, at, bytes, ack);
    if (seq === undefined) this.next[side] = (this.next[side] + bytes.length) >>> 0;
  }

  /** `text` as segments of `size` bytes. */
  sendSplit(side: 0 | 1, text: string, size: number): void {
    for (let k = 0; k < text.length; k += size) this.send(side, text.slice(k, k + size));
  }

  fin(side: 0 | 1): void {
    this.seg(side, FIN | ACK, this.next[side], new Uint8Array(0));
    this.next[side]++;
  }

  rst(side: 0 | 1): void {
    this.seg(side, RST, this.next[side], new Uint8Array(0));
  }

  result(): HttpJson {
    this.r.finish();
    this.http.finish();
    const w = new ByteWriter();
    const n = encodeHttp(this.http, 0, w);
    return decodeHttp(w.bytes, 0, n);
  }
}

function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

const GET = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: example\r\n${extra}\r\n`;
const OK = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

test('a keep-alive exchange: methods, targets, status, headers, bodies, frames and idle time', (t) => {
  const c = new Conversation();
  c.send(0, GET('/a', 'Connection: keep-alive\r\n'));
  c.send(1, OK('hello', 'Keep-Alive: timeout=5, max=100\r\n'));
  c.time += 2;
  c.send(0, GET('/b'));
  c.send(1, OK('world!'));
  c.fin(1);
  c.fin(0);
  const h = c.result();
  t.is(h.protocol, 'http/1.1');
  t.is(h.requests, 2);
  t.is(h.responses, 2);
  t.true(h.persistent);
  t.deepEqual(h.ended, { by: 'server', how: 'fin', when: 'idle' });
  t.deepEqual(h.problems, []);
  const [a, b] = h.transactions;
  t.is(a!.method, 'GET');
  t.is(a!.target, '/a');
  t.is(a!.status, 200);
  t.is(a!.trans_depth, 1);
  t.deepEqual(a!.request!.headers, { Connection: 'keep-alive', Host: 'example' });
  t.deepEqual(a!.response!.headers, { 'Keep-Alive': 'timeout=5, max=100', 'Content-Length': '5' });
  t.is(a!.response!.bodyDeclared, 5);
  t.is(a!.response!.bodyDelivered, 5);
  t.is(a!.request!.firstFrame, 3);
  t.is(a!.response!.firstFrame, 4);
  t.true(a!.complete);
  t.is(a!.idleSec, null);
  t.is(b!.target, '/b');
  t.true(b!.idleSec! > 1.99 && b!.idleSec! < 2.01);
});

test('a retransmitted segment in the middle of a header block is parsed once', (t) => {
  const c = new Conversation();
  const req = GET('/retransmitted', 'Connection: close\r\n');
  const start = c.next[0];
  c.send(0, req.slice(0, 10));
  c.send(0, req.slice(10, 20));
  c.send(0, req.slice(10, 20), start + 10); // the retransmission
  c.send(0, req.slice(20));
  c.send(1, OK('x'));
  const h = c.result();
  t.is(h.requests, 1);
  t.is(h.transactions[0]!.target, '/retransmitted');
  t.is(h.transactions[0]!.request!.firstFrame, 3);
  t.is(h.transactions[0]!.request!.lastFrame, 6);
  t.false(h.persistent);
});

test('an overlap with different bytes keeps the first copy', (t) => {
  const c = new Conversation();
  const start = c.next[0];
  c.send(0, 'GET /first HTTP/1.1\r\n');
  c.send(0, 'GET /other', start); // same sequence space, different bytes
  c.send(0, 'Host: x\r\n\r\n');
  const h = c.result();
  t.is(h.transactions[0]!.target, '/first');
  t.is(c.r.counters.inconsistentBytes > 0, true);
});

test('out-of-order segments are parsed in sequence order', (t) => {
  const c = new Conversation();
  const req = GET('/ooo');
  const start = c.next[0];
  c.send(0, req.slice(12), start + 12);
  c.send(0, req.slice(0, 12), start);
  c.next[0] = start + req.length;
  c.send(1, OK('abc'));
  const h = c.result();
  t.is(h.transactions[0]!.target, '/ooo');
  t.is(h.transactions[0]!.status, 200);
  t.true(h.transactions[0]!.complete);
  // The request began in the later frame (4) and ended in the earlier, held one (3): both kept, and
  // the record reads on correctly after them (it had taken the negative delta for "no last frame").
  const request = h.transactions[0]!.request!;
  t.is(request.firstFrame, 4);
  t.is(request.lastFrame, 3);
  t.deepEqual(request.headers, { Host: 'example' });
  t.deepEqual(h.transactions[0]!.response!.headers, { 'Content-Length': '3' });
});

test('a response split across many segments: framing by Content-Length, last byte frame', (t) => {
  const c = new Conversation();
  c.send(0, GET('/big'));
  const body = 'z'.repeat(3000);
  const first = c.frame + 1;
  c.sendSplit(1, OK(body), 100);
  const h = c.result();
  const r = h.transactions[0]!.response!;
  t.is(r.firstFrame, first);
  t.is(r.lastFrame, c.frame);
  t.is(r.bodyDelivered, 3000);
  t.true(h.transactions[0]!.complete);
});

test('a gap inside a known-length body is skipped; the next transaction is parsed', (t) => {
  const c = new Conversation();
  c.send(0, GET('/one'));
  c.send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + 'a'.repeat(100));
  c.next[1] += 800; // 800 bytes never captured
  c.send(1, 'b'.repeat(100));
  c.send(0, GET('/two'));
  c.send(1, OK('ok'));
  c.fin(1); // the FIN declares nothing more lost
  const h = c.result();
  t.is(h.transactions.length, 2);
  const one = h.transactions[0]!;
  t.true(one.gap);
  t.is(one.response!.bodyDelivered, 200);
  t.is(one.response!.bodyMissing, 800);
  t.is(h.transactions[1]!.target, '/two');
  t.is(h.transactions[1]!.status, 200);
  t.false(h.transactions[1]!.gap);
  t.true(h.problems.includes('gap'));
});

test('a gap that swallows a start line: scan for the next one and mark the transaction gap', (t) => {
  const c = new Conversation();
  c.send(0, GET('/one'));
  c.send(1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
  c.next[1] += 50; // lost: the rest of the chunked body
  c.send(1, 'garbage\r\n');
  c.send(0, GET('/two'));
  c.send(1, OK('ok'));
  const h = c.result();
  t.is(h.transactions[0]!.complete, false);
  t.is(h.transactions[1]!.status, 200);
  t.true(h.transactions[1]!.gap);
});

test('pipelining: responses match requests in order; HEAD framing from the FIFO', (t) => {
  const c = new Conversation();
  c.send(0, 'HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n' + GET('/g'));
  // The HEAD response declares a length but has no body: the next bytes are the next response.
  c.send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n' + OK('body'));
  const h = c.result();
  t.is(h.requests, 2);
  t.is(h.responses, 2);
  t.is(h.transactions[0]!.method, 'HEAD');
  t.is(h.transactions[0]!.response!.bodyDelivered, 0);
  t.is(h.transactions[1]!.response!.bodyDelivered, 4);
  t.true(h.transactions[1]!.complete);
});

test('100-continue, chunked with extensions and trailers, 204 and 304 without body', (t) => {
  const c = new Conversation();
  c.send(0, 'POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n');
  c.send(1, 'HTTP/1.1 100 Continue\r\n\r\n');
  c.send(0, 'abc');
  c.send(1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\nwxyz\r\n0\r\nX-Trailer: 1\r\n\r\n');
  c.send(0, GET('/nc'));
  c.send(1, 'HTTP/1.1 204 No Content\r\n\r\n');
  c.send(0, GET('/nm'));
  c.send(1, 'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n');
  const h = c.result();
  const [up, nc, nm] = h.transactions;
  t.is(up!.interimStatus, 100);
  t.is(up!.status, 200);
  t.is(up!.request!.bodyDelivered, 3);
  t.is(up!.response!.bodyDelivered, 4);
  t.true(up!.complete);
  t.is(nc!.status, 204);
  t.true(nc!.complete);
  t.is(nm!.status, 304);
  t.true(nm!.complete);
  t.is(h.transactions.length, 3);
});

test('HTTP/1.0 persistence: closes unless keep-alive is asked; close-delimited body ends with FIN', (t) => {
  const c = new Conversation();
  c.send(0, 'GET / HTTP/1.0\r\n\r\n');
  c.send(1, 'HTTP/1.0 200 OK\r\n\r\nuntil the end');
  c.fin(1);
  const h = c.result();
  t.is(h.protocol, 'http/1.0');
  t.false(h.persistent);
  t.is(h.transactions[0]!.response!.bodyDelivered, 13);
  t.true(h.transactions[0]!.complete);
  t.deepEqual(h.ended, { by: 'server', how: 'fin', when: 'idle' });

  const k = new Conversation();
  k.send(0, 'GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n');
  k.send(1, 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok');
  t.true(k.result().persistent);

  // Header names and tokens in any case, compared on the bytes; only letters have a case (a CR is no
  // '-' however it is folded: `keep\ralive` asks for nothing).
  const u = new Conversation();
  u.send(0, 'GET / HTTP/1.0\r\nCONNECTION: KEEP-ALIVE\r\n\r\n');
  u.send(1, 'HTTP/1.0 200 OK\r\ncOnNeCtIoN: Keep-Alive\r\nCONTENT-LENGTH: 2\r\n\r\nok');
  const uh = u.result();
  t.true(uh.persistent);
  t.is(uh.transactions[0]!.response!.bodyDeclared, 2);
  const cr = new Conversation();
  cr.send(0, 'GET / HTTP/1.0\r\nConnection: keep\ralive\r\n\r\n');
  cr.send(1, 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok');
  t.false(cr.result().persistent);
});

test('a RST in the middle of a chunked response: incomplete, ended mid-response', (t) => {
  const c = new Conversation();
  c.send(0, GET('/cut'));
  c.send(1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789');
  c.rst(1);
  const h = c.result();
  t.false(h.transactions[0]!.complete);
  t.is(h.transactions[0]!.response!.bodyDelivered, 10);
  t.deepEqual(h.ended, { by: 'server', how: 'rst', when: 'mid-response' });
});

test('a request unanswered when the server closes', (t) => {
  const c = new Conversation();
  c.send(0, GET('/late'));
  c.fin(1);
  t.deepEqual(c.result().ended, { by: 'server', how: 'fin', when: 'request-unanswered' });
});

test('CONNECT 200 and 101 Upgrade stop parsing: the tunnel bytes are not HTTP', (t) => {
  const c = new Conversation();
  c.send(0, 'CONNECT host:443 HTTP/1.1\r\nHost: host:443\r\n\r\n');
  c.send(1, 'HTTP/1.1 200 Connection established\r\n\r\n');
  c.send(0, 'GET /not-http HTTP/1.1\r\n\r\n');
  const h = c.result();
  t.is(h.requests, 1);
  t.true(h.problems.includes('stopped-tunnel'));

  const u = new Conversation();
  u.send(0, GET('/ws', 'Connection: Upgrade\r\nUpgrade: websocket\r\n'));
  u.send(1, 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello');
  const w = u.result();
  t.is(w.transactions[0]!.status, 101);
  t.is(w.transactions[0]!.response!.headers['Upgrade'], 'websocket');
  t.is(w.responses, 1);
});

test('strict-parser problems: conflicting Content-Length, TE with CL, obs-fold, bare LF, data after close', (t) => {
  const c = new Conversation();
  c.send(0, 'POST /a HTTP/1.1\nHost: x\nContent-Length: 1\nContent-Length: 2\n\nab');
  c.send(0, 'POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nX-Long: a\r\n b\r\nConnection: close\r\n\r\n0\r\n\r\n');
  c.send(0, GET('/after-close'));
  const h = c.result();
  for (const p of ['bare-lf', 'conflicting-content-length', 'transfer-encoding-with-content-length', 'obs-fold', 'data-after-close']) {
    t.true(h.problems.includes(p), p);
  }
});

test('recognition: TLS is marked and left alone, other protocols stop after the first bytes, any port', (t) => {
  const tls = new Conversation();
  tls.send(0, Uint8Array.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
  tls.send(1, GET('/x'));
  const h = tls.result();
  t.is(h.protocol, 'tls');
  t.is(h.requests, 0);

  const ssh = new Conversation();
  ssh.send(1, 'SSH-2.0-OpenSSH_9.6 Ubuntu\r\n');
  ssh.send(0, 'SSH-2.0-OpenSSH_9.6\r\n');
  ssh.send(0, GET('/'));
  t.is(ssh.result().protocol, 'other');
  t.is(ssh.result().requests, 0);

  // Either direction decides: a GET sent to an SSH server is HTTP, unanswered, the banner malformed
  // (Zeek logs this request too: corpus zeek-http-get-to-ssh-server).
  const getToSsh = new Conversation();
  getToSsh.send(1, 'SSH-2.0-OpenSSH_9.6 Ubuntu\r\n');
  getToSsh.send(0, GET('/'));
  const g = getToSsh.result();
  t.is(g.protocol, 'http/1.1');
  t.is(g.requests, 1);
  t.is(g.responses, 0);
  t.true(g.problems.includes('malformed-message'));

  // A request typed a byte a segment is still recognised.
  const slow = new Conversation();
  slow.sendSplit(0, GET('/typed'), 1);
  t.is(slow.result().transactions[0]!.target, '/typed');
});

test('recognition: mail, file-transfer and chat commands are not HTTP; an unregistered method is, by its version', (t) => {
  // Upper-case token + SP is what SMTP, FTP and IRC commands look like too (corpus pcapparser-smtp,
  // zeek-ftp-bigtransfer): a request must start with a registered method or carry an HTTP version.
  for (const [banner, command] of [['220 mail.example ESMTP\r\n', 'EHLO GP\r\n'], ['220 FTP ready\r\n', 'USER ftp\r\n'], ['', 'NICK zeek\r\nUSER a b c :d\r\n']] as const) {
    const c = new Conversation();
    if (banner !== '') c.send(1, banner);
    c.send(0, command);
    c.send(0, 'AUTH LOGIN\r\n');
    const h = c.result();
    t.is(h.protocol, 'other', command);
    t.is(h.requests, 0, command);
  }
  const custom = new Conversation();
  custom.sendSplit(0, 'CCM_POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', 7);
  custom.send(1, OK('ok'));
  const h = custom.result();
  t.is(h.protocol, 'http/1.1');
  t.is(h.transactions[0]!.method, 'CCM_POST');
  t.is(h.transactions[0]!.status, 200);
  const noVersion = new Conversation();
  noVersion.send(0, 'FROB /x\r\n');
  t.is(noVersion.result().protocol, 'other');
  const simple = new Conversation();
  simple.send(0, 'GET /old\r\n');
  simple.send(1, 'hello');
  simple.fin(1);
  t.is(simple.result().transactions[0]!.version, '0.9');
});

test('Content-Encoding gzip, x-gzip, deflate (zlib or raw): the decoded length is counted, the wire length kept', (t) => {
  const text = 'the same line again and again\n'.repeat(200);
  const bodies: [string, Buffer][] = [
    ['gzip', gzipSync(text)], ['x-gzip', gzipSync(text)], ['deflate', deflateSync(text)], ['deflate', deflateRawSync(text)],
  ];
  for (const [coding, body] of bodies) {
    const c = new Conversation();
    c.send(0, GET('/z'));
    const head = `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nContent-Encoding: ${coding}\r\n\r\n`;
    c.send(1, head);
    for (let k = 0; k < body.length; k += 100) c.send(1, body.subarray(k, k + 100));
    const r = c.result().transactions[0]!.response!;
    t.is(r.bodyDelivered, body.length, coding);
    t.is(r.bodyDecoded, text.length, coding);
  }
  // Chunked and gzip: de-chunked first, then inflated.
  const z = gzipSync(text);
  const chunked = new Conversation();
  chunked.send(0, GET('/c'));
  chunked.send(1, `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n${z.length.toString(16)}\r\n`);
  chunked.send(1, z);
  chunked.send(1, '\r\n0\r\n\r\n');
  t.is(chunked.result().transactions[0]!.response!.bodyDecoded, text.length);
  // Not counted: no coding, a coding we do not count, a broken stream, a gap.
  const plain = new Conversation();
  plain.send(0, GET('/p'));
  plain.send(1, OK('hello'));
  t.is(plain.result().transactions[0]!.response!.bodyDecoded, null);
  const brotli = new Conversation();
  brotli.send(0, GET('/b'));
  brotli.send(1, OK('xxxx', 'Content-Encoding: br\r\n'));
  t.is(brotli.result().transactions[0]!.response!.bodyDecoded, null);
  const broken = new Conversation();
  broken.send(0, GET('/x'));
  broken.send(1, OK('not gzip at all', 'Content-Encoding: gzip\r\n'));
  const bx = broken.result().transactions[0]!.response!;
  t.is(bx.bodyDecoded, null);
  t.is(bx.bodyDelivered, 15);
  const lost = new Conversation();
  lost.send(0, GET('/l'));
  lost.send(1, `HTTP/1.1 200 OK\r\nContent-Length: ${z.length}\r\nContent-Encoding: gzip\r\n\r\n`);
  lost.send(1, z.subarray(0, 20));
  lost.next[1] = (lost.next[1] + 30) >>> 0;
  lost.send(1, z.subarray(50));
  lost.fin(1);
  t.is(lost.result().transactions[0]!.response!.bodyDecoded, null);
});

test('a gap that loses the framing of a deflate body: the next message is not counted by its inflater', (t) => {
  const c = new Conversation();
  c.send(0, GET('/z') + GET('/plain'));
  // Raw deflate, one final stored block of 5 bytes: its header arrives, then a gap runs past the
  // 32-byte chunk, so the framing is lost (resynchronised at the next status line).
  c.send(1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: deflate\r\n\r\n20\r\n');
  c.send(1, Uint8Array.from([0x01, 0x05, 0x00, 0xfa, 0xff]));
  c.next[1] = (c.next[1] + 100) >>> 0;
  // A plain response whose 5 body bytes would complete that stored block.
  c.send(1, OK('hello'));
  const r = c.result();
  t.is(r.transactions.length, 2);
  const plain = r.transactions[1]!.response!;
  t.is(plain.bodyDelivered, 5);
  t.is(plain.bodyDecoded, null, 'a message without Content-Encoding has no decoded length');
});

test('hostile: a header block over 64 KiB stops the direction (oversized) without holding more', (t) => {
  const c = new Conversation();
  c.send(0, 'GET / HTTP/1.1\r\n');
  const line = `X-Big: ${'a'.repeat(1000)}\r\n`;
  for (let k = 0; k * line.length <= MAX_HEAD + 2000; k++) c.send(0, line);
  c.send(0, '\r\n');
  const h = c.result();
  t.true(h.problems.includes('oversized-header-block'));
  t.is(h.requests, 0);
  // A megabyte header line in one piece is the same.
  const m = new Conversation();
  m.send(0, `GET / HTTP/1.1\r\nX: ${'b'.repeat(1 << 20)}\r\n\r\n`);
  t.true(m.result().problems.includes('oversized-header-block'));
});

test('hostile: chunk size 2^64 is malformed (no framing anyone can follow); endless chunked is counted', (t) => {
  const c = new Conversation();
  c.send(0, 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nAAAA');
  t.true(c.result().problems.includes('malformed-message'));

  const e = new Conversation();
  e.send(0, GET('/stream'));
  e.send(1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
  for (let k = 0; k < 2000; k++) e.send(1, '400\r\n' + 'x'.repeat(1024) + '\r\n');
  const h = e.result();
  t.is(h.transactions[0]!.response!.bodyDelivered, 2000 * 1024);
  t.false(h.transactions[0]!.complete);
});

test('hostile: binary noise on port 80 is "other"; leading zeros in a chunk size are no overflow', (t) => {
  const c = new Conversation();
  c.send(0, Uint8Array.from({ length: 512 }, (_, k) => (k * 97 + 13) & 0xff));
  t.is(c.result().protocol, 'other');

  const z = new Conversation();
  z.send(0, GET('/z'));
  z.send(1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000000003\r\nabc\r\n0\r\n\r\n');
  const h = z.result();
  t.is(h.transactions[0]!.response!.bodyDelivered, 3);
  t.true(h.transactions[0]!.complete);
});

test('hostile: a million tiny pipelined requests are all counted, the first 64 listed, memory bounded', (t) => {
  const c = new Conversation();
  const batch = 'GET / HTTP/1.1\r\n\r\n'.repeat(1000);
  const before = process.memoryUsage().heapUsed;
  for (let k = 0; k < 1000; k++) c.send(0, batch);
  const h = c.result();
  t.is(h.requests, 1_000_000);
  t.is(h.transactionCount, 1_000_000);
  t.is(h.transactions.length, MAX_LISTED);
  t.true(h.problems.includes('pending-overflow'));
  t.true(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
});

test('strings from the capture are cut to 256 characters', (t) => {
  const c = new Conversation();
  c.send(0, GET('/' + 'p'.repeat(1000)));
  t.is(c.result().transactions[0]!.target!.length, 256);
});
