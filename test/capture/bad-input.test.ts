/**
 * Damaged and hostile input: every case must end in a clear CaptureError or a problem that names the
 * file and the byte offset, never a crash, a hang or an allocation driven by a bogus length field.
 */
import test, { type ExecutionContext } from 'ava';
import { gzipSync } from 'node:zlib';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { captureInfo } from '../../src/pipeline/info.js';
import type { CaptureInfo } from '../../src/model/info.js';
import { CaptureError, type CaptureProblem } from '../../src/capture/errors.js';
import { epochString } from '../../src/capture/frame.js';
import { readAll, settle, TempDir } from '../helpers/io.js';
import * as W from '../helpers/capture-writer.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

/** Open file descriptors of this process (Linux), or -1 where /proc is not available. */
function openFds(): number {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : -1;
}

/** Any single bad input must be dealt with quickly and without a large allocation. */
const MAX_MS = 2_000;
const MAX_RSS_GROWTH = 256 * 1024 * 1024;

const PKT = W.ipv4(W.tcp({ payload: W.pattern(10) }));
const PKT_RECORD = 16 + PKT.length;
/** An EPB carrying PKT: 28-byte header, data padded to 4, 4-byte trailer. */
const EPB_LEN = 32 + ((PKT.length + 3) & ~3);

function goodPcap(order: W.ByteOrder = 'little'): Buffer {
  return W.pcapFile({ byteOrder: order, linkType: W.LT_RAW, records: [1, 2, 3].map((i) => ({ tsSec: i, tsFrac: 0, data: PKT })) });
}

function ng(order: W.ByteOrder = 'little'): W.PcapngBuilder {
  return new W.PcapngBuilder().shb(order).idb(W.LT_RAW);
}
/** Offset of the first block after `ng()`'s SHB (28) and IDB (20). */
const AFTER_NG_HEADER = 48;

/** Runs captureInfo on the bytes; checks time and memory; returns the info or the CaptureError. */
async function run(t: ExecutionContext, name: string, bytes: Uint8Array): Promise<{ path: string; info?: CaptureInfo; error?: CaptureError }> {
  const path = tmp.write(name, bytes);
  const rss = process.memoryUsage().rss;
  const r = await settle(captureInfo([path]));
  t.true(r.ms < MAX_MS, `${name}: took ${Math.round(r.ms)} ms`);
  t.true(process.memoryUsage().rss - rss < MAX_RSS_GROWTH, `${name}: memory grew by ${process.memoryUsage().rss - rss} bytes`);
  if (r.ok) return { path, info: r.value };
  if (!(r.error instanceof CaptureError)) {
    t.fail(`${name}: threw ${String((r.error as Error)?.stack ?? r.error)} instead of a CaptureError`);
    return { path };
  }
  return { path, error: r.error };
}

async function expectError(t: ExecutionContext, name: string, bytes: Uint8Array, reason: RegExp, offset: number): Promise<void> {
  const { path, error, info } = await run(t, name, bytes);
  if (error === undefined) return void t.fail(`${name}: expected a CaptureError, read ${info?.frames} frames`);
  t.is(error.file, path);
  t.is(error.offset, offset, `${name}: offset`);
  t.regex(error.reason, reason);
  t.true(error.message.startsWith(`${path}: `), 'the message names the file');
  t.true(error.message.includes(`byte offset ${offset}`), 'the message names the offset');
}

async function expectProblem(
  t: ExecutionContext, name: string, bytes: Uint8Array,
  want: { frames: number; kind: CaptureProblem['kind']; offset: number; fatal: boolean; message?: RegExp },
): Promise<CaptureInfo | undefined> {
  const { path, error, info } = await run(t, name, bytes);
  if (info === undefined) return void t.fail(`${name}: expected frames and a problem, got ${error?.message}`);
  t.is(info.frames, want.frames, `${name}: frames read before/around the damage`);
  t.is(info.problems.length, 1, `${name}: ${JSON.stringify(info.problems)}`);
  const p = info.problems[0]!;
  t.like(p, { file: path, kind: want.kind, offset: want.offset, fatal: want.fatal }, name);
  if (want.message) t.regex(p.message, want.message);
  t.is(info.files[0]!.complete, !want.fatal, `${name}: complete`);
  return info;
}

