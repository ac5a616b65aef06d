import test from 'ava';
import { Direction } from '../../src/tcp/direction.js';

test('Direction.reset() restores every field (pooled connections must not inherit state)', (t) => {
  const pristine = new Direction();
  const used = new Direction();
  for (const key of Object.keys(used) as (keyof Direction)[]) {
    const v = used[key];
    // Give every field a value different from its initial one.
    (used as unknown as Record<string, unknown>)[key] = typeof v === 'boolean' ? !v : typeof v === 'number' ? v + 12345 : [1, 2, 3];
  }
  used.reset();
  // The class counts are kept for reuse, zeroed: the same as none.
  t.true(used.classCounts === null || used.classCounts.every((n) => n === 0));
  t.deepEqual({ ...used, classCounts: null }, { ...pristine });
});

test('ZeekTracker.reset() makes a used tracker equal to a new one', async (t) => {
  const { ZeekTracker } = await import('../../src/tcp/zeek.js');
  const { analyze } = await import('../../src/pipeline/run.js');
  void analyze;
  const fresh = new ZeekTracker();
  const used = new ZeekTracker();
  const poke = (o: Record<string, unknown>) => {
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (typeof v === 'number') o[k] = v + 7;
      else if (typeof v === 'boolean') o[k] = !v;
      else if (typeof v === 'string') o[k] = v + 'X';
    }
  };
  const internals = (z: unknown) => z as Record<string, unknown> & { ep: Record<string, unknown>[] };
  poke(internals(used));
  for (const ep of internals(used).ep) poke(ep);
  used.reset();
  const strip = (z: unknown) => JSON.parse(JSON.stringify(z, (_k, v) => (v instanceof Float64Array ? null : v)));
  t.deepEqual(strip(used), strip(fresh));
});
