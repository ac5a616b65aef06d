/**
 * keepalive-probes (info): TCP keep-alive probes per sending endpoint. Shown by zeek-redis-pubsub
 * (2 probes, answered, each 15.04 s after the last data) and zeek-http-docker-http-upgrade (4 probes from the server, about
 * every 15 s); not by Wireshark "keep-alives" that are Linux zero-window probes (slow-reader sample)
 * or duplicated frames in the middle of a transfer (zeek-vlan-collisions).
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { allClose, captureStart, close, findings, ofKind, sample } from './helpers.js';

// tshark on samples/keepalive-persist-blackhole.pcap, stream 0: last data frame 8 (t=0.005746), probes
// 24 (3.064883, answered by 25 at 3.065064), 28 (6.072883), 30 (7.096878), 31 (8.120871), RST 32.
test('keepalive-persist-blackhole: the idle time (last data frame 8 -> first probe frame 24, 3.06 s) apart from the probe interval (1.02 s) and the repeat after an answer (3.01 s)', async (t) => {
  const path = sample('keepalive-persist-blackhole.pcap');
  const [f] = ofKind(await findings(path), 'keepalive-probes');
  t.truthy(f);
  t.deepEqual(f!.frames, [24, 28, 30, 31]);
  t.like(f!.details, { role: 'client', probes: 4, answered: 1 });
  t.true(close(f!.details.idleSec!, 3.064883 - 0.005746, 0.00001));
  t.true(close(f!.details.repeatIntervalSec!, 6.072883 - 3.064883, 0.00001));
  t.true(close(f!.details.retryIntervalSec!, 1.024, 0.0001));
  t.deepEqual(f!.details.perConnection[0]!.idlePeriods.map((p) => [p.lastDataFrame, p.probeFrame]), [[8, 24]]);
  t.is(f!.title, '10.231.19.1:39438 sends TCP keep-alive probes after 3.06 s idle');
  t.regex(f!.summary, /the first after 3\.06 s idle \(the keep-alive time, TCP_KEEPIDLE .*last data frame 8 → probe frame 24\), again 3\.01 s after an answered probe, 1\.02 s apart while unanswered \(the probe interval/);
});

test('keepalive-persist-blackhole: the dead-peer keep-alive run says the idle time before the probes, apart from their interval', async (t) => {
  const path = sample('keepalive-persist-blackhole.pcap');
  const dp = ofKind(await findings(path), 'dead-peer').find((f) => f.details.mode === 'keep-alive')!;
  const r = dp.details.runs[0]!;
  t.deepEqual(r.frames, [28, 30, 31]);
  t.true(allClose(r.intervalsSec, [1.024, 1.024], 0.0001));
  t.deepEqual(r.keepaliveIdle && [r.keepaliveIdle.lastDataFrame, r.keepaliveIdle.probeFrame], [8, 24]);
  t.true(close(r.keepaliveIdle!.idleSec, 3.059137, 0.00001));
  t.like(r, { after: 'rst-from-sender', afterFrame: 32 });
  t.true(close(r.firstEpoch - (await captureStart(path)), 6.072883, 0.00001));
  t.regex(dp.summary, /intervals 1\.024, 1\.024 s: the probe interval.*after 3\.06 s idle \(the keep-alive time.*last data frame 8 → first probe frame 24, answered\)/);
});

test('keepalive-persist-blackhole: the client\'s RST after its unanswered keep-alive probes is retries-exhausted (its TCP gave up), explained by the dead peer, one incident with it', async (t) => {
  const path = sample('keepalive-persist-blackhole.pcap');
  const all = await findings(path);
  const [reset] = ofKind(all, 'reset');
  const dp = ofKind(all, 'dead-peer').find((f) => f.details.mode === 'keep-alive')!;
  t.truthy(reset);
  t.like(reset!.details, { cause: 'retries-exhausted' });
  t.like(reset!.details.resets[0], { frame: 32, by: 'client', cause: 'retries-exhausted', trigger: 'keep-alive', triggerFrame: 31 });
  t.is(reset!.severity, 'warning');
  t.deepEqual(reset!.explainedBy, [dp.rank]);
  t.regex(reset!.summary, /after the last of its 3 unanswered keep-alive probes \(frames 28–31\): it gave up on server/);
  // Not an abortive close: nothing in the capture says the application chose to reset.
  t.false(all.some((f) => f.kind === 'reset' && f.details.cause === 'abortive-close'));
});

test('no keepalive-probes on the samples: persist probes of the slow reader are not keep-alives', async (t) => {
  for (const name of ['slow-reader-zero-window.pcap', 'dead-peer-keepalive.pcap', 'close-wait-leak.pcap', 'keepalive-idle-race.pcap']) {
    t.is(ofKind(await findings(sample(name)), 'keepalive-probes').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  test('zeek-redis-pubsub: 127.0.0.1:60831 probes its idle subscription twice, 21.1 s apart, both answered', async (t) => {
    const ka = ofKind(await findings(corpusCapture('zeek-redis-pubsub.pcap')), 'keepalive-probes');
    t.is(ka.length, 1);
    const f = ka[0]!;
    t.is(f.severity, 'info');
    t.deepEqual(f.endpoint, { ip: '127.0.0.1', port: 60831 });
    t.deepEqual(f.frames, [23, 47]);
    t.like(f.details, { role: 'client', probes: 2, answered: 2, connections: 1 });
    t.true(allClose(f.details.intervalsSec, [21.0848], 0.001));
    // tshark: data at frames 16 (7.553076) and 32 (28.635874) before the probes 23 (22.592769) and 47
    // (43.677571): two idle periods of 15.040 and 15.042 s (Redis's tcp-keepalive), not one probe interval of 21.1 s.
    t.deepEqual(f.details.perConnection[0]!.idlePeriods.map((p) => [p.lastDataFrame, p.probeFrame]), [[16, 23], [32, 47]]);
    t.true(close(f.details.idleSec!, (15.039693 + 15.041697) / 2, 0.00001));
    t.is(f.details.repeatIntervalSec, null);
    t.is(f.details.retryIntervalSec, null);
    t.is(f.wiresharkFilter, 'tcp.stream eq 0 && (tcp.analysis.keep_alive || tcp.analysis.keep_alive_ack)');
  });

  test('zeek-http-docker-http-upgrade: the server sends 4 probes on 2 connections, every ~15.2 s', async (t) => {
    const ka = ofKind(await findings(corpusCapture('zeek-http-docker-http-upgrade.pcap')), 'keepalive-probes');
    const server = ka.find((f) => f.details.role === 'server')!;
    t.deepEqual(server.endpoint, { ip: '192.168.122.87', port: 2375 });
    t.like(server.details, { probes: 4, answered: 4, connections: 2 });
    t.deepEqual(server.frames, [104, 111, 182, 188]);
    t.true(close(server.details.medianIntervalSec!, 15.17, 0.05));
  });

  test('no keepalive-probes: duplicated frames flagged keep-alive mid-transfer (zeek-vlan-collisions), zeek-http-get', async (t) => {
    for (const name of ['zeek-vlan-collisions.pcap', 'zeek-http-get.pcap', 'sv-http-mime-truncated.pcap', 'cs-tcp_zerowindowdead.pcapng']) {
      t.is(ofKind(await findings(corpusCapture(name)), 'keepalive-probes').length, 0, name);
    }
  });
}
