import { CLASS_COUNT } from './classes.js';

/** Window-scale knowledge for one direction, as Wireshark tracks it. */
export const WS_UNKNOWN = -1; // handshake not seen
export const WS_NOT_USED = -2; // a SYN lacked the option: windows are not scaled

/**
 * What one side of a connection sent, and the sequence-space bookkeeping the classification rules
 * need (Wireshark's `tcp_analyze_seq_info` equivalents). Raw 32-bit numbers, compared with seq.ts.
 */
export class Direction {
  /**
   * Back to the initial values, for a pooled connection reused on another 4-tuple (allocating two
   * fresh Directions per connection kept the young generation busy). test/tcp/direction.test.ts checks
   * that this lists every field.
   */
  reset(): void {
    this.packets = 0;
    this.payloadBytes = 0;
    this.frameBytes = 0;
    this.isn = 0;
    this.synSeen = false;
    this.base = 0;
    this.baseSet = false;
    this.nextSeq = 0;
    this.nextSeqSet = false;
    this.nextSeqTime = 0;
    this.maxSeqToBeAcked = 0;
    this.maxSeqToBeAckedSet = false;
    this.lastAck = 0;
    this.lastAckSet = false;
    this.lastAckTime = 0;
    this.window = 0;
    this.windowSet = false;
    this.winScale = WS_UNKNOWN;
    this.winMultiplier = 1;
    this.wsOption = -1;
    this.mss = -1;
    this.sackPermitted = false;
    this.timestamps = false;
    this.prevWindow = 0;
    this.windowSetBefore = false;
    this.dupAckCount = 0;
    this.lastClasses = 0;
    this.wsBase = 0;
    this.wsBaseSet = false;
    this.wsScale = WS_UNKNOWN;
    this.wsFirstAck = false;
    this.mruSynTime = 0;
    this.mruSynSet = false;
    this.firstRtt = 0;
    this.reusedPortsPending = false;
    this.classCounts?.fill(0); // kept: a pooled connection needs one again soon
    this.classUnion = 0;
    this.firstFinFrame = 0;
    this.firstFinTime = 0;
    this.finAckSeq = 0;
    this.finCount = 0;
    this.highestSeq = 0;
    this.highestSeqSet = false;
    this.seqWraps = 0;
    this.bytesAfterPeerFin = 0;
    this.lastDataSeq = 0;
    this.lastDataLen = 0;
    this.lastDataFrame = 0;
    this.lastDataTime = 0;
    this.headSeq = 0;
    this.headLen = 0;
    this.headFrame = 0;
    this.headTime = 0;
    this.originalShown = 0;
  }

  packets = 0;
  /** TCP payload bytes, retransmissions included (like tshark's tcp.len sum). */
  payloadBytes = 0;
  frameBytes = 0;

  /** ISN from this side's SYN, when seen. */
  isn = 0;
  synSeen = false;
  /** Base for relative sequence numbers: the ISN, or one less than the first sequence seen. */
  base = 0;
  baseSet = false;

  /**
   * Wireshark's nextseq: the highest seq + len (+1 for SYN/FIN) of any segment this side sent (pure
   * ACKs and RSTs included, zero-window probes excepted), and when it moved; maxSeqToBeAcked: how
   * far this side's data is contiguous. A `…Set` flag is false while the value is 0 (Wireshark's
   * "unknown"), see analysis.ts.
   */
  nextSeq = 0;
  nextSeqSet = false;
  nextSeqTime = 0;
  maxSeqToBeAcked = 0;
  maxSeqToBeAckedSet = false;

  /**
   * ACK field, raw window and time of this side's last segment (stored whatever its flags, as
   * Wireshark does); `lastAckSet` is false until then and whenever the stored ACK field is 0 (a SYN,
   * a bare RST): Wireshark's "lastack == 0", which it reads as unknown.
   */
  lastAck = 0;
  lastAckSet = false;
  lastAckTime = 0;
  window = 0;
  windowSet = false;
  /** Window scale shift for windows this side advertises (WS_UNKNOWN, WS_NOT_USED or 0–14). */
  winScale = WS_UNKNOWN;
  /** 2 ** winScale, computed once (exponentiation per packet was measurable). */
  winMultiplier = 1;