// ---------------------------------------------------------------------------------------------
// Not a capture / too short

test('wrong magic: CaptureError at offset 0, "not a capture file"', async (t) => {
  await expectError(t, 'text.pcap', Buffer.from('this is not a valid pcap file\n'), /not a capture file: unknown magic 0x74686973/, 0);
  await expectError(t, 'zeros.pcap', Buffer.alloc(100), /not a capture file/, 0);
  await expectError(t, 'magic-only-3-bytes-right.pcap', Buffer.from([0xd4, 0xc3, 0xb2, 0xa0, 0, 0, 0, 0]), /not a capture file/, 0);
});

test('empty file and files shorter than a header', async (t) => {
  await expectError(t, 'empty.pcap', Buffer.alloc(0), /empty/, 0);
  await expectError(t, 'three.pcap', Buffer.from([0xd4, 0xc3, 0xb2]), /too short/, 0);
  await expectError(t, 'pcap-header-cut.pcap', goodPcap().subarray(0, 10), /header is cut short/, 10);
  await expectError(t, 'pcap-header-cut-23.pcap', goodPcap('big').subarray(0, 23), /header is cut short/, 23);
  // A pcapng section header cut short: the first block is a truncated record.
  await expectProblem(t, 'shb-cut.pcapng', ng().build().subarray(0, 8), { frames: 0, kind: 'truncated-record', offset: 0, fatal: true });
  await expectProblem(t, 'shb-cut-20.pcapng', ng().build().subarray(0, 20), { frames: 0, kind: 'truncated-record', offset: 0, fatal: true });
});

test('a gzip file that holds no capture, or nothing', async (t) => {
  await expectError(t, 'text.gz', gzipSync(Buffer.from('hello world')), /not a capture file/, 0);
  await expectError(t, 'empty.gz', gzipSync(Buffer.alloc(0)), /empty/, 0);
});

test('missing file: CaptureError "cannot open" naming it', async (t) => {
  const path = join(tmp.path, 'nope.pcap');
  const err = await t.throwsAsync(captureInfo([path]), { instanceOf: CaptureError });
  t.is((err as CaptureError).file, path);
  t.regex(err!.message, /cannot open: no such file or directory \(ENOENT\)/);
});

// Regression (found by this test, fixed in a6df97c): `open(dir, 'r')` succeeds on Linux and the
// 2-byte gzip sniff threw a bare EISDIR Error, leaking the FileHandle. The CLI expands directories
// itself, so only library users reached this.
test.serial('a directory given to captureInfo is a CaptureError, not a bare EISDIR', async (t) => {
  const dir = join(tmp.path, 'a-directory.pcap');
  mkdirSync(dir);
  const before = openFds();
  await t.throwsAsync(captureInfo([dir]), { instanceOf: CaptureError });
  t.is(openFds(), before, 'no file descriptor left open');
});

// ---------------------------------------------------------------------------------------------
// Classic pcap damage

test('pcap: truncated last record (inside the data, inside the header) in both byte orders', async (t) => {
  for (const order of ['little', 'big'] as const) {
    const good = goodPcap(order);
    const lastRecord = 24 + 2 * PKT_RECORD;
    await expectProblem(t, `cut-data-${order}.pcap`, good.subarray(0, good.length - 3), {
      frames: 2, kind: 'truncated-record', offset: lastRecord, fatal: true, message: new RegExp(`needs ${PKT_RECORD} bytes here but only ${PKT_RECORD - 3} remain`),
    });
    await expectProblem(t, `cut-header-${order}.pcap`, good.subarray(0, lastRecord + 5), {
      frames: 2, kind: 'truncated-record', offset: lastRecord, fatal: true, message: /needs 16 bytes here but only 5 remain/,
    });
  }
});

