/** The summary store packs an event's kind, side and classes into one 32-bit integer, and row fields into bits (record.ts). */
import test from 'ava';
import { CLASS_COUNT } from '../../src/tcp/classes.js';
import { EVENT_KINDS } from '../../src/tcp/events.js';

test('event kinds fit 4 bits and segment classes the 27 bits above kind and side', (t) => {
  t.true(EVENT_KINDS.length <= 16, `${EVENT_KINDS.length} kinds`);
  t.true(CLASS_COUNT <= 27, `${CLASS_COUNT} classes`);
});

test('both sides\' segment-class bits fit one 32-bit row column (16 bits each), Zeek conn_state 4 bits', async (t) => {
  const { ZEEK_CONN_STATES } = await import('../../src/tcp/zeek-conn-state.js');
  t.true(CLASS_COUNT <= 16, `${CLASS_COUNT} classes`);
  t.true(ZEEK_CONN_STATES.length <= 16, `${ZEEK_CONN_STATES.length} states`);
});
