/**
 * Differential test against the `pcap-parser` npm package: on every classic microsecond pcap (corpus,
 * samples/, and a few written here) our reader yields the same records: count, timestamps, caplen,
 * origlen and bytes. pcap-parser rejects the nanosecond magic; we must not.
 */
import test from 'ava';
import { createRequire } from 'node:module';
import { existsSync, openSync, readSync, closeSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { readAll, TempDir } from '../helpers/io.js';
import { corpusOrSkip, listCaptures } from '../helpers/corpus.js';
import * as W from '../helpers/capture-writer.js';

interface ParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as { parse(input: string): EventEmitter };

// pcap-parser uses the deprecated `new Buffer()`; keep its one-time warning out of the test output.
process.noDeprecation = true;

function parseWithPcapParser(path: string): Promise<{ packets: ParserPacket[]; header: { linkLayerType: number } }> {
  return new Promise((resolve, reject) => {
    const packets: ParserPacket[] = [];
    let header: { linkLayerType: number } | null = null;
    let failed = false;
    const parser = pcapParser.parse(path);
    parser.on('globalHeader', (h: { linkLayerType: number }) => (header = h));
    parser.on('packet', (p: ParserPacket) => packets.push({ header: { ...p.header }, data: Buffer.from(p.data) }));
    parser.on('error', (err: Error) => {
      failed = true;
      reject(err);
    });
    parser.on('end', () => {
      if (!failed) resolve({ packets, header: header ?? { linkLayerType: -1 } });
    });
  });
}

/** Classic pcap with the microsecond magic, in either byte order. */
function isMicrosecondPcap(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    if (readSync(fd, b, 0, 4, 0) < 4) return false;
    return b.readUInt32LE(0) === W.PCAP_MAGIC_US || b.readUInt32BE(0) === W.PCAP_MAGIC_US;
  } finally {
    closeSync(fd);
  }
}

async function compare(t: import('ava').ExecutionContext, path: string): Promise<void> {
  const theirs = await parseWithPcapParser(path);
  const ours = await readAll([path]);
  t.is(ours.frames.length, theirs.packets.length, 'record count');
  t.is(ours.summaries[0]!.format.interfaces[0]!.linkType, theirs.header.linkLayerType & 0x03ffffff, 'link type');
  const n = Math.min(ours.frames.length, theirs.packets.length);
  let mismatches = 0;
  for (let i = 0; i < n && mismatches < 5; i++) {
    const a = ours.frames[i]!;
    const b = theirs.packets[i]!;
    const same =
      a.no === i + 1 &&
      a.tsSec === b.header.timestampSeconds &&
      a.tsNsec === b.header.timestampMicroseconds * 1000 &&
      a.caplen === b.header.capturedLength &&
      a.origlen === b.header.originalLength &&
      a.bytes.equals(b.data);
    if (!same) {
      mismatches++;
      t.fail(`record ${i + 1} differs: ours ${JSON.stringify({ ...a, bytes: a.bytes.length })} pcap-parser ${JSON.stringify(b.header)}`);
    }
  }
  if (mismatches === 0) t.pass();
}

const corpus = corpusOrSkip();
const corpusPcaps = corpus === null ? [] : listCaptures().filter(isMicrosecondPcap);
const samplesDir = join(process.cwd(), 'samples');
const samplePcaps = existsSync(samplesDir)
  ? readdirSync(samplesDir).filter((n) => n.endsWith('.pcap')).sort().map((n) => join(samplesDir, n)).filter(isMicrosecondPcap)
  : [];

for (const path of corpusPcaps) {
  test(`pcap-parser agrees: corpus ${basename(path)}`, (t) => compare(t, path));
}
for (const path of samplePcaps) {
  test(`pcap-parser agrees: samples/${basename(path)}`, (t) => compare(t, path));
}

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

function ownCapture(order: W.ByteOrder): Buffer {
  const records: W.PcapRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const payload = W.pattern(i * 37 % 300, i);
    const ip = i % 3 === 0 ? W.ipv6(W.tcp({ seq: i * 1000, payload })) : W.ipv4(W.tcp({ seq: i * 1000, payload }));
    const frame = W.ethernet(ip);
    // Every 7th frame is cut by a snaplen: caplen < origlen.
    const data = i % 7 === 6 ? frame.subarray(0, 54) : frame;
    records.push({ tsSec: 1_700_000_000 + i, tsFrac: (i * 123_457) % 1_000_000, data, origlen: frame.length });
  }
  return W.pcapFile({ byteOrder: order, linkType: W.LT_ETHERNET, records });
}

test('pcap-parser agrees: own little-endian µs capture', (t) => compare(t, tmp.write('own-le.pcap', ownCapture('little'))));
test('pcap-parser agrees: own big-endian µs capture', (t) => compare(t, tmp.write('own-be.pcap', ownCapture('big'))));
test('pcap-parser agrees: own capture with an empty record and no records', async (t) => {
  const withEmpty = W.pcapFile({ linkType: W.LT_RAW, records: [{ tsSec: 1, tsFrac: 2, data: new Uint8Array(0), origlen: 60 }, { tsSec: 3, tsFrac: 4, data: W.pattern(5) }] });
  await compare(t, tmp.write('empty-record.pcap', withEmpty));
  await compare(t, tmp.write('no-records.pcap', W.pcapFile({ linkType: W.LT_ETHERNET, records: [] })));
});

test('nanosecond pcap: pcap-parser rejects the magic, we read it with exact nanoseconds', async (t) => {
  const records: W.PcapRecord[] = [
    { tsSec: 1_418_145_369, tsFrac: 924_505_488, data: W.ethernet(W.ipv4(W.tcp({ flags: W.SYN }))) },
    { tsSec: 1_418_145_370, tsFrac: 52_115_157, data: W.ethernet(W.ipv4(W.tcp({ flags: W.SYN | W.ACK }))) },
    { tsSec: 1_418_145_370, tsFrac: 999_999_999, data: W.ethernet(W.ipv4(W.tcp())) },
  ];
  for (const order of ['little', 'big'] as const) {
    const path = tmp.write(`nano-${order}.pcap`, W.pcapFile({ byteOrder: order, nanos: true, linkType: W.LT_ETHERNET, records }));
    const err = await t.throwsAsync(parseWithPcapParser(path));
    t.regex(err!.message, /unknown magic number/);
    const ours = await readAll([path]);
    t.is(ours.summaries[0]!.format.tsResolution, 'ns');
    t.deepEqual(ours.frames.map((f) => [f.tsSec, f.tsNsec]), records.map((r) => [r.tsSec, r.tsFrac]));
    t.deepEqual(ours.frames.map((f) => f.bytes), records.map((r) => Buffer.from(r.data)));
  }
});
