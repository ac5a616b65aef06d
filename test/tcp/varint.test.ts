/** The summary store's varints (varint.ts) and byte pages (summary-store.ts). */
import test from 'ava';
import { ByteReader, ByteWriter } from '../../src/tcp/varint.js';
import { SummaryStore } from '../../src/tcp/summary-store.js';

const edges = [0, 1, 127, 128, 255, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];

test('unsigned varints round-trip from 0 to 2^53 - 1, in as many bytes as LEB128 needs', (t) => {
  const w = new ByteWriter();
  for (const v of edges) w.unsigned(v);
  const r = new ByteReader().at(w.bytes, 0);
  for (const v of edges) t.is(r.unsigned(), v);
  t.is(r.pos, w.length);
  const one = new ByteWriter();
  one.unsigned(127);
  t.is(one.length, 1);
  one.reset();
  one.unsigned(128);
  t.is(one.length, 2);
  one.reset();
  one.unsigned(Number.MAX_SAFE_INTEGER);
  t.is(one.length, 8);
});

test('signed varints (zigzag) round-trip both signs up to 2^52; small magnitudes take one byte', (t) => {
  const w = new ByteWriter();
  const values = edges.filter((v) => v < 2 ** 52).flatMap((v) => [v, -v]).concat([2 ** 52 - 1, -(2 ** 52 - 1)]).concat([-1, -64, 63, -(2 ** 31), 2 ** 31 - 1]);
  for (const v of values) w.signed(v);
  const r = new ByteReader().at(w.bytes, 0);
  for (const v of values) t.is(r.signed(), v === 0 ? 0 : v);
  const small = new ByteWriter();
  small.signed(-64);
  small.signed(63);
  t.is(small.length, 2);
});

test('values the store never holds (NaN, Infinity, negative unsigned) are written as 0, never looping', (t) => {
  const w = new ByteWriter();
  for (const v of [NaN, Infinity, -Infinity, -5]) w.unsigned(v);
  const r = new ByteReader().at(w.bytes, 0);
  for (let k = 0; k < 4; k++) t.is(r.unsigned(), 0);
});

test('the writer grows past its initial buffer', (t) => {
  const w = new ByteWriter();
  for (let k = 0; k < 10_000; k++) w.unsigned(k * 1000);
  const r = new ByteReader().at(w.bytes, 0);
  for (let k = 0; k < 10_000; k++) t.is(r.unsigned(), k * 1000);
});

test('byte slices never cross a page; one larger than a page gets a page of its own', (t) => {
  const store = new SummaryStore();
  const small = new Uint8Array(1000).fill(7);
  const big = new Uint8Array(3 << 20).map((_, k) => k & 0xff);
  let at = 0;
  for (let k = 0; k < 1100; k++) at = store.appendBytes(small, small.length); // crosses the first 1 MiB page
  const page = store.bytePage(at);
  t.is(page[SummaryStore.byteOffset(at) + 999], 7);
  t.true(SummaryStore.byteOffset(at) + 1000 <= page.length);
  const bigAt = store.appendBytes(big, big.length);
  t.is(SummaryStore.byteOffset(bigAt), 0);
  const bigPage = store.bytePage(bigAt);
  t.is(bigPage.length, big.length);
  t.is(bigPage[big.length - 1], (big.length - 1) & 0xff);
  const after = store.appendBytes(small, 10);
  t.not(store.bytePage(after), bigPage);
  t.is(SummaryStore.byteOffset(after), 0);
});
