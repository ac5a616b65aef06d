/**
 * reset: every RST with its cause, grouped by cause. Each cause on a real capture:
 * after-peer-close (keepalive-idle-race: 5 requests sent after the server's idle FIN), stale-connection
 * (dead-peer-keepalive: RST to the 7th retransmission), stall-timeout (slow-reader: RST 29.9 s into
 * a zero-window stall), refused (cs-tcp_refuseconnection), idle-timeout (sv-http-mime-truncated: RST
 * after 9.77 s of silence), abortive-close (zeek-ldap-modify-request: RST answering the client's
 * FIN), unknown (zeek-tcp-single-rst: the capture is one RST).
 */
import test from 'ava';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { allClose, close, findings, ofKind, sample } from './helpers.js';

test('keepalive-idle-race: 5 server RSTs after-peer-close, each answering a request sent after the server\'s FIN', async (t) => {
  const all = await findings(sample('keepalive-idle-race.pcap'));
  const rs = ofKind(all, 'reset');
  t.is(rs.length, 1);
  const f = rs[0]!;
  t.is(f.rank, 3, 'after keepalive-timeout-mismatch and keepalive-race, which explain it');
  t.is(f.severity, 'critical');
  t.is(f.details.cause, 'after-peer-close');
  t.deepEqual(f.endpoint, { ip: '10.231.5.2', port: 8080 });
  t.deepEqual(f.connections, [1, 2, 3, 4, 5]);
  const r = f.details.resets;
  t.deepEqual(r.map((x) => x.frame), [25, 35, 45, 56, 67]);
  t.true(r.every((x) => x.by === 'server' && x.trigger === 'data' && !x.followUp));
  t.deepEqual(r.map((x) => x.triggerFrame), [24, 34, 44, 55, 66]);
  // The requests left 0.11 ms, 12 ms, 29 ms, 97 ms and 199 ms after the server's FINs (23, 33, 43, 53, 64).
  t.true(allClose(r.map((x) => x.afterOwnFinSec!), [0.000113, 0.012, 0.028786, 0.096559, 0.199119], 0.0005));
  t.is(f.wiresharkFilter, 'tcp.stream in {1 2 3 4 5} && (tcp.flags.fin==1 || tcp.flags.reset==1 || frame.number in {24 34 44 55 66})');
  t.regex(f.summary, /on 5 connections the peer sent data after that FIN, 113 µs to 199 ms after the FIN/);
});

test('keepalive-idle-race: the server\'s idle-close time inferred from TCP alone (last data -> its FIN on all 6 connections it closed: nginx keepalive_timeout 1s)', async (t) => {
  const [f] = ofKind(await findings(sample('keepalive-idle-race.pcap')), 'reset');
  const d = f!.details.idleClose!;
  t.like(d, { agreeing: 6, of: 6 });
  t.true(close(d.estimateSec, 1.0013, 0.001));
  t.true(d.spreadSec.min >= 1 && d.spreadSec.max < 1.01);
  t.regex(f!.summary, /It closes idle connections after 1\.00 s, on 6 of 6 \(last data → its FIN\)/);
  // Only the keep-alive race's cause carries it.
  const [stale] = ofKind(await findings(sample('dead-peer-keepalive.pcap')), 'reset');
  t.is(stale!.details.idleClose, null);
});

test('dead-peer-keepalive: the server\'s RST (frame 20) answers the 7th retransmission: stale-connection', async (t) => {
  const rs = ofKind(await findings(sample('dead-peer-keepalive.pcap')), 'reset');
  t.is(rs.length, 1);
  t.is(rs[0]!.details.cause, 'stale-connection');
  t.like(rs[0]!.details.resets[0], { frame: 20, by: 'server', trigger: 'retransmission', triggerFrame: 19 });
  t.true(close(rs[0]!.details.resets[0]!.quietSec!, 0.000053, 0.00001));
  t.is(rs[0]!.rank, 3, 'after the dead-peer finding that explains it (and the request it stalled)');
});

test('slow-reader sample: the server\'s RST (frame 103) 29.9 s into the zero-window stall: stall-timeout', async (t) => {
  const rs = ofKind(await findings(sample('slow-reader-zero-window.pcap')), 'reset');
  t.is(rs.length, 1);
  t.is(rs[0]!.details.cause, 'stall-timeout');
  t.like(rs[0]!.details.resets[0], { frame: 103, by: 'server', triggerFrame: 89 });
  t.true(close(rs[0]!.details.resets[0]!.stallSec!, 29.912, 0.001));
  t.regex(rs[0]!.summary, /reset 1 connection 29\.9 s into a zero-window stall \(RST frame 103; the window had been zero since frame 89\)/);
});

test('no reset findings on captures without RSTs', async (t) => {
  for (const name of ['close-wait-leak.pcap', 'connection-close-server-time-wait.pcap', 'dumb-proxy-hop-by-hop.pcap']) {
    t.is(ofKind(await findings(sample(name)), 'reset').length, 0, name);
  }
});

