/** How a connection ended, as the timeline colours it. */
import type { ConnectionRecord } from '../../model/report.js';
import { hasReset } from '../../model/connection-facts.js';
import { PALETTE } from './chart.js';

export type Outcome = 'reset' | 'half-closed' | 'open' | 'client' | 'server' | 'crossed' | 'other';

export const OUTCOMES: readonly { outcome: Outcome; label: string; color: string }[] = [
  { outcome: 'client', label: 'closed by client', color: PALETTE.blue },
  { outcome: 'server', label: 'closed by server', color: PALETTE.orange },
  { outcome: 'crossed', label: 'crossed FINs', color: PALETTE.green },
  { outcome: 'reset', label: 'reset', color: PALETTE.vermillion },
  { outcome: 'half-closed', label: 'half-closed', color: PALETTE.purple },
  { outcome: 'open', label: 'still open', color: PALETTE.sky },
  { outcome: 'other', label: 'other', color: PALETTE.grey },
];

export const OUTCOME_COLOR = Object.fromEntries(OUTCOMES.map((o) => [o.outcome, o.color])) as Record<Outcome, string>;

const HALF = new Set(['CLOSE_WAIT', 'FIN_WAIT_1', 'FIN_WAIT_2', 'LAST_ACK', 'CLOSING']);

export function outcomeOf(c: ConnectionRecord): Outcome {
  if (hasReset(c)) return 'reset';
  const { client, server } = c.finalState;
  if (HALF.has(client) || HALF.has(server)) return 'half-closed';
  if (client === 'ESTABLISHED' || server === 'ESTABLISHED') return 'open';
  if (c.closedFirstBy === 'client') return 'client';
  if (c.closedFirstBy === 'server') return 'server';
  if (c.closedFirstBy === 'both') return 'crossed';
  return 'other';
}
