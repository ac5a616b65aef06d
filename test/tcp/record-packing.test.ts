/** The summary store packs an event's kind, side and classes into one 32-bit integer (record.ts). */
import test from 'ava';
import { CLASS_COUNT } from '../../src/tcp/classes.js';
import { EVENT_KINDS } from '../../src/tcp/events.js';

test('event kinds fit 4 bits and segment classes the 27 bits above kind and side', (t) => {
  t.true(EVENT_KINDS.length <= 16, `${EVENT_KINDS.length} kinds`);
  t.true(CLASS_COUNT <= 27, `${CLASS_COUNT} classes`);
});
