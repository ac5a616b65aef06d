/**
 * Endpoint views: what `ss -tan` would have shown per endpoint and per host, rebuilt from both sides'
 * state changes and TIME_WAIT expiry.
 */
import test from 'ava';
import { buildEndpoints } from '../../src/findings/index.js';
import { analyze } from '../../src/pipeline/run.js';
import { corpusOrSkip } from '../helpers/corpus.js';
import { corpusCapture } from './corpus.js';
import { nonFiniteNumbers, report, sample, truncatedPcap } from './helpers.js';

const view = (views: ReturnType<typeof buildEndpoints>, ip: string, port: number | null) => views.find((v) => v.ip === ip && v.port === port)!;

test('close-wait-leak: 3 CLOSE_WAIT on the client host, 3 FIN_WAIT_2 on 10.231.7.2:8080 at the end; at t=2.3 s one had closed', async (t) => {
  const r = await report(sample('close-wait-leak.pcap'));
  const start = Number(r.capture.firstEpoch);
  const views = buildEndpoints(r.connections, r.capture, { at: start + 2.3 });
  // Hosts first, then the server's listening port.
  t.deepEqual(views.map((v) => [v.ip, v.port, v.scope]), [['10.231.7.1', null, 'host'], ['10.231.7.2', null, 'host'], ['10.231.7.2', 8080, 'port']]);
  const client = view(views, '10.231.7.1', null);
  t.like(client, { role: 'client', connections: 3, closedFirst: 0, peerClosedFirst: 3, resetsSent: 0, resetsReceived: 0 });
  t.deepEqual(client.atEnd, { CLOSE_WAIT: 3 });
  t.is(client.peak.CLOSE_WAIT?.count, 3);
  t.is(client.peak.ESTABLISHED?.count, 3);
  t.deepEqual(client.at?.counts, { CLOSE_WAIT: 1, ESTABLISHED: 2 });
  t.deepEqual(client.at?.connections, { CLOSE_WAIT: [0], ESTABLISHED: [1, 2] });
  t.deepEqual(client.series.counts.CLOSE_WAIT, [0, 0, 0, 0, 0, 0, 1, 2, 3]);
  t.deepEqual(client.series.counts.ESTABLISHED, [0, 1, 1, 2, 2, 3, 2, 1, 0]);
  t.false(client.series.bucketed);
  const server = view(views, '10.231.7.2', 8080);
  t.like(server, { role: 'server', connections: 3, closedFirst: 3 });
  t.deepEqual(server.atEnd, { FIN_WAIT_2: 3 });
  t.deepEqual(server.at?.counts, { FIN_WAIT_2: 1, ESTABLISHED: 2 });
});

test('connection-close: 5 TIME_WAIT on the server port at the end; gone 60 s after each close; timeWaitSec changes it', async (t) => {
  const r = await report(sample('connection-close-server-time-wait.pcap'));
  const start = Number(r.capture.firstEpoch);
  const views = buildEndpoints(r.connections, r.capture, { at: start + 60.1 });
  const server = view(views, '10.231.1.2', 8080);
  t.deepEqual(server.atEnd, { TIME_WAIT: 5 });
  t.is(server.peak.TIME_WAIT?.count, 5);
  // At t=60.1 s the first TIME_WAIT (entered at t=0.009) has expired; the others (t=0.21 … 0.82) have not.
  t.deepEqual(server.at?.counts, { TIME_WAIT: 4 });
  t.deepEqual(server.at?.connections, { TIME_WAIT: [1, 2, 3, 4] });
  const client = view(views, '10.231.1.1', null);
  t.deepEqual(client.at?.counts, { TIME_WAIT: 1 });
  const short = view(buildEndpoints(r.connections, r.capture, { timeWaitSec: 0.3 }), '10.231.1.2', 8080);
  t.is(short.peak.TIME_WAIT?.count, 2);
  t.deepEqual(short.atEnd, {});
});

test('port-reuse fixture: the second SYN takes over the server\'s TIME_WAIT socket; the reused client port gets a view', async (t) => {
  const r = await report(sample('fixtures/port-reuse.pcap'));
  const views = buildEndpoints(r.connections, r.capture);
  const server = view(views, '10.231.8.2', 7004);
  t.is(server.connections, 2);
  t.is(server.peak.TIME_WAIT?.count, 1, 'never two TIME_WAIT sockets for one 4-tuple');
  t.deepEqual(server.atEnd, { TIME_WAIT: 1 });
  const clientPort = view(views, '10.231.8.1', 40404);
  t.like(clientPort, { scope: 'port', role: 'client', connections: 2 });
});

