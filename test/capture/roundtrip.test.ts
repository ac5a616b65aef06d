/**
 * Round trips: captures written field by field by the test writer, read back by our reader. Covers
 * both pcap byte orders and resolutions, multi-section multi-interface pcapng (global interface ids,
 * per-interface link types and resolutions, if_tsoffset), frame numbering with custom blocks, gzip,
 * standard input, records split across reads, and merging several files in time order.
 */
import test from 'ava';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readAll, TempDir, type CopiedFrame } from '../helpers/io.js';
import * as W from '../helpers/capture-writer.js';
import { NO_PACKET } from '../../src/capture/frame.js';
import { captureInfo } from '../../src/pipeline/info.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

const CLI = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');

function tcpPacket(i: number, v6 = false): Buffer {
  const seg = W.tcp({ srcPort: 40000 + i, dstPort: 443, seq: 1000 * i, ack: 7, flags: W.ACK | W.PSH, payload: W.pattern(i % 50, i) });
  return v6 ? W.ipv6(seg) : W.ipv4(seg);
}

/** A few records with awkward timestamps and lengths, in the file's fraction unit. */
function sampleRecords(nanos: boolean): W.PcapRecord[] {
  const frac = (ns: number) => (nanos ? ns : Math.floor(ns / 1000));
  const frames = [0, 1, 2, 3, 4].map((i) => W.ethernet(tcpPacket(i, i % 2 === 1)));
  return [
    { tsSec: 0, tsFrac: 0, data: frames[0]! },
    { tsSec: 1_700_000_000, tsFrac: frac(123_456_789), data: frames[1]! },
    { tsSec: 1_700_000_000, tsFrac: frac(999_999_999), data: frames[2]!.subarray(0, 54), origlen: frames[2]!.length },
    { tsSec: 0xffffffff, tsFrac: frac(1_000), data: frames[3]! },
    { tsSec: 1_234_567_890, tsFrac: frac(5), data: new Uint8Array(0), origlen: 1514 },
    { tsSec: 1_234_567_891, tsFrac: frac(0), data: frames[4]! },
  ];
}

for (const order of ['little', 'big'] as const) {
  for (const nanos of [false, true]) {
    test(`pcap ${order}-endian ${nanos ? 'ns' : 'µs'}: every record field round-trips`, async (t) => {
      const records = sampleRecords(nanos);
      const path = tmp.write(`rt-${order}-${nanos}.pcap`, W.pcapFile({ byteOrder: order, nanos, linkType: W.LT_ETHERNET, snaplen: 65535, records }));
      const { frames, summaries } = await readAll([path]);
      t.is(frames.length, records.length);
      records.forEach((r, i) => {
        const f = frames[i]!;
        t.is(f.no, i + 1);
        t.is(f.fileFrameNo, i + 1);
        t.is(f.fileIndex, 0);
        t.is(f.interfaceId, 0);
        t.is(f.linkType, W.LT_ETHERNET);
        t.is(f.tsSec, r.tsSec, `record ${i + 1} seconds`);
        t.is(f.tsNsec, nanos ? r.tsFrac : r.tsFrac * 1000, `record ${i + 1} nanoseconds exact`);
        t.is(f.caplen, r.data.length);
        t.is(f.origlen, r.origlen ?? r.data.length);
        t.true(f.bytes.equals(Buffer.from(r.data)), `record ${i + 1} bytes`);
      });
      const s = summaries[0]!;
      t.is(s.name, path);
      t.false(s.compressed);
      t.deepEqual(s.format, {
        format: 'pcap', byteOrder: order, tsResolution: nanos ? 'ns' : 'us', sections: 1,
        interfaces: [{ id: 0, section: 0, linkType: W.LT_ETHERNET, snaplen: 65535, tsDigits: nanos ? 9 : 6 }],
      });
      t.is(s.records, records.length);
      t.is(s.packets, records.length);
      t.is(s.bytes, records.reduce((n, r) => n + r.data.length, 0));
      t.deepEqual([...s.linkTypes], [[W.LT_ETHERNET, records.length]]);
      // First/last are the earliest and latest timestamps (as capinfos), not the first/last records.
      t.deepEqual([s.firstSec, s.firstNsec], [0, 0]);
      t.deepEqual([s.lastSec, s.lastNsec], [0xffffffff, 1_000]);
      t.true(s.complete);
      t.deepEqual(s.problems, []);
    });
  }
}

