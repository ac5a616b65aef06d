/**
 * zero-window: episodes of a receiver advertising a zero window, with the persist probes. Shown by
 * samples/slow-reader-zero-window.pcap (a 29.9 s stall, 7 Linux-style probes doubling, ended by the
 * server's RST; plus one 26 µs zero window folded into the transient line), cs-tcp_zerowindowdead
 * (still zero at the capture end) and sv-http-mime-truncated (5 brief ones with 1-byte probes).
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { allClose, captureStart, close, findings, ofKind, sample } from './helpers.js';

test('slow-reader sample: the client\'s zero window from frame 89, 7 probes doubling, RST at frame 103', async (t) => {
  const path = sample('slow-reader-zero-window.pcap');
  const zw = ofKind(await findings(path), 'zero-window');
  t.is(zw.length, 2);
  const stall = zw.find((f) => !f.details.transient)!;
  t.is(stall.severity, 'critical');
  t.deepEqual(stall.connections, [0]);
  t.deepEqual(stall.endpoint, { ip: '10.231.6.1', port: 43104 });
  t.deepEqual(stall.frames, [89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103]);
  t.true(stall.wiresharkFilter.startsWith('tcp.stream eq 0 && (tcp.analysis.zero_window ||'));
  const e = stall.details.episodes[0]!;
  t.is(stall.details.episodes.length, 1);
  t.like(e, {
    receiver: 'client', startFrame: 89, endFrame: 103, ended: 'rst', endedBy: 'server', probeStyle: '0-byte',
    bytesReceivedBefore: 71952, senderHadDataWaiting: true, bytesInFlight: 0, exponentialBackoff: true, backoffFactor: 2,
  });
  t.deepEqual(e.senderEndpoint, { ip: '10.231.6.2', port: 8080 });
  t.deepEqual(e.probes.map((p) => p.frame), [90, 92, 93, 95, 97, 99, 101]);
  // Probe 92 got no answer (Linux rate-limits ACKs to out-of-window segments).
  t.deepEqual(e.probes.map((p) => p.answerFrame), [91, null, 94, 96, 98, 100, 102]);
  t.deepEqual(e.zeroWindowFrames, [89, 91, 94, 96, 98, 100, 102]);
  t.true(allClose(e.probeIntervalsSec, [0.216, 0.448083, 0.863928, 1.727975, 3.619976, 6.908011, 13.824041], 0.001));
  t.true(close(e.durationSec, 29.912, 0.001));
  const start = await captureStart(path);
  t.true(close(e.startEpoch - start, 0.0949, 0.0005));
  t.regex(stall.summary, /frame 89 .*29\.9 s.*7 persist probes \(0-byte, Linux style\).*backing off ×2.*reset the connection \(frame 103\)/);

  const brief = zw.find((f) => f.details.transient)!;
  t.is(brief.severity, 'info');
  t.deepEqual(brief.frames, [41, 42]);
  t.is(brief.details.episodes.length, 1);
  t.like(brief.details.episodes[0], { startFrame: 41, endFrame: 42, ended: 'window-open', reopenedWindow: 2896 });
  t.true(brief.details.longestSec < 0.001);
});

test('no zero-window findings where no receiver closed its window', async (t) => {
  for (const name of ['close-wait-leak.pcap', 'dead-peer-keepalive.pcap', 'keepalive-idle-race.pcap', 'connection-close-server-time-wait.pcap', 'dumb-proxy-hop-by-hop.pcap']) {
    t.is(ofKind(await findings(sample(name)), 'zero-window').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  test('cs-tcp_zerowindowdead: zero from frame 2 to the end of the capture (23.7 s), probes 3, 5, 7 doubling', async (t) => {
    const zw = ofKind(await findings(corpusCapture('cs-tcp_zerowindowdead.pcapng')), 'zero-window');
    t.is(zw.length, 1);
    const e = zw[0]!.details.episodes[0]!;
    t.is(zw[0]!.severity, 'critical');
    t.like(e, { startFrame: 2, endFrame: null, ended: 'capture-end', probeStyle: '0-byte', exponentialBackoff: true, bytesReceivedBefore: 1344 });
    t.deepEqual(e.probes.map((p) => p.frame), [3, 5, 7]);
    t.deepEqual(e.probes.map((p) => p.answerFrame), [4, 6, 8]);
    t.true(allClose(e.probeIntervalsSec, [3.4106, 6.7842, 13.5367], 0.001));
    t.true(close(e.durationSec, 23.7315, 0.001));
  });

  test('sv-http-mime-truncated: 5 brief zero windows with 1-byte probes, folded into one info line', async (t) => {
    const zw = ofKind(await findings(corpusCapture('sv-http-mime-truncated.pcap')), 'zero-window');
    t.is(zw.length, 1);
    const f = zw[0]!;
    t.is(f.severity, 'info');
    t.true(f.details.transient);
    t.deepEqual(f.details.episodes.map((e) => e.startFrame), [398, 405, 998, 1097, 2325]);
    t.deepEqual(f.details.episodes.map((e) => e.endFrame), [401, 407, 1001, 1100, 2328]);
    t.deepEqual(f.details.episodes.flatMap((e) => e.probes.map((p) => p.frame)), [399, 406, 999, 1098, 2326]);
    t.true(f.details.episodes.every((e) => e.probeStyle === '1-byte' && e.ended === 'window-open'));
    t.true(close(f.details.longestSec, 0.004455, 0.0001));
  });

  test('cs-tcp_zerowindowrecovery: a 10 ms zero window that reopened is transient', async (t) => {
    const zw = ofKind(await findings(corpusCapture('cs-tcp_zerowindowrecovery.pcapng')), 'zero-window');
    t.is(zw.length, 1);
    t.true(zw[0]!.details.transient);
    t.like(zw[0]!.details.episodes[0], { startFrame: 4, endFrame: 5, ended: 'window-open', reopenedWindow: 64240 });
    t.true(close(zw[0]!.details.episodes[0]!.durationSec, 0.010005, 0.0001));
  });

  test('no zero-window findings on zeek-http-get, zeek-tcp-reassembly, cs-tcp_retransmissions', async (t) => {
    for (const name of ['zeek-http-get.pcap', 'zeek-tcp-reassembly.pcap', 'cs-tcp_retransmissions.pcapng', 'zeek-redis-pubsub.pcap']) {
      t.is(ofKind(await findings(corpusCapture(name)), 'zero-window').length, 0, name);
    }
  });
}

// tshark on samples/keepalive-persist-blackhole.pcap, stream 1: zero window 18; probes 19, 21, 22,
// 26, 29, 33; answers 20 (0.264921), 23, 27 (3.256923); probe 21 at 0.696877; nothing from
// 10.231.19.2 after frame 27; stream 0's keep-alive probes 28, 30, 31 unanswered.
test('unanswered persist probes say why: 21 rate-limited (432 ms after the last ACK, answered again at 23), 29 and 33 the host gone (keep-alive on #0 unanswered too)', async (t) => {
  const [f] = ofKind(await findings(sample('keepalive-persist-blackhole.pcap')), 'zero-window');
  t.truthy(f);
  const u = f!.details.unansweredProbes;
  t.deepEqual(u.map((x) => [x.frame, x.reason]), [[21, 'rate-limited'], [29, 'peer-unreachable'], [33, 'peer-unreachable']]);
  t.regex(u[0]!.evidence, /came 432 ms after the receiver's previous ACK \(frame 20\), and it answered again at frame 23/);
  t.regex(u[1]!.evidence, /10\.231\.19\.2 answered nothing after frame 27 \(t=3\.257 s\), and on connection #0 its peer's keep-alive probes went unanswered too \(3 tries from frame 28/);
  t.regex(f!.summary, /Unanswered persist probes: frame 21 — rate-limited: .*; frames 29, 33 — the receiver's host stopped answering \(dead peer\)/);
});

test('slow-reader: probe 92 (0.448 s after the answer 91) is the one unanswered, rate-limited; every other probe answered', async (t) => {
  const [f] = ofKind(await findings(sample('slow-reader-zero-window.pcap')), 'zero-window').filter((x) => !x.details.transient);
  t.deepEqual(f!.details.unansweredProbes.map((x) => [x.frame, x.reason]), [[92, 'rate-limited']]);
});
