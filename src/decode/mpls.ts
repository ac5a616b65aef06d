import { Encap, type EncapStack } from './encapsulation.js';
import { DecodeStatus } from './status.js';

const LABEL_ENTRY = 4;

/**
 * Skips an MPLS label stack (RFC 3032 §2.1) at `at`: 4-byte entries up to the one with the
 * bottom-of-stack bit. What follows carries no type field; like Wireshark and Zeek, the first nibble
 * tells IPv4 (4) from IPv6 (6). Anything else (a pseudowire control word, Ethernet over MPLS) is not
 * IP. Each label is one layer of the connection's encapsulation; a stack deeper than the
 * encapsulation bound is malformed.
 */
export function skipMplsLabels(d: Uint8Array, at: number, end: number, stack: EncapStack): number {
  let p = at;
  for (;;) {
    if (end - p < LABEL_ENTRY) return -DecodeStatus.Truncated;
    const label = (d[p]! << 12) | (d[p + 1]! << 4) | (d[p + 2]! >> 4);
    const bottom = (d[p + 2]! & 1) !== 0;
    if (!stack.push(Encap.Mpls, label)) return -DecodeStatus.Malformed;
    p += LABEL_ENTRY;
    if (bottom) break;
  }
  if (p >= end) return -DecodeStatus.Truncated;
  const version = d[p]! >> 4;
  return version === 4 || version === 6 ? p : -DecodeStatus.NotIp;
}
