/**
 * slow-reader: the receiver ACKs data while its window shrinks to zero. Shown by
 * samples/slow-reader-zero-window.pcap (the client's window falls 2 896 → 1 448 → 0 bytes while it
 * ACKs 5 792 more bytes); not by a zero window without evidence of the shrink (cs-tcp_zerowindowdead
 * starts at zero), brief zero windows, or transfers where the window never shrank.
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { close, findings, ofKind, sample } from './helpers.js';

test('slow-reader sample: the client kept ACKing while its window fell to zero at frame 89', async (t) => {
  const all = await findings(sample('slow-reader-zero-window.pcap'));
  const sr = ofKind(all, 'slow-reader');
  t.is(sr.length, 1);
  const f = sr[0]!;
  t.is(f.rank, 1, 'the cause ranks above its symptom (zero-window) and consequence (RST)');
  t.is(f.severity, 'critical');
  t.deepEqual(f.endpoint, { ip: '10.231.6.1', port: 43104 });
  t.is(f.wiresharkFilter, 'tcp.stream eq 0 && ip.src==10.231.6.1 && tcp.srcport==43104');
  t.like(f.details, { reader: 'client', count: 1, maxRecvQueue: 2896 });
  const d = f.details.instances[0]!;
  t.like(d, {
    connection: 0, peakWindow: 2896, minWindow: 0, windowShrink: 2896, zeroFrame: 89, maxRecvQueue: 2896, senderWindowFull: 27, lowDurationSec: null,
  });
  t.deepEqual(d.senderEndpoint, { ip: '10.231.6.2', port: 8080 });
  // ACK 66 161 at the last full window, 71 953 when it reached zero.
  t.is(d.ackedDuringShrink, 5792);
  t.is(d.readDuringShrink, 2896);
  t.deepEqual(d.recvQueue.v, [0, 1448, 2896]);
  t.true(close(d.zeroDurationSec!, 29.912, 0.001));
  t.true(f.frames.includes(89));
});

test('no slow-reader on captures without a shrinking window', async (t) => {
  for (const name of ['close-wait-leak.pcap', 'dead-peer-keepalive.pcap', 'keepalive-idle-race.pcap', 'connection-close-server-time-wait.pcap', 'mixed.pcapng']) {
    t.is(ofKind(await findings(sample(name)), 'slow-reader').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  test('no slow-reader: a zero window seen only once closed (zerowindowdead), brief ones (mime-truncated), bulk transfers', async (t) => {
    for (const name of ['cs-tcp_zerowindowdead.pcapng', 'sv-http-mime-truncated.pcap', 'cs-tcp_zerowindowrecovery.pcapng', 'zeek-ftp-bigtransfer.pcap', 'zeek-http-get.pcap', 'sv-mqtt-limit-2.pcap']) {
      t.is(ofKind(await findings(corpusCapture(name)), 'slow-reader').length, 0, name);
    }
  });
}
