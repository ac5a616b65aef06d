/**
 * The command line's capture arguments as jobs (one job = one capture, its files merged by time),
 * with what was passed over said out loud: a directory stands for each capture in it, except that
 * the files of one rotated set (`tcpdump -C`, `-W`, `-G`: the same name with a counter or a time
 * in it) are one capture, since that is how incident captures arrive. Files named twice (or two
 * names for the same bytes) are refused: merging them would double every packet into
 * retransmissions.
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** File names that look like captures when a directory is given (the format is still sniffed). */
const CAPTURE_NAME = /\.(pcap|pcapng|cap|dmp|pcap\d*\.gz|pcapng\.gz|cap\.gz)$|\.pcap\d+$/i;

export interface CaptureJobs {
  jobs: string[][];
  /** Per directory: files left out because their names are not those of captures. */
  skipped: { dir: string; files: string[] }[];
  /** Directories holding no capture file at all. */
  empty: string[];
  /** Rotated sets found in directories, each analysed as one capture. */
  rotated: { dir: string; stem: string; files: number }[];
  /** Files named more than once in one capture, or two names for the same bytes. */
  duplicates: { first: string; again: string; sameBytes: boolean }[];
}

/** `merge`: every file of every argument is one capture (`--merge`). */
export function captureJobs(args: readonly string[], options: { merge?: boolean } = {}): CaptureJobs {
  const out: CaptureJobs = { jobs: [], skipped: [], empty: [], rotated: [], duplicates: [] };
  const files: string[] = [];
  for (const arg of args) {
    if (!isDirectory(arg)) {
      files.push(arg);
      continue;
    }
    const names = readdirSync(arg).sort();
    const captures = names.filter((n) => CAPTURE_NAME.test(n) && isFile(join(arg, n)));
    const others = names.filter((n) => !captures.includes(n) && isFile(join(arg, n)));
    if (others.length > 0) out.skipped.push({ dir: arg, files: others });
    if (captures.length === 0) {
      out.empty.push(arg);
      continue;
    }
    if (options.merge === true) {
      files.push(...captures.map((n) => join(arg, n)));
      continue;
    }
    for (const group of rotationGroups(arg, captures)) {
      if (group.names.length > 1) out.rotated.push({ dir: arg, stem: group.stem, files: group.names.length });
      out.jobs.push(group.names.map((n) => join(arg, n)));
    }
  }
  if (files.length > 0) out.jobs.unshift(files);
  // Only a job of several files can hold one twice; a single file is not hashed.
  for (const job of out.jobs) if (job.length > 1) out.duplicates.push(...duplicatesIn(job));
  return out;
}

function isDirectory(arg: string): boolean {
  if (arg === '-') return false;
  try {
    return statSync(arg).isDirectory();
  } catch {
    return false; // reported by the reader, with the file name
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The files of a directory grouped into rotated sets: names equal once their digit runs are taken
 * out (tcpdump -C writes `x.pcap`, `x.pcap1`, `x.pcap2` …; -W pads the counter, `x.pcap00`; -G puts
 * the strftime time in the name), whose files start alike (the same pcap file header: one
 * tcpdump run). Everything else stands alone.
 */
function rotationGroups(dir: string, names: readonly string[]): { stem: string; names: string[] }[] {
  const byStem = new Map<string, string[]>();
  for (const n of names) {
    const stem = n.replace(/\.gz$/i, '').replace(/\d+/g, '*').replace(/\*$/, '');
    const group = byStem.get(stem);
    if (group === undefined) byStem.set(stem, [n]);
    else group.push(n);
  }
  const groups: { stem: string; names: string[] }[] = [];
  for (const [stem, members] of byStem) {
    const head = members.length > 1 ? fileHead(join(dir, members[0]!)) : null;
    if (head !== null && members.every((m) => fileHead(join(dir, m)) === head)) groups.push({ stem, names: members });
    else for (const m of members) groups.push({ stem: m, names: [m] });
  }
  return groups;
}

/** The first 24 bytes (a pcap file header) in hex; null when unreadable or compressed. */
function fileHead(path: string): string | null {
  if (/\.gz$/i.test(path)) return null;
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(24);
      return readSync(fd, buf, 0, 24, 0) === 24 ? buf.toString('hex') : null;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Bytes hashed to tell two names for the same capture apart from two captures of one size. */
const FINGERPRINT_BYTES = 1 << 20;

function duplicatesIn(job: readonly string[]): CaptureJobs['duplicates'] {
  const found: CaptureJobs['duplicates'] = [];
  const byKey = new Map<string, string>();
  for (const path of job) {
    if (path === '-') continue;
    let real: string;
    let key: string;
    try {
      real = realpathSync(path);
      key = fingerprint(real);
    } catch {
      continue; // unreadable: the reader says so, with the name
    }
    const byPath = byKey.get(`path:${real}`);
    const byBytes = byKey.get(key);
    if (byPath !== undefined) found.push({ first: byPath, again: path, sameBytes: false });
    else if (byBytes !== undefined) found.push({ first: byBytes, again: path, sameBytes: true });
    byKey.set(`path:${real}`, path);
    byKey.set(key, path);
  }
  return found;
}

/** Size and a hash of the first MiB and the last: equal for copies, different for two captures. */
function fingerprint(path: string): string {
  const size = statSync(path).size;
  const hash = createHash('sha1');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(FINGERPRINT_BYTES, size));
    hash.update(buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)));
    if (size > FINGERPRINT_BYTES) hash.update(buf.subarray(0, readSync(fd, buf, 0, buf.length, size - buf.length)));
  } finally {
    closeSync(fd);
  }
  return `bytes:${size}:${hash.digest('hex')}`;
}
