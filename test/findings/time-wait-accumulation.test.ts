/**
 * time-wait-accumulation: the endpoint that closes first holds the TIME_WAIT sockets. Shown by
 * samples/connection-close-server-time-wait.pcap (the server closes 5 of 6 connections first);
 * not by captures where the client closes first, or too few sockets are involved.
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { allClose, captureStart, findings, ofKind, sample } from './helpers.js';

test('connection-close: 10.231.1.2:8080 closed 5 of 6 connections first and holds 5 TIME_WAIT sockets', async (t) => {
  const path = sample('connection-close-server-time-wait.pcap');
  const tw = ofKind(await findings(path), 'time-wait-accumulation');
  t.is(tw.length, 1);
  const f = tw[0]!;
  t.is(f.severity, 'info');
  t.deepEqual(f.endpoint, { ip: '10.231.1.2', port: 8080 });
  t.deepEqual(f.connections, [0, 1, 2, 3, 4]);
  t.deepEqual(f.frames, [10, 20, 30, 40, 50]);
  t.is(f.wiresharkFilter, 'tcp.stream in {0 1 2 3 4} && tcp.flags.fin==1');
  const d = f.details;
  t.like(d, { role: 'server', closedConnections: 6, activeCloses: 5, passiveCloses: 1, activeCloseShare: 0.833, timeWaitEntered: 5, timeWaitSec: 60, peak: 5, atCaptureEnd: 5 });
  // 5 closes in a 2.84 s capture: 1.76/s, i.e. ~105 TIME_WAIT sockets at any time at that rate.
  t.is(d.closesPerSec, 1.758);
  t.is(d.steadyStateEstimate, 105);
  t.is(d.reusedWhileInTimeWait, 0);
  t.is(d.distinctFourTuples, 5);
  const start = await captureStart(path);
  t.deepEqual(d.series.v, [1, 2, 3, 4, 5]);
  t.true(allClose(d.series.t.map((x) => x - start), [0.0088, 0.2115, 0.4147, 0.6177, 0.8206], 0.001));
  t.deepEqual(d.peers, [{ ip: '10.231.1.1', port: null, connections: 5 }]);
  t.regex(f.summary, /5 of its 6 closed connections \(83%\).*up to 5 at once/);
});

test('timeWaitSec option: with 0.3 s TIME_WAIT the same server holds at most 2 and none at the end', async (t) => {
  const f = ofKind(await findings(sample('connection-close-server-time-wait.pcap'), { timeWaitSec: 0.3 }), 'time-wait-accumulation')[0]!;
  t.is(f.details.timeWaitSec, 0.3);
  t.is(f.details.peak, 2);
  t.is(f.details.atCaptureEnd, 0);
  t.deepEqual(f.details.series.v, [1, 2, 1, 2, 1, 2, 1, 2, 1, 0]);
});

test('no time-wait-accumulation with 1–2 server TIME_WAITs (idle race, dumb proxy) or none (close-wait leak)', async (t) => {
  for (const name of ['keepalive-idle-race.pcap', 'dumb-proxy-hop-by-hop.pcap', 'close-wait-leak.pcap', 'dead-peer-keepalive.pcap']) {
    t.is(ofKind(await findings(sample(name)), 'time-wait-accumulation').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  test('no time-wait-accumulation when clients close first (zeek-http-get, zeek-redis-pubsub: 3 client TIME_WAITs)', async (t) => {
    for (const name of ['zeek-http-get.pcap', 'zeek-redis-pubsub.pcap', 'zeek-wikipedia.pcap']) {
      t.is(ofKind(await findings(corpusCapture(name)), 'time-wait-accumulation').length, 0, name);
    }
  });
}

test('a handful of TIME_WAIT sockets is info, never a warning: fin-after-fin-timeout (3), connection-close (5)', async (t) => {
  for (const [name, peak] of [['fin-after-fin-timeout.pcap', 3], ['connection-close-server-time-wait.pcap', 5]] as const) {
    const tw = ofKind(await findings(sample(name)), 'time-wait-accumulation');
    t.is(tw.length, 1, name);
    t.like(tw[0]!.details, { peak, reusedWhileInTimeWait: 0 });
    t.is(tw[0]!.severity, 'info', name);
  }
});
