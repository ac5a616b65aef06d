import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** File names that look like captures when a directory is given (the format is still sniffed). */
const CAPTURE_NAME = /\.(pcap|pcapng|cap|dmp|pcap\d*\.gz|pcapng\.gz|cap\.gz)$|\.pcap\d+$/i;

/**
 * Turns the command line's capture arguments into jobs. Files named together are one capture (a
 * rotated set is merged by time); a directory stands for each capture file in it, each its own job.
 */
export function captureJobs(args: readonly string[]): string[][] {
  const jobs: string[][] = [];
  const files: string[] = [];
  for (const arg of args) {
    let isDir = false;
    if (arg !== '-') {
      try {
        isDir = statSync(arg).isDirectory();
      } catch {
        isDir = false; // reported by the reader, with the file name
      }
    }
    if (!isDir) {
      files.push(arg);
      continue;
    }
    for (const name of readdirSync(arg).sort()) {
      const path = join(arg, name);
      if (CAPTURE_NAME.test(name) && statSync(path).isFile()) jobs.push([path]);
    }
  }
  if (files.length > 0) jobs.unshift(files);
  return jobs;
}
