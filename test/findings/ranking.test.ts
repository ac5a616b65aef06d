/**
 * detectFindings as a whole: ranking (cause first, then symptom, then consequence), the options
 * (kinds, minSeverity), and invariants every finding keeps on every capture we have: wording
 * present, frames and connections real, a Wireshark filter, times in order, plain JSON.
 */
import test from 'ava';
import { detectFindings, FINDING_KINDS, type Finding } from '../../src/findings/index.js';
import type { Report } from '../../src/model/report.js';
import { corpusOrSkip, listCaptures } from '../helpers/corpus.js';
import { findings, nonFiniteNumbers, report, sample } from './helpers.js';

const SAMPLES = [
  'close-wait-leak.pcap', 'connection-close-server-time-wait.pcap', 'dead-peer-keepalive.pcap', 'dumb-proxy-hop-by-hop.pcap',
  'keepalive-idle-race.pcap', 'slow-reader-zero-window.pcap', 'mixed.pcapng',
];

test('slow-reader sample: slow-reader (cause), zero-window (symptom), RST stall-timeout (consequence), brief zero window', async (t) => {
  const all = await findings(sample('slow-reader-zero-window.pcap'));
  t.deepEqual(all.map((f) => (f.kind === 'reset' ? `reset:${f.details.cause}` : f.kind)), ['slow-reader', 'zero-window', 'reset:stall-timeout', 'truncated-body', 'zero-window']);
  t.deepEqual(all.map((f) => f.rank), [1, 2, 3, 4, 5]);
  t.deepEqual(all.map((f) => f.severity), ['critical', 'critical', 'warning', 'warning', 'info']);
});

test('dead-peer sample: dead-peer first, then the request it stalled and the RST it ended with', async (t) => {
  const all = await findings(sample('dead-peer-keepalive.pcap'));
  t.deepEqual(all.map((f) => (f.kind === 'reset' ? `reset:${f.details.cause}` : f.kind)), ['dead-peer', 'stalled-response', 'reset:stale-connection']);
});

test('options: kinds keeps only those kinds; minSeverity drops what is below', async (t) => {
  const path = sample('slow-reader-zero-window.pcap');
  const zw = await findings(path, { kinds: ['zero-window'] });
  t.deepEqual(zw.map((f) => f.kind), ['zero-window', 'zero-window']);
  t.deepEqual(zw.map((f) => f.rank), [1, 2]);
  const serious = await findings(path, { minSeverity: 'warning' });
  t.true(serious.every((f) => f.severity !== 'info'));
  t.is(serious.length, 4);
  t.is((await findings(path, { minSeverity: 'critical' })).length, 2);
  t.is((await findings(path, { kinds: [] })).length, 0);
});

test('an empty capture or no connections: no findings', (t) => {
  const capture = {
    files: [], frames: 0, packets: 0, tcpSegments: 0, firstTime: null, lastTime: null, firstEpoch: null, lastEpoch: null, durationSec: null,
    decode: {} as Report['capture']['decode'], encapsulation: { frames: {}, ipFragments: { fragments: 0, reassembled: 0, dropped: 0, incomplete: 0 }, tooDeep: 0 }, problems: [],
  };
  t.deepEqual(detectFindings([], capture), []);
});

function invariants(r: Report, all: Finding[]): string[] {
  const errs: string[] = [];
  const ids = new Map(r.connections.map((c) => [c.id, c]));
  const start = Number(r.capture.firstEpoch);
  const end = Number(r.capture.lastEpoch);
  all.forEach((f, i) => {
    const where = `#${f.rank} ${f.kind}`;
    if (f.rank !== i + 1) errs.push(`${where}: rank ${f.rank} at position ${i + 1}`);
    if (!FINDING_KINDS.includes(f.kind)) errs.push(`${where}: unknown kind`);
    for (const k of ['title', 'summary', 'explanation', 'wiresharkFilter'] as const) if (f[k].trim() === '') errs.push(`${where}: empty ${k}`);
    if (f.advice.length === 0) errs.push(`${where}: no advice`);
    if (f.connections.length === 0) errs.push(`${where}: no connections`);
    for (const id of f.connections) if (!ids.has(id)) errs.push(`${where}: unknown connection ${id}`);
    if (f.frames.length === 0) errs.push(`${where}: no evidence frames`);
    const lo = Math.min(...f.connections.map((id) => ids.get(id)?.firstFrame ?? Infinity));
    const hi = Math.max(...f.connections.map((id) => ids.get(id)?.lastFrame ?? -Infinity));
    for (const fr of f.frames) if (fr < lo || fr > hi) errs.push(`${where}: frame ${fr} outside its connections (${lo}–${hi})`);
    if (f.frames.some((fr, k) => k > 0 && fr <= f.frames[k - 1]!)) errs.push(`${where}: frames not ascending`);
    if (f.startEpoch !== null && f.endEpoch !== null && f.startEpoch > f.endEpoch + 1e-6) errs.push(`${where}: start after end`);
    if (f.startEpoch !== null && (f.startEpoch < start - 1e-6 || f.startEpoch > end + 1e-6)) errs.push(`${where}: start outside the capture`);
    if (f.connections.length <= 64 && !f.wiresharkFilter.startsWith('tcp.stream ')) errs.push(`${where}: filter does not select the streams: ${f.wiresharkFilter}`);
    if (/undefined|NaN|null|Infinity/.test(f.summary + f.title)) errs.push(`${where}: wording shows a missing value: ${f.summary}`);
    const bad = nonFiniteNumbers(f);
    if (bad.length > 0) errs.push(`${where}: non-finite numbers at ${bad.slice(0, 3).join(', ')}`);
  });
  return errs;
}

test('invariants hold for every finding on every sample', async (t) => {
  for (const name of [...SAMPLES, 'fixtures/port-reuse.pcap', 'fixtures/refused.pcap', 'fixtures/simultaneous-close.pcap']) {
    const path = sample(name);
    const r = await report(path);
    t.deepEqual(invariants(r, await findings(path)), [], name);
  }
});

if (corpusOrSkip() !== null) {
  test('invariants hold for every finding on every corpus capture that can be read', async (t) => {
    let checked = 0;
    for (const path of listCaptures()) {
      let r: Report;
      try {
        r = await report(path);
      } catch {
        continue; // unreadable on purpose (bad-input corpus files); the capture tests cover those
      }
      const all = detectFindings(r.connections, r.capture);
      t.deepEqual(invariants(r, all), [], path);
      checked++;
    }
    t.true(checked >= 50, `only ${checked} corpus captures were read`);
  });

  test('zeek-http-get: a clean exchange yields no findings at all', async (t) => {
    const { corpusCapture } = await import('./corpus.js');
    t.deepEqual(await findings(corpusCapture('zeek-http-get.pcap')), []);
  });
}
