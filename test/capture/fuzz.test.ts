/**
 * Bounded, deterministic fuzzing: five small captures (from the corpus when present, else written
 * here), each with 300 seeded random mutations (bit flips, interesting 32-bit values, truncation,
 * deleted and duplicated slices). Reading must end in frames or a CaptureError: no other exception,
 * no hang, no frame outside its buffer, no runaway memory.
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readCaptures } from '../../src/capture/reader.js';
import { CaptureError } from '../../src/capture/errors.js';
import { Decoder } from '../../src/decode/decoder.js';
import { captureInfo } from '../../src/pipeline/info.js';
import { capturePath } from '../helpers/corpus.js';
import { prng, settle, TempDir } from '../helpers/io.js';
import * as W from '../helpers/capture-writer.js';

const MUTATIONS_PER_INPUT = 300;
const MAX_MS_PER_READ = 2_000;
const MAX_RSS_GROWTH = 512 * 1024 * 1024;

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

function tcpFrame(i: number, v6 = false): Buffer {
  const seg = W.tcp({ srcPort: 1000 + i, seq: i * 100, flags: W.ACK, options: [{ kind: 'timestamp', val: i, ecr: i }, { kind: 'nop' }, { kind: 'nop' }], payload: W.pattern(i * 7 % 40) });
  return W.ethernet(v6 ? W.ipv6(seg, { extensions: [{ type: 'hop-by-hop' }] }) : W.ipv4(seg));
}

function ownPcap(order: W.ByteOrder, nanos: boolean): Buffer {
  const records: W.PcapRecord[] = [];
  for (let i = 0; i < 10; i++) records.push({ tsSec: 1_600_000_000 + i, tsFrac: i * 1001, data: tcpFrame(i, i % 3 === 0) });
  records.push({ tsSec: 1_600_000_020, tsFrac: 0, data: W.vlan(W.ipv4(W.udp(W.pattern(9)), { protocol: W.PROTO_UDP }), 5) });
  return W.pcapFile({ byteOrder: order, nanos, linkType: W.LT_ETHERNET, records });
}

function ownPcapng(order: W.ByteOrder): Buffer {
  return new W.PcapngBuilder()
    .shb(order).idb(W.LT_ETHERNET, { name: 'eth0', tsresol: 9 }).idb(W.LT_LINUX_SLL, { tsresol: 0x94, tsoffset: 7n })
    .epb(0, 1_600_000_000, 1, tcpFrame(1)).nrb().epb(1, 1_600_000_001, 0, W.sll(W.ipv4(W.tcp())))
    .custom().spb(tcpFrame(2)).isb(0)
    .shb(order === 'little' ? 'big' : 'little').idb(W.LT_RAW)
    .epb(0, 1_600_000_002, 3_000, W.ipv6(W.tcp())).opb(0, 1_600_000_003, 0, W.ipv4(W.tcp()))
    .build();
}

/** Five inputs: corpus captures where available, own ones otherwise. */
function inputs(): { name: string; bytes: Buffer }[] {
  const fromCorpus = (file: string, fallback: () => Buffer, fallbackName: string) => {
    const path = capturePath(file);
    return path === null ? { name: fallbackName, bytes: fallback() } : { name: `corpus ${file}`, bytes: readFileSync(path) };
  };
  return [
    { name: 'own little-endian µs pcap', bytes: ownPcap('little', false) },
    { name: 'own two-section pcapng (LE, BE)', bytes: ownPcapng('little') },
    fromCorpus('tcpdump-tcp-handshake-nano.pcap', () => ownPcap('big', true), 'own big-endian ns pcap'),
    fromCorpus('zeek-tcp-retransmit-timeout.pcapng', () => ownPcapng('big'), 'own two-section pcapng (BE, LE)'),
    fromCorpus('pcapngtest-le-difficult-test202.pcapng', () => ownPcap('big', false), 'own big-endian µs pcap'),
  ];
}

const INTERESTING = [0, 1, 2, 3, 4, 11, 12, 16, 20, 24, 28, 32, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x0a0d0d0a, 0x1a2b3c4d, 0x4d3c2b1a, 0xa1b2c3d4, 0xd4c3b2a1, 0x00000bad, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff];

