/**
 * Questions renderers ask of every connection (is it uneventful, was it reset, was a side left in
 * CLOSE_WAIT), answered from a summary store's row when the record is a store view: a busy
 * capture's report asks them of every connection, and the full record builds objects on access.
 */
import type { ConnectionRecord } from '../tcp/connection-record.js';
import { C_RETRANSMISSION, C_ZERO_WINDOW, C_ZERO_WINDOW_PROBE } from '../tcp/classes.js';
import { TcpState } from '../tcp/endpoint-state.js';
import { ConnectionSummary } from '../tcp/connection-summary.js';

const NOTABLE_CLASSES = C_ZERO_WINDOW | C_ZERO_WINDOW_PROBE | C_RETRANSMISSION;
const CLOSED_OR_TIME_WAIT = (1 << TcpState.Closed) | (1 << TcpState.TimeWait) | (1 << TcpState.Established) | (1 << TcpState.Unknown) |
  (1 << TcpState.SynSent) | (1 << TcpState.SynReceived);

/**
 * True when a store view shows nothing notable: no zero window, probe or retransmission, no RST,
 * both sides closed, in TIME_WAIT or still established. False means "look closer", not "notable":
 * records that are not store views always answer false.
 */
export function isUneventful(c: ConnectionRecord): boolean {
  if (!(c instanceof ConnectionSummary)) return false;
  return ((c.classBits(true) | c.classBits(false)) & NOTABLE_CLASSES) === 0 &&
    c.resetsSentBy(true) + c.resetsSentBy(false) === 0 &&
    ((1 << c.finalStateCode(true)) & CLOSED_OR_TIME_WAIT) !== 0 && ((1 << c.finalStateCode(false)) & CLOSED_OR_TIME_WAIT) !== 0;
}

export function hasReset(c: ConnectionRecord): boolean {
  if (c instanceof ConnectionSummary) return c.resetsSentBy(true) + c.resetsSentBy(false) > 0;
  return c.resets.length > 0;
}

export function leftInCloseWait(c: ConnectionRecord): boolean {
  if (c instanceof ConnectionSummary) {
    return c.finalStateCode(true) === TcpState.CloseWait || c.finalStateCode(false) === TcpState.CloseWait;
  }
  return c.finalState.client === 'CLOSE_WAIT' || c.finalState.server === 'CLOSE_WAIT';
}
