import type { Segment } from './segment.js';
import { DecodeStatus } from './status.js';
import { Encap, NO_ID, type EncapStack } from './encapsulation.js';
import { skipMplsLabels } from './mpls.js';
import {
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP,
  LINKTYPE_NULL, LINKTYPE_RAW, LINKTYPE_RAW_12, LINKTYPE_RAW_14,
} from './linktypes.js';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // 802.1Q
const ETHERTYPE_QINQ = 0x88a8; // 802.1ad service tag
const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_MPLS_MULTICAST = 0x8848;
/** Transparent Ethernet bridging: an Ethernet frame follows (GRE, Geneve). */
const ETHERTYPE_TEB = 0x6558;
/** Type/length values up to 1500 are 802.3 lengths (IEEE 802.3 §3.2.6): an LLC header follows. */
const MAX_8023_LENGTH = 1500;
const LLC_SNAP_HEADER = 8;
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
export function skipLinkHeader(linkType: number, d: Uint8Array, start: number, end: number, seg: Segment, stack: EncapStack): number {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (end - start < ETHERNET_HEADER) return -DecodeStatus.Truncated;
      return skipEthertypes(d, start + 12, end, seg, stack);
    case LINKTYPE_LINUX_SLL:
      if (end - start < SLL_HEADER) return -DecodeStatus.Truncated;
      return skipEthertypes(d, start + 14, end, seg, stack);
    case LINKTYPE_LINUX_SLL2:
      if (end - start < SLL2_HEADER) return -DecodeStatus.Truncated;
      return ethertypePayload((d[start]! << 8) | d[start + 1]!, start + SLL2_HEADER, d, end, seg, stack);
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
function skipEthertypes(d: Uint8Array, at: number, end: number, seg: Segment, stack: EncapStack): number {
  if (end - at < 2) return -DecodeStatus.Truncated;
  return ethertypePayload((d[at]! << 8) | d[at + 1]!, at + 2, d, end, seg, stack);
}

/** `type` announced VLAN tags starting at `payload` (TCI, then the next type): follows them all. */
function followTags(type: number, payload: number, d: Uint8Array, end: number, seg: Segment, stack: EncapStack): number {
  let tags = 0;
  for (; isVlanTag(type); tags++) {
    if (tags >= MAX_VLAN_TAGS) return -DecodeStatus.Malformed;
    if (end - payload < VLAN_TAG) return -DecodeStatus.Truncated;
    if (tags === 0 && seg.vlan === -1) seg.vlan = ((d[payload]! << 8) | d[payload + 1]!) & 0x0fff;
    type = (d[payload + 2]! << 8) | d[payload + 3]!;
    payload += VLAN_TAG;
  }
  return ethertypePayload(type, payload, d, end, seg, stack);
}

function isVlanTag(type: number): boolean {
  return type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD;
}

/**
 * Where the IP header behind EtherType `type` starts: directly, behind an MPLS label stack, or behind
 * an 802.2 LLC/SNAP header (an 802.3 length field, ≤ 1500, stands where the EtherType would).
 */
function ethertypePayload(type: number, payload: number, d: Uint8Array, end: number, seg: Segment, stack: EncapStack): number {
  if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6) return payload;
  if (type === ETHERTYPE_MPLS || type === ETHERTYPE_MPLS_MULTICAST) return skipMplsLabels(d, payload, end, stack);
  if (type <= MAX_8023_LENGTH) {
    // 802.2 LLC: DSAP 0xAA, SSAP 0xAA, UI control 0x03 → SNAP: OUI 00-00-00 means an EtherType follows (RFC 1042).
    if (end - payload < LLC_SNAP_HEADER) return -DecodeStatus.NotIp;
    if (d[payload] !== 0xaa || d[payload + 1] !== 0xaa || d[payload + 2] !== 0x03) return -DecodeStatus.NotIp;
    if (d[payload + 3] !== 0 || d[payload + 4] !== 0 || d[payload + 5] !== 0) return -DecodeStatus.NotIp;
    if (!stack.push(Encap.LlcSnap, NO_ID)) return -DecodeStatus.Malformed;
    const inner = (d[payload + 6]! << 8) | d[payload + 7]!;
    return inner <= MAX_8023_LENGTH ? -DecodeStatus.Malformed : ethertypePayload(inner, payload + LLC_SNAP_HEADER, d, end, seg, stack);
  }
  if (isVlanTag(type)) return followTags(type, payload, d, end, seg, stack);
  return -DecodeStatus.NotIp;
}

/** An Ethernet frame inside a tunnel (VXLAN, Geneve, GRE TEB, ERSPAN) at `at`: the offset of its IP header. */
export function innerEthernet(d: Uint8Array, at: number, end: number, seg: Segment, stack: EncapStack): number {
  if (end - at < ETHERNET_HEADER) return -DecodeStatus.Truncated;
  return skipEthertypes(d, at + 12, end, seg, stack);
}

/** A payload known by EtherType (GRE's protocol type, Geneve's): the offset of its IP header. */
export function payloadOfEthertype(type: number, at: number, d: Uint8Array, end: number, seg: Segment, stack: EncapStack): number {
  if (type === ETHERTYPE_TEB) return innerEthernet(d, at, end, seg, stack);
  return ethertypePayload(type, at, d, end, seg, stack);
}
