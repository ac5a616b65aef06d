/**
 * Zeek's `conn_state` from the two endpoint states (the function `conn_state` of
 * scripts/base/protocols/conn/main.zeek, restated in our words; zeek.ts lists the sources).
 */
import { CLOSED, ESTABLISHED, INACTIVE, PARTIAL, RESET, SYN_ACK_SENT, SYN_SENT, type ZeekEndpoint } from './zeek-endpoint.js';

/** Every conn_state `zeekConnState` gives (Zeek's conn.log values). */
export const ZEEK_CONN_STATES = ['OTH', 'S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR'] as const;
export type ZeekConnState = (typeof ZEEK_CONN_STATES)[number];

/** The state of a connection that had packets: `o` the originator's endpoint, `r` the responder's. */
export function zeekConnState(o: ZeekEndpoint, r: ZeekEndpoint, history: string): ZeekConnState {
  const os = o.state;
  const rs = r.state;
  const oInactive = os === INACTIVE || os === PARTIAL;
  const rInactive = rs === INACTIVE || rs === PARTIAL;
  let s: ZeekConnState;
  if (rs === RESET) {
    if (os === SYN_SENT || os === SYN_ACK_SENT || (os === RESET && o.size(r) === 0 && r.size(o) === 0)) s = 'REJ';
    else s = oInactive ? 'RSTRH' : 'RSTR';
  } else if (os === RESET) {
    // Only a SYN and then a RST from the originator, nothing from the responder.
    if (rInactive) s = /^\^?S[^HAFGIQ]*R/.test(history) ? 'RSTOS0' : 'OTH';
    else s = 'RSTO';
  } else if (rs === CLOSED && os === CLOSED) s = 'SF';
  else if (os === CLOSED) s = rInactive ? 'SH' : 'S2';
  else if (rs === CLOSED) s = oInactive ? 'SHR' : 'S3';
  else if (os === SYN_SENT && rs === INACTIVE) s = 'S0';
  else if (os === ESTABLISHED && rs === ESTABLISHED) s = 'S1';
  else s = 'OTH';
  return s;
}
