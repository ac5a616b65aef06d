/**
 * What the command line checks before (and says after) an analysis: directories without captures,
 * files passed over, rotated sets as one capture, a file named twice, output paths, `--at +s`,
 * filters that leave nothing, `--fail-on`, a closed pipe. On the bundled samples.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempDir } from '../helpers/io.js';
import { CLI, runCli } from '../helpers/cli.js';
import type { Report } from '../../src/model/report.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());
const SAMPLE = 'samples/keepalive-idle-race.pcap';

/** A classic pcap cut into files of `per` records each, named as `tcpdump -C` names them (x.pcap, x.pcap1 …). */
function rotate(src: string, dir: string, per: number): number {
  const bytes = readFileSync(src);
  const header = bytes.subarray(0, 24);
  const le = bytes.readUInt32LE(0) === 0xa1b2c3d4 || bytes.readUInt32LE(0) === 0xa1b23c4d;
  const records: Buffer[] = [];
  for (let at = 24; at + 16 <= bytes.length;) {
    const incl = le ? bytes.readUInt32LE(at + 8) : bytes.readUInt32BE(at + 8);
    records.push(bytes.subarray(at, at + 16 + incl));
    at += 16 + incl;
  }
  let files = 0;
  for (let i = 0; i < records.length; i += per, files++) {
    writeFileSync(join(dir, files === 0 ? 'trace.pcap' : `trace.pcap${files}`), Buffer.concat([header, ...records.slice(i, i + per)]));
  }
  return files;
}

const json = (stdout: string): Report => JSON.parse(stdout) as Report;

test('a directory with no captures: a clear message and exit 1; its other files are listed as skipped', async (t) => {
  const empty = join(tmp.path, 'empty');
  mkdirSync(empty);
  const r = await runCli(['analyze', empty]);
  t.is(r.code, 1);
  t.regex(r.stderr, /empty: no capture files here/);
  const notes = join(tmp.path, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'README.md'), 'hello');
  const r2 = await runCli(['info', notes]);
  t.is(r2.code, 1);
  t.regex(r2.stderr, /notes: 1 file\(s\) skipped, not named like captures .*README\.md/);
  t.regex(r2.stderr, /no capture files here/);
});

test('a rotated set in a directory (tcpdump -C names) is one capture: the same connections and frames as the original', async (t) => {
  const dir = join(tmp.path, 'rotated');
  mkdirSync(dir);
  const files = rotate(SAMPLE, dir, 20);
  t.true(files >= 3);
  writeFileSync(join(dir, 'notes.txt'), 'taken during the incident');
  const whole = json((await runCli(['analyze', SAMPLE, '--json', '-'])).stdout);
  const r = await runCli(['analyze', dir, '--json', '-']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, new RegExp(`${files} files of one rotated set \\(trace\\.pcap\\) analysed as one capture`));
  t.regex(r.stderr, /1 file\(s\) skipped.*notes\.txt/);
  const set = json(r.stdout);
  t.is(set.capture.files.length, files);
  t.is(set.capture.frames, whole.capture.frames);
  t.deepEqual(set.connections.map((c) => [c.id, c.firstFrame, c.lastFrame, c.closedFirstBy]), whole.connections.map((c) => [c.id, c.firstFrame, c.lastFrame, c.closedFirstBy]));
  t.deepEqual(set.findings.map((f) => f.kind), whole.findings.map((f) => f.kind));
});

test('unrelated captures in a directory stay separate reports; --merge makes them one', async (t) => {
  const dir = join(tmp.path, 'unrelated');
  mkdirSync(dir);
  copyFileSync('samples/close-wait-leak.pcap', join(dir, 'close-wait-leak.pcap'));
  copyFileSync(SAMPLE, join(dir, 'keepalive-idle-race.pcap'));
  const separate = await runCli(['analyze', dir, '--json', '-']);
  t.is(separate.code, 2); // two captures, one --json
  t.regex(separate.stderr, /several captures/);
  const merged = await runCli(['analyze', dir, '--merge', '--json', '-']);
  t.is(merged.code, 0, merged.stderr);
  t.is(json(merged.stdout).capture.files.length, 2);
});

