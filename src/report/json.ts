import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Report } from '../model.js';

/**
 * Writes the report as one JSON document, a connection at a time, so that a capture with hundreds
 * of thousands of connections never needs its whole JSON text in memory. `-` writes to stdout.
 */
export async function writeJsonReport(report: Report, path: string): Promise<void> {
  const out: NodeJS.WritableStream = path === '-' ? process.stdout : createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const { connections, ...head } = report;
  const headText = JSON.stringify(head, null, 1);
  // Put `connections` where the contract shows it: after `capture`, as a proper array.
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