test('pcap: FCS bits above the link type are masked off', async (t) => {
  // draft-ietf-opsawg-pcap: bits 28-31 FCS length, bit 27 F; the link type is the low 16 bits.
  const path = tmp.write('fcs.pcap', W.pcapFile({ linkType: 0x1c000000 | W.LT_ETHERNET, records: [{ tsSec: 1, tsFrac: 0, data: W.ethernet(tcpPacket(1)) }] }));
  const { frames, summaries } = await readAll([path]);
  t.is(frames[0]!.linkType, W.LT_ETHERNET);
  t.is(summaries[0]!.format.interfaces[0]!.linkType, W.LT_ETHERNET);
});

test('pcap: an out-of-spec fraction (µs >= 1e6, ns >= 1e9) is carried into the seconds', async (t) => {
  const us = tmp.write('carry-us.pcap', W.pcapFile({ linkType: W.LT_RAW, records: [{ tsSec: 10, tsFrac: 2_500_000, data: tcpPacket(1) }] }));
  const ns = tmp.write('carry-ns.pcap', W.pcapFile({ nanos: true, linkType: W.LT_RAW, records: [{ tsSec: 10, tsFrac: 3_000_000_001, data: tcpPacket(1) }] }));
  const a = (await readAll([us])).frames[0]!;
  const b = (await readAll([ns])).frames[0]!;
  t.deepEqual([a.tsSec, a.tsNsec], [12, 500_000_000]);
  t.deepEqual([b.tsSec, b.tsNsec], [13, 1]);
});

test('pcap with no records: zero frames, complete, no times', async (t) => {
  const path = tmp.write('none.pcap', W.pcapFile({ linkType: W.LT_ETHERNET, records: [] }));
  const { frames, summaries } = await readAll([path]);
  t.is(frames.length, 0);
  t.true(summaries[0]!.complete);
  t.is(summaries[0]!.firstSec, null);
  t.is(summaries[0]!.lastSec, null);
  const info = await captureInfo([path]);
  t.is(info.frames, 0);
  t.is(info.firstEpoch, null);
  t.is(info.durationSec, null);
});

// ---------------------------------------------------------------------------------------------
// pcapng

interface Expected {
  ts: [number, number];
  linkType: number;
  interfaceId: number;
  bytes: Buffer;
  origlen?: number;
}

/**
 * Three sections: little-endian, big-endian, little-endian; five interfaces with different link
 * types, resolutions and offsets; EPB, SPB, OPB, custom blocks, NRB and ISB.
 */