/** One seeded mutation of `input`. */
function mutate(input: Buffer, rnd: () => number): { bytes: Buffer; what: string } {
  const int = (n: number) => Math.floor(rnd() * n);
  let b = Buffer.from(input);
  const steps: string[] = [];
  const count = rnd() < 0.2 ? 2 + int(3) : 1;
  for (let s = 0; s < count && b.length > 0; s++) {
    const kind = int(6);
    if (kind === 0) {
      const at = int(b.length);
      b[at] = b[at]! ^ (1 << int(8));
      steps.push(`flip bit @${at}`);
    } else if (kind === 1) {
      const at = int(b.length);
      b[at] = int(256);
      steps.push(`byte @${at}`);
    } else if (kind === 2 && b.length >= 4) {
      const at = int(b.length - 3) & ~3;
      const v = INTERESTING[int(INTERESTING.length)]!;
      if (rnd() < 0.5) b.writeUInt32LE(v, at);
      else b.writeUInt32BE(v, at);
      steps.push(`u32 ${v.toString(16)} @${at}`);
    } else if (kind === 3) {
      const len = int(b.length);
      b = b.subarray(0, len);
      steps.push(`truncate to ${len}`);
    } else if (kind === 4) {
      const at = int(b.length);
      const len = 1 + int(Math.min(64, b.length - at));
      b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
      steps.push(`delete ${len} @${at}`);
    } else {
      const at = int(b.length);
      const len = 1 + int(Math.min(64, b.length - at));
      b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
      steps.push(`duplicate ${len} @${at}`);
    }
  }
  return { bytes: b, what: steps.join(', ') };
}

function* mutatedFiles(): Generator<{ input: string; what: string; path: string }> {
  const all = inputs();
  for (let k = 0; k < all.length; k++) {
    const { name, bytes } = all[k]!;
    const rnd = prng(0x5eed + k * 7919);
    const path = tmp.write(`fuzz-${k}.bin`, bytes);
    for (let i = 0; i < MUTATIONS_PER_INPUT; i++) {
      const m = mutate(bytes, rnd);
      tmp.overwrite(path, m.bytes);
      yield { input: name, what: `#${i} ${m.what}`, path };
    }
  }
}

function checkResources(t: ExecutionContext, ms: number, rssBefore: number, label: string): void {
  if (ms > MAX_MS_PER_READ) t.fail(`${label}: took ${Math.round(ms)} ms`);
  const growth = process.memoryUsage().rss - rssBefore;
  if (growth > MAX_RSS_GROWTH) t.fail(`${label}: memory grew by ${growth} bytes`);
}

test('fuzz: reader and decoder end every mutated capture in frames or a CaptureError', async (t) => {
  const rssBefore = process.memoryUsage().rss;
  const outcomes = { frames: 0, problems: 0, captureErrors: 0 };
  let runs = 0;
  for (const { input, what, path } of mutatedFiles()) {
    runs++;
    const label = `${input}, ${what}`;
    const decoder = new Decoder();
    let badFrame: string | null = null;
    const r = await settle(readCaptures([path], (f) => {
      if (badFrame === null && !(f.caplen >= 0 && f.offset >= 0 && f.offset + f.caplen <= f.data.length && f.tsNsec >= 0 && f.tsNsec < 1e9 && Number.isFinite(f.tsSec))) {
        badFrame = `frame ${f.no}: caplen ${f.caplen} offset ${f.offset} of ${f.data.length}, ts ${f.tsSec}.${f.tsNsec}`;
      }
      decoder.decode(f);
    }));
    checkResources(t, r.ms, rssBefore, label);
    if (r.ok) {
      outcomes.frames++;
      if (r.value.some((s) => s.problems.length > 0)) outcomes.problems++;
      if (badFrame !== null) t.fail(`${label}: ${badFrame}`);
    } else if (r.error instanceof CaptureError) {
      outcomes.captureErrors++;
      t.true(r.error.message.startsWith(`${path}: `), `${label}: the error names the file`);
    } else {
      t.fail(`${label}: ${String((r.error as Error)?.stack ?? r.error)}`);
    }
  }
  t.is(runs, 5 * MUTATIONS_PER_INPUT);
  t.log(`${runs} mutated captures: ${outcomes.frames} read (${outcomes.problems} with problems), ${outcomes.captureErrors} CaptureErrors`);
  t.true(outcomes.frames > runs / 4, 'most mutations still leave something to read');
});

// This one found the isoTime RangeError on timestamps beyond the Date range (fixed in a6df97c).
test('fuzz: captureInfo resolves or rejects with a CaptureError on every mutated capture', async (t) => {
  const rssBefore = process.memoryUsage().rss;
  const failures: string[] = [];
  for (const { input, what, path } of mutatedFiles()) {
    const r = await settle(captureInfo([path]));
    checkResources(t, r.ms, rssBefore, `${input}, ${what}`);
    if (!r.ok && !(r.error instanceof CaptureError)) failures.push(`${input}, ${what}: ${String(r.error)}`);
  }
  t.deepEqual(failures, []);
});

test('fuzz inputs are what they claim', (t) => {
  const all = inputs();
  t.is(all.length, 5);
  for (const { name, bytes } of all) t.true(bytes.length > 0 && bytes.length < 10_000, `${name}: ${bytes.length} bytes`);
  t.log(all.map((i) => i.name).join('; '));
  t.is(basename(tmp.path).startsWith('tcp-postmortem-test-'), true);
});
