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
  t.deepEqual({ ...used }, { ...pristine });
});
