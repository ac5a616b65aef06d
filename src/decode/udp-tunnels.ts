import { Encap, NO_ID, type EncapStack } from './encapsulation.js';
import { decodeGre } from './gre.js';
import { innerEthernet, payloadOfEthertype } from './link.js';
import { skipMplsLabels } from './mpls.js';
import type { Segment } from './segment.js';
import { DecodeStatus } from './status.js';

const VXLAN_HEADER = 8;
const GENEVE_HEADER = 8;
const GTP_HEADER = 8;
const GTP_OPTIONAL = 4;
const GTP_G_PDU = 0xff;
const GTP_MAX_EXTENSIONS = 16;
const IPV6_HEADER = 40;
const TEREDO_AUTH_FIXED = 13; // indicator 2, id-len 1, au-len 1, nonce 8, confirmation 1
const TEREDO_ORIGIN = 8;
const AYIYA_FIXED = 8;
const PROTO_IPV4 = 4;
const PROTO_IPV6 = 41;

/**
 * The payload of a UDP datagram known (by port) to carry overlay `kind`, from `at` to `end` (captured)
 * or `wireEnd` (on the wire): the offset of the inner IP header, or a negative status. Header layouts:
 * VXLAN RFC 7348 §5, Geneve RFC 8926 §3.4, GTP-U 3GPP TS 29.281 §5, Teredo RFC 4380 §5.1.1, AYIYA
 * draft-massar-v6ops-ayiya §5, GRE-in-UDP RFC 8086, MPLS-in-UDP RFC 7510.
 */
export function decodeUdpTunnel(kind: Encap, d: Uint8Array, at: number, end: number, wireEnd: number, seg: Segment, stack: EncapStack): number {
  switch (kind) {
    case Encap.Vxlan: {
      const cut = headerCut(at + VXLAN_HEADER, end, wireEnd);
      if (cut !== 0) return cut;
      if (!stack.push(Encap.Vxlan, (d[at + 4]! << 16) | (d[at + 5]! << 8) | d[at + 6]!)) return -DecodeStatus.Malformed;
      return innerEthernet(d, at + VXLAN_HEADER, end, seg, stack);
    }
    case Encap.Geneve: {
      let cut = headerCut(at + GENEVE_HEADER, end, wireEnd);
      if (cut !== 0) return cut;
      if (d[at]! >> 6 !== 0) return -DecodeStatus.Malformed; // only version 0 is defined
      const options = (d[at]! & 0x3f) * 4;
      cut = headerCut(at + GENEVE_HEADER + options, end, wireEnd);
      if (cut !== 0) return cut;
      if (!stack.push(Encap.Geneve, (d[at + 4]! << 16) | (d[at + 5]! << 8) | d[at + 6]!)) return -DecodeStatus.Malformed;
      return payloadOfEthertype((d[at + 2]! << 8) | d[at + 3]!, at + GENEVE_HEADER + options, d, end, seg, stack);
    }
    case Encap.GtpU:
      return decodeGtpU(d, at, end, wireEnd, stack);
    case Encap.Teredo:
      return decodeTeredo(d, at, end, wireEnd, stack);
    case Encap.Ayiya:
      return decodeAyiya(d, at, end, wireEnd, stack);
    case Encap.GreInUdp:
      return decodeGre(d, at, end, wireEnd, seg, stack, Encap.GreInUdp);
    case Encap.MplsInUdp:
      return skipMplsLabels(d, at, end, stack);
    default:
      return -DecodeStatus.NotTcp;
  }
}

/** 0 when a header ending at `headerEnd` was captured; else malformed (beyond the datagram) or truncated (beyond the snaplen). */
function headerCut(headerEnd: number, end: number, wireEnd: number): number {
  if (headerEnd > wireEnd) return -DecodeStatus.Malformed;
  if (headerEnd > end) return -DecodeStatus.Truncated;
  return 0;
}

