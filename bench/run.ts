/**
 * `npm run bench`: speed and peak memory of the two passes on a large real capture.
 *   BENCH_CAPTURE=/path/big.pcap npm run bench      (default: bench/data/big.pcap, then /tmp/bench/big.pcap)
 * Make the capture with ../shared/bench/make-big-capture.sh (root; see its README). Each measurement runs
 * in a fresh Node process (so peak RSS is that pass's own) three times; the median is reported.
 * Passes: read+decode (capture layer only), connections (the TCP engine: every connection's record),
 * analyze (the whole report model: connections, findings and endpoint views), text (that report
 * rendered as `tcp-postmortem analyze` prints it).
 * Targets (issue: TCP connection engine): full analysis ≥ 1,000,000 packets/s and ≤ 300 MB peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
  const out = execFileSync(process.execPath, ['--max-semi-space-size=8', '--single-threaded-gc', '--expose-gc', script, pass, capture!], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as Sample;
}

const bytes = statSync(capture).size;
process.stdout.write(`capture: ${capture} (${(bytes / 1e6).toFixed(0)} MB)\n`);
for (const pass of ['read+decode', 'connections', 'analyze', 'text'] as const) {
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