function multiSection(): { file: Buffer; expected: (Expected | 'custom')[] } {
  const eth = W.ethernet(tcpPacket(1));
  const raw6 = tcpPacket(2, true);
  const sll = W.sll(tcpPacket(3));
  const nul = W.nullLink(tcpPacket(4), W.AF_INET, 'big');
  const sll2 = W.sll2(tcpPacket(5, true));
  const eth2 = W.ethernet(tcpPacket(6)).subarray(0, 61); // odd caplen: padding follows
  const b = new W.PcapngBuilder()
    .shb('little', { options: [{ code: 4, value: Buffer.from('test writer') }] })
    .idb(W.LT_ETHERNET, { name: 'eth0', snaplen: 65535 }) // global 0, µs (default)
    .idb(W.LT_RAW, { tsresol: 9, snaplen: 0 }) // global 1, ns
    .nrb()
    .epb(0, 1_700_000_000, 123_456_000, eth)
    .epb(1, 1_700_000_000, 123_456_789, raw6)
    .custom()
    .isb(0)
    .spb(eth) // first interface of the section, no timestamp
    .shb('big')
    .idb(W.LT_LINUX_SLL, { tsresol: 0x94, tsoffset: 1_000n, snaplen: 262144 }) // global 2: 2^-20 s, +1000 s
    .idb(W.LT_NULL, { tsresol: 3 }) // global 3: ms
    .epb(0, 1_700_000_001, 500_000_000, sll)
    .opb(1, 1_700_000_002, 7_000_000, nul)
    .custom(Buffer.from('no copy'), { copyable: false })
    .isb(1)
    .shb('little')
    .idb(W.LT_LINUX_SLL2, { tsresol: 9, tsoffset: -100n }) // global 4
    .idb(W.LT_ETHERNET, { snaplen: 96 }) // global 5
    .epb(1, 1_700_000_003, 1_000, eth2, { origlen: 1000, options: [{ code: 1, value: Buffer.from('a comment') }] })
    .epb(0, 1_700_000_004, 999_999_999, sll2)
    .nrb();
  return {
    file: b.build(),
    expected: [
      { ts: [1_700_000_000, 123_456_000], linkType: W.LT_ETHERNET, interfaceId: 0, bytes: eth },
      { ts: [1_700_000_000, 123_456_789], linkType: W.LT_RAW, interfaceId: 1, bytes: raw6 },
      'custom',
      { ts: [1_700_000_000, 123_456_789], linkType: W.LT_ETHERNET, interfaceId: 0, bytes: eth },
      { ts: [1_700_000_001, 500_000_000], linkType: W.LT_LINUX_SLL, interfaceId: 2, bytes: sll },
      { ts: [1_700_000_002, 7_000_000], linkType: W.LT_NULL, interfaceId: 3, bytes: nul },
      'custom',
      { ts: [1_700_000_003, 1_000], linkType: W.LT_ETHERNET, interfaceId: 5, bytes: Buffer.from(eth2), origlen: 1000 },
      { ts: [1_700_000_004, 999_999_999], linkType: W.LT_LINUX_SLL2, interfaceId: 4, bytes: sll2 },
    ],
  };
}

function checkMultiSection(t: import('ava').ExecutionContext, frames: CopiedFrame[], expected: (Expected | 'custom')[]): void {
  t.is(frames.length, expected.length, 'custom blocks count as frames, NRB/ISB do not');
  expected.forEach((e, i) => {
    const f = frames[i]!;
    t.is(f.no, i + 1, `frame ${i + 1} number`);
    t.is(f.fileFrameNo, i + 1);
    if (e === 'custom') {
      t.is(f.linkType, NO_PACKET, `frame ${i + 1} has no packet`);
      t.is(f.caplen, 0);
      return;
    }
    t.deepEqual([f.tsSec, f.tsNsec], e.ts, `frame ${i + 1} time`);
    t.is(f.linkType, e.linkType, `frame ${i + 1} link type`);
    t.is(f.interfaceId, e.interfaceId, `frame ${i + 1} global interface id`);
    t.is(f.caplen, e.bytes.length);
    t.is(f.origlen, e.origlen ?? e.bytes.length);
    t.true(f.bytes.equals(e.bytes), `frame ${i + 1} bytes`);
  });
}

