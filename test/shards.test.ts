/**
 * Several threads (pipeline/shards.ts) give the same report as one: every sample and corpus capture,
 * read by two worker threads each following half of the connections, is compared field by field
 * with the one-thread report. The one documented difference is `tracking.peakLive` (the sum of the
 * shards' peaks).
 */
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { analyze } from '../src/pipeline/run.js';
import { chooseThreads, threadsFor } from '../src/pipeline/shards.js';
import { CaptureError } from '../src/capture/errors.js';
import type { Report } from '../src/model/report.js';
import { corpusOrSkip, listCaptures } from './helpers/corpus.js';

const samples = (dir: string): string[] =>
  readdirSync(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => join(dir, f)).sort();

function comparable(r: Report): unknown {
  const json = JSON.parse(JSON.stringify(r)) as Report;
  (json.tracking as { peakLive: number | null }).peakLive = null;
  return json;
}

async function outcome(paths: string[], threads: number): Promise<{ report: unknown } | { error: string }> {
  try {
    return { report: comparable(await analyze(paths, { threads })) };
  } catch (err) {
    if (err instanceof CaptureError) return { error: err.message };
    throw err;
  }
}

const own = [...samples('samples'), ...samples('samples/fixtures')];
for (const path of own) {
  test.serial(`two threads = one thread: ${path}`, async (t) => {
    const one = await outcome([path], 1);
    t.true('report' in one);
    t.deepEqual(await outcome([path], 2), one);
  });
}

test.serial('two threads = one thread: several files merged into one capture', async (t) => {
  const paths = ['samples/dead-peer-keepalive.pcap', 'samples/slow-reader-zero-window.pcap', 'samples/keepalive-idle-race.pcap'];
  const one = await outcome(paths, 1);
  const r = (one as { report: Report }).report;
  t.true(r.connections.length > 5);
  t.deepEqual(await outcome(paths, 2), one);
});

