/**
 * RSTs answering late FINs after the server's FIN_WAIT_2 timeout, and resets of two servers split
 * into two findings. Until the recorded sample (samples/fin-after-fin-timeout.pcap) is on main,
 * the capture is a scripted conversation written with the test capture writer (conversation.ts):
 * a client that leaks CLOSE_WAIT sockets to 10.0.0.2:8080 (which closes idle connections 2 s after
 * the last data and forgets its FIN_WAIT_2 sockets ~3 s later), and a keep-alive race with a
 * second server, 10.0.0.3:80, from another client.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PcapRecord } from '../helpers/capture-writer.js';
import { Conversation, writeConversations } from './conversation.js';
import { findings, ofKind } from './helpers.js';

function leakAndRace(): string {
  const recs: PcapRecord[] = [];
  for (let i = 0; i < 4; i++) {
    const t = i * 0.5;
    new Conversation(recs, `10.0.0.1:${40000 + i}`, '10.0.0.2:8080', 1000 + i * 100)
      .open(t).data('client', t + 0.01, 100).data('server', t + 0.02, 200).ack('client', t + 0.03)
      .fin('server', t + 2.03).ack('client', t + 2.031)
      .fin('client', t + 5.1 + i * 0.3).rst('server', t + 5.1001 + i * 0.3);
  }
  for (let i = 0; i < 2; i++) {
    const t = 10 + i * 2;
    new Conversation(recs, `10.0.0.5:${50000 + i}`, '10.0.0.3:80', 5000 + i * 100)
      .open(t).data('client', t + 0.01, 80).data('server', t + 0.02, 150).ack('client', t + 0.03)
      .fin('server', t + 1.03).data('client', t + 1.0302 + i * 0.05, 80).rst('server', t + 1.0303 + i * 0.05);
  }
  return writeConversations(join(mkdtempSync(join(tmpdir(), 'tcp-postmortem-fw2-')), 'leak-and-race.pcap'), recs);
}

const path = leakAndRace();

test('late FINs answered by RST after the FIN_WAIT_2 timeout: their own cause, with the timeout inferred', async (t) => {
  const rs = ofKind(await findings(path), 'reset');
  const fw2 = rs.filter((f) => f.details.cause === 'after-fin-wait-2-timeout');
  t.is(fw2.length, 1);
  const f = fw2[0]!;
  t.deepEqual(f.connections, [0, 1, 2, 3]);
  t.deepEqual(f.details.server, { ip: '10.0.0.2', port: 8080 });
  t.true(f.details.resets.every((r) => r.trigger === 'fin'));
  // FIN ACKed at +2.031, RST at +5.1001 (+0.3 per connection): 3.069 s, 3.369 s, 3.669 s, 3.969 s.
  t.like(f.details.finWait2Timeout, { measured: 4, of: 4 });
  t.true(Math.abs(f.details.finWait2Timeout!.estimateSec - 3.0691) < 0.001);
  t.regex(f.summary, /after ~3\.07 s at most, on 4 of 4/);
  t.true(f.advice.some((a) => a.includes('tcp_fin_timeout')));
  t.true(f.advice.some((a) => a.includes('EOF')));
});

test('resets of two servers for two reasons are two findings, each naming its server', async (t) => {
  const rs = ofKind(await findings(path), 'reset');
  t.deepEqual(rs.map((f) => `${f.details.cause} ${f.details.server.ip}:${f.details.server.port}`).sort(),
    ['after-fin-wait-2-timeout 10.0.0.2:8080', 'after-peer-close 10.0.0.3:80']);
  const race = rs.find((f) => f.details.cause === 'after-peer-close')!;
  t.deepEqual(race.connections, [4, 5]);
  t.deepEqual(race.endpoint, { ip: '10.0.0.3', port: 80 });
});

test('cause first: the CLOSE_WAIT leak ranks above the RSTs that answered its late FINs', async (t) => {
  const all = await findings(path);
  const leak = all.find((f) => f.kind === 'close-wait')!;
  const rst = all.find((f) => f.kind === 'reset' && f.details.cause === 'after-fin-wait-2-timeout')!;
  t.truthy(leak);
  t.true(leak.rank < rst.rank, `close-wait #${leak.rank}, reset #${rst.rank}`);
});

test('incident: the leak and the RSTs it caused are one incident, the other server\'s race another', async (t) => {
  const { analyze } = await import('../../src/pipeline/run.js');
  const r = await analyze([path]);
  const leak = r.incidents.find((i) => i.findings.includes(r.findings.find((f) => f.kind === 'close-wait')!.rank))!;
  t.is(leak.findings.length, 2);
  t.regex(leak.headline, /CLOSE_WAIT; 4 connections reset \(after-fin-wait-2-timeout, frames 34, 36, 38, 40\) — 10\.0\.0\.2:8080 forgot its FIN_WAIT_2 sockets after ~3\.07 s, on 4 of 4$/);
  t.is(r.incidents.length, 2);
});

test('the table footer agrees with the CLOSE_WAIT finding: 4 held too long, none still at the end', async (t) => {
  const { analyze } = await import('../../src/pipeline/run.js');
  const { renderConnectionTable } = await import('../../src/report/text.js');
  const r = await analyze([path]);
  t.is(r.findings.find((f) => f.kind === 'close-wait')!.connections.length, 4);
  t.regex(renderConnectionTable(r, 25), /; held in CLOSE_WAIT too long 4 \(still at capture end 0\)\.\n/);
});
