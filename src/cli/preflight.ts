/**
 * What the command line checks before a long analysis starts, so that a mistake costs a message
 * and not the minutes of reading a large capture: the inputs (empty directories, files passed
 * over, rotated sets, a file named twice) and the output paths (`--json`, `--out`).
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { systemErrorText as words } from '../capture/source.js';
import { captureJobs } from '../pipeline/inputs.js';

/** Skipped file names listed at most, per directory. */
const MAX_LISTED = 5;

/** The jobs to run, or the reason there are none (printed by the caller, exit 1 or 2). */
export function inputJobs(
  captures: readonly string[], merge: boolean, say: (line: string) => void,
): { jobs: string[][] } | { error: string; usage: boolean } {
  const found = captureJobs(captures, { merge });
  for (const { dir, files } of found.skipped) {
    const listed = files.slice(0, MAX_LISTED).join(', ') + (files.length > MAX_LISTED ? ` and ${files.length - MAX_LISTED} more` : '');
    say(`note: ${dir}: ${files.length} file(s) skipped, not named like captures (.pcap, .pcapng, .cap, .gz …): ${listed}`);
  }
  for (const { dir, stem, files } of found.rotated) {
    say(`note: ${dir}: ${files} files of one rotated set (${stem}) analysed as one capture`);
  }
  if (found.duplicates.length > 0) {
    const d = found.duplicates[0]!;
    return {
      usage: true,
      error: `${d.again} ${d.sameBytes ? `holds the same bytes as ${d.first}` : `is ${d.first} again`}: merging a capture with itself ` +
        'would double every packet (every segment a retransmission); name each file once',
    };
  }
  if (found.jobs.length === 0) {
    return { usage: false, error: `${found.empty.join(', ')}: no capture files here (looked for .pcap, .pcapng, .cap and their .gz)` };
  }
  for (const dir of found.empty) say(`note: ${dir}: no capture files in it`);
  return { jobs: found.jobs };
}

/** Null when a report can be written at `file` (`-` is standard output); else why not. */
export function checkOutputFile(file: string): string | null {
  if (file === '-') return null;
  try {
    if (statSync(file).isDirectory()) return `${file}: is a directory`;
    accessSync(file, constants.W_OK);
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return `${file}: ${words(err)}`;
  }
  const dir = dirname(resolve(file));
  try {
    if (!statSync(dir).isDirectory()) return `${file}: ${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
    return null;
  } catch (err) {
    return `${file}: ${dir}: ${words(err)}`;
  }
}

/** Creates `--out` (and its parents) and checks it can be written to; null when it can. */
export function prepareOutputDir(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return null;
  } catch (err) {
    return `${dir}: ${words(err)}`;
  }
}
