/**
 * The HTTP findings (connections[].http) on the recorded samples: each kind on the capture that
 * shows it, with its numbers (frames from samples/README.md), and the captures that must not
 * show it.
 */
import test from 'ava';
import { findings, ofKind, sample } from './helpers.js';
import type { FindingKind } from '../../src/findings/index.js';

const HTTP_KINDS: FindingKind[] = ['connection-close', 'keepalive-race', 'keepalive-timeout-mismatch', 'truncated-body', 'hop-by-hop-forwarded', 'stalled-response'];

const kindsIn = async (name: string): Promise<string[]> =>
  (await findings(sample(name))).filter((f) => HTTP_KINDS.includes(f.kind)).map((f) => f.kind).sort();

test('connection-close: 5 one-request connections with `Connection: close`, the cause of the server\'s TIME_WAIT', async (t) => {
  const list = await findings(sample('connection-close-server-time-wait.pcap'));
  const [f] = ofKind(list, 'connection-close');
  t.truthy(f);
  t.deepEqual(f!.connections, [0, 1, 2, 3, 4]);
  t.like(f!.details, { connections: 5, closedConnections: 6, requests: 5, requestsPerConnection: 1, reasons: ['connection-close'] });
  t.deepEqual(f!.details.clients, [{ ip: '10.231.1.1', connections: 5 }]);
  // Request and server FIN of each connection.
  t.deepEqual(f!.frames, [6, 10, 16, 20, 26, 30, 36, 40, 46, 50]);
  const tw = ofKind(list, 'time-wait-accumulation')[0]!;
  t.deepEqual(tw.explainedBy, [f!.rank]);
  t.true(f!.rank < tw.rank);
});

test('keepalive-race: 5 reuses after the server\'s idle FIN, each answered by its RST (FIN→request 113 µs to 199 ms)', async (t) => {
  const [f] = ofKind(await findings(sample('keepalive-idle-race.pcap')), 'keepalive-race');
  t.truthy(f);
  t.is(f!.severity, 'warning');
  t.deepEqual(f!.connections, [1, 2, 3, 4, 5]);
  const r = f!.details.races;
  t.deepEqual(r.map((x) => [x.serverFinFrame, x.requestFrame, x.rstFrame]), [[23, 24, 25], [33, 34, 35], [43, 44, 45], [53, 55, 56], [64, 66, 67]]);
  t.deepEqual(r.map((x) => x.finToRequestSec), [0.000113, 0.012, 0.028786, 0.096559, 0.199119]);
  t.deepEqual(r.map((x) => x.idleSec), [1.001359, 1.013293, 1.031145, 1.100326, 1.200341]);
  t.is(r[0]!.request, 'GET /c2/r2');
});

test('keepalive-timeout-mismatch: nginx closes idle connections after 1.00 s (6 of 6); the client reused after 1.00–1.20 s, 5 reset; it explains the race and the RSTs', async (t) => {
  const list = await findings(sample('keepalive-idle-race.pcap'));
  const [f] = ofKind(list, 'keepalive-timeout-mismatch');
  t.truthy(f);
  const d = f!.details;
  t.like(d, { idleCloses: 6, idleClosesAgreeing: 6, advertisedTimeoutSec: null, reuses: 6, lateReuses: 5, lateReusesReset: 5 });
  t.true(Math.abs(d.serverIdleTimeoutSec - 1.0) < 0.005);
  t.deepEqual(d.closes.map((x) => [x.lastResponseFrame, x.finFrame]), [[11, 13], [21, 23], [31, 33], [41, 43], [51, 53], [62, 64]]);
  t.deepEqual(d.clientIdleSec, { min: 1.001359, median: 1.031145, max: 1.200341 });
  t.regex(f!.summary, /closes idle connections after 1\.00 s, on 6 of 6/);
  const race = ofKind(list, 'keepalive-race')[0]!;
  const reset = ofKind(list, 'reset').find((x) => x.details.cause === 'after-peer-close')!;
  t.deepEqual([f!.rank, race.rank, reset.rank], [1, 2, 3]);
  t.deepEqual(race.explainedBy, [1]);
  t.deepEqual(reset.explainedBy, [1, 2]);
});

test('truncated-body: the slow reader\'s download ended at 71,688 of 268,435,456 bytes by the stall RST, explained by slow-reader, zero window and the RST', async (t) => {
  const list = await findings(sample('slow-reader-zero-window.pcap'));
  const [f] = ofKind(list, 'truncated-body');
  t.truthy(f);
  const x = f!.details.responses[0]!;
  t.like(x, { connection: 0, request: 'GET /big.bin', status: 200, responseFrame: 8, framing: 'content-length', declared: 268435456, delivered: 71688, endedBy: 'server', endedHow: 'rst', endFrame: 103 });
  t.like(x.tcpCause, { kind: 'zero-window', frame: 89, endedByRstFrame: 103 });
  const causes = f!.explainedBy.map((r) => list.find((y) => y.rank === r)!).map((y) => (y.kind === 'reset' ? `reset:${y.details.cause}` : y.kind));
  t.deepEqual(causes.sort(), ['reset:stall-timeout', 'slow-reader', 'zero-window']);
});

