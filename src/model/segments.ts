/**
 * Every segment of a few connections (the ones findings point at), read again from the capture for
 * the ladder and time-sequence drawings: the connection records keep only their notable events.
 */
export interface SegmentDetail {
  frame: number;
  /** Epoch seconds. */
  time: number;
  fromClient: boolean;
  /** TCP flag bits as in the header (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  flags: number;
  /** Relative to the sender's first sequence number seen (its SYN: data starts at 1, as Wireshark shows it). */
  seq: number;
  /** Relative to the peer's first sequence number; -1 without the ACK flag. */
  ack: number;
  len: number;
  /** The window in bytes (scaled by the sender's window scale outside SYNs). */
  window: number;
}

/** What the re-read found, or why there is none (standard input cannot be read twice). */
export interface SegmentDetails {
  byConnection: Map<number, SegmentDetail[]>;
  /** null when every selected connection was re-read; else the reason the drawings use the kept events. */
  unavailable: string | null;
}