test('endpoint views are plain JSON: finite numbers only, even for sockets open at the end', async (t) => {
  for (const name of ['close-wait-leak.pcap', 'dumb-proxy-hop-by-hop.pcap', 'mixed.pcapng', 'slow-reader-zero-window.pcap']) {
    const r = await report(sample(name));
    const views = buildEndpoints(r.connections, r.capture, { at: Number(r.capture.lastEpoch) });
    t.deepEqual(nonFiniteNumbers(views), [], name);
    t.true(views.length > 0);
  }
});

if (corpusOrSkip() !== null) {
  test('cs-synscan: 1 994 connections from one host; its series is bucketed into 256 points holding bucket maxima', async (t) => {
    const r = await report(corpusCapture('cs-synscan.pcapng'));
    const views = buildEndpoints(r.connections, r.capture, { maxViews: 10 });
    t.is(views.length, 10);
    const scanner = view(views, '172.16.0.8', null);
    t.is(scanner.connections, 1994);
    t.true(scanner.series.bucketed);
    t.is(scanner.series.t.length, 256);
    t.is(scanner.series.counts.SYN_SENT!.length, 256);
    t.is(Math.max(...scanner.series.counts.SYN_SENT!), scanner.peak.SYN_SENT!.count);
    t.is(scanner.resetsReceived, 5);
  });
}

test('endpoint views computed state by state (as for busy endpoints) equal the per-view sweep, on every sample and corpus capture', async (t) => {
  const { readdirSync } = await import('node:fs');
  const { corpusDir, listCaptures } = await import('../helpers/corpus.js');
  const paths = [
    ...readdirSync('samples').filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => `samples/${f}`),
    ...readdirSync('samples/fixtures').map((f) => `samples/fixtures/${f}`),
    ...(corpusDir() !== null ? listCaptures() : []),
  ];
  let compared = 0;
  for (const path of paths) {
    let r;
    try {
      r = await analyze([path], { connectionsOnly: true, threads: 1 });
    } catch {
      continue; // unreadable corpus files: the capture tests' business
    }
    for (const at of [undefined, Number(r.capture.firstEpoch) + 1]) {
      const opts = at === undefined ? {} : { at };
      t.deepEqual(buildEndpoints(r.connections, r.capture, { ...opts, stateSweepFrom: 1 }), buildEndpoints(r.connections, r.capture, opts), path);
    }
    compared++;
  }
  t.true(compared >= 17);
});

// tshark on samples/server-unreachable.pcap: stream 2 sends SYNs at frames 21 (4.996727) … 29
// (9.086232), 30 (10.110234), never answered; the capture goes on to 20.007 s (connect() failed with
// ETIMEDOUT at t≈12.1, the recording's log). Linux gives up one doubled interval after the last SYN.
test('server-unreachable: the SYN_SENT socket its sender gave up is abandoned at last SYN + 2 × 1.024 s, not open at the end', async (t) => {
  const r = await report(sample('server-unreachable.pcap'));
  const start = Number(r.capture.firstEpoch);
  const host = view(buildEndpoints(r.connections, r.capture), '10.231.18.1', null);
  t.deepEqual(host.abandoned, [2]);
  t.is(host.atEnd.SYN_SENT, undefined);
  t.deepEqual(host.atEnd, { TIME_WAIT: 1 });
  const rel = host.series.t.map((x) => x - start);
  const syn = host.series.counts.SYN_SENT!;
  const up = syn.findIndex((n, i) => n === 1 && rel[i]! > 4);
  t.true(Math.abs(rel[up]! - 4.996727) < 1e-5);
  t.is(syn[up + 1], 0);
  t.true(Math.abs(rel[up + 1]! - (10.110234 + 2 * (10.110234 - 9.086232))) < 1e-5);
  // The server's side of the attempt never existed; its views carry no abandoned attempt.
  t.deepEqual(view(buildEndpoints(r.connections, r.capture), '10.231.18.2', 8080).abandoned, []);
});

test('server-unreachable cut at its last SYN (frame 30): the attempt is still SYN_SENT at the end, not abandoned (the capture does not show the sender giving up)', async (t) => {
  const r = await analyze([truncatedPcap(sample('server-unreachable.pcap'), 30)]);
  const host = view(buildEndpoints(r.connections, r.capture), '10.231.18.1', null);
  t.deepEqual(host.abandoned, []);
  t.is(host.atEnd.SYN_SENT, 1);
});