test('truncated-body: a chunked response cut by the server\'s RST after 51 body bytes; the complete chunked one is not reported', async (t) => {
  const [f] = ofKind(await findings(sample('chunked-reset.pcap')), 'truncated-body');
  t.truthy(f);
  t.is(f!.details.count, 1);
  t.like(f!.details.responses[0], { request: 'GET /cut', responseFrame: 17, framing: 'chunked', declared: null, delivered: 51, endedBy: 'server', endedHow: 'rst', endFrame: 23, tcpCause: null });
});

test('hop-by-hop-forwarded: the relay copies `Connection: keep-alive` upstream and `Keep-Alive: timeout=5` back, then holds requests 2 and 3 for 6.00 s until the upstream FINs 25 and 38', async (t) => {
  const list = await findings(sample('dumb-proxy-hop-by-hop.pcap'));
  const [f] = ofKind(list, 'hop-by-hop-forwarded');
  t.truthy(f);
  const d = f!.details;
  t.deepEqual(d.proxy, { ip: '10.231.2.2', port: 8080 });
  t.deepEqual(d.upstream, { ip: '10.231.3.2', port: 8080 });
  t.deepEqual(d.headers, ['Connection: keep-alive', 'Keep-Alive: timeout=5']);
  t.like(d, { pairs: 3, heldRequests: 2, waitedForUpstreamClose: 2 });
  t.deepEqual(d.requests.map((p) => [p.request, p.inbound.requestFrame, p.outbound.requestFrame, p.upstreamFinFrame]),
    [['GET /item/1', 6, 13, null], ['GET /item/2', 19, 31, 25], ['GET /item/3', 36, 44, 38]]);
  t.true(d.requests.slice(1).every((p) => Math.abs(p.heldSec - 6.0) < 0.01));
});

test('stalled-response: requests 2 and 3 on the client leg waited 6.00 s, the proxy waiting for the upstream close (explained by hop-by-hop-forwarded)', async (t) => {
  const list = await findings(sample('dumb-proxy-hop-by-hop.pcap'));
  const [f] = ofKind(list, 'stalled-response');
  t.truthy(f);
  const d = f!.details;
  t.like(d, { stallSec: 1, count: 2, answered: 2, reasons: ['proxy-waiting-for-upstream-close'] });
  t.deepEqual(d.requests.map((r) => [r.connection, r.requestFrame, r.forwardedFrame, r.upstreamFinFrame, r.responseFrame]), [[0, 19, 31, 25, 35], [0, 36, 44, 38, 48]]);
  t.true(d.requests.every((r) => Math.abs(r.waitSec - 6.0) < 0.01));
  t.deepEqual(f!.explainedBy, [ofKind(list, 'hop-by-hop-forwarded')[0]!.rank]);
});

test('stall-sec option: with 7 s the relay\'s 6 s waits are not stalls', async (t) => {
  t.is(ofKind(await findings(sample('dumb-proxy-hop-by-hop.pcap'), { stallSec: 7 }), 'stalled-response').length, 0);
});

test('stalled-response: a request lost to a dead peer waited 13.4 s without a response, explained by dead-peer', async (t) => {
  const list = await findings(sample('dead-peer-keepalive.pcap'));
  const [f] = ofKind(list, 'stalled-response');
  t.truthy(f);
  t.like(f!.details.requests[0], { requestFrame: 10, answered: false, reason: 'dead-peer' });
  t.like(f!.details.requests[0]!.tcpCause, { kind: 'dead-peer', frame: 10, endedByRstFrame: 20 });
  t.deepEqual(f!.explainedBy, [ofKind(list, 'dead-peer')[0]!.rank]);
});

test('captures that must not show HTTP findings: pipelining, HTTP/1.0 keep-alive, 100-continue, late FINs after the FIN timeout, a CLOSE_WAIT leak', async (t) => {
  for (const name of ['http-pipelining.pcap', 'http10-keepalive.pcap', 'expect-100-continue.pcap', 'fin-after-fin-timeout.pcap', 'close-wait-leak.pcap']) {
    t.deepEqual(await kindsIn(name), [], name);
  }
});

test('each HTTP sample shows only its own HTTP kinds', async (t) => {
  t.deepEqual(await kindsIn('keepalive-idle-race.pcap'), ['keepalive-race', 'keepalive-timeout-mismatch']);
  t.deepEqual(await kindsIn('connection-close-server-time-wait.pcap'), ['connection-close']);
  t.deepEqual(await kindsIn('dumb-proxy-hop-by-hop.pcap'), ['hop-by-hop-forwarded', 'stalled-response']);
  t.deepEqual(await kindsIn('slow-reader-zero-window.pcap'), ['truncated-body']);
  t.deepEqual(await kindsIn('chunked-reset.pcap'), ['truncated-body']);
});
