/**
 * last-ack: a side waiting for the ACK of its FIN. Shown by zeek-tcp-reassembly (the client's FIN at
 * frame 110 is ACKed only 3.27 s later, after a FIN retransmission at 116) and by the same capture cut
 * at frame 111 (still waiting when it ends); not where the final ACK follows at once.
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { close, findings, ofKind, sample, truncatedPcap } from './helpers.js';

test('no last-ack on the samples: every LAST_ACK ends within a round trip', async (t) => {
  for (const name of ['connection-close-server-time-wait.pcap', 'close-wait-leak.pcap', 'keepalive-idle-race.pcap', 'dumb-proxy-hop-by-hop.pcap', 'mixed.pcapng']) {
    t.is(ofKind(await findings(sample(name)), 'last-ack').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  test('zeek-tcp-reassembly: the client waited 3.27 s in LAST_ACK and retransmitted its FIN once', async (t) => {
    const la = ofKind(await findings(corpusCapture('zeek-tcp-reassembly.pcap')), 'last-ack');
    t.is(la.length, 1);
    const f = la[0]!;
    t.is(f.severity, 'info');
    t.deepEqual(f.endpoint, { ip: '63.193.213.194', port: 2564 });
    const s = f.details.sockets[0]!;
    t.like(s, { connection: 0, side: 'client', finFrame: 110, fromFrame: 110, toFrame: 117, ended: 'ack' });
    t.deepEqual(s.finRetransmissionFrames, [116]);
    t.true(close(s.durationSec, 3.2698, 0.001));
    t.is(f.details.finRetransmissions, 1);
  });

  test('zeek-tcp-reassembly cut at frame 112: still in LAST_ACK when the capture ends', async (t) => {
    const la = ofKind(await findings(truncatedPcap(corpusCapture('zeek-tcp-reassembly.pcap'), 112)), 'last-ack');
    t.is(la.length, 1);
    t.like(la[0]!.details.sockets[0], { fromFrame: 110, ended: 'capture-end', toFrame: null });
    t.is(la[0]!.details.stillOpenAtEnd, 1);
  });

  test('no last-ack on normal closes (zeek-http-get, zeek-redis-pubsub, zeek-wikipedia)', async (t) => {
    for (const name of ['zeek-http-get.pcap', 'zeek-redis-pubsub.pcap', 'zeek-wikipedia.pcap']) {
      t.is(ofKind(await findings(corpusCapture(name)), 'last-ack').length, 0, name);
    }
  });
}
