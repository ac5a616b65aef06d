import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.js';
import {
  C_ACKED_UNSEEN, C_DUPLICATE_ACK, C_FAST_RETRANSMISSION, C_KEEP_ALIVE, C_KEEP_ALIVE_ACK, C_LOST_SEGMENT,
  C_OUT_OF_ORDER, C_RETRANSMISSION, C_SPURIOUS_RETRANSMISSION, C_WINDOW_FULL, C_WINDOW_UPDATE, C_ZERO_WINDOW,
  C_ZERO_WINDOW_PROBE, C_ZERO_WINDOW_PROBE_ACK,
} from './classes.js';
import { WS_UNKNOWN, type Direction } from './direction.js';
import { seqAdd, seqGe, seqGt, seqLe, seqLt } from './seq.js';

const SYN_FIN_RST = SYN | FIN | RST;
/** Wireshark's fast-retransmission window after the last duplicate ACK. */
const FAST_RETRANSMISSION_WINDOW = 0.02;
/** Out-of-order threshold when the initial RTT is unknown (Wireshark: 3 ms). */
const DEFAULT_OOO_THRESHOLD = 0.003;

/**
 * Classifies one segment sent by `fwd` (peer `rev`) and updates `fwd`'s bookkeeping. The rules and
 * their order follow Wireshark's tcp_analyze_sequence_number() (epan/dissectors/packet-tcp.c, 4.0),
 * which the corpus references were made with; where we deliberately differ it is said below.
 *
 * `initialRtt` is the handshake RTT in seconds (0 when unknown).
 */
