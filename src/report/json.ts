import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { getSystemErrorMap } from 'node:util';
import type { Report } from '../model/report.js';

/**
 * Writes the report as one JSON document, a connection at a time, so that a capture with hundreds
 * of thousands of connections never needs its whole JSON text in memory. `-` writes to stdout.
 */
/** The report could not be written (a missing directory, no permission, a closed pipe). */
export class OutputError extends Error {
  constructor(readonly path: string, cause: unknown) {
    super(`cannot write ${path === '-' ? 'to standard output' : path}: ${systemErrorWords(cause)}`);
    this.name = 'OutputError';
  }
}

export async function writeJsonReport(report: Report, path: string): Promise<void> {
  try {
    await writeJson(report, path);
  } catch (err) {
    throw new OutputError(path, err);
  }
}

async function writeJson(report: Report, path: string): Promise<void> {
  const out: NodeJS.WritableStream = path === '-' ? process.stdout : createWriteStream(path);
  if (path !== '-') await once(out, 'open'); // an unwritable path fails here, before anything is written
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const { connections, ...head } = report;
  const headText = JSON.stringify(head, null, 1);
  // `connections` goes last (it is by far the longest part), as a proper array.
  await write(headText.slice(0, -2) + ',\n "connections": [');
  for (let i = 0; i < connections.length; i++) {
    await write((i === 0 ? '\n  ' : ',\n  ') + JSON.stringify(connections[i]));
  }
  await write('\n ]\n}\n');
  if (out !== process.stdout) {
    (out as WriteStream).end();
    await once(out, 'finish');
  }
}

/** The system's words for a failed write ("no such file or directory (ENOENT)"). */
function systemErrorWords(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const known = typeof e?.errno === 'number' ? getSystemErrorMap().get(e.errno) : undefined;
  return known !== undefined ? `${known[1]} (${known[0]})` : e?.code ?? String(err);
}