test('the same file named twice, or a copy of it, is refused before anything is read (it would double every packet)', async (t) => {
  const twice = await runCli(['analyze', SAMPLE, SAMPLE]);
  t.is(twice.code, 2);
  t.regex(twice.stderr, /is samples\/keepalive-idle-race\.pcap again: merging a capture with itself would double every packet/);
  const copy = join(tmp.path, 'copy.pcap');
  copyFileSync(SAMPLE, copy);
  const copied = await runCli(['info', SAMPLE, copy]);
  t.is(copied.code, 2);
  t.regex(copied.stderr, /copy\.pcap holds the same bytes as samples\/keepalive-idle-race\.pcap/);
});

test('output paths are checked before the analysis, and errors are in words', async (t) => {
  const missing = await runCli(['analyze', SAMPLE, '--json', join(tmp.path, 'no/such/dir/r.json')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot write .*no such file or directory/);
  t.is(missing.stdout, ''); // nothing was analysed
  const isDir = await runCli(['analyze', SAMPLE, '--json', join(tmp.path, '')]);
  t.is(isDir.code, 1);
  t.regex(isDir.stderr, /is a directory/);
  writeFileSync(join(tmp.path, 'plain-file'), '');
  const outIsFile = await runCli(['analyze', SAMPLE, '--out', join(join(tmp.path, 'plain-file'), 'sub')]);
  t.is(outIsFile.code, 1);
  t.regex(outIsFile.stderr, /cannot write .*not a directory/);
  const input = await runCli(['info', join(tmp.path, 'absent.pcap')]);
  t.regex(input.stderr, /cannot open: no such file or directory \(ENOENT\)/);
});

test('a closed pipe (| head) ends the output quietly', (t) => {
  const r = spawnSync('bash', ['-c', `node ${JSON.stringify(CLI)} analyze samples/slow-reader-zero-window.pcap --json - | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
  t.is(r.stderr, '');
  t.is(r.stdout.trim(), '0');
});

test('--at +seconds is relative to the first frame (Wireshark\'s time column) and equals the absolute instant; outside the capture it warns', async (t) => {
  const base = json((await runCli(['analyze', SAMPLE, '--json', '-'])).stdout);
  const first = Number(base.capture.firstEpoch);
  const rel = await runCli(['analyze', SAMPLE, '--at', '+2.5', '--json', '-']);
  const abs = await runCli(['analyze', SAMPLE, '--at', String(first + 2.5), '--json', '-']);
  t.is(rel.code, 0);
  t.is(rel.stderr, '');
  t.deepEqual(json(rel.stdout).endpoints, json(abs.stdout).endpoints);
  t.notDeepEqual(json(rel.stdout).endpoints, base.endpoints); // the instant is in the views
  const late = await runCli(['analyze', SAMPLE, '--at', '+100']);
  t.is(late.code, 0);
  t.regex(late.stderr, /warning: --at \+100 is 91\.\d{3} s after the capture ends \(it spans \+0 to \+8\.557 s\)/);
  const bad = await runCli(['analyze', SAMPLE, '--at', '+x']);
  t.is(bad.code, 2);
});

test('filters that leave no finding say so, instead of "no lifecycle problem stands out"', async (t) => {
  const kinds = await runCli(['analyze', SAMPLE, '--finding', 'last-ack']);
  t.regex(kinds.stdout, /Findings: none of the selected kinds \(last-ack\)/);
  t.notRegex(kinds.stdout, /stands out/);
  const severity = await runCli(['analyze', 'samples/close-wait-leak.pcap', '--min-severity', 'critical']);
  t.regex(severity.stdout, /Findings: none at or above critical/);
});

test('--fail-on: exit 4 when a finding at or above the severity is found, else the usual code', async (t) => {
  t.is((await runCli(['analyze', 'samples/close-wait-leak.pcap', '--fail-on', 'warning'])).code, 4); // a CLOSE_WAIT warning
  t.is((await runCli(['analyze', 'samples/close-wait-leak.pcap', '--fail-on', 'critical'])).code, 0);
  t.is((await runCli(['analyze', SAMPLE, '--fail-on', 'critical'])).code, 4); // the keep-alive race RST
  t.is((await runCli(['analyze', 'samples/dumb-proxy-hop-by-hop.pcap', '--fail-on', 'warning'])).code, 4); // hop-by-hop headers forwarded, requests stalled
  t.is((await runCli(['analyze', 'samples/dumb-proxy-hop-by-hop.pcap', '--fail-on', 'critical'])).code, 0);
});