  setWinScale(shift: number): void {
    this.winScale = shift;
    // Shifts above 14 are invalid (RFC 7323 §2.3) but kept as sent; 2 ** shift is a slow call.
    this.winMultiplier = shift <= 30 ? 1 << shift : 2 ** shift;
  }
  /** The shift offered in this side's SYN (-1 when absent). */
  wsOption = -1;
  mss = -1;
  sackPermitted = false;
  timestamps = false;

  /** The raw window of this side's previous segment (before the current one), for episode edges. */
  prevWindow = 0;
  windowSetBefore = false;

  /** Wireshark's dupacknum: duplicate ACKs in a row; −1 after an ACKed-unseen mark (analysis.ts). */
  dupAckCount = 0;
  /** Classes of the last segment this side sent (the keep-alive-ACK and probe-ACK rules look back). */
  lastClasses = 0;

  /**
   * Wireshark's own view, kept by analysis.ts only: the base sequence number as Wireshark sets it
   * (first segment, or the peer's first ACK − 1; for the reused-ports rule), its window-scale state
   * (WS_UNKNOWN / WS_NOT_USED / shift, set from the SYNs as they pass), whether this side has not
   * yet sent a non-SYN ACK since its SYN (its window is then unscaled), and the connection's most
   * recent bare-SYN time and first RTT (the out-of-order threshold), mirrored on both directions.
   */
  wsBase = 0;
  wsBaseSet = false;
  wsScale = WS_UNKNOWN;
  wsFirstAck = false;
  mruSynTime = 0;
  mruSynSet = false;
  firstRtt = 0;
  /**
   * Set by the tracker on the first direction of a connection it opened because a bare SYN's
   * sequence number differed from `wsBase` of the old connection's same side (Wireshark's
   * new-conversation rule): analysis.ts then flags that SYN "reused ports".
   */
  reusedPortsPending = false;

  /**
   * Frames this side sent, per class; allocated on the first classified frame (most have none) and
   * kept, zeroed, when the connection is pooled.
   */
  classCounts: Int32Array | null = null;

  /** The union of the classes counted (which entries of classCounts are not 0). */
  classUnion = 0;

  countClasses(bits: number): void {
    this.classUnion |= bits;
    const counts = (this.classCounts ??= new Int32Array(CLASS_COUNT));
    for (let i = 0; bits !== 0; i++, bits >>>= 1) if (bits & 1) counts[i]!++;
  }

  firstFinFrame = 0;
  firstFinTime = 0;
  /** Sequence number just past this side's FIN (what an ACK of the FIN carries). */
  finAckSeq = 0;
  finCount = 0;
  /** Highest sequence sent, for counting wrap-arounds of the raw 32-bit number. */
  highestSeq = 0;
  highestSeqSet = false;
  seqWraps = 0;
  /** Payload bytes sent after the peer's FIN (half-close traffic), retransmissions excluded. */
  bytesAfterPeerFin = 0;

  /**
   * This side's latest segment of new data (raw seq, length, frame; frame 0: none yet), and the first
   * one it sent while the peer had acknowledged everything before it ("head": what an RTO resends
   * first). A retransmission names its first transmission from these (connection.ts), without a
   * list of every segment in flight; `originalShown` is the frame last named so, not named twice.
   */
  lastDataSeq = 0;
  lastDataLen = 0;
  lastDataFrame = 0;
  lastDataTime = 0;
  headSeq = 0;
  headLen = 0;
  headFrame = 0;
  headTime = 0;
  originalShown = 0;

  /** Bytes scaled by this side's window scale, or the raw value when scaling is unknown / unused. */
  scaledWindow(raw: number): number {
    return this.winScale >= 0 ? raw * this.winMultiplier : raw;
  }

  /** Data this side has sent that the peer has not yet acknowledged (from the peer's last ACK). */
  unacked(peer: Direction): number {
    if (!this.nextSeqSet || !peer.lastAckSet) return 0;
    const d = (this.nextSeq - peer.lastAck) | 0;
    return d > 0 ? d : 0;
  }
}
