/**
 * close-wait: a side that ACKed the peer's FIN and kept its own side open. Shown by
 * samples/close-wait-leak.pcap (3 client sockets still in CLOSE_WAIT when the capture ended, the
 * server's in FIN_WAIT_2) and cs-http_espn_fail (one ended 45 s later by the server's RST, one by a
 * late FIN); not by captures where CLOSE_WAIT lasts a moment, is a half-close in use, or the FIN is
 * never seen ACKed (one-sided captures).
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { allClose, captureStart, close, findings, ofKind, sample } from './helpers.js';

test('close-wait-leak: the client host left 3 connections in CLOSE_WAIT until the capture ended', async (t) => {
  const path = sample('close-wait-leak.pcap');
  const all = await findings(path);
  const cw = ofKind(all, 'close-wait');
  t.is(cw.length, 1);
  const f = cw[0]!;
  t.is(f.rank, 1);
  t.is(f.severity, 'warning');
  t.deepEqual(f.endpoint, { ip: '10.231.7.1', port: null });
  t.deepEqual(f.connections, [0, 1, 2]);
  t.deepEqual(f.frames, [24, 25, 26, 27, 28, 29]);
  t.is(f.wiresharkFilter, 'tcp.stream in {0 1 2} && (tcp.flags.fin==1 || tcp.flags.reset==1)');
  const d = f.details;
  t.is(d.role, 'client');
  t.is(d.count, 3);
  t.is(d.stillOpenAtEnd, 3);
  t.is(d.endedByFin, 0);
  t.is(d.endedByRst, 0);
  t.is(d.peakConcurrent, 3);
  t.deepEqual(d.sockets.map((s) => s.peerFinFrame), [24, 26, 28]);
  t.deepEqual(d.sockets.map((s) => s.finAckFrame), [25, 27, 29]);
  t.deepEqual(d.sockets.map((s) => s.port), [59884, 59890, 59902]);
  t.true(d.sockets.every((s) => s.ended === 'capture-end' && s.toFrame === null));
  // Server FINs at t=2.008, 2.508, 3.011; the capture ends at t=11.175.
  t.true(allClose(d.sockets.map((s) => s.durationSec), [9.1675, 8.6671, 8.1645], 0.001));
  t.true(d.sockets.every((s) => s.durationSec >= 7.8));
  t.deepEqual(d.sockets.map((s) => s.peerFinWait2?.fromFrame), [25, 27, 29]);
  t.true(d.sockets.every((s) => s.peerFinWait2?.ended === 'capture-end'));
  const start = await captureStart(path);
  t.true(close(f.startEpoch! - start, 2.0075, 0.001));
  t.true(close(f.endEpoch! - start, 11.175, 0.001));
  t.regex(f.summary, /10\.231\.7\.1 \(client\).*3 connections.*at least 8\.16 s to 9\.17 s.*FIN_WAIT_2/);
  // The server's FIN_WAIT_2 sockets are the same story: no separate fin-wait-2 finding.
  t.is(ofKind(all, 'fin-wait-2').length, 0);
});

test('close-wait threshold: closeWaitSec 10 s leaves the 8–9 s CLOSE_WAITs of close-wait-leak out', async (t) => {
  t.is(ofKind(await findings(sample('close-wait-leak.pcap'), { closeWaitSec: 10 }), 'close-wait').length, 0);
});

test('no close-wait where CLOSE_WAIT lasts only until the next segment (keep-alive race, time-wait, dumb proxy)', async (t) => {
  for (const name of ['keepalive-idle-race.pcap', 'connection-close-server-time-wait.pcap', 'dumb-proxy-hop-by-hop.pcap', 'slow-reader-zero-window.pcap', 'dead-peer-keepalive.pcap']) {
    t.is(ofKind(await findings(sample(name)), 'close-wait').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  test('cs-http_espn_fail: CLOSE_WAITs of 45.3 s (ended by the server\'s RST) and 4.48 s (late FIN)', async (t) => {
    const cw = ofKind(await findings(corpusCapture('cs-http_espn_fail.pcapng')), 'close-wait');
    t.is(cw.length, 1);
    const d = cw[0]!.details;
    t.deepEqual(cw[0]!.connections, [7, 8]);
    t.deepEqual(cw[0]!.endpoint, { ip: '172.16.16.154', port: null });
    t.is(d.endedByRst, 1);
    t.is(d.endedByFin, 1);
    const [a, b] = d.sockets;
    t.like(a, { connection: 7, peerFinFrame: 498, finAckFrame: 499, toFrame: 524, ended: 'rst', resetBy: 'server' });
    t.true(close(a!.durationSec, 45.271, 0.001));
    t.like(b, { connection: 8, peerFinFrame: 531, finAckFrame: 532, toFrame: 533, ended: 'fin' });
    t.true(close(b!.durationSec, 4.475, 0.001));
  });

  test('cs-http_espn_fail with closeWaitSec 5: only the 45 s CLOSE_WAIT is left', async (t) => {
    const cw = ofKind(await findings(corpusCapture('cs-http_espn_fail.pcapng'), { closeWaitSec: 5 }), 'close-wait');
    t.deepEqual(cw.flatMap((f) => f.connections), [7]);
  });

  test('no close-wait: normal closes, a half-close with data flowing, one-sided captures', async (t) => {
    for (const name of ['zeek-http-get.pcap', 'zeek-tcp-reassembly.pcap', 'zeek-ssh-client-side-half-duplex.pcap', 'zeek-tcp-one-sided-2745.pcap', 'zeek-redis-pubsub.pcap']) {
      t.is(ofKind(await findings(corpusCapture(name)), 'close-wait').length, 0, name);
    }
  });
}
