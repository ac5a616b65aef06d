import test from 'ava';
import { IntMap } from '../../src/tcp/int-map.js';

test('IntMap behaves like a Map under random inserts, updates and deletes (colliding keys included)', (t) => {
  const m = new IntMap<number>(4);
  const ref = new Map<number, number>();
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let step = 0; step < 200_000; step++) {
    // Keys from a small range, many sharing low bits, so that probe runs are long and deletes shift.
    const key = ((rnd() % 5000) * 1024) | 0;
    const op = rnd() % 3;
    if (op === 0) {
      m.set(key, step);
      ref.set(key, step);
    } else if (op === 1) {
      t.is(m.delete(key), ref.delete(key));
    } else if (m.get(key) !== ref.get(key)) {
      t.fail(`step ${step}: get(${key}) = ${m.get(key)}, expected ${ref.get(key)}`);
    }
  }
  t.is(m.size, ref.size);
  t.deepEqual([...m.values()].sort((a, b) => a - b), [...ref.values()].sort((a, b) => a - b));
  for (const [k, v] of ref) t.is(m.get(k), v);
});
