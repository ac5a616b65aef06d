import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.js';
import {
  C_ACKED_UNSEEN, C_DUPLICATE_ACK, C_FAST_RETRANSMISSION, C_KEEP_ALIVE, C_KEEP_ALIVE_ACK, C_LOST_SEGMENT,
  C_OUT_OF_ORDER, C_RETRANSMISSION, C_REUSED_PORTS, C_SPURIOUS_RETRANSMISSION, C_WINDOW_FULL, C_WINDOW_UPDATE,
  C_ZERO_WINDOW, C_ZERO_WINDOW_PROBE, C_ZERO_WINDOW_PROBE_ACK,
} from './classes.js';
import { WS_NOT_USED, WS_UNKNOWN, type Direction } from './direction.js';
import { seqAdd, seqGt, seqLe, seqLt } from './seq.js';

const SYN_FIN = SYN | FIN;
const SYN_FIN_RST = SYN | FIN | RST;
const SYN_ACK = SYN | ACK;
/** Wireshark: a retransmission within 20 ms of the peer's latest (duplicate) ACK can be "fast". */
const FAST_RETRANSMISSION_WINDOW = 0.02;
/** Wireshark: out-of-order threshold while the connection's first RTT is unknown (3 ms). */
const DEFAULT_OOO_THRESHOLD = 0.003;
/** Largest window-scale shift (RFC 7323 §2.3); Wireshark clamps larger ones too. */
const MAX_WINDOW_SHIFT = 14;

/**
 * Classifies one segment sent by `fwd` (peer `rev`) and updates both sides' bookkeeping; returns
 * the class bits (classes.ts).
 *
 * The rules, their order and their side effects restate, in our own words, Wireshark's
 * tcp_analyze_sequence_number() and the parts of dissect_tcp() around it
 * (epan/dissectors/packet-tcp.c) as tshark 4.0.17 behaves — the version the corpus references were
 * made with. Comments marked "WS" are Wireshark rules; where 4.0.17's observable behaviour was
 * pinned down on a capture, the capture is named. The one deliberate difference is rule 1b (Linux
 * zero-window probes).
 *
 * Wireshark details that decide which frames are flagged, reproduced on purpose:
 * - it analyses raw (absolute) sequence and ACK numbers and the raw, unscaled window field;
 * - every segment, pure ACKs and RSTs included, moves "next expected sequence number" (`nextSeq`)
 *   forward to seq + len (+1 for SYN/FIN) when that is beyond it, and stores its ACK field,
 *   window and time whatever its flags;
 * - it uses the value 0 for "not known yet" in nextseq, lastack and maxseqtobeacked, so a stored
 *   raw 0 (the ACK field of a SYN or of a bare RST, or a RST sent with sequence number 0) reads
 *   back as unknown. We keep explicit `…Set` flags for those "known yet?" tests and set each to
 *   "stored value is not 0" when it is stored — the same observable behaviour (an injected RST with
 *   seq 0 in zeek-tcp-rst-inject-rae must not make the real SYN/ACK a "previous segment not
 *   captured"). Equality tests compare the raw stored values, as Wireshark does.
 *
 * `_initialRtt` (the handshake RTT as connection.ts measures it) is not used: the out-of-order
 * threshold follows Wireshark's own first-RTT rule (rule 14), which differs (most recent SYN, first
 * ACK from either side); zeek-vlan-collisions needs it.
 * Allocation-free; constant time per segment.
 */
