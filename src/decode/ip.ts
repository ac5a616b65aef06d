import type { Segment } from './segment.js';
import { DecodeStatus } from './status.js';

export const PROTO_TCP = 6;
const IPV4_MIN_HEADER = 20;
const IPV6_HEADER = 40;
// IPv6 extension headers (RFC 8200 §4) that may stand between the fixed header and TCP.
const EXT_HOP_BY_HOP = 0;
const EXT_ROUTING = 43;
const EXT_FRAGMENT = 44;
const EXT_AUTH = 51;
const EXT_DEST_OPTS = 60;
const EXT_MOBILITY = 135;
const MAX_EXT_HEADERS = 16;

/**
 * Result slots of the IP decoders (reused: no allocation). `l4Start` is where the payload (TCP, UDP,
 * an inner IP header …) starts, `l4Length` how many bytes IP says it has, independent of snaplen.
 * `proto` is the protocol that follows (IPv6: after the extension headers). A fragment has
 * `fragOffset` > 0 or `moreFragments`; `fragId` is its datagram's identification.
 */
export const ipOut = { l4Start: 0, l4Length: 0, proto: 0, fragOffset: 0, moreFragments: false, fragId: 0 };

/**
 * Decodes an IPv4 header at `at`. Returns DecodeStatus.Tcp when the header is sound (whatever
 * protocol follows: see ipOut.proto), else why not.
 */
export function decodeIpv4(d: Uint8Array, at: number, end: number, wireEnd: number, seg: Segment): DecodeStatus {
  if (end - at < IPV4_MIN_HEADER) return DecodeStatus.Truncated;
  const ihl = (d[at]! & 0x0f) * 4;
  if (ihl < IPV4_MIN_HEADER) return DecodeStatus.Malformed;
  if (end - at < ihl) return DecodeStatus.Truncated;
  let totalLength = (d[at + 2]! << 8) | d[at + 3]!;
  // Total length 0 is what TCP segmentation offload leaves in captures taken on the sending host.
  if (totalLength === 0) totalLength = end - at;
  // A total length beyond what the frame had on the wire is taken from the frame, as Wireshark does.
  if (totalLength > wireEnd - at) totalLength = wireEnd - at;
  if (totalLength < ihl) return DecodeStatus.Malformed;
  const flagsAndOffset = (d[at + 6]! << 8) | d[at + 7]!;
  const a = seg.addr;
  a[0] = a[1] = a[2] = a[4] = a[5] = a[6] = 0;
  a[3] = ((d[at + 12]! << 24) | (d[at + 13]! << 16) | (d[at + 14]! << 8) | d[at + 15]!) >>> 0;
  a[7] = ((d[at + 16]! << 24) | (d[at + 17]! << 16) | (d[at + 18]! << 8) | d[at + 19]!) >>> 0;
  seg.ipVersion = 4;
  seg.ipTtl = d[at + 8]!;
  seg.ipId = (d[at + 4]! << 8) | d[at + 5]!;
  ipOut.l4Start = at + ihl;
  ipOut.l4Length = totalLength - ihl;
  ipOut.proto = d[at + 9]!;
  ipOut.fragOffset = (flagsAndOffset & 0x1fff) * 8;
  ipOut.moreFragments = (flagsAndOffset & 0x2000) !== 0;
  ipOut.fragId = seg.ipId;
  return DecodeStatus.Tcp;
}

/** Decodes an IPv6 header and its extension-header chain at `at`. */
export function decodeIpv6(d: Uint8Array, at: number, end: number, wireEnd: number, seg: Segment): DecodeStatus {
  if (end - at < IPV6_HEADER) return DecodeStatus.Truncated;
  let remaining = (d[at + 4]! << 8) | d[at + 5]!;
  // Payload length 0 means a jumbogram (RFC 2675) or TSO: take what was captured.
  if (remaining === 0) remaining = end - at - IPV6_HEADER;
  if (remaining > wireEnd - at - IPV6_HEADER) remaining = Math.max(0, wireEnd - at - IPV6_HEADER);
  let next = d[at + 6]!;
  let p = at + IPV6_HEADER;
  ipOut.fragOffset = 0;
  ipOut.moreFragments = false;
  ipOut.fragId = 0;
  for (let n = 0; isExtensionHeader(next); n++) {
    if (n >= MAX_EXT_HEADERS) return DecodeStatus.Malformed;
    let len: number;
    switch (next) {
      case EXT_HOP_BY_HOP:
      case EXT_ROUTING:
      case EXT_DEST_OPTS:
      case EXT_MOBILITY:
        if (end - p < 2) return DecodeStatus.Truncated;
        len = (d[p + 1]! + 1) * 8;
        break;
      case EXT_AUTH:
        if (end - p < 2) return DecodeStatus.Truncated;
        len = (d[p + 1]! + 2) * 4;
        break;
      case EXT_FRAGMENT: {
        if (end - p < 8) return DecodeStatus.Truncated;
        const offsetAndFlags = (d[p + 2]! << 8) | d[p + 3]!;
        ipOut.fragOffset = offsetAndFlags & 0xfff8;
        ipOut.moreFragments = (offsetAndFlags & 1) !== 0;
        ipOut.fragId = ((d[p + 4]! << 24) | (d[p + 5]! << 16) | (d[p + 6]! << 8) | d[p + 7]!) >>> 0;
        len = 8;
        break;
      }
      default: // unreachable: isExtensionHeader lists the cases above
        return DecodeStatus.Malformed;
    }
    next = d[p]!;
    if (len > remaining) return DecodeStatus.Malformed;
    remaining -= len;
    p += len;
  }
  const a = seg.addr;
  for (let i = 0; i < 4; i++) {
    const s = at + 8 + i * 4;
    const t = at + 24 + i * 4;
    a[i] = ((d[s]! << 24) | (d[s + 1]! << 16) | (d[s + 2]! << 8) | d[s + 3]!) >>> 0;
    a[4 + i] = ((d[t]! << 24) | (d[t + 1]! << 16) | (d[t + 2]! << 8) | d[t + 3]!) >>> 0;
  }
  seg.ipVersion = 6;
  seg.ipTtl = d[at + 7]!;
  seg.ipId = 0;
  ipOut.l4Start = p;
  ipOut.l4Length = remaining;
  ipOut.proto = next;
  return DecodeStatus.Tcp;
}

function isExtensionHeader(next: number): boolean {
  return next === EXT_HOP_BY_HOP || next === EXT_ROUTING || next === EXT_FRAGMENT || next === EXT_AUTH ||
    next === EXT_DEST_OPTS || next === EXT_MOBILITY;
}
