/**
 * `tcp-postmortem analyze` as a user runs it: findings first, sockets per endpoint, the connection
 * table; JSON schema v1; the filter flags; --out; usage errors.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempDir } from '../helpers/io.js';
import type { Report } from '../../src/model/report.js';

const CLI = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('text: the ranked findings come first, then the sockets per endpoint, then the connection table', async (t) => {
  const r = await cli(['analyze', 'samples/close-wait-leak.pcap']);
  t.is(r.code, 0);
  const findings = r.stdout.indexOf('Findings (1, most likely cause first)');
  const sockets = r.stdout.indexOf('Sockets per endpoint');
  const table = r.stdout.indexOf('closed first');
  t.true(findings > 0 && sockets > findings && table > sockets, r.stdout);
  t.regex(r.stdout, /\[WARNING\] 10\.231\.7\.1 left 3 connections in CLOSE_WAIT/);
  t.regex(r.stdout, /wireshark: tcp\.stream in \{0 1 2\}/);
  t.regex(r.stdout, /at capture end: CLOSE_WAIT 3/);
});

test('--json - writes schema v1 with connections, findings and endpoints', async (t) => {
  const r = await cli(['analyze', 'samples/keepalive-idle-race.pcap', '--json', '-']);
  t.is(r.code, 0);
  const report = JSON.parse(r.stdout) as Report;
  t.is(report.schemaVersion, 1);
  t.is(report.connections.length, 6);
  t.is(report.connections[1]!.id, 1);
  t.deepEqual(report.connections[1]!.resets.map((x) => x.by), ['server']);
  const reset = report.findings.find((f) => f.kind === 'reset');
  t.truthy(reset);
  t.is(reset!.rank, 3); // after keepalive-timeout-mismatch and keepalive-race, its causes
  t.true(report.endpoints.length > 0);
  for (const key of ['kind', 'severity', 'title', 'summary', 'explanation', 'advice', 'connections', 'frames', 'endpoint', 'startTime', 'endTime', 'wiresharkFilter', 'details']) {
    t.true(key in reset!, key);
  }
});

test('--finding and --min-severity filter the findings; --at adds counts at an instant', async (t) => {
  const only = JSON.parse((await cli(['analyze', 'samples/slow-reader-zero-window.pcap', '--json', '-', '--finding', 'reset'])).stdout) as Report;
  t.deepEqual([...new Set(only.findings.map((f) => f.kind))], ['reset']);
  const critical = JSON.parse((await cli(['analyze', 'samples/slow-reader-zero-window.pcap', '--json', '-', '--min-severity', 'critical'])).stdout) as Report;
  t.true(critical.findings.length > 0 && critical.findings.every((f) => f.severity === 'critical'));
  const at = JSON.parse((await cli(['analyze', 'samples/close-wait-leak.pcap', '--json', '-', '--at', '2026-11-22T05:13:01Z'])).stdout) as Report;
  const host = at.endpoints.find((e) => e.ip === '10.231.7.1' && e.port === null)!;
  t.deepEqual(host.at!.counts, { ESTABLISHED: 2, CLOSE_WAIT: 1 });
});

test('usage errors exit 2: a bad --at, an unknown finding kind', async (t) => {
  const badAt = await cli(['analyze', 'samples/close-wait-leak.pcap', '--at', 'yesterday-ish']);
  t.is(badAt.code, 2);
  t.regex(badAt.stderr, /--at/);
  const badKind = await cli(['analyze', 'samples/close-wait-leak.pcap', '--finding', 'gremlins']);
  t.is(badKind.code, 2);
});

test('--out writes a JSON and a text report per capture of a directory', async (t) => {
  const out = join(tmp.path, 'reports');
  const r = await cli(['analyze', 'samples/fixtures', '--out', out]);
  t.is(r.code, 0);
  for (const name of ['refused', 'simultaneous-close', 'port-reuse']) {
    t.true(existsSync(join(out, `${name}.json`)), name);
    t.true(existsSync(join(out, `${name}.txt`)), name);
  }
  const refused = JSON.parse(readFileSync(join(out, 'refused.json'), 'utf8')) as Report;
  t.is(refused.findings[0]!.kind, 'reset');
});

test('bad option values and unwritable outputs are clear errors, never an internal error', async (t) => {
  for (const args of [['--max-live', 'abc'], ['--max-live', '0'], ['--time-wait-sec', '-1'], ['--top', '2.5'], ['--close-wait-sec', 'x'], ['--json', ''], ['--threads', '0'], ['--threads', '1.5'], ['--threads', '65']]) {
    const r = await cli(['analyze', 'samples/fixtures/refused.pcap', ...args]);
    t.is(r.code, 2, args.join(' '));
    t.notRegex(r.stderr, /internal error|at .*\.js:\d+/, args.join(' '));
  }
  const unwritable = await cli(['analyze', 'samples/fixtures/refused.pcap', '--json', join(tmp.path, 'no', 'such', 'dir', 'r.json')]);
  t.is(unwritable.code, 1);
  t.regex(unwritable.stderr, /cannot write .*no such file or directory/);
  // One JSON document per run: several captures with --json - would not be valid JSON.
  const several = await cli(['analyze', 'samples/fixtures', '--json', '-']);
  t.is(several.code, 2);
  t.regex(several.stderr, /--out/);
});

test('--threads 2 writes the same JSON report as --threads 1 (but for the summed live-table peak)', async (t) => {
  const run = async (threads: string) => {
    const r = await cli(['analyze', 'samples/keepalive-idle-race.pcap', '--threads', threads, '--json', '-']);
    t.is(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    (report.tracking as { peakLive: number | null }).peakLive = null;
    return report;
  };
  t.deepEqual(await run('2'), await run('1'));
});
