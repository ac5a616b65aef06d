/**
 * Memory bound: a flood of SYNs to different ports keeps at most --max-live connections live; the
 * idlest are summarised early, counted (tracking.evicted) and still reported, one record each.
 */
import test from 'ava';
import { analyze } from '../../src/pipeline/run.js';
import { TempDir } from '../helpers/io.js';
import * as W from '../helpers/capture-writer.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

const SYN = 0x02;
const FLOOD = 30_000;
const MAX_LIVE = 2_000;

function synFlood(): string {
  const records: W.PcapRecord[] = [];
  for (let i = 0; i < FLOOD; i++) {
    const port = 1 + (i % 65000);
    const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const seg = W.tcp({ srcPort: 40000 + (i % 20000), dstPort: port, seq: i * 7919, flags: SYN, options: [{ kind: 'mss', value: 1460 }] });
    // 100 µs apart: the whole flood lasts 3 s, so no connection is old enough to be "finished".
    records.push({ tsSec: 1_700_000_000 + Math.floor(i / 10_000), tsFrac: (i % 10_000) * 100, data: W.ipv4(seg, { src, dst: '192.0.2.80', protocol: 6 }) });
  }
  return tmp.write('flood.pcap', W.pcapFile({ linkType: W.LT_RAW, records }));
}

test(`a flood of ${FLOOD} SYNs with --max-live ${MAX_LIVE}: live connections stay bounded, every SYN is still a record`, async (t) => {
  const report = await analyze([synFlood()], { maxLive: MAX_LIVE, connectionsOnly: true });
  t.is(report.connections.length, FLOOD);
  t.true(report.tracking.peakLive <= MAX_LIVE, `peak live ${report.tracking.peakLive}`);
  t.true(report.tracking.evicted >= FLOOD - MAX_LIVE, `evicted ${report.tracking.evicted}`);
  const evicted = report.connections.filter((c) => c.evicted);
  t.is(evicted.length, report.tracking.evicted);
  t.true(evicted.every((c) => c.finalState.client === 'SYN_SENT' && c.handshake.synFrame === c.firstFrame));
});

test('without a bound the same flood keeps every connection live (the bound is what limits memory)', async (t) => {
  const report = await analyze([synFlood()], { connectionsOnly: true });
  t.is(report.tracking.evicted, 0);
  t.is(report.tracking.peakLive, FLOOD);
});

test('the same flood in two threads: the bound holds across the shards (their peaks sum to at most --max-live), every SYN is a record', async (t) => {
  const report = await analyze([synFlood()], { maxLive: MAX_LIVE, connectionsOnly: true, threads: 2 });
  t.is(report.connections.length, FLOOD);
  t.deepEqual(report.connections.map((c) => c.id), report.connections.map((_, i) => i));
  // Each shard keeps its share of the bound (rounded up): the sum of their peaks stays within it.
  t.true(report.tracking.peakLive <= MAX_LIVE + 2, `peak live ${report.tracking.peakLive}`);
  t.true(report.tracking.evicted >= FLOOD - MAX_LIVE - 2, `evicted ${report.tracking.evicted}`);
  t.is(report.connections.filter((c) => c.evicted).length, report.tracking.evicted);
  t.is(report.tracking.maxLive, MAX_LIVE);
});
