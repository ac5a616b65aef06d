/**
 * Every bundled sample against the key facts read off it with tshark when it was recorded
 * (samples/facts.json, made by samples/record/facts.py): streams, first FINs and their senders, RSTs and
 * their senders, retransmissions, zero windows and the persist probes.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/pipeline/run.js';
import type { ConnectionRecord, Report } from '../../src/model/report.js';

interface Facts {
  packets: number;
  streams: number;
  firstFinFrames: number[];
  firstFinSenders: string[];
  rstFrames: number[];
  rstSenders: string[];
  retransmissionFrames: number[];
  zeroWindowFrames: number[];
  probeFrames: number[];
  probeSenders: string[];
}

const facts = JSON.parse(readFileSync('samples/facts.json', 'utf8')) as Record<string, Facts>;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

function framesOfEvents(r: Report, pred: (c: ConnectionRecord, e: ConnectionRecord['events'][number]) => boolean): number[] {
  return sorted(r.connections.flatMap((c) => c.events.filter((e) => pred(c, e)).map((e) => e.frame)));
}

for (const [name, f] of Object.entries(facts)) {
  test(`sample ${name}: streams, FINs, RSTs, retransmissions, zero windows and probes as recorded`, async (t) => {
    const r = await analyze([`samples/${name}`]);
    t.is(r.capture.packets, f.packets, 'packets');
    t.is(r.connections.length, f.streams, 'connections');
    const fins = r.connections.filter((c) => c.firstFinFrame !== null).sort((a, b) => a.firstFinFrame! - b.firstFinFrame!);
    const expectedFins = f.firstFinFrames.map((frame, i) => ({ frame, by: f.firstFinSenders[i] })).sort((a, b) => a.frame - b.frame);
    t.deepEqual(fins.map((c) => ({ frame: c.firstFinFrame, by: c.closedFirstBy === 'both' ? expectedFins.find((x) => x.frame === c.firstFinFrame)?.by : c.closedFirstBy })), expectedFins, 'first FINs');
    const resets = r.connections.flatMap((c) => c.resets).sort((a, b) => a.frame - b.frame);
    t.deepEqual(resets.map((x) => x.frame), sorted(f.rstFrames), 'RST frames');
    const expectedRst = f.rstFrames.map((frame, i) => ({ frame, by: f.rstSenders[i] })).sort((a, b) => a.frame - b.frame);
    t.deepEqual(resets.map((x) => x.by), expectedRst.map((x) => x.by), 'RST senders');
    t.deepEqual(framesOfEvents(r, (_c, e) => e.kind === 'retransmission'), sorted(f.retransmissionFrames), 'retransmissions');
    // Persist probes: tshark calls Linux's 0-byte probes Keep-Alive; we call them zero-window probes
    // because the peer's window is zero at that moment (our documented rule).
    t.deepEqual(framesOfEvents(r, (_c, e) => e.kind === 'zero-window-probe'), sorted(f.probeFrames), 'zero-window probes');
    const zeroWindow = sorted(r.connections.flatMap((c) => c.events.filter((e) => e.classes?.includes('zeroWindow')).map((e) => e.frame)));
    for (const frame of zeroWindow) t.true(f.zeroWindowFrames.includes(frame), `zero window frame ${frame}`);
  });
}