test('pcapng: several sections (LE, BE, LE) and interfaces, global interface ids, per-interface link types and resolutions', async (t) => {
  const { file, expected } = multiSection();
  const path = tmp.write('multi.pcapng', file);
  const { frames, summaries } = await readAll([path]);
  checkMultiSection(t, frames, expected);
  const s = summaries[0]!;
  t.is(s.format.format, 'pcapng');
  t.is(s.format.byteOrder, 'little');
  t.is(s.format.tsResolution, 'per-interface');
  t.is(s.format.sections, 3);
  t.deepEqual(s.format.interfaces, [
    { id: 0, section: 0, linkType: W.LT_ETHERNET, snaplen: 65535, tsDigits: 6, name: 'eth0' },
    { id: 1, section: 0, linkType: W.LT_RAW, snaplen: 0, tsDigits: 9 },
    { id: 2, section: 1, linkType: W.LT_LINUX_SLL, snaplen: 262144, tsDigits: 7 }, // 2^-20 s needs 7 digits
    { id: 3, section: 1, linkType: W.LT_NULL, snaplen: 0, tsDigits: 3 },
    { id: 4, section: 2, linkType: W.LT_LINUX_SLL2, snaplen: 0, tsDigits: 9 },
    { id: 5, section: 2, linkType: W.LT_ETHERNET, snaplen: 96, tsDigits: 6 },
  ]);
  t.is(s.records, 9);
  t.is(s.packets, 7);
  t.deepEqual(Object.fromEntries(s.linkTypes), { [W.LT_ETHERNET]: 3, [W.LT_RAW]: 1, [W.LT_LINUX_SLL]: 1, [W.LT_NULL]: 1, [W.LT_LINUX_SLL2]: 1 });
  t.deepEqual([s.firstSec, s.firstNsec], [1_700_000_000, 123_456_000]);
  t.deepEqual([s.lastSec, s.lastNsec], [1_700_000_004, 999_999_999]);
  t.true(s.complete);
  t.deepEqual(s.problems, []);

  const info = await captureInfo([path]);
  t.is(info.frames, 9);
  t.is(info.packets, 7);
  t.is(info.decode.noPacket, 2);
  t.is(info.tcpSegments, 7, 'every packet is TCP, on five link types');
});

test('pcapng: the Simple Packet Block takes the first interface of its section and the previous timestamp', async (t) => {
  const p = W.ethernet(tcpPacket(1));
  const file = new W.PcapngBuilder()
    .shb('big').idb(W.LT_ETHERNET, { snaplen: 40 }).idb(W.LT_RAW)
    .epb(1, 5, 250_000_000 - 0, tcpPacket(2))
    .spb(p) // snaplen 40 cuts it
    .build();
  const { frames } = await readAll([tmp.write('spb.pcapng', file)]);
  t.is(frames.length, 2);
  const f = frames[1]!;
  t.is(f.interfaceId, 0);
  t.is(f.linkType, W.LT_ETHERNET);
  t.deepEqual([f.tsSec, f.tsNsec], [5, 250_000_000]);
  t.is(f.origlen, p.length);
  t.is(f.caplen, 40, 'an SPB holds min(original length, snaplen) bytes');
  t.true(f.bytes.equals(p.subarray(0, 40)));
});

test('pcapng: timestamp resolutions are converted exactly (10^-9, 10^-3, 10^-12, 2^-20, 2^-10) and if_tsoffset added', async (t) => {
  const pkt = tcpPacket(1);
  const b = new W.PcapngBuilder().shb('little')
    .idb(W.LT_RAW, { tsresol: 9 }) // 0
    .idb(W.LT_RAW, { tsresol: 3 }) // 1
    .idb(W.LT_RAW, { tsresol: 12 }) // 2
    .idb(W.LT_RAW, { tsresol: 0x80 | 20 }) // 3
    .idb(W.LT_RAW, { tsresol: 0x80 | 10, tsoffset: 1_600_000_000n }) // 4
    .idb(W.LT_RAW, { tsresol: 6, tsoffset: -5n }) // 5
    .idb(W.LT_RAW, { tsresol: 6 }); // 6
  const cases: [number, bigint, [number, number]][] = [
    [0, 1_700_000_000_123_456_789n, [1_700_000_000, 123_456_789]], // needs more than 2^53: exact?
    [0, 1_000_123_456_789n, [1_000, 123_456_789]], // below 2^53
    [0, 0n, [0, 0]],
    [1, 1_700_000_000_999n, [1_700_000_000, 999_000_000]],
    [2, 1_000_000_000_000_000_001n, [1_000_000, 0]], // 1 ps: below a nanosecond
    [2, 1_000_000_123_456_789_999n, [1_000_000, 123_456_789]],
    [3, (1_700_000_000n << 20n) + (1n << 19n), [1_700_000_000, 500_000_000]],
    [3, (1_700_000_000n << 20n) + 3n * (1n << 18n), [1_700_000_000, 750_000_000]],
    [3, (1_700_000_000n << 20n) + 1n, [1_700_000_000, 953]], // 953.67 ns, truncated
    [4, (100n << 10n) + 512n, [1_600_000_100, 500_000_000]],
    [5, 10_000_001n, [5, 1_000]],
    [6, 0xffffffffn * 1_000_000n + 999_999n, [0xffffffff, 999_999_000]],
  ];
  for (const [iface, ticks] of cases) b.epbTicks(iface, ticks, pkt);
  const { frames } = await readAll([tmp.write('tsresol.pcapng', b.build())]);
  t.is(frames.length, cases.length);
  cases.forEach(([iface, ticks, ts], i) => t.deepEqual([frames[i]!.tsSec, frames[i]!.tsNsec], ts, `interface ${iface}, ticks ${ticks}`));
});

