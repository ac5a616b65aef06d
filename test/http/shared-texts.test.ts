/**
 * Chunks shared between HTTP records (src/http/shared-texts.ts): a repeated target or header set is
 * written once into the store and named by position; records decode to the same JSON either way.
 */
import test from 'ava';
import { HttpConnection } from '../../src/http/http-connection.js';
import { decodeHttp, encodeHttp, type HttpJson } from '../../src/http/http-record.js';
import { SharedTexts } from '../../src/http/shared-texts.js';
import { Arrival } from '../../src/tcp/stream-reassembly.js';
import { SummaryStore } from '../../src/tcp/summary-store.js';
import { ByteWriter } from '../../src/tcp/varint.js';

const at = new Arrival();
at.frame = 1;
at.time = 10;

function exchange(target: string): HttpConnection {
  const h = new HttpConnection();
  const req = Buffer.from(`GET ${target} HTTP/1.1\r\nHost: example\r\nConnection: keep-alive\r\n\r\n`, 'latin1');
  h.data(0, req, 0, req.length, at);
  const res = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok', 'latin1');
  h.data(1, res, 0, res.length, at);
  h.finish();
  return h;
}

/** Encodes into the store as the engine does; returns the record's length and its JSON read back from the store. */
function kept(store: SummaryStore, texts: SharedTexts, h: HttpConnection): { n: number; json: HttpJson } {
  const w = new ByteWriter();
  const n = encodeHttp(h, 0, w, { store, texts });
  const pos = store.appendBytes(w.bytes, n);
  return { n, json: decodeHttp(store.bytePage(pos), store.byteOffsetOf(pos), n, store) };
}

function inline(h: HttpConnection): { n: number; json: HttpJson } {
  const w = new ByteWriter();
  const n = encodeHttp(h, 0, w);
  return { n, json: decodeHttp(w.bytes, 0, n) };
}

test('a repeated target and header set are kept once; every record reads back as written inline', (t) => {
  const store = new SummaryStore();
  const texts = new SharedTexts();
  const first = kept(store, texts, exchange('/a'));
  const second = kept(store, texts, exchange('/a'));
  const plain = inline(exchange('/a'));
  t.deepEqual(first.json, plain.json);
  t.deepEqual(second.json, plain.json);
  t.is(second.json.transactions[0]!.target, '/a');
  t.deepEqual(second.json.transactions[0]!.request!.headers, { Connection: 'keep-alive', Host: 'example' });
  // Three chunks (target, request headers, response headers) named by position, not written again.
  t.true(second.n < plain.n, `${second.n} bytes shared against ${plain.n} inline`);
  t.is(second.n, first.n);
  // The same value read from two records is one object (the findings hold 180 k of them).
  t.is(second.json.transactions[0]!.request!.headers, first.json.transactions[0]!.request!.headers);
});

test('the dictionary is bounded: once full, new chunks are written into their record', (t) => {
  const store = new SummaryStore();
  const texts = new SharedTexts();
  let shared = 0;
  for (let k = 0; k < 40_000; k++) {
    const target = Buffer.from(`\u0005/t${k}`, 'latin1');
    if (texts.positionOf(store, target, 0, target.length) >= 0) shared++;
  }
  t.is(shared, 32_768);
  // New chunks now go inline (byte for byte the record written without sharing), and read back.
  const r = kept(store, texts, exchange('/after-full'));
  const plain = inline(exchange('/after-full'));
  t.is(r.n, plain.n);
  t.deepEqual(r.json, plain.json);
  // A chunk kept before is still found.
  const again = Buffer.from('\u0005/t7', 'latin1');
  t.true(texts.positionOf(store, again, 0, again.length) >= 0);
});

test('a chunk longer than the bound is never shared', (t) => {
  const store = new SummaryStore();
  const texts = new SharedTexts();
  const long = new Uint8Array(2000).fill(0x41);
  t.is(texts.positionOf(store, long, 0, long.length), -1);
});
