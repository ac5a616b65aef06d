/**
 * keepalive-probes (info): TCP keep-alive probes per sending endpoint. Shown by zeek-redis-pubsub
 * (2 probes 21.1 s apart, answered) and zeek-http-docker-http-upgrade (4 probes from the server, about
 * every 15 s); not by Wireshark "keep-alives" that are Linux zero-window probes (slow-reader sample)
 * or duplicated frames in the middle of a transfer (zeek-vlan-collisions).
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { allClose, close, findings, ofKind, sample } from './helpers.js';

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