test('pcapng: custom blocks (0xBAD, 0x40000BAD) are numbered as frames without a packet, like Wireshark', async (t) => {
  const file = new W.PcapngBuilder().shb()
    .custom() // before any interface
    .idb(W.LT_RAW)
    .epb(0, 10, 0, tcpPacket(1))
    .custom(Buffer.alloc(0), { copyable: false })
    .custom(W.pattern(13))
    .epb(0, 11, 0, tcpPacket(2))
    .build();
  const path = tmp.write('custom.pcapng', file);
  const { frames, summaries } = await readAll([path]);
  t.deepEqual(frames.map((f) => [f.no, f.linkType]), [[1, NO_PACKET], [2, W.LT_RAW], [3, NO_PACKET], [4, NO_PACKET], [5, W.LT_RAW]]);
  t.is(summaries[0]!.records, 5);
  t.is(summaries[0]!.packets, 2);
  t.deepEqual([summaries[0]!.firstSec, summaries[0]!.lastSec], [10, 11], 'records without a packet do not move the time span');
  const info = await captureInfo([path]);
  t.is(info.frames, 5);
  t.is(info.packets, 2);
  t.is(info.decode.noPacket, 3);
  t.is(info.tcpSegments, 2);
});

test('pcapng with a section header and an interface but no packets', async (t) => {
  const path = tmp.write('empty.pcapng', new W.PcapngBuilder().shb().idb(W.LT_ETHERNET).build());
  const { frames, summaries } = await readAll([path]);
  t.is(frames.length, 0);
  t.true(summaries[0]!.complete);
  t.is(summaries[0]!.format.sections, 1);
  t.is(summaries[0]!.format.interfaces.length, 1);
});

// ---------------------------------------------------------------------------------------------
// gzip, standard input, split records

test('gzip: .pcap.gz and .pcapng.gz are read like the plain files (recognised by magic, not name)', async (t) => {
  const pcap = W.pcapFile({ byteOrder: 'big', nanos: true, linkType: W.LT_ETHERNET, records: sampleRecords(true) });
  const { file: pcapng } = multiSection();
  for (const [name, bytes] of [['a.pcap', pcap], ['b.pcapng', pcapng]] as const) {
    const plain = tmp.write(name, bytes);
    const gz = tmp.write(`${name}.gz`, gzipSync(bytes));
    const oddName = tmp.write(`${name}.bin`, gzipSync(bytes));
    const a = await readAll([plain]);
    for (const path of [gz, oddName]) {
      const b = await readAll([path]);
      t.true(b.summaries[0]!.compressed, 'marked compressed');
      t.deepEqual(b.frames, a.frames, `${path}: same frames`);
      t.deepEqual({ ...b.summaries[0]!, name: '', compressed: false }, { ...a.summaries[0]!, name: '', compressed: false });
    }
  }
});

