/**
 * One side of a connection as Zeek's TCP analyzer keeps it: its endpoint state (TCP_ENDPOINT_*),
 * sequence space and the reassembler's view of what was sent, acked and missed (the sources are
 * listed in zeek.ts: [ep], [reas], [tsa]).
 */
// Endpoint states, in Zeek's order (TCP_ENDPOINT_*). [ep]
export const INACTIVE = 0;
export const SYN_SENT = 1;
export const SYN_ACK_SENT = 2;
export const PARTIAL = 3;
export const ESTABLISHED = 4;
export const CLOSED = 5;
export const RESET = 6;

export const TWO32 = 4294967296;
/** Out-of-order data blocks kept per endpoint (beyond this, the highest two are merged). */
const MAX_BLOCKS = 8;

/** One side's state as Zeek's TCP analyzer keeps it (a compact TCP_Endpoint plus its reassembler). */
export class ZeekEndpoint {
  /** Back to the initial values (pooled connections are reused; see connection.ts). */
  reset(): void {
    this.state = INACTIVE;
    this.prevState = INACTIVE;
    this.startSeq = 0;
    this.lastSeq = 0;
    this.ackSeq = 0;
    this.seqWraps = 0;
    this.ackWraps = 0;
    this.histLastSyn = 0;
    this.histLastFin = 0;
    this.histLastRst = 0;
    this.finCount = 0;
    this.finSeq = 0;
    this.rxmtCount = 0;
    this.rxmtThresh = 1;
    this.gapCount = 0;
    this.gapThresh = 1;
    this.win0Count = 0;
    this.win0Thresh = 1;
    this.reassem = 1;
    this.trim = 1;
    this.nBlocks = 0;
  }

  state = INACTIVE;
  prevState = INACTIVE;
  /** Raw 32-bit sequence numbers: start (ISN, or one before the first byte), highest seen, highest acked. */
  startSeq = 0;
  lastSeq = 0;
  ackSeq = 0;
  seqWraps = 0;
  ackWraps = 0;
  /** Relative sequence numbers of the last SYN / FIN / RST put in the history. */
  histLastSyn = 0;
  histLastFin = 0;
  histLastRst = 0;
  finCount = 0;
  /** Relative sequence number just past the FIN (negative: below the start, i.e. unusable). */
  finSeq = 0;
  // Counted letters: the letter is added when the count reaches the threshold, which then grows ×10.
  rxmtCount = 0;
  rxmtThresh = 1;
  gapCount = 0;
  gapThresh = 1;
  win0Count = 0;
  win0Thresh = 1;
  // The reassembler, in relative sequence space (first data byte = 1).
  /** Everything below this has been delivered or declared missing (last_reassem_seq). */
  reassem = 1;
  /** Acked data below this is forgotten (trim_seq). */
  trim = 1;
  /** Data above a hole: [lo, hi) pairs sorted by lo, `nBlocks` of them. */
  blocks: Float64Array | null = null;
  nBlocks = 0;

  setState(s: number): void {
    if (s === this.state) return;
    this.prevState = this.state;
    this.state = s;
  }

  /** Re-bases the sequence space on a (new) initial sequence number. [tsa init_endpoint] */
  rebase(start: number, last: number): void {
    this.startSeq = start;
    this.ackSeq = start;
    this.lastSeq = last;
  }

  updateLastSeq(seq: number): void {
    if (seq < this.lastSeq) this.seqWraps++;
    this.lastSeq = seq;
  }

  updateAckSeq(seq: number): void {
    if (seq < this.ackSeq) this.ackWraps++;
    this.ackSeq = seq;
  }

  /** How much of its data the peer has acknowledged, as a relative sequence number. */
  relAcked(): number {
    return this.ackWraps * TWO32 + this.ackSeq - this.startSeq;
  }

  /** Established, or closed after having been established (the reassembler's "clean"). [reas] */
  isClean(): boolean {
    return this.state === ESTABLISHED || (this.state === CLOSED && this.prevState === ESTABLISHED);
  }

  /** Bytes sent per sequence numbers, as in conn.log `orig_bytes`/`resp_bytes`. [ep Size] */
  size(peer: ZeekEndpoint): number {
    if (this.prevState === SYN_SENT && this.state === RESET && peer.state === INACTIVE && !this.noDataAcked()) return 0;
    const last = this.seqWraps * TWO32 + this.lastSeq;
    const ack = this.ackWraps * TWO32 + this.ackSeq;
    let size = (last > ack ? last : ack) - this.startSeq;
    if (size !== 0) size--;
    if (this.finCount > 0 && size !== 0) size--;
    return size;
  }

  private noDataAcked(): boolean {
    const ack = this.ackWraps * TWO32 + this.ackSeq;
    return ack === this.startSeq || ack === this.startSeq + 1;
  }

  /** Keeps data [lo, hi) that lies above a hole; merges overlapping or touching blocks. */
  addBlock(lo: number, hi: number): void {
    const b = (this.blocks ??= new Float64Array(2 * MAX_BLOCKS));
    let n = this.nBlocks;
    let i = 0;
    while (i < n && b[2 * i]! < lo) i++;
    // Merge with the previous block if they touch.
    if (i > 0 && b[2 * i - 1]! >= lo) {
      i--;
      if (hi > b[2 * i + 1]!) b[2 * i + 1] = hi;
    } else {
      if (n === MAX_BLOCKS) {
        // Full: fold the last block into its neighbour (loses one hole, never data).
        b[2 * n - 3] = Math.max(b[2 * n - 3]!, b[2 * n - 1]!);
        n = --this.nBlocks;
        if (i > n) i = n;
      }
      for (let j = n; j > i; j--) {
        b[2 * j] = b[2 * j - 2]!;
        b[2 * j + 1] = b[2 * j - 1]!;
      }
      b[2 * i] = lo;
      b[2 * i + 1] = hi;
      n = ++this.nBlocks;
    }
    // Swallow following blocks now covered.
    let j = i + 1;
    while (j < n && b[2 * j]! <= b[2 * i + 1]!) {
      if (b[2 * j + 1]! > b[2 * i + 1]!) b[2 * i + 1] = b[2 * j + 1]!;
      j++;
    }
    this.dropBlocks(i + 1, j);
  }

  /** Delivers buffered blocks that now start at or below the delivered edge. */
  absorb(): void {
    const b = this.blocks;
    if (b === null) return;
    let k = 0;
    while (k < this.nBlocks && b[2 * k]! <= this.reassem) {
      if (b[2 * k + 1]! > this.reassem) this.reassem = b[2 * k + 1]!;
      k++;
    }
    this.dropBlocks(0, k);
  }

  /** Forgets blocks that end at or below `seq` (acked data). */
  trimBlocks(seq: number): void {
    const b = this.blocks;
    if (b === null) return;
    let k = 0;
    while (k < this.nBlocks && b[2 * k + 1]! <= seq) k++;
    this.dropBlocks(0, k);
  }

  private dropBlocks(from: number, to: number): void {
    if (to <= from) return;
    const b = this.blocks!;
    const d = to - from;
    for (let j = to; j < this.nBlocks; j++) {
      b[2 * (j - d)] = b[2 * j]!;
      b[2 * (j - d) + 1] = b[2 * j + 1]!;
    }
    this.nBlocks -= d;
  }
}