if (corpusOrSkip() !== null) {
  const cause = async (name: string) => ofKind(await findings(corpusCapture(name)), 'reset');

  test('cs-tcp_refuseconnection: RST/ACK (frame 2) answering the SYN (frame 1): refused', async (t) => {
    const rs = await cause('cs-tcp_refuseconnection.pcapng');
    t.is(rs.length, 1);
    t.is(rs[0]!.severity, 'warning');
    t.like(rs[0]!.details, { cause: 'refused', count: 1 });
    t.like(rs[0]!.details.resets[0], { frame: 2, by: 'server', trigger: 'syn', triggerFrame: 1 });
    t.deepEqual(rs[0]!.endpoint, { ip: '192.168.100.1', port: 80 });
  });

  test('sv-http-mime-truncated: the client\'s RST (frame 2696) after 9.77 s of silence: idle-timeout', async (t) => {
    const rs = await cause('sv-http-mime-truncated.pcap');
    t.is(rs.length, 1);
    t.is(rs[0]!.details.cause, 'idle-timeout');
    t.is(rs[0]!.severity, 'info');
    t.like(rs[0]!.details.resets[0], { frame: 2696, by: 'client' });
    // Last segment before it: frame 2695 at t=4.702852; RST at t=14.471633.
    t.true(close(rs[0]!.details.resets[0]!.quietSec!, 9.768781, 0.001));
  });

  test('zeek-tcp-retransmit-fast009: the client\'s RST a minute after the last segment: idle-timeout', async (t) => {
    const rs = await cause('zeek-tcp-retransmit-fast009.pcap');
    t.is(rs[0]!.details.cause, 'idle-timeout');
    t.true(rs[0]!.details.resets[0]!.quietSec! > 60);
  });

  test('zeek-ldap-modify-request: the server answers the client\'s FIN (15) with RST (17): abortive-close', async (t) => {
    const rs = await cause('zeek-ldap-modify-request.pcapng');
    t.is(rs.length, 1);
    t.is(rs[0]!.details.cause, 'abortive-close');
    t.like(rs[0]!.details.resets[0], { frame: 17, by: 'server', trigger: 'fin', triggerFrame: 15 });
  });

  test('zeek-http-get-to-ssh-server: RST at 7 and a follow-up at 9 from the same server, one abortive-close finding', async (t) => {
    const rs = await cause('zeek-http-get-to-ssh-server.pcap');
    t.is(rs.length, 1);
    t.like(rs[0]!.details, { cause: 'abortive-close', count: 2, firstResets: 1 });
    t.deepEqual(rs[0]!.details.resets.map((r) => [r.frame, r.followUp]), [[7, false], [9, true]]);
  });

  // Was classed after-peer-close (keep-alive race advice). But the client had ACKed the server's FIN,
  // so the server sat in FIN_WAIT_2, and a FIN_WAIT_2 socket ACKs a keep-alive: its RST means the
  // socket was gone, its FIN_WAIT_2 timer had expired (issue 15).
  test('cs-http_espn_fail: a keep-alive 45 s after the server\'s FIN gets RST (frame 524): after-fin-wait-2-timeout', async (t) => {
    const rs = await cause('cs-http_espn_fail.pcapng');
    t.is(rs.length, 1);
    t.is(rs[0]!.details.cause, 'after-fin-wait-2-timeout');
    t.like(rs[0]!.details.finWait2Timeout, { measured: 1, of: 1 });
    t.is(rs[0]!.severity, 'warning');
    t.like(rs[0]!.details.resets[0], { frame: 524, trigger: 'keep-alive', triggerFrame: 523 });
    t.true(close(rs[0]!.details.resets[0]!.afterOwnFinSec!, 45.246, 0.001));
  });

  test('zeek-tcp-single-rst: a capture that is one RST: unknown', async (t) => {
    const rs = await cause('zeek-tcp-single-rst.pcap');
    t.is(rs.length, 1);
    t.like(rs[0]!.details, { cause: 'unknown', count: 1 });
  });

  test('cs-synscan: the 5 closed ports answered the scanner\'s SYN with RST: one refused finding for 5 ports', async (t) => {
    const rs = await cause('cs-synscan.pcapng');
    t.is(rs.length, 1);
    t.is(rs[0]!.details.cause, 'refused');
    t.deepEqual(rs[0]!.details.resets.map((r) => r.frame), [14, 47, 118, 571, 1233]);
  });

  test('no reset findings on captures without RSTs (zeek-http-get, zeek-redis-pubsub, cs-tcp_zerowindowdead)', async (t) => {
    for (const name of ['zeek-http-get.pcap', 'zeek-redis-pubsub.pcap', 'cs-tcp_zerowindowdead.pcapng', 'zeek-tcp-reassembly.pcap']) {
      t.is((await cause(name)).length, 0, name);
    }
  });
}
