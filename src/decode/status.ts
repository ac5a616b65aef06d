/** What the decoder made of a frame. Non-TCP outcomes are counted, never silently dropped. */
export const enum DecodeStatus {
  Tcp = 0,
  /** A pcapng record without a packet (custom block). */
  NoPacket = 1,
  UnsupportedLink = 2,
  /** ARP, LLDP, 802.3 frames … */
  NotIp = 3,
  /** IP carrying UDP, ICMP … (ICMP errors quoting TCP headers land here: they belong to no stream). */
  NotTcp = 4,
  /** A non-first IP fragment: its bytes belong to a TCP segment decoded from the first fragment. */
  Fragment = 5,
  /** Headers cut short by the capture's snaplen. */
  Truncated = 6,
  /** Header fields that contradict each other or the frame (bad IHL, data offset, lengths). */
  Malformed = 7,
}

export const DECODE_STATUS_NAMES = [
  'tcp', 'noPacket', 'unsupportedLink', 'notIp', 'notTcp', 'ipFragment', 'truncated', 'malformed',
] as const;

export type DecodeStatusName = (typeof DECODE_STATUS_NAMES)[number];
