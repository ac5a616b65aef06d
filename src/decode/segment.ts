/** TCP flag bits as they sit in the header's 13th/14th bytes (RFC 9293 §3.1, RFC 3168 for ECE/CWR). */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const ACK = 0x10;
// PSH 0x08, URG 0x20, ECE 0x40, CWR 0x80 and AE 0x100 (formerly NS, RFC 9768) change no lifecycle.

/**
 * One decoded TCP segment. The Decoder owns a single instance and overwrites it for every frame, so
 * the per-packet path allocates nothing; consumers copy the few fields they keep.
 */
export class Segment {
  /** Frame number (Wireshark frame.number) and timestamp of the frame that carried it. */
  frame = 0;
  tsSec = 0;
  tsNsec = 0;
  /**
   * Numbers that are not small integers (32-bit sequence numbers above 2^31, fractional times) live
   * in typed arrays behind accessors: stored into a plain field, each would allocate a heap number on
   * every packet.
   */
  private readonly u32 = new Uint32Array(4);
  private readonly f64 = new Float64Array(1);

  /** tsSec + tsNsec/1e9, for arithmetic on intervals. */
  get time(): number {
    return this.f64[0]!;
  }

  set time(v: number) {
    this.f64[0] = v;
  }
  ipVersion: 4 | 6 = 4;
  /** Source address words [0..3] and destination [4..7]; IPv4 uses words 3 and 7 (others 0). */
  readonly addr = new Uint32Array(8);
  srcPort = 0;
  dstPort = 0;
  /** Raw 32-bit sequence and acknowledgement numbers (unsigned). */
  get seq(): number {
    return this.u32[0]!;
  }

  set seq(v: number) {
    this.u32[0] = v;
  }

  get ack(): number {
    return this.u32[1]!;
  }

  set ack(v: number) {
    this.u32[1] = v;
  }

  /** FIN … CWR and AE bits. */
  flags = 0;
  /** Window field as sent (not scaled). */
  window = 0;
  headerLength = 0;
  /** Payload length from the IP header: what the segment occupies in sequence space (less SYN/FIN). */
  payloadLength = 0;
  /** Payload bytes actually present in the capture (less than payloadLength under a small snaplen). */
  payloadCaptured = 0;
  /** Where the payload starts in `data`. */
  payloadOffset = 0;
  data: Uint8Array = new Uint8Array(0);
  /** Options; -1 where absent. */
  mss = -1;
  windowScale = -1;
  sackPermitted = false;
  hasTimestamp = false;

  get tsVal(): number {
    return this.u32[2]!;
  }

  set tsVal(v: number) {
    this.u32[2] = v;
  }

  get tsEcr(): number {
    return this.u32[3]!;
  }

  set tsEcr(v: number) {
    this.u32[3] = v;
  }

  /** SACK blocks as [left0, right0, left1, right1, …]; `sackBlocks` of them are valid. */
  readonly sack = new Uint32Array(8);
  sackBlocks = 0;
  /** The encapsulation stack the segment was found in (Decoder.encaps), 0 = none. */
  encap = 0;
  /** Outermost 802.1Q VLAN id, or -1. */
  vlan = -1;
  ipTtl = 0;
  /** IPv4 identification (0 for IPv6): tells a retransmission from a duplicate capture of one packet. */
  ipId = 0;
  /** Bytes of this frame on the wire (frame.len). */
  frameLength = 0;
  /** The 4-tuple's flow hash (flow-hash.ts), when the decoder already computed it (sharded runs). */
  flowHash = 0;
  flowHashKnown = false;
}

