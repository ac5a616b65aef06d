/**
 * fin-wait-2: a side left half-closed where close-wait does not already explain it — the peer kept
 * sending after the FIN (a half-close in use) and never finished. Shown by zeek-tcp-reassembly cut at
 * frame 100: the server closed at frame 6 (ACKed at 13) while the client kept uploading; the capture
 * ends with no client FIN. The whole capture (client FIN at 110) and close-wait-leak (explained as
 * close-wait) must not show it.
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { close, findings, ofKind, sample, truncatedPcap } from './helpers.js';

test('no fin-wait-2 on the samples (close-wait-leak\'s FIN_WAIT_2 is reported as the peer\'s close-wait)', async (t) => {
  for (const name of ['close-wait-leak.pcap', 'connection-close-server-time-wait.pcap', 'dumb-proxy-hop-by-hop.pcap', 'keepalive-idle-race.pcap']) {
    t.is(ofKind(await findings(sample(name)), 'fin-wait-2').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  test('zeek-tcp-reassembly cut at frame 100: the server sits in FIN_WAIT_2 from frame 13 while the client uploads', async (t) => {
    const all = await findings(truncatedPcap(corpusCapture('zeek-tcp-reassembly.pcap'), 100));
    const fw = ofKind(all, 'fin-wait-2');
    t.is(fw.length, 1);
    const f = fw[0]!;
    t.is(f.severity, 'info');
    t.deepEqual(f.endpoint, { ip: '128.3.97.175', port: 80 });
    const s = f.details.sockets[0]!;
    t.like(s, { connection: 0, side: 'server', finFrame: 6, fromFrame: 13, ended: 'capture-end', toFrame: null });
    t.true(s.peerBytesAfterFin > 20000);
    t.true(close(s.durationSec, 10.21, 0.01));
    t.is(ofKind(all, 'close-wait').length, 0, 'a half-close in use is not a CLOSE_WAIT leak');
  });

  test('no fin-wait-2 on the whole zeek-tcp-reassembly (the client closes at frame 110) nor on zeek-http-get', async (t) => {
    for (const name of ['zeek-tcp-reassembly.pcap', 'zeek-http-get.pcap', 'zeek-ssh-client-side-half-duplex.pcap']) {
      t.is(ofKind(await findings(corpusCapture(name)), 'fin-wait-2').length, 0, name);
    }
  });
}