test('pcap: an absurd record length (0xFFFFFFF0) is a damaged record, never an allocation', async (t) => {
  for (const order of ['little', 'big'] as const) {
    const bad = W.concat(goodPcap(order), W.pcapRecord({ tsSec: 9, tsFrac: 0, data: PKT, caplenField: 0xfffffff0 }, order));
    const info = await expectProblem(t, `absurd-${order}.pcap`, bad, {
      frames: 3, kind: 'damaged-record', offset: 24 + 3 * PKT_RECORD, fatal: true, message: /4294967280-byte packet/,
    });
    t.is(info?.tcpSegments, 3);
  }
  // A huge snaplen in the file header does not raise the limit past 16 MiB.
  const hugeSnaplen = W.pcapFile({ linkType: W.LT_RAW, snaplen: 0xffffffff, records: [{ tsSec: 1, tsFrac: 0, data: PKT, caplenField: 0x7fffffff }] });
  await expectProblem(t, 'huge-snaplen.pcap', hugeSnaplen, { frames: 0, kind: 'damaged-record', offset: 24, fatal: true });
  // A length within the limit but past the end of the file is a truncated record.
  const pastEnd = W.pcapFile({ linkType: W.LT_RAW, records: [{ tsSec: 1, tsFrac: 0, data: PKT, caplenField: 200_000 }] });
  await expectProblem(t, 'past-end.pcap', pastEnd, { frames: 0, kind: 'truncated-record', offset: 24, fatal: true });
});

test('pcap version 3 (and 1) is a CaptureError at offset 4', async (t) => {
  await expectError(t, 'v3.pcap', W.pcapFile({ linkType: W.LT_RAW, versionMajor: 3, records: [] }), /unsupported pcap version 3/, 4);
  await expectError(t, 'v1-be.pcap', W.pcapFile({ byteOrder: 'big', linkType: W.LT_RAW, versionMajor: 1, records: [] }), /unsupported pcap version 1/, 4);
});

// ---------------------------------------------------------------------------------------------
// pcapng damage

test('pcapng: truncated last block', async (t) => {
  for (const order of ['little', 'big'] as const) {
    const good = ng(order).epb(0, 1, 0, PKT).epb(0, 2, 0, PKT).build();
        await expectProblem(t, `cut-${order}.pcapng`, good.subarray(0, good.length - 1), {
      frames: 1, kind: 'truncated-record', offset: AFTER_NG_HEADER + EPB_LEN, fatal: true,
    });
    await expectProblem(t, `cut-in-block-header-${order}.pcapng`, good.subarray(0, AFTER_NG_HEADER + EPB_LEN + 6), {
      frames: 1, kind: 'truncated-record', offset: AFTER_NG_HEADER + EPB_LEN, fatal: true,
    });
  }
});

test('pcapng: block lengths not a multiple of 4, below 12, huge; trailer mismatch', async (t) => {
  const cases: [string, W.BlockOverrides, RegExp][] = [
    ['not-multiple-of-4', { length: 62 }, /impossible length 62/],
    ['below-12', { length: 8 }, /impossible length 8/],
    ['zero', { length: 0 }, /impossible length 0/],
    ['huge', { length: 0xfffffff0 }, /impossible length 4294967280/],
    ['trailer-mismatch', { trailer: 64 }, new RegExp(`trailing length 64 differs from leading length ${EPB_LEN}`)],
  ];
  for (const order of ['little', 'big'] as const) {
    for (const [name, override, message] of cases) {
      const bytes = ng(order).epb(0, 1, 0, PKT).epb(0, 2, 0, PKT, override).epb(0, 3, 0, PKT).build();
      await expectProblem(t, `${name}-${order}.pcapng`, bytes, { frames: 1, kind: 'damaged-record', offset: AFTER_NG_HEADER + EPB_LEN, fatal: true, message });
    }
  }
  // A length under the 16 MiB block limit but past the end of the file: truncated, bounded allocation.
  await expectProblem(t, 'long-block.pcapng', ng().epb(0, 1, 0, PKT, { length: 15 * 1024 * 1024 }).build(), {
    frames: 0, kind: 'truncated-record', offset: AFTER_NG_HEADER, fatal: true,
  });
});

