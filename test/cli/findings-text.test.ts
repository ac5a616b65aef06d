/** What the terminal says about findings: incidents first, advice always, the mechanism with -v, info folded. */
import test from 'ava';
import { runCli } from '../helpers/cli.js';

test('dead-peer sample: the incident headline leads, advice is printed, the mechanism only with -v', async (t) => {
  const plain = await runCli(['analyze', 'samples/dead-peer-keepalive.pcap']);
  t.is(plain.code, 0);
  const incidents = plain.stdout.indexOf('Incidents (1):');
  const findings = plain.stdout.indexOf('Findings (3, most likely cause first):');
  t.true(incidents >= 0 && findings > incidents, plain.stdout);
  t.regex(plain.stdout, /\[CRITICAL\] 10\.231\.4\.2:8080 unreachable from t=2\.222 s to t=15\.40 s \(13\.2 s\): 1 request lost \(frame 11, 7 retransmissions\), recovered at frame 20/);
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
