/**
 * The reading progress bar (issue 13 "Terminal"): on stderr, only on a TTY, not in CI, only after the
 * input has taken a second; the pipeline reports the bytes it read through analyze()'s onProgress.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import { analyze } from '../../src/pipeline/run.js';
import type { ReadProgress } from '../../src/capture/reader.js';
import { progressDisplay, progressWanted } from '../../src/cli/progress.js';
import { CLI } from '../helpers/cli.js';
import { TempDir } from '../helpers/io.js';
import * as W from '../helpers/capture-writer.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

const SAMPLE = 'samples/slow-reader-zero-window.pcap';

test('the decision: a TTY, not CI, not TERM=dumb, and a second gone', (t) => {
  t.true(progressWanted(true, {}, 1000));
  t.false(progressWanted(true, {}, 999), 'faster inputs get no bar');
  t.false(progressWanted(false, {}, 5000), 'never in a pipe');
  for (const ci of ['true', '1', 'woodpecker']) t.false(progressWanted(true, { CI: ci }, 5000), `CI=${ci}`);
  for (const ci of ['', '0', 'false', 'FALSE']) t.true(progressWanted(true, { CI: ci }, 5000), `CI=${ci} is not CI`);
  t.false(progressWanted(true, { TERM: 'dumb' }, 5000));
});

function collect(): { calls: ReadProgress[]; onProgress: (p: ReadProgress) => void } {
  const calls: ReadProgress[] = [];
  return { calls, onProgress: (p) => calls.push({ ...p }) };
}

function assertIncreasing(t: import('ava').ExecutionContext, calls: readonly ReadProgress[]): void {
  for (let i = 1; i < calls.length; i++) {
    t.true(calls[i]!.bytesRead >= calls[i - 1]!.bytesRead, `bytes at call ${i}`);
    t.true(calls[i]!.frames >= calls[i - 1]!.frames, `frames at call ${i}`);
  }
  t.deepEqual(calls.map((c) => c.done), [...calls.slice(1).map(() => false), true], 'done on the last call only');
}

test('analyze() reports increasing bytes and frames while it reads, ending at the file size and the frame count', async (t) => {
  const size = statSync(SAMPLE).size;
  for (const threads of [1, 2]) {
    const { calls, onProgress } = collect();
    const report = await analyze([SAMPLE], { onProgress, chunkSize: 4096, threads });
    t.true(calls.length > 10, `a call per read (${calls.length} calls, ${threads} thread(s))`);
    assertIncreasing(t, calls);
    t.true(new Set(calls.map((c) => c.bytesRead)).size > 10, 'the bytes grow during the read, not only at its end');
    t.true(calls.every((c) => c.totalBytes === size));
    t.is(calls.at(-1)!.bytesRead, size);
    t.is(calls.at(-1)!.frames, report.capture.frames);
  }
});

test('gzip and merged files: the total is the files as stored, compressed bytes for gzip', async (t) => {
  const gz = tmp.write('sample.pcap.gz', gzipSync(readFileSync(SAMPLE)));
  const other = 'samples/keepalive-idle-race.pcap';
  const { calls, onProgress } = collect();
  const report = await analyze([gz, other], { onProgress, chunkSize: 4096 });
  const total = statSync(gz).size + statSync(other).size;
  assertIncreasing(t, calls);
  t.true(calls.every((c) => c.totalBytes === total));
  t.is(calls.at(-1)!.bytesRead, total);
  t.is(calls.at(-1)!.frames, report.capture.frames);
});

/** A stream that says it is a terminal, keeping what is written to it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = '';
  const w = new Writable({ write(chunk: Buffer, _enc, done) { written += chunk.toString(); done(); } });
  Object.assign(w, { isTTY: true, columns: 120, rows: 40 });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => written };
}

test('the bar: nothing in the first second, then bytes of the total, packets/s and ETA; cleared when reading ends', (t) => {
  const term = fakeTerminal();
  let clock = 0;
  const display = progressDisplay(term.stream, {}, () => clock);
  const step = (ms: number, bytesRead: number, frames: number, done = false): void => {
    clock = ms;
    display.onProgress({ bytesRead, totalBytes: 8 * 1048576, frames, done });
  };
  step(500, 1048576, 1000);
  t.is(term.text(), '', 'not before a second');
  step(1200, 2 * 1048576, 2400);
  t.regex(term.text(), /reading \[[=\- ]+\] 25% \| 2\.0 MiB of 8\.0 MiB \| 2,000 packets\/s \| ETA /);
  step(1600, 4 * 1048576, 4000);
  step(2000, 8 * 1048576, 8000, true);
  t.regex(term.text(), /\x1b\[2K$/, 'the line is cleared: the report follows');
  display.stop(); // once more is harmless (the CLI's finally)

  const ci = fakeTerminal();
  const inCi = progressDisplay(ci.stream, { CI: 'true' }, () => clock);
  clock = 5000;
  inCi.onProgress({ bytesRead: 1, totalBytes: 2, frames: 1, done: false });
  inCi.stop();
  t.is(ci.text(), '', 'nothing in CI');
});

/**
 * A capture of 1 MiB (UDP frames, so the analysis is quick) for the slow-input runs: its first part
 * is far larger than a pipe's buffer (64 KiB on Linux), so the feeder's `head` returns only once the
 * CLI has started and read most of it. The pause that follows is then the CLI's own wait, however
 * long the CLI took to start on a busy machine (a CI run once started it so late that the pause
 * was over before it read anything, and no bar was due).
 */