function runCli(args: string[], input?: Uint8Array): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('standard input: `info - --json` reads a piped capture, plain or gzip', async (t) => {
  const { file } = multiSection();
  const path = tmp.write('stdin.pcapng', file);
  const expected = await captureInfo([path]);
  for (const input of [file, gzipSync(file)]) {
    const r = runCli(['info', '-', '--json'], input);
    t.is(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as typeof expected;
    t.is(got.files[0]!.name, '<stdin>');
    t.is(got.files[0]!.compressed, input !== file);
    t.is(got.frames, expected.frames);
    t.is(got.packets, expected.packets);
    t.is(got.tcpSegments, expected.tcpSegments);
    t.is(got.firstEpoch, expected.firstEpoch);
    t.is(got.lastEpoch, expected.lastEpoch);
    t.deepEqual(got.decode, expected.decode);
    t.deepEqual(got.files[0]!.interfaces, expected.files[0]!.interfaces);
  }
});

test('standard input: a capture larger than one pipe buffer, and an empty stdin', async (t) => {
  const records: W.PcapRecord[] = [];
  for (let i = 0; i < 3000; i++) records.push({ tsSec: 1_000 + i, tsFrac: i, data: W.ethernet(tcpPacket(i)) });
  const big = W.pcapFile({ linkType: W.LT_ETHERNET, records });
  t.true(big.length > 200_000);
  const r = runCli(['info', '-', '--json'], big);
  t.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { frames: number; tcpSegments: number };
  t.is(got.frames, 3000);
  t.is(got.tcpSegments, 3000);

  const empty = runCli(['info', '-'], new Uint8Array(0));
  t.is(empty.status, 1);
  t.regex(empty.stderr, /<stdin>.*empty/);
});

/** Small captures with records that straddle any read boundary. */
function smallCaptures(): [string, Buffer][] {
  const pcap = W.pcapFile({ linkType: W.LT_ETHERNET, records: sampleRecords(false) });
  const { file: ng } = multiSection();
  return [
    ['small.pcap', pcap],
    ['small.pcapng', ng],
    ['truncated.pcap', pcap.subarray(0, pcap.length - 7)],
    ['truncated.pcapng', ng.subarray(0, ng.length - 30)],
  ];
}

test('records split across reads: every chunk size 1..64 gives the same frames, summary and problems', async (t) => {
  for (const [name, bytes] of smallCaptures()) {
    const path = tmp.write(name, bytes);
    const reference = await readAll([path]);
    t.true(reference.frames.length > 3, name);
    for (let chunkSize = 1; chunkSize <= 64; chunkSize++) {
      const got = await readAll([path], { chunkSize });
      t.deepEqual(got.frames, reference.frames, `${name}, chunk size ${chunkSize}: frames`);
      t.deepEqual(got.summaries, reference.summaries, `${name}, chunk size ${chunkSize}: summary and problems`);
    }
  }
});

test('records split across reads of a gzip stream', async (t) => {
  const [, pcap] = smallCaptures()[0]!;
  const [, ng] = smallCaptures()[1]!;
  for (const [name, bytes] of [['split.pcap.gz', pcap], ['split.pcapng.gz', ng]] as const) {
    const path = tmp.write(name, gzipSync(bytes));
    const reference = await readAll([path]);
    for (const chunkSize of [1, 3, 16, 61]) {
      const got = await readAll([path], { chunkSize });
      t.deepEqual(got.frames, reference.frames, `${name}, chunk size ${chunkSize}`);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Merging

function timed(times: [number, number][], seed: number): W.PcapRecord[] {
  return times.map(([s, us], i) => ({ tsSec: s, tsFrac: us, data: W.ethernet(tcpPacket(seed * 100 + i)) }));
}

test('merge: two files in time order, equal timestamps from the file named first', async (t) => {
  const a = tmp.write('merge-a.pcap', W.pcapFile({ linkType: W.LT_ETHERNET, records: timed([[1, 0], [3, 0], [5, 0], [5, 0]], 1) }));
  const b = tmp.write('merge-b.pcap', W.pcapFile({ byteOrder: 'big', linkType: W.LT_ETHERNET, records: timed([[2, 0], [3, 0], [4, 999_999], [5, 0]], 2) }));
  const { frames, summaries } = await readAll([a, b]);
  t.deepEqual(
    frames.map((f) => [f.no, f.fileIndex, f.fileFrameNo, f.tsSec, f.tsNsec]),
    [
      [1, 0, 1, 1, 0],
      [2, 1, 1, 2, 0],
      [3, 0, 2, 3, 0], // tie at 3 s: the first file first
      [4, 1, 2, 3, 0],
      [5, 1, 3, 4, 999_999_000],
      [6, 0, 3, 5, 0], // tie at 5 s: both of the first file's, then the second's
      [7, 0, 4, 5, 0],
      [8, 1, 4, 5, 0],
    ],
  );
  t.is(summaries.length, 2);
  t.deepEqual(summaries.map((s) => s.records), [4, 4]);
  // Bytes travel with their frames.
  const single = (await readAll([b])).frames;
  t.true(frames[1]!.bytes.equals(single[0]!.bytes));

  // Swapping the command-line order swaps the tie-break.
  const swapped = (await readAll([b, a])).frames;
  t.deepEqual(swapped.map((f) => [f.fileIndex, f.tsSec]).slice(2, 4), [[0, 3], [1, 3]]);

  const info = await captureInfo([a, b]);
  t.is(info.frames, 8);
  t.is(info.files.length, 2);
  t.is(info.firstEpoch, '1.000000000');
  t.is(info.lastEpoch, '5.000000000');
});

test('merge: three files of mixed formats, one empty, one damaged at its tail', async (t) => {
  const a = tmp.write('m3-a.pcap', W.pcapFile({ nanos: true, linkType: W.LT_RAW, records: [
    { tsSec: 10, tsFrac: 1, data: tcpPacket(1) },
    { tsSec: 10, tsFrac: 3, data: tcpPacket(2) },
  ] }));
  const empty = tmp.write('m3-empty.pcap', W.pcapFile({ linkType: W.LT_ETHERNET, records: [] }));
  const ngFull = new W.PcapngBuilder().shb('big').idb(W.LT_ETHERNET, { tsresol: 9 })
    .epb(0, 10, 2, W.ethernet(tcpPacket(3)))
    .custom() // takes the previous timestamp (10.000000002)
    .epb(0, 10, 4, W.ethernet(tcpPacket(4)))
    .build();
  const damaged = tmp.write('m3-b.pcapng', ngFull.subarray(0, ngFull.length - 5));
  const { frames, summaries } = await readAll([a, empty, damaged]);
  t.deepEqual(frames.map((f) => [f.no, f.fileIndex, f.fileFrameNo, f.tsNsec, f.linkType]), [
    [1, 0, 1, 1, W.LT_RAW],
    [2, 2, 1, 2, W.LT_ETHERNET],
    [3, 2, 2, 2, NO_PACKET],
    [4, 0, 2, 3, W.LT_RAW],
  ]);
  t.deepEqual(summaries.map((s) => s.complete), [true, true, false]);
  t.is(summaries[2]!.problems.length, 1);
  t.is(summaries[2]!.problems[0]!.kind, 'truncated-record');
});

test('merge: a file that cannot be opened fails the whole read with its name', async (t) => {
  const a = tmp.write('ok.pcap', W.pcapFile({ linkType: W.LT_RAW, records: [{ tsSec: 1, tsFrac: 0, data: tcpPacket(1) }] }));
  const missing = join(tmp.path, 'does-not-exist.pcap');
  const err = await t.throwsAsync(readAll([a, missing]));
  t.is(err!.name, 'CaptureError');
  t.true(err!.message.includes(missing));
});
