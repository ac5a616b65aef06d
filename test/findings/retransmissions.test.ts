/**
 * retransmissions: loss summary per sender → receiver when it matters. Counts are checked against
 * tshark's (the corpus references). Not reported: retransmissions that a dead-peer finding explains,
 * a single spurious retransmission, SYN/ACK retransmissions of half-open scan connections.
 */
import test from 'ava';
import { corpusOrSkip, loadReference } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { findings, ofKind, sample, truncatedPcap } from './helpers.js';

test('no retransmissions finding on the samples (dead peer explained elsewhere; one spurious retransmission is noise)', async (t) => {
  for (const name of ['dead-peer-keepalive.pcap', 'slow-reader-zero-window.pcap', 'close-wait-leak.pcap', 'keepalive-idle-race.pcap']) {
    t.is(ofKind(await findings(sample(name)), 'retransmissions').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  interface RefCounts { analysis_counts_by_side?: Record<string, Record<string, number>>; packets_by_side: Record<string, number> }

  test('zeek-tcp-reassembly: client → server 17 of 54 segments retransmitted (31%), 8 uncaptured gaps, 21 duplicate ACKs — as tshark counts', async (t) => {
    const name = 'zeek-tcp-reassembly.pcap';
    const ref = (loadReference(name)!.streams![0] as unknown as RefCounts);
    const rt = ofKind(await findings(corpusCapture(name)), 'retransmissions');
    const client = rt.find((f) => f.details.sender.port === null)!;
    t.is(client.severity, 'warning');
    t.deepEqual(client.details.sender, { ip: '63.193.213.194', port: null });
    t.deepEqual(client.details.receiver, { ip: '128.3.97.175', port: 80 });
    t.is(client.details.retransmissions, ref.analysis_counts_by_side!.retransmission!.client!);
    t.is(client.details.retransmissions, 17);
    t.is(client.details.packets, ref.packets_by_side.client!);
    t.is(client.details.lostSegments, ref.analysis_counts_by_side!.lost_segment!.client!);
    t.is(client.details.duplicateAcks, ref.analysis_counts_by_side!.duplicate_ack!.server!);
    t.is(client.details.rate, 0.314815);
    const server = rt.find((f) => f.details.sender.port === 80)!;
    t.like(server.details, { retransmissions: 3, fastRetransmissions: 3 });
    t.is(server.severity, 'info');
  });

  test('zeek-tcp-ssh-dups: both directions, counts equal to tshark\'s (74 client, 92 server)', async (t) => {
    const rt = ofKind(await findings(corpusCapture('zeek-tcp-ssh-dups.pcap')), 'retransmissions');
    t.deepEqual(rt.map((f) => f.details.retransmissions).sort((a, b) => a - b), [74, 92]);
    t.deepEqual(rt.map((f) => f.details.fastRetransmissions).sort((a, b) => a - b), [15, 77]);
  });

  test('no retransmissions finding: a dead peer (cs-tcp_retransmissions), SYN-ACKs of a SYN scan, clean transfers', async (t) => {
    for (const name of ['cs-tcp_retransmissions.pcapng', 'cs-synscan.pcapng', 'zeek-http-get.pcap', 'zeek-wikipedia.pcap', 'cs-tcp_zerowindowdead.pcapng']) {
      t.is(ofKind(await findings(corpusCapture(name)), 'retransmissions').length, 0, name);
    }
  });

  test('a capture cut before the dead peer\'s RST still attributes the retransmissions to dead-peer, not loss', async (t) => {
    const path = truncatedPcap(sample('dead-peer-keepalive.pcap'), 19);
    const all = await findings(path);
    t.is(ofKind(all, 'retransmissions').length, 0);
    const dp = ofKind(all, 'dead-peer');
    t.is(dp.length, 1);
    t.is(dp[0]!.details.runs[0]!.after, 'capture-end');
  });
}