export function classifySegment(seg: Segment, fwd: Direction, rev: Direction, _initialRtt: number): number {
  const flags = seg.flags;
  const seq = seg.seq;
  const ack = seg.ack;
  const len = seg.payloadLength;
  const window = seg.window;
  const t = seg.time;
  const noSynFinRst = (flags & SYN_FIN_RST) === 0;
  const hasAck = (flags & ACK) !== 0;
  const synFin = (flags & SYN_FIN) !== 0;
  let c = 0;

  // 0a. WS (dissect_tcp, before the analysis): a SYN/ACK whose sequence number differs from the
  //     base sequence number already known for its sender is flagged "port numbers reused"; that
  //     base becomes the new ISN and the frame stays in the same stream (zeek-tcp-rst-inject-rae
  //     frame 3).
  if ((flags & SYN_ACK) === SYN_ACK && fwd.wsBaseSet && seq !== fwd.wsBase) {
    c |= C_REUSED_PORTS;
    fwd.wsBase = seq;
  }
  //     The other half: a bare SYN whose sequence number differs from its sender's base starts a
  //     new stream, and that SYN is flagged too. The tracker decides that (with `wsBase`, see
  //     direction.ts) and marks the new connection's first direction with `reusedPortsPending`.
  if (fwd.reusedPortsPending) {
    c |= C_REUSED_PORTS;
    fwd.reusedPortsPending = false;
  }
  // 0b. WS base sequence numbers: a side's base is set once, from its first segment (the ISN of a
  //     SYN, else seq − 1), or earlier from the first segment with ACK that the peer sends (ack − 1).
  if (!fwd.wsBaseSet) {
    fwd.wsBase = (flags & SYN) !== 0 ? seq : seqAdd(seq, -1);
    fwd.wsBaseSet = true;
  }
  if (!rev.wsBaseSet && hasAck) {
    rev.wsBase = seqAdd(ack, -1);
    rev.wsBaseSet = true;
  }

  analysis: {
    // 1. WS zero-window probe: exactly one byte at the next expected sequence number while the peer
    //    advertises a zero window (RFC 9293 §3.8.6.1). Nothing else is checked for it.
    if (len === 1 && seq === fwd.nextSeq && rev.windowSet && rev.window === 0) {
      c |= C_ZERO_WINDOW_PROBE;
      break analysis;
    }
    // 1b. Deliberate difference: Linux's persist timer probes with a 0-byte segment at snd_una − 1
    //     (tcp_xmit_probe_skb), which Wireshark labels Keep-Alive (rule 4). While the peer
    //     advertises a zero window it is a zero-window probe for us, and the peer's unchanged
    //     zero-window answer a zero-window-probe ACK (rule 8). cs-tcp_zerowindowdead.
    if (len === 0 && noSynFinRst && fwd.nextSeqSet && seq === seqAdd(fwd.nextSeq, -1) && rev.windowSet && rev.window === 0) {
      c |= C_ZERO_WINDOW_PROBE;
      break analysis;
    }
    // 2. WS zero window: the window field is 0 (SYN, FIN and RST segments excepted).
    if (window === 0 && noSynFinRst) c |= C_ZERO_WINDOW;
    // 3. WS previous segment not captured: the segment starts beyond the next expected sequence
    //    number (once that is known; RSTs are not checked).
    if (fwd.nextSeqSet && seqGt(seq, fwd.nextSeq) && (flags & RST) === 0) c |= C_LOST_SEGMENT;
    // 4. WS keep-alive: 0 or 1 byte starting one before the next expected sequence number.
    if (len <= 1 && noSynFinRst && seq === seqAdd(fwd.nextSeq, -1)) c |= C_KEEP_ALIVE;

    // Rules 5 and 7–9 need "nothing new from this side": no payload, the next expected sequence
    // number, and the same ACK field as this side's previous segment.
    const sameSeqAck = len === 0 && noSynFinRst && seq === fwd.nextSeq && ack === fwd.lastAck;
    // 5. WS window update: only the (non-zero) window changed.
    if (sameSeqAck && window !== 0 && window !== fwd.window) c |= C_WINDOW_UPDATE;
    // 6. WS window full: the data ends exactly at the right edge of the window the peer advertised
    //    (its last ACK + its last window), once the peer's window scaling is known or known to be
    //    unused. The peer's window is scaled, except while its last window came from its SYN (it
    //    has sent no non-SYN ACK since: Wireshark's is_first_ack, checked with tshark 4.0.17).
    if (len > 0 && noSynFinRst && rev.wsScale !== WS_UNKNOWN && rev.windowSet) {
      const shift = rev.wsFirstAck || rev.wsScale === WS_NOT_USED ? 0 : rev.wsScale;
      // (1 << shift), not 2 ** shift: exponentiation is a slow call per data segment; shift <= 14.
      if (seqAdd(seq, len) === seqAdd(rev.lastAck, rev.window * (1 << shift))) c |= C_WINDOW_FULL;
    }
    if (sameSeqAck && window === fwd.window) {
      // 7. WS keep-alive ACK: repeats everything (non-zero window) right after a peer keep-alive.
      if (window !== 0 && (rev.lastClasses & C_KEEP_ALIVE) !== 0) {
        c |= C_KEEP_ALIVE_ACK;
        break analysis;
      }
      // 8. WS zero-window-probe ACK: repeats everything, zero window, right after a peer probe.
      if (window === 0 && (rev.lastClasses & C_ZERO_WINDOW_PROBE) !== 0) {
        c |= C_ZERO_WINDOW_PROBE_ACK;
        break analysis;
      }
      // 9. WS duplicate ACK: repeats everything with a non-zero window. The count restarts at 1
      //    after the ACKed-unseen rule (10) marked it −1.
      if (window !== 0) {
        fwd.dupAckCount = fwd.dupAckCount === -1 ? 1 : fwd.dupAckCount + 1;
        c |= C_DUPLICATE_ACK;
      }
    }
  }
  // WS: an ACK field different from this side's previous one restarts its duplicate-ACK count.
  if (ack !== fwd.lastAck) fwd.dupAckCount = 0;

  // 10. WS ACKed unseen segment: the ACK (flag set) covers more than the peer was seen to send
  //     contiguously ("max seq to be acked"). If the peer has sent more since then (past a gap),
  //     the frame is flagged and the bound jumps to the peer's next expected sequence number.
  //     Otherwise the frame is flagged only while the peer's duplicate-ACK count is 0, and that
  //     count becomes −1, so the same gap is not reported again until the peer's ACK number
  //     changes. (tshark 4.0.17 behaviour, pinned on the 17 flagged frames of the corpus:
  //     zeek-tcp-reassembly, zeek-ftp-bigtransfer, zeek-http-1000-requests, pcapparser-smtp.)
  if (hasAck && rev.maxSeqToBeAckedSet && seqGt(ack, rev.maxSeqToBeAcked)) {
    if (seqLt(rev.maxSeqToBeAcked, rev.nextSeq)) {
      rev.maxSeqToBeAcked = rev.nextSeq;
      c |= C_ACKED_UNSEEN;
    } else {
      if (rev.dupAckCount === 0) c |= C_ACKED_UNSEEN;
      rev.dupAckCount = -1;
    }
  }

  // 11. WS retransmission / fast retransmission / spurious retransmission / out-of-order, for
  //     segments that occupy sequence space (data, SYN or FIN) and are not keep-alives.
  if ((len > 0 || synFin) && (c & C_KEEP_ALIVE) === 0) {
    // WS: "not advanced" = starts before the next expected sequence number; except a segment of
    // more than one byte starting exactly one before it (data after a probe), which is new data.
    let notAdvanced = fwd.nextSeqSet && seqLt(seq, fwd.nextSeq);
    if (len > 1 && seq === seqAdd(fwd.nextSeq, -1)) notAdvanced = false;
    retransmission: {
      // 11a. WS spurious retransmission, checked first in 4.0 (cs-dns_isp_hijack frame 50: within
      //      the first RTT, yet spurious, not out-of-order): all of the data was already
      //      acknowledged by the peer. Applies whether or not the sequence number advanced.
      if (len > 0 && rev.lastAckSet && seqLe(seqAdd(seq, len), rev.lastAck)) {
        c |= C_SPURIOUS_RETRANSMISSION | C_RETRANSMISSION;
        break retransmission;
      }
      // 11b. WS fast retransmission (precedes out-of-order by default, tcp.fastrt_supersedes_ooo):
      //      the peer sent two or more duplicate ACKs for exactly this sequence number, the latest
      //      less than 20 ms ago. Wireshark's counter is unsigned, so the −1 mark of rule 10 passes
      //      the "two or more" test too (zeek-tcp-reassembly frames 8, 10, 12).
      //      (Time differences are unsigned there: a negative one, from unordered timestamps, is
      //      never "less than".)
      const sinceAck = t - rev.lastAckTime;
      if (notAdvanced && (rev.dupAckCount >= 2 || rev.dupAckCount === -1) && rev.lastAck === seq &&
          sinceAck >= 0 && sinceAck < FAST_RETRANSMISSION_WINDOW) {
        c |= C_FAST_RETRANSMISSION | C_RETRANSMISSION;
        break retransmission;
      }
      // 11c. WS out-of-order: less than the first RTT (3 ms when unknown) after the segment that
      //      last advanced the next expected sequence number, and not ending exactly there.
      //      (Unsigned there too: a negative first RTT is a huge threshold.)
      const threshold = fwd.firstRtt === 0 ? DEFAULT_OOO_THRESHOLD : fwd.firstRtt < 0 ? Infinity : fwd.firstRtt;
      const sinceNext = t - fwd.nextSeqTime;
      if (notAdvanced && sinceNext >= 0 && sinceNext < threshold && fwd.nextSeq !== seqAdd(seq, len + (synFin ? 1 : 0))) {
        c |= C_OUT_OF_ORDER;
        break retransmission;
      }
      // 11d. WS: anything else that did not advance is a plain retransmission.
      if (notAdvanced) c |= C_RETRANSMISSION;
    }
  }

  // 12. WS bookkeeping. The next expected sequence number only moves forward, by any segment
  //     (pure ACKs and RSTs included), but not by a zero-window probe; the contiguous bound
  //     "max seq to be acked" follows it when this segment starts right at that bound.
  const isProbe = (c & C_ZERO_WINDOW_PROBE) !== 0;
  if (!isProbe) {
    const next = seqAdd(seq, len + (synFin ? 1 : 0));
    if (!fwd.nextSeqSet || seqGt(next, fwd.nextSeq)) {
      fwd.nextSeq = next;
      fwd.nextSeqSet = next !== 0;
      fwd.nextSeqTime = t;
    }
    if (!fwd.maxSeqToBeAckedSet || seq === fwd.maxSeqToBeAcked) {
      fwd.maxSeqToBeAcked = fwd.nextSeq;
      fwd.maxSeqToBeAckedSet = fwd.nextSeqSet;
    }
  }
  fwd.window = window;
  fwd.windowSet = true;
  fwd.lastAck = ack;
  fwd.lastAckSet = ack !== 0;
  fwd.lastAckTime = t;
  fwd.lastClasses = c;

  // 13. WS window scaling, from the options after the analysis: the option (on any segment) sets
  //     its sender's shift; a SYN without it means no scaling either way; a SYN/ACK with it after a
  //     SYN without it does not scale either. A SYN's own window is never scaled; its sender's
  //     first non-SYN ACK ends that (rule 6).
  if (seg.windowScale >= 0) fwd.wsScale = Math.min(seg.windowScale, MAX_WINDOW_SHIFT);
  if ((flags & SYN) !== 0) {
    if (fwd.wsScale === WS_UNKNOWN) {
      fwd.wsScale = WS_NOT_USED;
      rev.wsScale = WS_NOT_USED;
    } else if (hasAck && rev.wsScale === WS_NOT_USED) {
      fwd.wsScale = WS_NOT_USED;
    }
    fwd.wsFirstAck = true;
  } else if (hasAck) {
    fwd.wsFirstAck = false;
  }

  // 14. WS first RTT (the out-of-order threshold): from the most recent bare SYN to the first
  //     segment with ACK and without SYN, from either side, taken after that segment's own
  //     analysis. Per connection: kept identical on both directions.
  if ((flags & SYN_ACK) === SYN) {
    fwd.mruSynTime = rev.mruSynTime = t;
    fwd.mruSynSet = rev.mruSynSet = true;
  } else if (hasAck && (flags & SYN) === 0 && fwd.mruSynSet && fwd.firstRtt === 0) {
    fwd.firstRtt = rev.firstRtt = t - fwd.mruSynTime;
  }
  return c;
}