function bigCapture(): string {
  const records = Array.from({ length: 2048 }, (_, i) => ({
    tsSec: 1_700_000_000 + (i >> 8), tsFrac: (i & 255) * 1000,
    data: W.ethernet(W.ipv4(W.udp(W.pattern(460, i)), { protocol: W.PROTO_UDP })),
  }));
  return tmp.write('big.pcap', W.pcapFile({ linkType: W.LT_ETHERNET, records }));
}
const FIRST_PART = 512 * 1024;

/**
 * The CLI reading a capture from standard input that arrives in two parts 2.5 s apart, with stderr
 * on a pseudo-terminal (`script`, util-linux) or a pipe. Its stdout goes to /dev/null.
 */
function slowStdin(capture: string, tty: boolean, env: Record<string, string>): Promise<string> {
  const feed = `(head -c ${FIRST_PART} ${capture}; sleep 2.5; tail -c +${FIRST_PART + 1} ${capture})`;
  // In the pipe case stderr goes to the pipe read here (2>&1 first), stdout to /dev/null.
  const run = `${feed} | "${process.execPath}" "${CLI}" analyze - ${tty ? '' : '2>&1 '}> /dev/null`;
  const { CI: _ci, ...inherited } = process.env;
  // The trailing echo: without output after the CLI's last write, script was seen to drop the session's output.
  const argv = tty ? ['script', ['-qec', `${run}; echo end`, '/dev/null']] as const : ['sh', ['-c', run]] as const;
  return new Promise((resolve, reject) => {
    // script ends the session when its own input ends: an open pipe, closed when the run is over.
    const child = spawn(argv[0], argv[1], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...inherited, ...env } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
    child.on('exit', () => child.stdin.end());
  });
}

test('the CLI on a slow standard input: a bar on a terminal, none in CI, none in a pipe', async (t) => {
  const capture = bigCapture();
  const [onTty, inCi, piped] = await Promise.all([slowStdin(capture, true, {}), slowStdin(capture, true, { CI: 'true' }), slowStdin(capture, false, {})]);
  t.regex(onTty, /reading standard input: \d\.\d MiB \| [\d,]+ packets \| [\d,]+ packets\/s/);
  t.notRegex(onTty, /ETA/, 'standard input has no total');
  t.false(inCi.includes('reading'), inCi);
  t.regex(inCi, /end/, 'the terminal session ran');
  t.is(piped, '', 'a pipe gets nothing on stderr');
});