test('pcapng: a section header with an unknown byte-order magic is a damaged record', async (t) => {
  await expectProblem(t, 'bom.pcapng', new W.PcapngBuilder().shb('little', { bom: 0x12345678 }).build(), {
    frames: 0, kind: 'damaged-record', offset: 0, fatal: true, message: /byte-order magic/,
  });
});

test('pcapng: major version 2 is a CaptureError', async (t) => {
  await expectError(t, 'v2.pcapng', new W.PcapngBuilder().shb('big', { major: 2 }).idb(W.LT_RAW).build(), /unsupported pcapng major version 2/, 0);
});

// Regression (fixed in a6df97c): a damaged *later* section header threw a CaptureError mid-read,
// losing the frames already delivered; readCaptures documents that damage inside a file is a problem.
test('pcapng: an unsupported later section stops the file with a problem, keeping earlier frames', async (t) => {
  const bytes = ng().epb(0, 1, 0, PKT).shb('big', { major: 2 }).idb(W.LT_RAW).epb(0, 2, 0, PKT).build();
  await expectProblem(t, 'later-section-v2.pcapng', bytes, {
    frames: 1, kind: 'damaged-record', offset: AFTER_NG_HEADER + EPB_LEN, fatal: true, message: /unsupported pcapng major version 2/,
  });
  // A later section header too short to be one (an SHB needs 28 bytes).
  const short = ng().epb(0, 1, 0, PKT).raw(W.BT_SHB, W.concat(W.u32(0x1a2b3c4d, 'little'), W.u16(1, 'little'), W.u16(0, 'little'))).epb(0, 2, 0, PKT).build();
  await expectProblem(t, 'later-section-short.pcapng', short, {
    frames: 1, kind: 'damaged-record', offset: AFTER_NG_HEADER + EPB_LEN, fatal: true, message: /too short/,
  });
});

test('pcapng: a packet block naming an unknown interface is skipped and counted; reading goes on', async (t) => {
  const bytes = ng().epb(0, 1, 0, PKT).epb(3, 2, 0, PKT).epb(0, 3, 0, PKT).build();
  const info = await expectProblem(t, 'unknown-iface.pcapng', bytes, {
    frames: 2, kind: 'unknown-interface', offset: AFTER_NG_HEADER + EPB_LEN, fatal: false, message: /interface 3/,
  });
  t.is(info?.tcpSegments, 2);
  t.is(info?.lastEpoch, '3.000000000');
  // Interface ids are local to their section: id 1 of the second section is unknown even though the
  // file as a whole has two interfaces.
  const local = ng().epb(0, 1, 0, PKT).shb('big').idb(W.LT_RAW).epb(1, 2, 0, PKT).epb(0, 3, 0, PKT).build();
  await expectProblem(t, 'unknown-local-iface.pcapng', local, {
    frames: 2, kind: 'unknown-interface', offset: AFTER_NG_HEADER + EPB_LEN + 28 + 20, fatal: false,
  });
  // A Simple Packet Block before any interface.
  await expectProblem(t, 'spb-first.pcapng', new W.PcapngBuilder().shb().spb(PKT).idb(W.LT_RAW).spb(PKT).build(), {
    frames: 1, kind: 'unknown-interface', offset: 28, fatal: false,
  });
});

test('pcapng: packet blocks too short for their header or their captured length are skipped as bad blocks', async (t) => {
  await expectProblem(t, 'epb-caplen.pcapng', ng().epb(0, 1, 0, PKT, { caplenField: 500 }).epb(0, 2, 0, PKT).build(), {
    frames: 1, kind: 'bad-block', offset: AFTER_NG_HEADER, fatal: false, message: /claims 500 captured bytes/,
  });
  await expectProblem(t, 'epb-short.pcapng', ng().raw(W.BT_EPB, Buffer.alloc(8)).epb(0, 2, 0, PKT).build(), {
    frames: 1, kind: 'bad-block', offset: AFTER_NG_HEADER, fatal: false, message: /too short/,
  });
  await expectProblem(t, 'opb-short.pcapng', ng().raw(W.BT_OPB, Buffer.alloc(4)).epb(0, 2, 0, PKT).build(), {
    frames: 1, kind: 'bad-block', offset: AFTER_NG_HEADER, fatal: false,
  });
});

