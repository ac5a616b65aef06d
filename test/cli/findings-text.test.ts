/** What the terminal says about findings: incidents first, advice always, the mechanism with -v, info folded. */
import test from 'ava';
import { runCli } from '../helpers/cli.js';

test('dead-peer sample: the incident headline leads, advice is printed, the mechanism only with -v', async (t) => {
  const plain = await runCli(['analyze', 'samples/dead-peer-keepalive.pcap']);
  t.is(plain.code, 0);
  const incidents = plain.stdout.indexOf('Incidents (1):');
  const findings = plain.stdout.indexOf('Findings (3, most likely cause first):');
  t.true(incidents >= 0 && findings > incidents, plain.stdout);
  t.regex(plain.stdout, /\[CRITICAL\] 10\.231\.4\.2:8080 unreachable from t=2\.017 s to t=15\.40 s \(13\.4 s\): 1 request lost \(frame 10, 7 retransmissions\), recovered at frame 20/);
  t.regex(plain.stdout, /fix: Put a timeout on every request/);
  t.regex(plain.stdout, /\(explained by #1\)/);
  t.notRegex(plain.stdout, /why: /);
  const verbose = await runCli(['analyze', '-v', 'samples/dead-peer-keepalive.pcap']);
  t.regex(verbose.stdout, /why: TCP retransmits an unacknowledged segment/);
});

test('info findings fold into one short list after the serious ones', async (t) => {
  const r = await runCli(['analyze', 'samples/slow-reader-zero-window.pcap']);
  t.is(r.code, 0);
  const also = r.stdout.match(/Also noted \(info, (\d+)\):\n((?: {2}#\d+ .*\n)+)/);
  t.truthy(also, r.stdout);
  t.is(also![2]!.trimEnd().split('\n').length, Number(also![1]));
});

test('endpoint view: the endpoints the findings name first, no one-socket passing peaks, no host line repeating its port', async (t) => {
  const r = await runCli(['analyze', 'samples/mixed.pcapng']);
  const view = r.stdout.slice(r.stdout.indexOf('Sockets per endpoint'), r.stdout.indexOf('\n\n', r.stdout.indexOf('Sockets per endpoint')));
  const rows = view.split('\n').filter((l) => /^ {2}\S/.test(l));
  t.regex(rows[0]!, /^ {2}10\.231\.5\.2:8080 +peak: .*\(finding #1\)$/);
  t.regex(rows[1]!, /^ {2}10\.231\.2\.2:8080 +peak: ESTABLISHED 1, CLOSE_WAIT 1 +\(finding #4\)$/);
  t.notRegex(view, /(FIN_WAIT_1|LAST_ACK|SYN_SENT|SYN_RECEIVED) 1\b/);
  // 10.231.1.2 is only the server 10.231.1.2:8080: its host line would say the same again.
  t.notRegex(view, /10\.231\.1\.2 \(host\)/);
  t.regex(view, /10\.231\.1\.2:8080 +peak: ESTABLISHED 1, TIME_WAIT 5/);
});

test('--width 80: prose wrapped with hanging indents, the compact table under 120 columns; no wrapping to a pipe', async (t) => {
  const narrow = await runCli(['analyze', '--width', '80', 'samples/close-wait-leak.pcap']);
  t.is(narrow.code, 0);
  const lines = narrow.stdout.split('\n');
  const findings = lines.slice(lines.findIndex((l) => l.startsWith('Findings')), lines.findIndex((l) => l.startsWith('Sockets per endpoint')));
  // A Wireshark filter is never broken (it must paste whole); everything else fits.
  for (const l of findings.filter((x) => !x.includes('wireshark: '))) t.true(l.length <= 80, l);
  t.true(findings.some((l) => /^ {9}\S/.test(l)), 'advice continues under its text');
  const table = lines.filter((l) => /^ {4}\d  10\.231\.7\.1:/.test(l));
  t.is(table.length, 3);
  for (const l of table) t.true(l.trimEnd().length < 120, l);
  t.false(lines.some((l) => l.includes('pkts c/s')));
  const piped = await runCli(['analyze', 'samples/close-wait-leak.pcap']);
  t.regex(piped.stdout, /\n {4}10\.231\.7\.1 \(client\) received and ACKed a FIN from 10\.231\.7\.2:8080 on 3 connections but did not close its own side[^\n]+FIN_WAIT_2\.\n/);
  t.regex(piped.stdout, /pkts c\/s/);
});

test('server-unreachable: the connection attempt its sender gave up is "abandoned", in the endpoint view and the table, not an open SYN_SENT', async (t) => {
  const r = await runCli(['analyze', '--width', '0', 'samples/server-unreachable.pcap']);
  t.is(r.code, 0);
  t.regex(r.stdout, /at capture end: TIME_WAIT 1; 1 connection attempt abandoned \(SYN_SENT until the sender gave up: #2\)/);
  t.regex(r.stdout, /\n +2 +10\.231\.18\.1:46164 .* abandoned\/\? +T\n/);
  t.notRegex(r.stdout, /at capture end: [^;\n]*SYN_SENT/);
});
