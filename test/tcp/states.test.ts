/**
 * Endpoint states, closers and resets on captures we recorded ourselves from the Linux TCP stack
 * (samples/, recorded by samples/record/*.sh): each has a known story.
 */
import test from 'ava';
import { analyze } from '../../src/pipeline/run.js';
import type { ConnectionRecord } from '../../src/model/report.js';

const sample = (name: string) => `samples/${name}`;
const only = async (name: string): Promise<ConnectionRecord> => {
  const r = await analyze([sample(name)]);
  if (r.connections.length !== 1) throw new Error(`${name}: ${r.connections.length} connections`);
  return r.connections[0]!;
};
const path = (c: ConnectionRecord, side: 'client' | 'server') => c.states[side].map((s) => s.state).join(' > ');

test('client closes first: the client ends in TIME_WAIT, the server passes CLOSE_WAIT and LAST_ACK to CLOSED', async (t) => {
  const c = await only('fixtures/client-closes-first.pcap');
  t.is(c.closedFirstBy, 'client');
  // The server's FIN carries the ACK of the client's FIN (one segment), so FIN_WAIT_1 goes straight
  // to TIME_WAIT, as in the kernel (RFC 9293 §3.10.7.4, FIN-WAIT-1 receiving FIN with our FIN ACKed).
  t.is(path(c, 'client'), 'SYN_SENT > ESTABLISHED > FIN_WAIT_1 > TIME_WAIT');
  t.is(path(c, 'server'), 'SYN_RECEIVED > ESTABLISHED > CLOSE_WAIT > LAST_ACK > CLOSED');
});

test('server closes first: the server holds TIME_WAIT', async (t) => {
  const c = await only('fixtures/server-closes-first.pcap');
  t.is(c.closedFirstBy, 'server');
  t.deepEqual(c.finalState, { client: 'CLOSED', server: 'TIME_WAIT' });
  t.is(c.firstFinFrame, c.finFrames.server);
});

test('simultaneous close: crossed FINs make both sides CLOSING, then TIME_WAIT', async (t) => {
  const c = await only('fixtures/simultaneous-close.pcap');
  t.is(c.closedFirstBy, 'both');
  t.deepEqual(c.finalState, { client: 'TIME_WAIT', server: 'TIME_WAIT' });
  t.true(path(c, 'client').includes('CLOSING') && path(c, 'server').includes('CLOSING'));
});

test('refused: the server answers the SYN with RST, no handshake', async (t) => {
  const c = await only('fixtures/refused.pcap');
  t.deepEqual(c.resets.map((r) => r.by), ['server']);
  t.is(c.handshake.synAckFrame, null);
  t.deepEqual(c.finalState, { client: 'CLOSED', server: 'CLOSED' });
  t.is(c.firstClose?.kind, 'RST');
});

test('port reuse: the same 4-tuple with a new ISN is a new connection id', async (t) => {
  const r = await analyze([sample('fixtures/port-reuse.pcap')]);
  t.is(r.connections.length, 2);
  const [a, b] = r.connections as [ConnectionRecord, ConnectionRecord];
  t.deepEqual(a.client, b.client);
  t.deepEqual(a.server, b.server);
  t.true(b.firstFrame > a.lastFrame || b.firstFrame > a.firstFinFrame!);
});

test('half-close left open: client in CLOSE_WAIT, server in FIN_WAIT_2 until the capture ends', async (t) => {
  const r = await analyze([sample('close-wait-leak.pcap')]);
  t.true(r.connections.length >= 3);
  for (const c of r.connections) {
    t.is(c.closedFirstBy, 'server');
    t.deepEqual(c.finalState, { client: 'CLOSE_WAIT', server: 'FIN_WAIT_2' });
    t.is(c.finFrames.client, null);
  }
});

test('Linux zero-window stall: zero window from the client, persist probes from the server, server RST', async (t) => {
  const c = await only('slow-reader-zero-window.pcap');
  t.true((c.analysis.client.zeroWindow ?? 0) > 0);
  const probes = c.events.filter((e) => e.kind === 'zero-window-probe');
  t.true(probes.length >= 4, `probes: ${probes.length}`);
  t.true(probes.every((p) => p.by === 'server' && p.len === 0));
  // The persist timer backs off: the gaps between probes grow.
  const gaps = probes.slice(1).map((p, i) => p.time - probes[i]!.time);
  t.true(gaps[gaps.length - 1]! > gaps[0]! * 2, `gaps ${gaps.map((g) => g.toFixed(2)).join(' ')}`);
  t.is(c.analysis.server.keepAlive ?? 0, 0, 'Linux probes are not keep-alives while the window is zero');
  t.deepEqual(c.resets.map((r) => r.by), ['server']);
});

test('dead peer: the request is retransmitted with growing intervals, then the server resets the stale connection', async (t) => {
  const c = await only('dead-peer-keepalive.pcap');
  const rtx = c.events.filter((e) => e.kind === 'retransmission' && e.by === 'client');
  t.true(rtx.length >= 4, `retransmissions: ${rtx.length}`);
  const gaps = rtx.slice(1).map((e, i) => e.time - rtx[i]!.time);
  for (let i = 1; i < gaps.length; i++) t.true(gaps[i]! >= gaps[i - 1]! * 0.9, `backoff ${gaps.map((g) => g.toFixed(2)).join(' ')}`);
  t.deepEqual(c.resets.map((r) => r.by), ['server']);
  t.true(c.resets[0]!.frame > rtx[rtx.length - 1]!.frame);
});

test('keep-alive idle race: the server closes first, the client sends on the dying socket, the server resets', async (t) => {
  const r = await analyze([sample('keepalive-idle-race.pcap')]);
  const raced = r.connections.filter((c) => c.resets.length > 0);
  t.true(raced.length >= 3);
  for (const c of raced) {
    t.is(c.closedFirstBy, 'server');
    t.true(c.resets[0]!.frame > c.firstFinFrame!);
    t.true(c.events.some((e) => e.kind === 'data-after-fin' && e.by === 'client'));
    t.is(c.resets[0]!.by, 'server');
  }
});
