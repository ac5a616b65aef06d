/**
 * The command-line comparison of `npm run bench`: our CLI run as a user runs it (the bin through its
 * shebang, output to /dev/null) against the peers on the same file, interleaved round by round so
 * that the machine's noise falls on every tool alike. Wall time and peak RSS come from GNU time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';

interface Command { name: string; argv: string[] }
export interface CommandResult { name: string; seconds: number; rssMiB: number; runs: number }

const TIME = '/usr/bin/time';

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** The bin of a built checkout: dist/src/cli/main.js since the layout change, dist/src/cli.js before. */
export function cliOf(checkout: string): string | null {
  for (const rel of ['dist/src/cli/main.js', 'dist/src/cli.js']) {
    const p = join(checkout, rel);
    if (existsSync(p)) {
      // npm makes an installed bin executable; tsc does not.
      chmodSync(p, 0o755);
      return p;
    }
  }
  return null;
}

/** `html`: also time `analyze --html <html>` (the report benchmark, report.ts), named HTML_COMMAND. */
export const HTML_COMMAND = 'tcp-postmortem analyze --html';

export function commandsFor(capture: string, cli: string, baseline: string | null, html: string | null = null): Command[] {
  const list: Command[] = [
    { name: 'tcp-postmortem analyze', argv: [cli, 'analyze', capture] },
    { name: 'tcp-postmortem analyze --no-http', argv: [cli, 'analyze', '--no-http', capture] },
  ];
  if (html !== null) list.push({ name: HTML_COMMAND, argv: [cli, 'analyze', '--html', html, capture] });
  if (baseline !== null) list.push({ name: `baseline analyze (${baseline})`, argv: [baseline, 'analyze', capture] });
  if (has('tcptrace')) list.push({ name: 'tcptrace -n -l', argv: ['tcptrace', '-n', '-l', capture] });
  if (has('tshark')) list.push({ name: 'tshark -q -z expert', argv: ['tshark', '-q', '-z', 'expert', '-r', capture] });
  return list;
}

function once(c: Command): { seconds: number; rssMiB: number } {
  // GNU time writes "<elapsed s> <max RSS KiB>" as the last line of stderr; the tool's own output is dropped.
  const r = spawnSync(TIME, ['-f', '%e %M', ...c.argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const m = /^([\d.]+) (\d+)$/.exec(last);
  if (r.status !== 0 || m === null) throw new Error(`${c.argv.join(' ')} failed (exit ${r.status}): ${r.stderr.slice(-500)}`);
  return { seconds: Number(m[1]), rssMiB: Number(m[2]) / 1024 };
}

export function runCommands(commands: Command[], rounds: number): CommandResult[] {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for the command comparison: apt-get install -y time`);
  const samples = commands.map(() => [] as { seconds: number; rssMiB: number }[]);
  for (let r = 0; r < rounds; r++) commands.forEach((c, i) => samples[i]!.push(once(c)));
  return commands.map((c, i) => {
    const s = samples[i]!.sort((a, b) => a.seconds - b.seconds);
    const mid = s[Math.floor(s.length / 2)]!;
    return { name: c.name, seconds: mid.seconds, rssMiB: mid.rssMiB, runs: s.length };
  });
}

export function versionOf(tool: string): string {
  try {
    return execFileSync(tool, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
  } catch {
    return '?';
  }
}