test.serial('two threads = one thread: a gzip-compressed capture (each thread decompresses it)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tcp-postmortem-shards-'));
  const gz = join(dir, 'slow-reader.pcap.gz');
  writeFileSync(gz, gzipSync(readFileSync('samples/slow-reader-zero-window.pcap')));
  try {
    const one = await outcome([gz], 1);
    t.true('report' in one);
    t.deepEqual(await outcome([gz], 2), one);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('three threads: ids still follow first appearance', async (t) => {
  const path = 'samples/connection-close-server-time-wait.pcap';
  const r = (await outcome([path], 3)) as { report: Report };
  t.deepEqual(r, await outcome([path], 1));
  t.deepEqual(r.report.connections.map((c) => c.id), r.report.connections.map((_, i) => i));
});

test.serial('a capture that cannot be read gives the same error in threads', async (t) => {
  const bad = 'package.json';
  const one = await outcome([bad], 1);
  t.true('error' in one);
  t.deepEqual(await outcome([bad], 2), one);
});

test('the default thread rule: large captures of many connection attempts, on two or more cores', (t) => {
  const many = { segments: 100000, syns: 6000 };
  const few = { segments: 100000, syns: 3000 };
  const sampling = (s: typeof many | null) => () => s;
  t.is(threadsFor(1e9, 2, sampling(many)), 2);
  t.is(threadsFor(1e9, 2, sampling(few)), 1); // few long connections: each thread would read it all for little
  t.is(threadsFor(1e9, 1, sampling(many)), 1);
  t.is(threadsFor(100e6, 2, sampling(many)), 1); // worker start-up and the second read cost more than they save
  t.is(threadsFor(1e9, 2, sampling(null)), 2); // pcapng, gzip: not sampled
  t.is(threadsFor(1e9, 2, sampling({ segments: 0, syns: 0 })), 1);
  t.is(threadsFor(100e6, 2, () => t.fail('no sample is taken for a small file') as never), 1);
});

test('standard input, directories and small files are read in this thread', (t) => {
  t.is(chooseThreads(['-'], { threads: 2 }), 1);
  t.is(chooseThreads(['samples'], { threads: 2 }), 1);
  t.is(chooseThreads(['samples/dead-peer-keepalive.pcap'], {}), 1);
  t.is(chooseThreads(['samples/dead-peer-keepalive.pcap'], { threads: 2 }), 2);
});

if (corpusOrSkip() !== null) {
  for (const path of listCaptures()) {
    test.serial(`two threads = one thread: corpus ${path.split('/').pop()}`, async (t) => {
      t.deepEqual(await outcome([path], 2), await outcome([path], 1));
    });
  }
}

test.serial('two threads = one thread: a late packet seconds after its connection finished, with another shard busy meanwhile', async (t) => {
  // Finished connections are summarised at sweeps; every segment of the capture, whichever shard it
  // belongs to, moves the sweep clock, so the late FIN is late in both runs.
  const { ethernet, ipv4, tcp, pcapFile } = await import('./helpers/capture-writer.js');
  const { shardOf } = await import('../src/decode/flow-hash.js');
  const ip = (s: string) => s.split('.').reduce((n, x) => ((n << 8) | Number(x)) >>> 0, 0);
  const shard = (src: string, sp: number, dst: string, dp: number) => {
    const addr = new Uint32Array(8);
    addr[3] = ip(src);
    addr[7] = ip(dst);
    return shardOf({ addr, srcPort: sp, dstPort: dp }, 2);
  };
  const records: { tsSec: number; tsFrac: number; data: Buffer }[] = [];
  const pkt = (time: number, src: string, sp: number, dst: string, dp: number, flags: number, seq: number, ack: number, payload?: Buffer) =>
    records.push({ tsSec: Math.floor(time), tsFrac: Math.round((time % 1) * 1e6), data: ethernet(ipv4(tcp({ srcPort: sp, dstPort: dp, flags, seq, ack, ...(payload ? { payload } : {}) }), { src, dst })) });
  const [C, S] = ['10.0.0.1', '10.0.0.2'];
  let fp = 50000;
  while (shard('10.1.0.1', fp, '10.1.0.2', 9999) === shard(C, 40000, S, 80)) fp++;
  const [SYN, ACK, FIN] = [2, 16, 1];
  pkt(0, C, 40000, S, 80, SYN, 1000, 0);
  pkt(0.01, S, 80, C, 40000, SYN | ACK, 5000, 1001);
  pkt(0.02, C, 40000, S, 80, ACK, 1001, 5001);
  pkt(0.03, C, 40000, S, 80, FIN | ACK, 1001, 5001);
  pkt(0.04, S, 80, C, 40000, FIN | ACK, 5001, 1002);
  pkt(0.05, C, 40000, S, 80, ACK, 1002, 5002);
  pkt(0.06, '10.1.0.1', fp, '10.1.0.2', 9999, SYN, 1, 0);
  pkt(0.07, '10.1.0.2', 9999, '10.1.0.1', fp, SYN | ACK, 100, 2);
  for (let i = 0; i < 12000; i++) pkt(0.1 + i * 0.0005, '10.1.0.1', fp, '10.1.0.2', 9999, ACK, 2 + i, 101, Buffer.alloc(1));
  pkt(10, S, 80, C, 40000, FIN | ACK, 5001, 1002); // the server's FIN again, 10 s later
  const dir = mkdtempSync(join(tmpdir(), 'tcp-postmortem-shards-'));
  const path = join(dir, 'late.pcap');
  writeFileSync(path, pcapFile({ linkType: 1, records }));
  try {
    const one = await outcome([path], 1);
    t.is((one as { report: Report }).report.tracking.latePackets, 1);
    t.deepEqual(await outcome([path], 2), one);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('worker threads start whatever Node options the caller runs with (e.g. --input-type for -e)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { pathToFileURL } = await import('node:url');
  const entry = pathToFileURL(join(process.cwd(), 'dist', 'src', 'index.js')).href;
  const script = `const { analyze } = await import(${JSON.stringify(entry)}); const r = await analyze(['samples/keepalive-idle-race.pcap'], { threads: 2 }); console.log(r.connections.length);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  t.is(run.status, 0, run.stderr);
  t.regex(run.stdout, /^\d+\n$/);
});
