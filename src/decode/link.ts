import type { Segment } from './segment.js';
import { DecodeStatus } from './status.js';
import {
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP,
  LINKTYPE_NULL, LINKTYPE_RAW, LINKTYPE_RAW_12, LINKTYPE_RAW_14,
} from './linktypes.js';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // 802.1Q
const ETHERTYPE_QINQ = 0x88a8; // 802.1ad service tag
const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ
const ETHERNET_HEADER = 14;
const VLAN_TAG = 4;
const SLL_HEADER = 16;
const SLL2_HEADER = 20;
const NULL_HEADER = 4;
/** BSD address families for IP in DLT_NULL/LOOP headers: AF_INET is 2 everywhere; AF_INET6 varies. */
const AF_INET = 2;
const AF_INET6_VALUES = new Set([10, 24, 28, 30]);
/** Stacked tags beyond this are treated as damage, not as a reason to loop. */
const MAX_VLAN_TAGS = 8;

/**
 * Skips the link-layer header. Returns the offset of the IP header (its version nibble tells v4/v6)
 * or a negative DecodeStatus.
 */
export function skipLinkHeader(linkType: number, d: Uint8Array, start: number, end: number, seg: Segment): number {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (end - start < ETHERNET_HEADER) return -DecodeStatus.Truncated;
      return skipEthertypes(d, start + 12, end, seg);
    case LINKTYPE_LINUX_SLL:
      if (end - start < SLL_HEADER) return -DecodeStatus.Truncated;
      return skipEthertypes(d, start + 14, end, seg);
    case LINKTYPE_LINUX_SLL2:
      if (end - start < SLL2_HEADER) return -DecodeStatus.Truncated;
      return ethertypeToOffset((d[start]! << 8) | d[start + 1]!, start + SLL2_HEADER, d, end, seg);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (end - start < NULL_HEADER) return -DecodeStatus.Truncated;
      const be = ((d[start]! << 24) | (d[start + 1]! << 16) | (d[start + 2]! << 8) | d[start + 3]!) >>> 0;
      // DLT_NULL is in the capturing host's byte order; a value that fits in the low byte either way tells.
      const family = linkType === LINKTYPE_LOOP || be < 0x10000 ? be : d[start]! | (d[start + 1]! << 8);
      if (family === AF_INET || AF_INET6_VALUES.has(family)) return start + NULL_HEADER;
      return -DecodeStatus.NotIp;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return start;
    default:
      return -DecodeStatus.UnsupportedLink;
  }
}

/** `at` points to an EtherType field; follows 802.1Q / 802.1ad tags (QinQ) to the payload. */
function skipEthertypes(d: Uint8Array, at: number, end: number, seg: Segment, tagsSeen = 0): number {
  let type = (d[at]! << 8) | d[at + 1]!;
  let payload = at + 2;
  for (let tags = tagsSeen; type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD; tags++) {
    if (tags >= MAX_VLAN_TAGS) return -DecodeStatus.Malformed;
    if (end - payload < VLAN_TAG) return -DecodeStatus.Truncated;
    if (tags === 0) seg.vlan = ((d[payload]! << 8) | d[payload + 1]!) & 0x0fff;
    type = (d[payload + 2]! << 8) | d[payload + 3]!;
    payload += VLAN_TAG;
  }
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? payload : -DecodeStatus.NotIp;
}

/** `type` was read from a cooked header; VLAN tags, if any, start at `payload`. */
function ethertypeToOffset(type: number, payload: number, d: Uint8Array, end: number, seg: Segment): number {
  if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6) return payload;
  if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (end - payload < VLAN_TAG) return -DecodeStatus.Truncated;
    seg.vlan = ((d[payload]! << 8) | d[payload + 1]!) & 0x0fff;
    return skipEthertypes(d, payload + 2, end, seg, 1);
  }
  return -DecodeStatus.NotIp;
}
