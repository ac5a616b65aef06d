/**
 * Several threads (analyze-shards.ts) give the same report as one: every sample and corpus capture,
 * read by two worker threads each following half of the connections, is compared field by field
 * with the one-thread report. The one documented difference is `tracking.peakLive` (the sum of the
 * shards' peaks).
 */
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { analyze } from '../src/analyze.js';
import { chooseThreads } from '../src/analyze-shards.js';
import { CaptureError } from '../src/capture/errors.js';
import type { Report } from '../src/model.js';
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
  test(`two threads = one thread: ${path}`, async (t) => {
    const one = await outcome([path], 1);
    t.true('report' in one);
    t.deepEqual(await outcome([path], 2), one);
  });
}

test('two threads = one thread: several files merged into one capture', async (t) => {
  const paths = ['samples/dead-peer-keepalive.pcap', 'samples/slow-reader-zero-window.pcap', 'samples/keepalive-idle-race.pcap'];
  const one = await outcome(paths, 1);
  const r = (one as { report: Report }).report;
  t.true(r.connections.length > 5);
  t.deepEqual(await outcome(paths, 2), one);
});

test('two threads = one thread: a gzip-compressed capture (each thread decompresses it)', async (t) => {
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

test('three threads: ids still follow first appearance', async (t) => {
  const path = 'samples/connection-close-server-time-wait.pcap';
  const r = (await outcome([path], 3)) as { report: Report };
  t.deepEqual(r, await outcome([path], 1));
  t.deepEqual(r.report.connections.map((c) => c.id), r.report.connections.map((_, i) => i));
});

test('a capture that cannot be read gives the same error in threads', async (t) => {
  const bad = 'package.json';
  const one = await outcome([bad], 1);
  t.true('error' in one);
  t.deepEqual(await outcome([bad], 2), one);
});

test('standard input, directories and small files are read in this thread', (t) => {
  t.is(chooseThreads(['-'], { threads: 2 }), 1);
  t.is(chooseThreads(['samples'], { threads: 2 }), 1);
  t.is(chooseThreads(['samples/dead-peer-keepalive.pcap'], {}), 1);
  t.is(chooseThreads(['samples/dead-peer-keepalive.pcap'], { threads: 2 }), 2);
});

if (corpusOrSkip() !== null) {
  for (const path of listCaptures()) {
    test(`two threads = one thread: corpus ${path.split('/').pop()}`, async (t) => {
      t.deepEqual(await outcome([path], 2), await outcome([path], 1));
    });
  }
}
