/**
 * `Math.min(...xs)` passes every element as an argument: V8 throws "Maximum call stack size
 * exceeded" from about 120 k elements (measured on Node 20), and detectors see one element per
 * connection — a capture of 181 k connections is ordinary. Detectors use minOf/maxOf (util.ts).
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maxOf, minOf } from '../../src/findings/util.js';

const src = join(process.cwd(), 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('no Math.min/Math.max over a spread array in the analysis code', (t) => {
  const code = (f: string): string[] => readFileSync(f, 'utf8').split('\n').filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l));
  const offenders = sources(src).filter((f) => code(f).some((l) => /Math\.(min|max)\(\.\.\./.test(l)));
  t.deepEqual(offenders.map((f) => f.slice(src.length + 1)), []);
});

test('minOf/maxOf take arrays far past the spread limit', (t) => {
  const xs = Array.from({ length: 500_000 }, (_, i) => (i * 7919) % 500_000);
  t.throws(() => Math.min(...xs), { instanceOf: RangeError });
  t.is(minOf(xs), 0);
  t.is(maxOf(xs), 499_999);
});
