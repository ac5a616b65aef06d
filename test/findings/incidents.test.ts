/**
 * Incidents (findings/incidents.ts) on the samples: the findings of one story grouped, with a
 * headline carrying the numbers. The frames are those of samples/README.md.
 */
import test from 'ava';
import { report, sample } from './helpers.js';

test('dead-peer sample: one incident, outage from the lost request\'s first transmission (frame 10) to the RST, recovered at frame 20', async (t) => {
  const r = await report(sample('dead-peer-keepalive.pcap'));
  t.is(r.incidents.length, 1);
  const i = r.incidents[0]!;
  t.deepEqual(i.findings, [1, 2, 3]);
  t.is(i.severity, 'critical');
  t.deepEqual(i.endpoints, [{ ip: '10.231.4.2', port: 8080 }]);
  t.is(i.headline, '10.231.4.2:8080 unreachable from t=2.017 s to t=15.40 s (13.4 s): 1 request lost (frame 10, 7 retransmissions), recovered at frame 20');
  t.deepEqual(i.keyFrames, [10, 19, 20]);
});

test('server-unreachable sample: the outage starts at the lost request\'s first transmission (frame 17, t=4.001 s), not at its tail-loss probe (frame 18)', async (t) => {
  const r = await report(sample('server-unreachable.pcap'));
  t.is(r.incidents.length, 1);
  const i = r.incidents[0]!;
  t.is(i.headline, '10.231.18.2:8080 unreachable from t=4.001 s to t=17.47 s (13.5 s): 1 request lost (frame 17, 7 retransmissions), 1 connection attempt abandoned, recovered at frame 33');
  t.true(Math.abs(i.startEpoch! - Number(r.capture.firstEpoch) - 4.001005) < 1e-5);
  t.deepEqual(i.keyFrames, [17, 21, 32, 33]);
});

test('slow-reader sample: slow reader, zero window, stall RST and the truncated download are one incident; the brief zero window (info) is not in it', async (t) => {
  const r = await report(sample('slow-reader-zero-window.pcap'));
  t.is(r.incidents.length, 1);
  t.deepEqual(r.incidents[0]!.findings, [1, 2, 3, 4]);
  t.regex(r.incidents[0]!.headline, /^10\.231\.6\.1:\d+ stopped reading from 10\.231\.6\.2:8080 at t=0\.095 s \(frame 89\): window zero for 29\.9 s, ended by the server's RST \(frame 103\)$/);
});

test('mixed capture: the race RSTs and the relay\'s CLOSE_WAIT are two incidents; info findings start none', async (t) => {
  const r = await report(sample('mixed.pcapng'));
  t.is(r.incidents.length, 2);
  for (const i of r.incidents) t.true(i.findings.some((rank) => r.findings[rank - 1]!.severity !== 'info'));
  t.deepEqual(r.incidents.map((i) => i.endpoints), [[{ ip: '10.231.5.2', port: 8080 }], [{ ip: '10.231.2.2', port: 8080 }]]);
});

test('a capture without findings has no incidents', async (t) => {
  t.deepEqual((await report(sample('fixtures/client-closes-first.pcap'))).incidents, []);
});
