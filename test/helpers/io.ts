/** Small shared helpers for the capture tests: temporary files and reading every frame into copies. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptures, type FileSummary, type ReadOptions } from '../../src/capture/reader.js';
import type { Frame } from '../../src/capture/frame.js';

/** A private temporary directory, removed by `cleanup()`. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'tcp-postmortem-test-'));
  private n = 0;

  /** Writes `bytes` to a new file (the name is made unique; keep the extension meaningful). */
  write(name: string, bytes: Uint8Array): string {
    const path = join(this.path, `${++this.n}-${name}`);
    writeFileSync(path, bytes);
    return path;
  }

  /** Replaces the contents of a file made by `write`. */
  overwrite(path: string, bytes: Uint8Array): void {
    writeFileSync(path, bytes);
  }

  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** A frame copied out of the reader's reused object, with its own bytes. */
export interface CopiedFrame {
  no: number;
  fileIndex: number;
  fileFrameNo: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  interfaceId: number;
  caplen: number;
  origlen: number;
  bytes: Buffer;
}

function copyFrame(f: Frame): CopiedFrame {
  return {
    no: f.no,
    fileIndex: f.fileIndex,
    fileFrameNo: f.fileFrameNo,
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    linkType: f.linkType,
    interfaceId: f.interfaceId,
    caplen: f.caplen,
    origlen: f.origlen,
    bytes: Buffer.from(f.data.subarray(f.offset, f.offset + Math.max(0, f.caplen))),
  };
}

export async function readAll(paths: readonly string[], options: ReadOptions = {}): Promise<{ frames: CopiedFrame[]; summaries: FileSummary[] }> {
  const frames: CopiedFrame[] = [];
  const summaries = await readCaptures(paths, (f) => frames.push(copyFrame(f)), options);
  return { frames, summaries };
}

/** Resolves with how a promise settled, and how long it took, without throwing. */
export async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number }> {
  const start = performance.now();
  try {
    const value = await p;
    return { ok: true, value, ms: performance.now() - start };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - start };
  }
}

/** A seeded PRNG (mulberry32): the fuzz test must be reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
