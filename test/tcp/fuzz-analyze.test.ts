/**
 * The whole pipeline (reader, decoder, engine, findings, endpoint view, JSON) on damaged captures:
 * a deterministic set of random byte mutations of real captures must give a report or a CaptureError —
 * never another exception, a hang, or a report that cannot be serialised.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/pipeline/run.js';
import { CaptureError } from '../../src/capture/errors.js';
import { TempDir } from '../helpers/io.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

const INPUTS = ['samples/slow-reader-zero-window.pcap', 'samples/keepalive-idle-race.pcap', 'samples/dead-peer-keepalive.pcap', 'samples/mixed.pcapng'];
const MUTATIONS = 60;

test(`${INPUTS.length * MUTATIONS} mutated captures through analyze(): a report or a CaptureError, never a crash`, async (t) => {
  let seed = 20261122;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  let reports = 0;
  let refused = 0;
  for (const input of INPUTS) {
    const original = readFileSync(input);
    for (let i = 0; i < MUTATIONS; i++) {
      const bytes = Buffer.from(original);
      const flips = 1 + Math.floor(rnd() * 40);
      for (let k = 0; k < flips; k++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      const path = tmp.write(`m${i}.pcap`, bytes);
      try {
        const report = await analyze([path]);
        JSON.stringify(report);
        reports++;
      } catch (err) {
        if (!(err instanceof CaptureError)) t.fail(`${input} mutation ${i}: ${(err as Error).stack}`);
        refused++;
      }
    }
  }
  t.log(`${reports} reports, ${refused} CaptureErrors`);
  t.is(reports + refused, INPUTS.length * MUTATIONS);
});
