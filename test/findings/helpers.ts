/**
 * Shared helpers of the finding tests: analyze a capture once per test file, run the detectors, pick
 * findings by kind; write a real capture cut short (the first N records of a classic pcap) to test
 * what a capture that ends earlier shows.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/pipeline/run.js';
import { detectFindings, type Finding, type FindingKind, type FindingOptions } from '../../src/findings/index.js';
import type { Report } from '../../src/model/report.js';

export const sample = (name: string): string => `samples/${name}`;

const reports = new Map<string, Promise<Report>>();

/** The report of a capture, analysed once per process. */
export function report(path: string): Promise<Report> {
  let r = reports.get(path);
  if (r === undefined) reports.set(path, (r = analyze([path])));
  return r;
}

export async function findings(path: string, options?: FindingOptions): Promise<Finding[]> {
  const r = await report(path);
  return detectFindings(r.connections, r.capture, options);
}

export function ofKind<K extends FindingKind>(list: Finding[], kind: K): Extract<Finding, { kind: K }>[] {
  return list.filter((f): f is Extract<Finding, { kind: K }> => f.kind === kind);
}

/** Epoch seconds of the capture's first frame (to express times as tshark's frame.time_relative). */
export async function captureStart(path: string): Promise<number> {
  return Number((await report(path)).capture.firstEpoch);
}

export const close = (actual: number, expected: number, tolerance = 0.002): boolean => Math.abs(actual - expected) <= tolerance;

export function allClose(actual: readonly number[], expected: readonly number[], tolerance = 0.002): boolean {
  return actual.length === expected.length && actual.every((a, i) => close(a, expected[i]!, tolerance));
}

let tmp: string | null = null;

/** A copy of a classic pcap holding only its first `records` packets (a real capture that stopped earlier). */
export function truncatedPcap(path: string, records: number): string {
  const b = readFileSync(path);
  const magicLe = b.readUInt32LE(0);
  const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
  if (!le && b.readUInt32BE(0) !== 0xa1b2c3d4 && b.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${path}: not a classic pcap`);
  let off = 24;
  for (let k = 0; k < records && off + 16 <= b.length; k++) {
    const incl = le ? b.readUInt32LE(off + 8) : b.readUInt32BE(off + 8);
    off += 16 + incl;
  }
  tmp ??= mkdtempSync(join(tmpdir(), 'tcp-postmortem-findings-'));
  const out = join(tmp, `first-${records}-${path.replace(/[^A-Za-z0-9.-]+/g, '_')}`);
  writeFileSync(out, b.subarray(0, off));
  return out;
}

/** Every number in a JSON-bound value is finite (JSON would turn Infinity and NaN into null). */
export function nonFiniteNumbers(value: unknown, path = '$', out: string[] = []): string[] {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push(path);
  } else if (Array.isArray(value)) value.forEach((v, i) => nonFiniteNumbers(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) nonFiniteNumbers(v, `${path}.${k}`, out);
  return out;
}