function decodeGtpU(d: Uint8Array, at: number, end: number, wireEnd: number, stack: EncapStack): number {
  let cut = headerCut(at + GTP_HEADER, end, wireEnd);
  if (cut !== 0) return cut;
  const flags = d[at]!;
  // Version 1 with protocol type GTP (not GTP'); only G-PDUs carry user traffic (echo, error indication do not).
  if (flags >> 5 !== 1 || (flags & 0x10) === 0) return -DecodeStatus.Malformed;
  if (d[at + 1] !== GTP_G_PDU) return -DecodeStatus.NotTcp;
  const teid = ((d[at + 4]! << 24) | (d[at + 5]! << 16) | (d[at + 6]! << 8) | d[at + 7]!) >>> 0;
  let p = at + GTP_HEADER;
  if ((flags & 0x07) !== 0) {
    cut = headerCut(p + GTP_OPTIONAL, end, wireEnd);
    if (cut !== 0) return cut;
    let next = (flags & 0x04) !== 0 ? d[p + 3]! : 0;
    p += GTP_OPTIONAL;
    // Extension headers: a length in 4-byte units (counting itself) and, last, the next type.
    for (let n = 0; next !== 0; n++) {
      if (n >= GTP_MAX_EXTENSIONS) return -DecodeStatus.Malformed;
      if (p >= end) return p >= wireEnd ? -DecodeStatus.Malformed : -DecodeStatus.Truncated;
      const length = d[p]! * 4;
      if (length === 0) return -DecodeStatus.Malformed;
      cut = headerCut(p + length, end, wireEnd);
      if (cut !== 0) return cut;
      next = d[p + length - 1]!;
      p += length;
    }
  }
  if (!stack.push(Encap.GtpU, teid)) return -DecodeStatus.Malformed;
  if (p >= end) return p >= wireEnd ? -DecodeStatus.NotIp : -DecodeStatus.Truncated;
  const version = d[p]! >> 4;
  return version === 4 || version === 6 ? p : -DecodeStatus.NotIp;
}

/** Where the IPv6 packet of a Teredo datagram starts, past its indicators; -1 if it does not parse as one. */
function teredoPayload(d: Uint8Array, at: number, end: number): number {
  let p = at;
  if (end - p >= 4 && d[p] === 0x00 && d[p + 1] === 0x01) {
    const size = TEREDO_AUTH_FIXED + d[p + 2]! + d[p + 3]!;
    if (end - p < size) return -1;
    p += size;
  }
  if (end - p >= 2 && d[p] === 0x00 && d[p + 1] === 0x00) {
    if (end - p < TEREDO_ORIGIN) return -1;
    p += TEREDO_ORIGIN;
  }
  return end - p >= IPV6_HEADER && d[p]! >> 4 === 6 ? p : -1;
}

/**
 * Zeek's rule for Teredo on any port: the datagram is exactly one IPv6 packet behind the optional
 * indicators (its payload length accounts for every remaining byte). Needs the whole datagram captured.
 */
export function looksLikeTeredo(d: Uint8Array, at: number, end: number, wireEnd: number): boolean {
  if (end !== wireEnd) return false;
  const p = teredoPayload(d, at, end);
  if (p < 0) return false;
  return ((d[p + 4]! << 8) | d[p + 5]!) + IPV6_HEADER === end - p;
}

function decodeTeredo(d: Uint8Array, at: number, end: number, wireEnd: number, stack: EncapStack): number {
  const p = teredoPayload(d, at, end);
  if (p < 0) return end < wireEnd ? -DecodeStatus.Truncated : -DecodeStatus.NotTcp;
  if (!stack.push(Encap.Teredo, NO_ID)) return -DecodeStatus.Malformed;
  return p;
}

function decodeAyiya(d: Uint8Array, at: number, end: number, wireEnd: number, stack: EncapStack): number {
  let cut = headerCut(at + AYIYA_FIXED, end, wireEnd);
  if (cut !== 0) return cut;
  const identity = 1 << (d[at]! >> 4);
  const signature = (d[at + 1]! >> 4) * 4;
  const next = d[at + 3]!;
  const p = at + AYIYA_FIXED + identity + signature;
  cut = headerCut(p, end, wireEnd);
  if (cut !== 0) return cut;
  if (next !== PROTO_IPV6 && next !== PROTO_IPV4) return -DecodeStatus.NotTcp; // heartbeats, queries
  if (!stack.push(Encap.Ayiya, NO_ID)) return -DecodeStatus.Malformed;
  if (p >= end) return -DecodeStatus.Truncated;
  return p;
}