export function classifySegment(seg: Segment, fwd: Direction, rev: Direction, initialRtt: number): number {
  const flags = seg.flags;
  const seq = seg.seq;
  const ack = seg.ack;
  const len = seg.payloadLength;
  const window = seg.window;
  const noSynFinRst = (flags & SYN_FIN_RST) === 0;
  let c = 0;

  analysis: {
    // 1. Zero-window probe, classic (RFC 9293 §3.8.6.1): one byte at the next sequence number into
    //    a closed window.
    if (len === 1 && fwd.nextSeqSet && seq === fwd.nextSeq && rev.windowSet && rev.window === 0) {
      c |= C_ZERO_WINDOW_PROBE;
      break analysis;
    }
    // 1b. Deliberate difference: Linux's persist timer sends a 0-byte segment at snd_una − 1
    //     (tcp_xmit_probe_skb), which Wireshark labels Keep-Alive. While the peer advertises a zero
    //     window it is a zero-window probe, and its answer a probe ACK (rule 8).
    if (len === 0 && noSynFinRst && fwd.nextSeqSet && seq === seqAdd(fwd.nextSeq, -1) && rev.windowSet && rev.window === 0) {
      c |= C_ZERO_WINDOW_PROBE;
      break analysis;
    }
    // 2. Zero window advertised.
    if (window === 0 && noSynFinRst) c |= C_ZERO_WINDOW;
    // 3. Previous segment not captured: the sequence jumps past what we saw.
    if (fwd.nextSeqSet && seqGt(seq, fwd.nextSeq) && (flags & RST) === 0) c |= C_LOST_SEGMENT;
    // 4. Keep-alive: 0 or 1 byte starting one before the next expected sequence number.
    if (len <= 1 && noSynFinRst && fwd.nextSeqSet && seq === seqAdd(fwd.nextSeq, -1)) c |= C_KEEP_ALIVE;
    const sameSeqAck = len === 0 && noSynFinRst && fwd.nextSeqSet && seq === fwd.nextSeq && fwd.lastAckSet && ack === fwd.lastAck;
    // 5. Window update: nothing new but the window.
    if (sameSeqAck && window !== 0 && fwd.windowSet && window !== fwd.window) c |= C_WINDOW_UPDATE;
    // 6. Window full: the data reaches the right edge of the window the peer advertised.
    if (len > 0 && noSynFinRst && rev.winScale !== WS_UNKNOWN && rev.lastAckSet && rev.windowSet &&
        seqAdd(seq, len) === seqAdd(rev.lastAck, rev.scaledWindow(rev.window))) {
      c |= C_WINDOW_FULL;
    }
    if (sameSeqAck && fwd.windowSet && window === fwd.window) {
      // 7. Keep-alive ACK.
      if (window !== 0 && (rev.lastClasses & C_KEEP_ALIVE) !== 0) {
        c |= C_KEEP_ALIVE_ACK;
        break analysis;
      }
      // 8. Zero-window-probe ACK.
      if (window === 0 && (rev.lastClasses & C_ZERO_WINDOW_PROBE) !== 0) {
        c |= C_ZERO_WINDOW_PROBE_ACK;
        break analysis;
      }
      // 9. Duplicate ACK.
      if (window !== 0) {
        fwd.dupAckCount++;
        c |= C_DUPLICATE_ACK;
        break analysis;
      }
    }
  }
  // An ACK that moves resets the duplicate-ACK count (Wireshark: lastnondupack).
  if (!fwd.lastAckSet || ack !== fwd.lastAck) fwd.dupAckCount = 0;

  // 10. ACKed segment that was never seen: the ACK covers more than the peer was seen to send.
  if ((flags & ACK) !== 0 && rev.maxSeqToBeAckedSet && seqGt(ack, rev.maxSeqToBeAcked)) {
    c |= C_ACKED_UNSEEN;
    rev.maxSeqToBeAcked = rev.nextSeq;
  }

  // 11. Retransmission, fast retransmission, spurious retransmission, out-of-order.
  if ((len > 0 || (flags & (SYN | FIN)) !== 0) && (c & C_KEEP_ALIVE) === 0) {
    const notAdvanced = fwd.nextSeqSet && seqLt(seq, fwd.nextSeq);
    if (notAdvanced) {
      const t = seg.time;
      if (rev.dupAckCount >= 2 && rev.lastAckSet && rev.lastAck === seq && t - rev.lastAckTime < FAST_RETRANSMISSION_WINDOW) {
        c |= C_FAST_RETRANSMISSION | C_RETRANSMISSION;
      } else {
        const threshold = initialRtt > 0 ? initialRtt : DEFAULT_OOO_THRESHOLD;
        const segEnd = seqAdd(seq, len + ((flags & (SYN | FIN)) !== 0 ? 1 : 0));
        if (t - fwd.nextSeqTime < threshold && fwd.nextSeq !== segEnd) {
          c |= C_OUT_OF_ORDER;
        } else if (len > 0 && rev.lastAckSet && seqLe(seqAdd(seq, len), rev.lastAck)) {
          c |= C_SPURIOUS_RETRANSMISSION | C_RETRANSMISSION;
        } else {
          c |= C_RETRANSMISSION;
        }
      }
    }
  }

  // 12. Bookkeeping.
  if (len > 0 || (flags & (SYN | FIN)) !== 0) {
    const next = seqAdd(seq, len + ((flags & (SYN | FIN)) !== 0 ? 1 : 0));
    if ((c & C_ZERO_WINDOW_PROBE) === 0 && (!fwd.nextSeqSet || seqGt(next, fwd.nextSeq))) {
      fwd.nextSeq = next;
      fwd.nextSeqSet = true;
      fwd.nextSeqTime = seg.time;
    }
  }
  if ((c & C_ZERO_WINDOW_PROBE) === 0 && fwd.nextSeqSet && (!fwd.maxSeqToBeAckedSet || seqGe(seq, fwd.maxSeqToBeAcked))) {
    fwd.maxSeqToBeAcked = fwd.nextSeq;
    fwd.maxSeqToBeAckedSet = true;
  }
  fwd.window = window;
  fwd.windowSet = true;
  if ((flags & ACK) !== 0) {
    fwd.lastAck = ack;
    fwd.lastAckSet = true;
    fwd.lastAckTime = seg.time;
  }
  fwd.lastClasses = c;
  return c;
}
