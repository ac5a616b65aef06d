/**
 * `node dist/bench/http-parsers.js`: why src/http/ has its own parser. The same keep-alive byte streams
 * (requests and responses as the benchmark capture's clients and nginx send them, cut into 1448-byte
 * segments) go through our HttpConnection and through http-parser-js (the maintained pure-JS parser,
 * as Node's own http module once used it); the transactions found and the time taken are printed.
 * What http-parser-js cannot do at all is listed in the README (byte offsets per message, resync after
 * a gap, recording what a strict parser rejects instead of stopping).
 */
import { performance } from 'node:perf_hooks';
import { HTTPParser } from 'http-parser-js';
import { HttpConnection } from '../src/http/http-connection.js';
import { Arrival } from '../src/tcp/stream-reassembly.js';

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20000);
const PER_CONNECTION = 3;
const SEGMENT = 1448;

function request(k: number): string {
  return `GET /item/${k}?session=ab12cd34&page=2 HTTP/1.1\r\nHost: shop.example:8080\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n`
    + 'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: identity\r\n'
    + 'Connection: keep-alive\r\nCookie: sid=0123456789abcdef; theme=dark\r\n\r\n';
}

function response(size: number): string {
  return 'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 07 Dec 2026 05:00:00 GMT\r\nContent-Type: text/html\r\n'
    + `Content-Length: ${size}\r\nLast-Modified: Sun, 06 Dec 2026 16:00:00 GMT\r\nConnection: keep-alive\r\nETag: "6571a2b0-${size.toString(16)}"\r\n`
    + `Accept-Ranges: bytes\r\n\r\n${'x'.repeat(size)}`;
}

function segments(text: string): Uint8Array[] {
  const bytes = Buffer.from(text, 'latin1');
  const out: Uint8Array[] = [];
  for (let k = 0; k < bytes.length; k += SEGMENT) out.push(bytes.subarray(k, k + SEGMENT));
  return out;
}

/** One connection's two directions, in the order the wire carries them. */
const streams: { c: Uint8Array[]; s: Uint8Array[] }[] = [];
for (let k = 0; k < 200; k++) {
  let c = '';
  let s = '';
  for (let j = 0; j < PER_CONNECTION; j++) {
    c += request(k * 10 + j);
    s += response(600 + ((k * 7919 + j * 104729) % 20000));
  }
  streams.push({ c: segments(c), s: segments(s) });
}
const bytesPerRound = streams.reduce((n, x) => n + [...x.c, ...x.s].reduce((m, b) => m + b.length, 0), 0) / streams.length;

function ours(): number {
  let transactions = 0;
  const at = new Arrival();
  for (let n = 0; n < CONNECTIONS; n++) {
    const { c, s } = streams[n % streams.length]!;
    const h = new HttpConnection();
    for (const b of c) h.data(0, b, 0, b.length, at);
    for (const b of s) h.data(1, b, 0, b.length, at);
    h.finish();
    transactions += h.responses;
  }
  return transactions;
}

function theirs(): number {
  let transactions = 0;
  for (let n = 0; n < CONNECTIONS; n++) {
    const { c, s } = streams[n % streams.length]!;
    const req = new HTTPParser(HTTPParser.REQUEST);
    const res = new HTTPParser(HTTPParser.RESPONSE);
    res[HTTPParser.kOnMessageComplete] = () => {
      transactions++;
    };
    for (const b of c) req.execute(Buffer.from(b.buffer, b.byteOffset, b.length));
    for (const b of s) res.execute(Buffer.from(b.buffer, b.byteOffset, b.length));
    req.finish();
    res.finish();
  }
  return transactions;
}

function time(name: string, f: () => number): void {
  f();
  const runs: number[] = [];
  let found = 0;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    found = f();
    runs.push(performance.now() - t0);
  }
  const ms = runs.sort((a, b) => a - b)[2]!;
  const mb = (bytesPerRound * CONNECTIONS) / 1e6;
  process.stdout.write(`${name.padEnd(16)} ${found} transactions  ${ms.toFixed(0)} ms  ${(mb / (ms / 1000)).toFixed(0)} MB/s  ${((found / ms) * 1000).toFixed(0)} transactions/s\n`);
}

time('src/http', ours);
time('http-parser-js', theirs);
