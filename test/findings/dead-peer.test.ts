/**
 * dead-peer: the same segment sent again and again with growing intervals and no answer. Shown by
 * samples/dead-peer-keepalive.pcap (7 retransmissions over 13.2 s, doubling, then the restarted
 * server's RST), cs-tcp_retransmissions (5, doubling, still trying at the end) and
 * cs-http_espn_fail (9 connection attempts whose SYNs got no answer).
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { allClose, captureStart, close, findings, ofKind, sample } from './helpers.js';

test('dead-peer sample: request at frame 10, a tail-loss probe after 205 ms, 6 RTOs doubling, RST from the server at frame 20', async (t) => {
  const path = sample('dead-peer-keepalive.pcap');
  const all = await findings(path);
  const dp = ofKind(all, 'dead-peer');
  t.is(dp.length, 1);
  const f = dp[0]!;
  t.is(f.rank, 1);
  t.is(f.severity, 'critical');
  t.deepEqual(f.endpoint, { ip: '10.231.4.2', port: 8080 });
  t.deepEqual(f.frames, [10, 11, 12, 13, 14, 17, 18, 19, 20]);
  t.is(f.wiresharkFilter, 'tcp.stream eq 0 && (tcp.analysis.retransmission || tcp.flags.reset==1)');
  t.is(f.details.mode, 'data');
  const r = f.details.runs[0]!;
  t.like(r, { sender: 'client', seq: 71, len: 71, count: 7, tailLossProbe: true, exponentialBackoff: true, backoffFactor: 2, after: 'rst-from-peer', afterFrame: 20 });
  t.deepEqual(r.senderEndpoint, { ip: '10.231.4.1', port: 57092 });
  // tshark: frame 10 "GET /second" at 2.016876, retransmissions 11 (2.222100) … 19 (15.398112).
  t.deepEqual(r.frames, [10, 11, 12, 13, 14, 17, 18, 19]);
  const start = await captureStart(path);
  t.is(r.firstTransmission!.frame, 10);
  t.true(close(r.firstTransmission!.epoch - start, 2.016876, 0.000002));
  t.true(close(r.firstIntervalSec!, 0.205224, 0.000002));
  t.true(allClose(r.intervalsSec, [0.205224, 0.208028, 0.423985, 0.832054, 1.663956, 3.392017, 6.655972], 0.0005));
  t.true(allClose(r.backoffIntervalsSec, [0.208028, 0.423985, 0.832054, 1.663956, 3.392017, 6.655972], 0.0005));
  t.true(close(r.spanSec, 13.381, 0.001));
  t.true(close(r.firstEpoch - start, 2.0169, 0.0005));
  t.true(close(r.lastEpoch - start, 15.3981, 0.0005));
  t.regex(f.summary, /sent a 71-byte segment at frame 10 \(t=2\.017 s\) that 10\.231\.4\.2:8080 never acknowledged: retransmitted 7 times over the next 13\.4 s \(frames 11–19\), first after 205 ms \(frame 11\) — a tail-loss probe \(RFC 8985.*then on the retransmission timer at intervals 0\.208, 0\.424, 0\.832, 1\.664, 3\.392, 6\.656 s \(backing off ×2\).*answered with a RST \(frame 20/);
  // Its retransmissions are explained here, not again as a loss summary.
  t.is(ofKind(all, 'retransmissions').length, 0);
});

test('server-unreachable: the lost request is frame 17 (t=4.001 s), its tail-loss probe frame 18 (+0.205 s)', async (t) => {
  const path = sample('server-unreachable.pcap');
  const r = ofKind(await findings(path), 'dead-peer').find((f) => f.details.mode === 'data')!.details.runs[0]!;
  const start = await captureStart(path);
  t.deepEqual(r.firstTransmission && r.firstTransmission.frame, 17);
  t.true(close(r.firstTransmission!.epoch - start, 4.001005, 0.000002));
  t.true(r.tailLossProbe);
  t.true(close(r.firstIntervalSec!, 0.205, 0.001));
  t.deepEqual(r.frames, [17, 18, 19, 20, 24, 27, 31, 32]);
  t.true(allClose(r.backoffIntervalsSec, [0.208, 0.416, 0.832, 1.664, 3.488, 6.656], 0.001));
});

test('no dead-peer where every segment was answered', async (t) => {
  for (const name of ['close-wait-leak.pcap', 'keepalive-idle-race.pcap', 'slow-reader-zero-window.pcap', 'connection-close-server-time-wait.pcap', 'dumb-proxy-hop-by-hop.pcap']) {
    t.is(ofKind(await findings(sample(name)), 'dead-peer').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  test('cs-tcp_retransmissions: first sent at frame 1, 5 retransmissions 0.206, 0.6, 1.2, 2.4, 4.8 s apart, still trying when the capture ended', async (t) => {
    const dp = ofKind(await findings(corpusCapture('cs-tcp_retransmissions.pcapng')), 'dead-peer');
    t.is(dp.length, 1);
    const r = dp[0]!.details.runs[0]!;
    // tshark: frame 1 (t=0) is the first transmission, 2–6 its retransmissions.
    t.deepEqual(r.frames, [1, 2, 3, 4, 5, 6]);
    t.like(r, { len: 648, count: 5, exponentialBackoff: true, after: 'capture-end', firstTransmission: { frame: 1, epoch: r.firstEpoch } });
    // 0.206 s then 0.6 s: neither a doubling nor a probe's shape (an RTO that grew), so no tail-loss probe.
    t.false(r.tailLossProbe);
    t.true(allClose(r.intervalsSec, [0.206, 0.6, 1.2, 2.4, 4.805], 0.001));
    t.deepEqual(dp[0]!.endpoint, { ip: '10.3.71.7', port: 1043 });
  });

  test('cs-http_espn_fail: 9 connection attempts to 203.0.113.94:80, SYN sent 11 times each, no answer', async (t) => {
    const dp = ofKind(await findings(corpusCapture('cs-http_espn_fail.pcapng')), 'dead-peer');
    t.is(dp.length, 1);
    const f = dp[0]!;
    t.is(f.details.mode, 'syn');
    t.is(f.severity, 'critical');
    t.deepEqual(f.endpoint, { ip: '203.0.113.94', port: 80 });
    t.deepEqual(f.connections, [2, 3, 4, 5, 6, 9, 13, 14, 15]);
    const r = f.details.runs.find((x) => x.connection === 2)!;
    t.deepEqual(r.frames, [25, 457, 463, 470, 476, 482, 488, 494, 502, 508, 527]);
    t.is(r.count, 10);
    t.true(r.exponentialBackoff);
    t.is(r.after, 'capture-end');
    t.true(f.wiresharkFilter.endsWith('&& (tcp.flags.syn==1 || tcp.flags.reset==1)'));
  });

  test('no dead-peer: recovered retransmissions, one-sided SYNs, duplicated frames, SYN-scan half-open handshakes', async (t) => {
    for (const name of ['zeek-tcp-reassembly.pcap', 'zeek-ssh-client-side-half-duplex.pcap', 'zeek-vlan-collisions.pcap', 'cs-synscan.pcapng', 'zeek-http-get.pcap', 'zeek-tcp-retransmit-fast009.pcap', 'zeek-redis-pubsub.pcap']) {
      t.is(ofKind(await findings(corpusCapture(name)), 'dead-peer').length, 0, name);
    }
  });
}
