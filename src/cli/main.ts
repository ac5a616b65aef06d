#!/usr/bin/env -S node --max-semi-space-size=4 --single-threaded-gc --expose-gc
// A semi-space of 4 MiB (V8's default grows to 16; the flag holds for the worker threads too): on the
// 1 GB benchmark capture ~6 MiB less per engine thread than 8 MiB for ~40 ms more collection each.
// Garbage collection in the JavaScript threads only: with two engine threads and a findings helper
// on two cores, V8's helper threads only competed with them (2–5 % faster, measured). The collector
// exposed so that analyze() can clear the engine's garbage before the findings (see pipeline/run.ts).
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { MAX_THREADS } from '../pipeline/shards.js';
import { hideBin } from 'yargs/helpers';
import { CaptureError } from '../capture/errors.js';
import { captureInfo } from '../pipeline/info.js';
import { parseTunnelPort, UDP_TUNNEL_NAMES, type TunnelOptions, type UdpTunnelName } from '../decode/tunnel-ports.js';
import { checkOutputFile, inputJobs, prepareOutputDir } from './preflight.js';
import { renderInfoText } from '../report/info-text.js';
import { analyze } from '../pipeline/run.js';
import { OutputError, writeJsonReport } from '../report/json.js';
import { renderConnectionTable } from '../report/text.js';
import { renderHttpStory } from '../report/http-text.js';
import { printableText } from '../report/printable.js';
import { colourText, colourWanted } from '../report/colour.js';
import { progressDisplay } from './progress.js';
import { renderMarkdown } from '../report/markdown.js';
import { indexEntry, renderIndex, type IndexEntry } from '../report/html/index-page.js';
import { renderCaptureHeader } from '../report/capture-text.js';
import { renderEndpoints, renderFindings } from '../report/findings-text.js';
import { FINDING_KINDS, SEVERITIES, type FindingKind, type Severity } from '../findings/types.js';
import type { Report } from '../model/report.js';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Exit codes (documented in the README). */
const EXIT_OK = 0;
const EXIT_BAD_INPUT = 1;
const EXIT_USAGE = 2;
/** `--fail-on`: a finding at or above the given severity was found. */
const EXIT_FINDINGS = 4;

/** Every line to stderr goes through here: file names and capture errors are shown with control characters escaped. */
const toStderr = (line: string): void => {
  process.stderr.write(`${printableText(line)}\n`);
};
const say = (line: string): void => toStderr(`tcp-postmortem: ${line}`);

