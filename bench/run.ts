/**
 * `npm run bench`: speed and peak memory of the two passes on a large real capture.
 *   BENCH_CAPTURE=/path/big.pcap npm run bench      (default: bench/data/big.pcap, then /tmp/bench/big.pcap)
 * Make the capture with ../shared/bench/make-big-capture.sh (root; see its README). Each measurement runs
 * in a fresh Node process (so peak RSS is that pass's own) three times; the median is reported.
 * Passes: read+decode (capture layer only), connections (the TCP engine: every connection's record),
 * analyze (the whole report model: connections, findings and endpoint views), text (that report
 * rendered as `tcp-postmortem analyze` prints it).
 * Targets (issue: TCP connection engine): full analysis ≥ 1,000,000 packets/s and ≤ 300 MB peak RSS.
 * Then the command line: our CLI (with and without the HTTP layer), an optional baseline checkout
 * (BENCH_BASELINE=/path/to/another/built/checkout, e.g. the commit before a refactoring) and the peers
 * (`tcptrace -n -l`, `tshark -q -z expert`), interleaved, BENCH_ROUNDS rounds (default 3), as ratios.
 * BENCH_PASSES=0 skips the library passes; BENCH_COMMANDS=0 skips the command line; BENCH_REPORT=0 skips
 * the HTML report's size, writing time and time to interactive in Chromium (report.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliOf, commandsFor, HTML_COMMAND, runCommands } from './commands.js';
import { reportFigures } from './report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const candidates = [process.env.BENCH_CAPTURE, `${here}/../../bench/data/big.pcap`, '/tmp/bench/big.pcap'].filter((p): p is string => !!p);
const capture = candidates.find((p) => existsSync(p));
if (capture === undefined) {
  process.stderr.write(`no benchmark capture found (tried ${candidates.join(', ')}).\nMake one: OUT_DIR=/tmp/bench ../shared/bench/make-big-capture.sh (root), or set BENCH_CAPTURE.\n`);
  process.exit(1);
}

interface Sample { seconds: number; packets: number; rssMiB: number }

function measure(pass: 'read+decode' | 'connections' | 'analyze' | 'text'): Sample {
  const script = `${here}/pass.js`;
  // The same V8 options as the CLI's shebang (src/cli.ts), so that the figures are what users get.
  const out = execFileSync(process.execPath, ['--max-semi-space-size=4', '--single-threaded-gc', '--expose-gc', script, pass, capture!], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as Sample;
}

const bytes = statSync(capture).size;
process.stdout.write(`capture: ${capture} (${(bytes / 1e6).toFixed(0)} MB)\n`);
const passes = process.env.BENCH_PASSES === '0' ? [] : (['read+decode', 'connections', 'analyze', 'text'] as const);
for (const pass of passes) {
  const runs = [measure(pass), measure(pass), measure(pass)].sort((a, b) => a.seconds - b.seconds);
  const m = runs[1]!;
  const pps = m.packets / m.seconds;
  process.stdout.write(
    `${pass.padEnd(12)} ${m.packets} packets in ${m.seconds.toFixed(2)} s (median of 3): ` +
    `${(pps / 1e6).toFixed(2)} M packets/s, ${(bytes / m.seconds / 1e6).toFixed(0)} MB/s, peak RSS ${m.rssMiB.toFixed(0)} MiB\n`,
  );
  if (pass !== 'read+decode') {
    process.stdout.write(`  targets: >= 1.00 M packets/s ${pps >= 1e6 ? 'met' : 'NOT met'}; <= 300 MB peak RSS ${m.rssMiB * 1.048576 <= 300 ? 'met' : 'NOT met'}\n`);
  }
}

if (process.env.BENCH_COMMANDS !== '0') {
  const cli = cliOf(`${here}/../..`)!;
  const baselineDir = process.env.BENCH_BASELINE;
  const baseline = baselineDir !== undefined ? cliOf(baselineDir) : null;
  if (baselineDir !== undefined && baseline === null) throw new Error(`BENCH_BASELINE=${baselineDir}: no built CLI there (run npm ci && npm run build in it)`);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  // BENCH_REPORT=0 leaves out the HTML report's figures (report.ts).
  const html = process.env.BENCH_REPORT === '0' ? null : join(mkdtempSync(join(tmpdir(), 'tpm-bench-')), 'report.html');
  const results = runCommands(commandsFor(capture, cli, baseline, html), rounds);
  const ours = results[0]!;
  process.stdout.write(`\ncommand line, median of ${rounds} interleaved rounds (wall time of the whole process, GNU time):\n`);
  for (const r of results) {
    const ratio = r === ours ? 'reference' : `${(r.seconds / ours.seconds).toFixed(2)}× ours`;
    process.stdout.write(`  ${r.name.padEnd(48)} ${r.seconds.toFixed(2).padStart(7)} s  ${r.rssMiB.toFixed(0).padStart(6)} MiB  ${ratio}\n`);
  }
  const withHtml = results.find((r) => r.name === HTML_COMMAND);
  if (html !== null && withHtml !== undefined) {
    process.stdout.write(await reportFigures(html, ours, withHtml, rounds));
    rmSync(dirname(html), { recursive: true, force: true });
  }
}
