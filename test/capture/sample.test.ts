/** pipeline/syn-sample.ts over capture/sample.ts: the quick look that decides whether several threads pay (pipeline/shards.ts). */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/pipeline/run.js';
import { sampleTcp } from '../../src/pipeline/syn-sample.js';
import { ethernet, ipv4, pcapFile, tcp } from '../helpers/capture-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'tcp-postmortem-sample-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('a small classic pcap is sampled whole: its TCP segments and bare SYNs', async (t) => {
  const path = 'samples/connection-close-server-time-wait.pcap';
  const r = await analyze([path], { connectionsOnly: true });
  const s = sampleTcp(path)!;
  t.is(s.segments, r.capture.tcpSegments);
  t.is(s.syns, r.connections.filter((c) => c.handshake.synFrame !== null).length);
});

for (const zeros of [false, true]) test(`windows inside a large pcap are found by resynchronising on record headers${zeros ? ' (zero-filled payloads)' : ''}`, (t) => {
  // ~24 MB: 1 connection attempt in 10 segments, payloads of varying size so that windows start
  // inside records; zero-filled payloads must not pass for empty records.
  const records = [];
  for (let i = 0; i < 30000; i++) {
    const syn = i % 10 === 0;
    const payload = syn ? undefined : Buffer.alloc(100 + ((i * 37) % 1300), zeros ? 0 : i & 0xff);
    records.push({
      tsSec: 1700000000 + Math.floor(i / 1000), tsFrac: (i % 1000) * 1000,
      data: ethernet(ipv4(tcp({ srcPort: 10000 + (i % 5000), dstPort: 80, flags: syn ? 0x02 : 0x10, seq: i, ack: syn ? 0 : 1, ...(payload ? { payload } : {}) }), { src: '10.0.0.1', dst: '10.0.0.2' })),
    });
  }
  const path = join(dir, `large-${zeros}.pcap`);
  writeFileSync(path, pcapFile({ linkType: 1, records }));
  const s = sampleTcp(path)!;
  t.true(s.segments > 10000 && s.segments <= 30000, String(s.segments)); // most windows, each record at most once
  t.true(Math.abs(s.syns / s.segments - 0.1) < 0.01, `${s.syns}/${s.segments}`);
});

test('formats it does not sample, and files that are not captures, give null (never a throw)', (t) => {
  t.is(sampleTcp('samples/mixed.pcapng'), null);
  t.is(sampleTcp('package.json'), null);
  t.is(sampleTcp(join(dir, 'missing.pcap')), null);
  const empty = join(dir, 'empty.pcap');
  writeFileSync(empty, Buffer.alloc(0));
  t.is(sampleTcp(empty), null);
});