// Regression (fixed in a6df97c): a 12-byte SPB read its "original length" from its own trailer and
// gave a frame with caplen -4.
test('pcapng: a Simple Packet Block shorter than 16 bytes is a bad block, never a negative caplen', async (t) => {
  const path = tmp.write('spb-short.pcapng', ng().raw(W.BT_SPB, Buffer.alloc(0)).epb(0, 2, 0, PKT).build());
  const { frames, summaries } = await readAll([path]);
  t.true(frames.every((f) => f.caplen >= 0), `caplens ${frames.map((f) => f.caplen).join(', ')}`);
  t.is(frames.length, 1);
  t.like(summaries[0]!.problems[0], { kind: 'bad-block', offset: AFTER_NG_HEADER, fatal: false });
});

// Regression (fixed in a6df97c): a 12-byte IDB was taken as an interface whose link type and
// snaplen came from its trailer and the next block.
test('pcapng: an Interface Description Block shorter than 20 bytes is not taken as an interface', async (t) => {
  const path = tmp.write('idb-short.pcapng', new W.PcapngBuilder().shb().raw(W.BT_IDB, Buffer.alloc(0)).build());
  const { summaries } = await readAll([path]);
  t.deepEqual(summaries[0]!.format.interfaces, []);
  t.is(summaries[0]!.problems.length, 1);
  t.like(summaries[0]!.problems[0], { offset: 28 });
  t.true(['bad-block', 'damaged-record'].includes(summaries[0]!.problems[0]!.kind));
});

test('pcapng: absurd if_tsresol values do not crash the reader', async (t) => {
  for (const tsresol of [127, 0xff, 0x80, 0]) {
    const bytes = new W.PcapngBuilder().shb().idb(W.LT_RAW, { tsresol }).epbTicks(0, 0xffffffffffffn, PKT).build();
    const { frames } = await readAll([tmp.write(`tsresol-${tsresol}.pcapng`, bytes)]);
    t.is(frames.length, 1);
    t.true(Number.isInteger(frames[0]!.tsSec) && frames[0]!.tsNsec >= 0 && frames[0]!.tsNsec < 1e9, `tsresol ${tsresol}: ${frames[0]!.tsSec}.${frames[0]!.tsNsec}`);
  }
});

// Regression (fixed in a6df97c): a timestamp beyond ±8.64e15 ms (tick count 0xFFFFFFFFFFFFFFFF at µs,
// or a huge if_tsoffset) made isoTime's `new Date(…).toISOString()` throw a RangeError out of
// captureInfo (the CLI printed an internal error with a stack).
test('pcapng: timestamps beyond the Date range do not make captureInfo throw', async (t) => {
  const huge = new W.PcapngBuilder().shb().idb(W.LT_RAW).epbTicks(0, 0xffffffffffffffffn, PKT).build();
  const offset = new W.PcapngBuilder().shb().idb(W.LT_RAW, { tsoffset: 1n << 60n }).epbTicks(0, 0n, PKT).build();
  for (const [name, bytes] of [['huge-ticks.pcapng', huge], ['huge-tsoffset.pcapng', offset]] as const) {
    const r = await settle(captureInfo([tmp.write(name, bytes)]));
    t.true(r.ok || r.error instanceof CaptureError, `${name}: ${r.ok ? 'ok' : String(r.error)}`);
  }
});

// Regression (fixed in a6df97c): before 1970 (negative if_tsoffset) tsSec < 0 and 0 <= tsNsec < 1e9,
// and epochString printed -1 s + 1 µs as "-1.000001000".
test('epochString: a time just before 1970 (negative if_tsoffset) is printed with the right value', (t) => {
  t.is(epochString(-1, 1_000), '-0.999999000');
  t.is(epochString(-2, 500_000_000), '-1.500000000');
});

