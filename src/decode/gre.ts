import { Encap, NO_ID, type EncapStack } from './encapsulation.js';
import { innerEthernet, payloadOfEthertype } from './link.js';
import type { Segment } from './segment.js';
import { DecodeStatus } from './status.js';

const GRE_CHECKSUM = 0x8000;
const GRE_ROUTING = 0x4000;
const GRE_KEY = 0x2000;
const GRE_SEQUENCE = 0x1000;
/** Enhanced GRE (RFC 2637, PPTP): acknowledgement number present. */
const GRE_ACK = 0x0080;
const GRE_BASE_HEADER = 4;
const GRE_MAX_SRES = 16;
const PROTO_ERSPAN_I_II = 0x88be;
const PROTO_ERSPAN_III = 0x22eb;
const PROTO_PPP = 0x880b;
const ERSPAN_II_HEADER = 8;
const ERSPAN_III_HEADER = 12;
const ERSPAN_III_PLATFORM_SUBHEADER = 8;
/** ERSPAN III frame type 0 = Ethernet (2 would be IP, which no switch we know sends). */
const ERSPAN_FRAME_ETHERNET = 0;
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/**
 * A GRE header at `at` (RFC 2784 with RFC 2890's key and sequence number; RFC 1701's routing field;
 * RFC 2637's enhanced GRE of PPTP), and what it carries: IP, Ethernet (transparent bridging, NVGRE),
 * ERSPAN types I–III, MPLS, or PPP. Returns the offset of the inner IP header or a negative status.
 * `wireEnd` is where the enclosing datagram ends on the wire: a header that claims to reach beyond it
 * is malformed, one cut by the snaplen truncated.
 */
export function decodeGre(d: Uint8Array, at: number, end: number, wireEnd: number, seg: Segment, stack: EncapStack, kind: Encap): number {
  if (end - at < GRE_BASE_HEADER) return wireEnd - at < GRE_BASE_HEADER ? -DecodeStatus.Malformed : -DecodeStatus.Truncated;
  const flags = (d[at]! << 8) | d[at + 1]!;
  const version = flags & 7;
  const proto = (d[at + 2]! << 8) | d[at + 3]!;
  let p = at + GRE_BASE_HEADER;
  let key = NO_ID;
  if (version === 0) {
    if ((flags & (GRE_CHECKSUM | GRE_ROUTING)) !== 0) p += 4;
    if ((flags & GRE_KEY) !== 0) {
      if (end - p < 4) return shortBy(p, 4, end, wireEnd);
      key = ((d[p]! << 24) | (d[p + 1]! << 16) | (d[p + 2]! << 8) | d[p + 3]!) >>> 0;
      p += 4;
    }
    if ((flags & GRE_SEQUENCE) !== 0) p += 4;
    if ((flags & GRE_ROUTING) !== 0) {
      // Source route entries up to the null SRE (address family 0, length 0).
      for (let n = 0; ; n++) {
        if (n >= GRE_MAX_SRES) return -DecodeStatus.Malformed;
        if (end - p < 4) return shortBy(p, 4, end, wireEnd);
        const family = (d[p]! << 8) | d[p + 1]!;
        const length = d[p + 3]!;
        p += 4 + length;
        if (family === 0 && length === 0) break;
      }
    }
  } else if (version === 1) {
    if ((flags & GRE_KEY) === 0) return -DecodeStatus.Malformed;
    if (end - p < 4) return shortBy(p, 4, end, wireEnd);
    key = (d[p + 2]! << 8) | d[p + 3]!; // the call id
    p += 4;
    if ((flags & GRE_SEQUENCE) !== 0) p += 4;
    if ((flags & GRE_ACK) !== 0) p += 4;
  } else return -DecodeStatus.Malformed;
  if (p > wireEnd) return -DecodeStatus.Malformed;
  if (p > end) return -DecodeStatus.Truncated;
  if (proto === PROTO_ERSPAN_I_II) {
    // Type I has no ERSPAN header and no sequence number; type II has both.
    if ((flags & GRE_SEQUENCE) === 0) {
      if (!stack.push(Encap.Erspan1, NO_ID)) return -DecodeStatus.Malformed;
      return innerEthernet(d, p, end, seg, stack);
    }
    if (end - p < ERSPAN_II_HEADER) return -DecodeStatus.Truncated;
    if (d[p]! >> 4 !== 1) return -DecodeStatus.Malformed;
    if (!stack.push(Encap.Erspan2, ((d[p + 2]! & 3) << 8) | d[p + 3]!)) return -DecodeStatus.Malformed;
    return innerEthernet(d, p + ERSPAN_II_HEADER, end, seg, stack);
  }
  if (proto === PROTO_ERSPAN_III) {
    if (end - p < ERSPAN_III_HEADER) return -DecodeStatus.Truncated;
    if (d[p]! >> 4 !== 2) return -DecodeStatus.Malformed;
    const frameType = (d[p + 10]! >> 2) & 0x1f;
    const platform = (d[p + 11]! & 1) !== 0;
    if (!stack.push(Encap.Erspan3, ((d[p + 2]! & 3) << 8) | d[p + 3]!)) return -DecodeStatus.Malformed;
    const inner = p + ERSPAN_III_HEADER + (platform ? ERSPAN_III_PLATFORM_SUBHEADER : 0);
    if (frameType !== ERSPAN_FRAME_ETHERNET) return -DecodeStatus.NotIp;
    return innerEthernet(d, inner, end, seg, stack);
  }
  if (!stack.push(kind, key)) return -DecodeStatus.Malformed;
  if (proto === PROTO_PPP) return pppPayload(d, p, end);
  return payloadOfEthertype(proto, p, d, end, seg, stack);
}

/** PPP in enhanced GRE (PPTP): optional address/control bytes, then a 1- or 2-byte protocol field (RFC 1661). */
function pppPayload(d: Uint8Array, at: number, end: number): number {
  let p = at;
  if (end - p >= 2 && d[p] === 0xff && d[p + 1] === 0x03) p += 2;
  if (p >= end) return -DecodeStatus.Truncated;
  let proto: number;
  if ((d[p]! & 1) === 1) proto = d[p++]!; // protocol-field compression
  else {
    if (end - p < 2) return -DecodeStatus.Truncated;
    proto = (d[p]! << 8) | d[p + 1]!;
    p += 2;
  }
  return proto === PPP_IPV4 || proto === PPP_IPV6 ? p : -DecodeStatus.NotIp;
}

/** A field of `size` bytes at `p` is missing: beyond the datagram it is malformed, beyond the snaplen truncated. */
function shortBy(p: number, size: number, end: number, wireEnd: number): number {
  return wireEnd - p < size ? -DecodeStatus.Malformed : p + size > end ? -DecodeStatus.Truncated : 0;
}