/** The jobs of the capture arguments, or the exit code after saying why there are none. */
function jobsOrExit(captures: string[], merge: boolean): string[][] | number {
  const inputs = inputJobs(captures, merge, say);
  if ('jobs' in inputs) return inputs.jobs;
  say(inputs.error);
  return inputs.usage ? EXIT_USAGE : EXIT_BAD_INPUT;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** `--tunnel-port vxlan=8472 …` and `--no-teredo-heuristic` as decoder options; null (after a message) when a spec is wrong. */
function tunnelOptions(args: { tunnelPort?: string[] | undefined; teredoHeuristic?: boolean | undefined }): TunnelOptions | null {
  const tunnelPorts: Partial<Record<UdpTunnelName, number[]>> = {};
  try {
    for (const spec of args.tunnelPort ?? []) parseTunnelPort(spec, tunnelPorts);
  } catch (err) {
    say((err as Error).message);
    return null;
  }
  return { tunnelPorts, teredoHeuristic: args.teredoHeuristic !== false };
}

async function runInfo(captures: string[], json: boolean, merge: boolean, tunnels: TunnelOptions): Promise<number> {
  let status = EXIT_OK;
  const results = [];
  const jobs = jobsOrExit(captures, merge);
  if (typeof jobs === 'number') return jobs;
  for (const job of jobs) {
    try {
      const info = await captureInfo(job, tunnels);
      if (json) results.push(info);
      else process.stdout.write(printableText(renderInfoText(info)) + '\n');
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      say(err.message);
      status = EXIT_BAD_INPUT;
    }
  }
  if (json) process.stdout.write(JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n');
  return status;
}

/** yargs swallows a lone `-`; it stands for standard input, so carry it through under another name. */
const STDIN_PLACEHOLDER = '\u0000stdin';
const restoreStdin = (captures: string[]): string[] => captures.map((c) => (c === STDIN_PLACEHOLDER ? '-' : c));

interface AnalyzeArgs {
  captures: string[];
  json?: string;
  html?: string;
  md?: string;
  out?: string;
  top: number;
  timeWaitSec: number;
  maxLive: number;
  threads?: number;
  closeWaitSec: number;
  stallSec: number;
  minSeverity: Severity;
  finding?: FindingKind[];
  failOn?: Severity;
  verbose?: boolean;
  width?: number;
  merge?: boolean;
  at?: string;
  tunnelPort?: string[];
  teredoHeuristic?: boolean;
  http?: boolean;
}

const TUNNEL_PORT_OPTION = {
  type: 'string', array: true,
  describe: `also decode this UDP port as an overlay, KIND=PORT (repeatable; KIND: ${UDP_TUNNEL_NAMES.join(', ')}), e.g. vxlan=8472`,
} as const;
const MERGE_OPTION = {
  type: 'boolean', default: false,
  describe: 'analyse every file of the arguments (directories included) as one capture, merged by time',
} as const;
const TEREDO_OPTION = { type: 'boolean', default: true, describe: 'find Teredo on any UDP port by its shape, as Zeek does (--no-teredo-heuristic: port 3544 only, as Wireshark)' } as const;

/** `--at`: an ISO-8601 time, epoch seconds, or `+seconds` after the capture's first frame (Wireshark's time column). */
function parseInstant(text: string): { at: number } | { atOffsetSec: number } | null {
  if (/^\+\d+(\.\d+)?$/.test(text)) return { atOffsetSec: Number(text.slice(1)) };
  if (/^\d+(\.\d+)?$/.test(text)) return { at: Number(text) };
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : { at: ms / 1000 };
}

/** The `--at` instant is outside the capture: say so (the socket counts there show only what the capture implies). */
function warnIfOutside(report: Report, instant: { at: number } | { atOffsetSec: number }, text: string): void {
  const first = report.capture.firstEpoch === null ? null : Number(report.capture.firstEpoch);
  const last = report.capture.lastEpoch === null ? null : Number(report.capture.lastEpoch);
  if (first === null || last === null) return;
  const at = 'at' in instant ? instant.at : first + instant.atOffsetSec;
  if (at < first || at > last) {
    say(`warning: --at ${text} is ${at < first ? `${(first - at).toFixed(3)} s before the capture starts` : `${(at - last).toFixed(3)} s after the capture ends`} ` +
      `(it spans +0 to +${(last - first).toFixed(3)} s)`);
  }
}

function jobName(job: string[]): string {
  const first = job[0] === '-' ? 'stdin' : basename(job[0]!);
  return first.replace(/\.(gz)$/i, '').replace(/\.(pcapng|pcap|cap)$/i, '') + (job.length > 1 ? `-and-${job.length - 1}-more` : '');
}

async function runAnalyze(args: AnalyzeArgs): Promise<number> {
  let status = EXIT_OK;
  const jobs = jobsOrExit(args.captures, args.merge === true);
  if (typeof jobs === 'number') return jobs;
  if (args.json !== undefined && jobs.length > 1) {
    say('--json writes one report but the arguments make several captures; use --out <dir>');
    return EXIT_USAGE;
  }
  if (args.html !== undefined && jobs.length > 1) {
    say('--html writes one report but the arguments make several captures; use --out <dir>');
    return EXIT_USAGE;
  }
  if (args.md !== undefined && (jobs.length > 1 || args.md === '' || args.md === STDIN_PLACEHOLDER)) {
    say('--md writes one report to a file; with several captures use --out <dir>');
    return EXIT_USAGE;
  }
  if (args.html === '' || args.html === STDIN_PLACEHOLDER) {
    say('--html needs a file name');
    return EXIT_USAGE;
  }
  if (args.json === '') {
    say('--json needs a file name, or - for standard output');
    return EXIT_USAGE;
  }
  let instant: { at: number } | { atOffsetSec: number } | undefined;
  if (args.at !== undefined) {
    const parsed = parseInstant(args.at);
    if (parsed === null) {
      say(`--at ${args.at}: not an ISO-8601 time, epoch seconds or +seconds after the capture's start`);
      return EXIT_USAGE;
    }
    instant = parsed;
  }
  // Output paths are checked now: a typo must not cost the minutes of reading a large capture.
  const outputProblem = (args.json !== undefined ? checkOutputFile(args.json) : null) ??
    (args.html !== undefined ? checkOutputFile(args.html) : null) ??
    (args.md !== undefined ? checkOutputFile(args.md) : null) ??
    (args.out !== undefined ? prepareOutputDir(args.out) : null);
  if (outputProblem !== null) {
    say(`cannot write ${outputProblem}`);
    return EXIT_BAD_INPUT;
  }
  let failed = false;
  const index: IndexEntry[] = [];
  // Once per run: every capture's text is coloured alike (README "Colour").
  const colour = colourWanted(process.env, process.stdout.isTTY === true);
  const tunnels = tunnelOptions(args);
  if (tunnels === null) return EXIT_USAGE;
  for (const job of jobs) {
    const progress = progressDisplay(process.stderr, process.env);
    try {
      const report = await analyze(job, {
        onProgress: progress.onProgress,
        ...tunnels,
        http: args.http !== false,
        timeWaitSec: args.timeWaitSec,
        maxLive: args.maxLive,
        ...(args.threads !== undefined ? { threads: args.threads } : {}),
        closeWaitSec: args.closeWaitSec,
        stallSec: args.stallSec,
        minSeverity: args.minSeverity,
        ...(args.finding !== undefined && args.finding.length > 0 ? { kinds: args.finding } : {}),
        ...instant,
      });
      if (instant !== undefined) warnIfOutside(report, instant, args.at!);
      if (args.failOn !== undefined && report.findings.some((f) => SEVERITIES.indexOf(f.severity) >= SEVERITIES.indexOf(args.failOn!))) failed = true;
      // Capture strings (file names, HTTP targets, comments) reach the terminal with their control characters escaped.
      const text = printableText([renderCaptureHeader(report), findingsText(report, args), renderEndpoints(report),
        renderConnectionTable(report, args.top, textWidth(args)), renderHttpStory(report, textWidth(args))]
        .filter((part) => part !== '')
        .join('\n'));
      if (args.json === '-') await writeJsonReport(report, '-');
      else {
        process.stdout.write(colourText(text, colour) + '\n');
        if (args.json !== undefined) await writeJsonReport(report, args.json);
      }
      const htmlText = args.html !== undefined || args.out !== undefined ? await htmlReport(report, job, tunnels) : null;
      if (args.html !== undefined) writeOutput(args.html, htmlText!);
      if (args.md !== undefined) writeOutput(args.md, renderMarkdown(report));
      if (args.out !== undefined) {
        const name = jobName(job);
        await writeJsonReport(report, join(args.out, `${name}.json`));
        writeOutput(join(args.out, `${name}.txt`), text);
        writeOutput(join(args.out, `${name}.html`), htmlText!);
        writeOutput(join(args.out, `${name}.md`), renderMarkdown(report));
        toStderr(`wrote ${join(args.out, name)}.{json,txt,html,md}`);
        index.push(indexEntry(name, report));
      }
    } catch (err) {
      if (err instanceof OutputError) {
        say(err.message);
        return EXIT_BAD_INPUT;
      }
      if (!(err instanceof CaptureError)) throw err;
      say(err.message);
      status = EXIT_BAD_INPUT;
    } finally {
      progress.stop();
    }
  }
  if (args.out !== undefined && index.length > 0) {
    writeOutput(join(args.out, 'index.html'), renderIndex(index, version()));
    toStderr(`wrote ${join(args.out, 'index.html')} (${index.length} capture(s))`);
  }
  return status === EXIT_OK && failed ? EXIT_FINDINGS : status;
}

/** The HTML report, with every segment of the connections it draws read again from the capture. */
async function htmlReport(report: Report, job: string[], tunnels: TunnelOptions): Promise<string> {
  // Loaded only when a report is asked for: d3-node brings jsdom, which costs every other run
  // about 0.45 s and 40 MB at start-up.
  const [{ connectionsToDraw, renderHtmlReport }, { readConnectionSegments }] = await Promise.all([
    import('../report/html/page.js'), import('../pipeline/segments.js'),
  ]);
  const ids = new Set(connectionsToDraw(report));
  const segments = await readConnectionSegments(job, report.connections.filter((c) => ids.has(c.id)), tunnels);
  return renderHtmlReport(report, segments);
}

function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new OutputError(path, err);
  }
}