// ---------------------------------------------------------------------------------------------
// gzip damage

test('gzip: damaged or truncated compressed data: a CaptureError or a fatal problem naming the file, never a crash', async (t) => {
  const gz = gzipSync(goodPcap());
  for (const [name, bytes] of [
    ['truncated.pcap.gz', gz.subarray(0, gz.length - 12)],
    ['truncated-early.pcap.gz', gz.subarray(0, 30)],
    ['garbage.pcap.gz', W.concat(Buffer.from([0x1f, 0x8b]), Buffer.alloc(100, 7))],
    ['crc.pcap.gz', W.concat(gz.subarray(0, gz.length - 8), Buffer.from([1, 2, 3, 4]), gz.subarray(gz.length - 4))],
  ] as const) {
    const { path, error, info } = await run(t, name, bytes);
    if (error !== undefined) {
      // Nothing could be decompressed: the open fails.
      t.is(error.file, path);
      t.regex(error.reason, /gzip/);
    } else {
      // The frames before the damage, and one fatal problem naming the file.
      t.is(info!.problems.length, 1, name);
      t.like(info!.problems[0], { file: path, kind: 'truncated-record', fatal: true }, name);
      t.regex(info!.problems[0]!.message, /gzip/);
      t.true(info!.problems[0]!.offset >= 0);
      t.false(info!.files[0]!.complete);
    }
  }
});

// Regression (fixed in a6df97c): a truncated .pcap.gz threw CaptureError(name, -1, 'gzip data is
// damaged …') mid-read, losing every frame read and naming byte offset -1.
test('gzip: a truncated .pcap.gz keeps the frames before the cut and reports a problem', async (t) => {
  const records = Array.from({ length: 200 }, (_, i) => ({ tsSec: i, tsFrac: 0, data: PKT }));
  const gz = gzipSync(W.pcapFile({ linkType: W.LT_RAW, records }));
  const r = await settle(captureInfo([tmp.write('cut.pcap.gz', gz.subarray(0, gz.length - 20))]));
  t.true(r.ok, r.ok ? '' : String(r.error));
  if (r.ok) {
    t.true(r.value.frames > 150, `${r.value.frames} frames`);
    t.is(r.value.problems.length, 1);
    t.like(r.value.problems[0], { kind: 'truncated-record', fatal: true });
    t.true(r.value.problems[0]!.offset >= 24 && r.value.problems[0]!.offset <= 24 + 200 * PKT_RECORD, `offset ${r.value.problems[0]!.offset}`);
  }
});

// Regression (fixed in a6df97c): `close()` destroyed only the gunzip stream, so a .pcap.gz whose
// reading stopped early (damaged record, gzip error) leaked the file ReadStream's descriptor.
test.serial('gzip: a .pcap.gz read only partly (damaged record) leaves no file descriptor open', async (t) => {
  if (openFds() < 0) return t.pass('no /proc/self/fd here');
  const records = Array.from({ length: 3000 }, (_, i) => ({ tsSec: i, tsFrac: 0, data: PKT }));
  const good = W.pcapFile({ linkType: W.LT_RAW, records });
  // The second record header claims a huge packet; 3000 records later the (unread) file goes on.
  const damaged = Buffer.from(good);
  damaged.writeUInt32LE(0xfffffff0, 24 + PKT_RECORD + 8);
  const path = tmp.write('damaged-early.pcap.gz', gzipSync(damaged, { level: 0 }));
  await captureInfo([path]); // warm up
  const before = openFds();
  for (let i = 0; i < 20; i++) {
    const info = await captureInfo([path]);
    t.is(info.frames, 1);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  // Closing is asynchronous: the warm-up's descriptor may close during the loop, never more stay open.
  t.true(openFds() <= before, `open file descriptors after 20 partial reads: ${openFds()} > ${before}`);
});