/**
 * Columns to fit the text to: --width, else the terminal's, else $COLUMNS; 0 (no wrapping) when the
 * output goes to a pipe or a file, so that each fact stays on one line for grep.
 */
function textWidth(args: AnalyzeArgs): number {
  if (args.width !== undefined) return args.width;
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : 0;
}

/** The findings, or with none left after --finding / --min-severity, which filter left none (not "nothing stands out"). */
function findingsText(report: Report, args: AnalyzeArgs): string {
  const options = { verbose: args.verbose === true, width: textWidth(args) };
  if (report.findings.length > 0) return renderFindings(report, options);
  const kinds = args.finding !== undefined && args.finding.length > 0 ? args.finding : null;
  const severity = args.minSeverity !== 'info' ? args.minSeverity : null;
  if (kinds === null && severity === null) return renderFindings(report, options);
  const filters = [kinds !== null ? `of the selected kinds (${kinds.join(', ')})` : '', severity !== null ? `at or above ${severity}` : '']
    .filter((f) => f !== '').join(' and ');
  return `Findings: none ${filters}. Run without ${kinds !== null ? '--finding' : '--min-severity'} to see every finding.\n`;
}

/** Checks the numeric options yargs parsed (a typo must not silently lift the memory bound). */
function checkNumbers(args: Record<string, unknown>): true | string {
  const rules: [string, number, boolean, number?][] = [
    ['top', 0, true], ['width', 0, true], ['max-live', 1, true], ['threads', 1, true, MAX_THREADS], ['time-wait-sec', 0, false], ['close-wait-sec', 0, false],
    ['stall-sec', 0, false],
  ];
  for (const [name, min, integer, max] of rules) {
    const v = args[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (max !== undefined && v > max) || (integer && !Number.isInteger(v))) {
      return `--${name} must be ${integer ? 'a whole number' : 'a number'} of at least ${min}${max !== undefined ? ` and at most ${max}` : ''} (got ${String(v)})`;
    }
  }
  return true;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = EXIT_OK;
  // yargs still runs a command's handler after `.fail` reported a validation error: handlers check this.
  let usageFailed = false;
  const parser = yargs(argv.map((a) => (a === '-' ? STDIN_PLACEHOLDER : a)))
    .scriptName('tcp-postmortem')
    .version(version())
    .usage('$0 <command> <capture...>\n\nCaptures: pcap or pcapng files, gzip-compressed or not, `-` for standard input.\nSeveral files are merged by time; a directory stands for each capture in it.')
    .command(
      'info <captures..>',
      'Format, interfaces, packets, TCP segments, time span and any damage (like capinfos, plus TCP)',
      (y) => y
        .positional('captures', { type: 'string', array: true, demandOption: true, describe: 'capture files, directories or -' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of text' })
        .option('merge', MERGE_OPTION)
        .option('tunnel-port', TUNNEL_PORT_OPTION)
        .option('teredo-heuristic', TEREDO_OPTION),
      async (args) => {
        if (usageFailed) return;
        const tunnels = tunnelOptions(args);
        if (tunnels === null) {
          exitCode = EXIT_USAGE;
          return;
        }
        exitCode = await runInfo(restoreStdin(args.captures as string[]), args.json, args.merge, tunnels);
      },
    )
    .command(
      'analyze <captures..>',
      'Explain the capture: ranked findings with evidence frames, sockets per endpoint, and every TCP connection (who closed first, resets, states)',
      (y) => y
        .positional('captures', { type: 'string', array: true, demandOption: true, describe: 'capture files, directories or -' })
        .option('json', { type: 'string', describe: 'write the JSON report (schema v1) to this file, or - for stdout' })
        .option('html', { type: 'string', describe: 'write the self-contained HTML report (charts, timeline, ladders) to this file' })
        .option('md', { type: 'string', describe: 'write the Markdown incident summary (verdict, findings, key connections) to this file' })
        .option('out', { type: 'string', describe: 'write <name>.json, .txt, .html and .md for each capture into this directory' })
        .option('top', { type: 'number', default: 25, describe: 'connection rows to print (the most notable first)' })
        .option('time-wait-sec', { type: 'number', default: 60, describe: 'TIME_WAIT duration, 2 x MSL (Linux: 60 s)' })
        .option('max-live', { type: 'number', default: 250000, describe: 'live connections tracked at most; the idlest are summarised beyond' })
        .option('threads', { type: 'number', describe: 'threads reading the capture (default: 2 for large captures of many short connections, else 1)' })
        .option('close-wait-sec', { type: 'number', default: 1, describe: 'report sockets left in CLOSE_WAIT / FIN_WAIT_2 / LAST_ACK longer than this' })
        .option('stall-sec', { type: 'number', default: 1, describe: 'report HTTP requests that wait longer than this for the first byte of a response' })
        .option('min-severity', { choices: SEVERITIES as Severity[], default: 'info' as Severity, describe: 'leave out findings below this severity' })
        .option('finding', { choices: [...FINDING_KINDS] as FindingKind[], array: true, describe: 'only findings of these kinds (repeatable)' })
        .option('fail-on', { choices: ['warning', 'critical'] as Severity[], describe: 'exit with 4 when a finding of this severity or above is found (for scripts and CI)' })
        .option('width', { type: 'number', describe: 'fit the text to this many columns (0: no wrapping; default: the terminal\'s width when writing to one)' })
        .option('verbose', { alias: 'v', type: 'boolean', describe: 'also print why each finding happens (the mechanism) and each info finding\'s summary' })
        .option('merge', MERGE_OPTION)
        .option('at', { type: 'string', describe: 'also report each endpoint\'s socket counts at this instant (ISO-8601, epoch seconds, or +seconds after the capture\'s first frame)' })
        .option('tunnel-port', TUNNEL_PORT_OPTION)
        .option('teredo-heuristic', TEREDO_OPTION)
        .option('http', { type: 'boolean', default: true, describe: 'analyse HTTP/1.x on every connection (--no-http: TCP only, e.g. to compare speed)' })
        .check(checkNumbers),
      async (args) => {
        if (usageFailed) return;
        exitCode = await runAnalyze({
          ...args,
          captures: restoreStdin(args.captures as string[]),
          json: args.json === STDIN_PLACEHOLDER ? '-' : args.json,
          ...(args.html !== undefined ? { html: args.html } : {}),
          ...(args.md !== undefined ? { md: args.md } : {}),
        } as AnalyzeArgs);
      },
    )
    .demandCommand(1, 'Name a command: info or analyze')
    .strict()
    .help()
    .alias('h', 'help')
    .fail((msg, err) => {
      // yargs reports its own validation (and .check) failures as YError; anything else is ours.
      if (err instanceof Error && err.name !== 'YError') throw err;
      say(msg ?? String(err));
      process.stderr.write('Run with --help for usage.\n');
      usageFailed = true;
    });
  await parser.parseAsync();
  return usageFailed ? EXIT_USAGE : exitCode;
}

// A reader that goes away (`| head`) is not an error: stop quietly, as other Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
  throw err;
});

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CaptureError) {
      say(err.message);
      process.exitCode = EXIT_BAD_INPUT;
    } else {
      toStderr(`tcp-postmortem: internal error: ${(err as Error)?.stack ?? String(err)}`);
      process.exitCode = 3;
    }
  },
);
