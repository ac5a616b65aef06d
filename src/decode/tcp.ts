import type { Segment } from './segment.js';
import { DecodeStatus } from './status.js';

const TCP_MIN_HEADER = 20;
// TCP option kinds (IANA "TCP Option Kind Numbers"; RFC 9293, RFC 7323, RFC 2018).
const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;
const MAX_SACK_BLOCKS = 4;

/** Whether a TCP header at `at` can be decoded: Tcp, or why not (Truncated, Malformed). */
export function checkTcpHeader(d: Uint8Array, at: number, end: number, l4Length: number): DecodeStatus {
  if (end - at < TCP_MIN_HEADER) return DecodeStatus.Truncated;
  const headerLength = (d[at + 12]! >> 4) * 4;
  return headerLength < TCP_MIN_HEADER || headerLength > l4Length ? DecodeStatus.Malformed : DecodeStatus.Tcp;
}

/**
 * Decodes the TCP header at `at`. `l4Length` is the segment length according to IP: the payload
 * length comes from it, so a frame cut by the snaplen still advances sequence space by its real size.
 */
export function decodeTcp(d: Uint8Array, at: number, end: number, l4Length: number, seg: Segment): DecodeStatus {
  const header = checkTcpHeader(d, at, end, l4Length);
  if (header !== DecodeStatus.Tcp) return header;
  const headerLength = (d[at + 12]! >> 4) * 4;
  seg.srcPort = (d[at]! << 8) | d[at + 1]!;
  seg.dstPort = (d[at + 2]! << 8) | d[at + 3]!;
  seg.seq = ((d[at + 4]! << 24) | (d[at + 5]! << 16) | (d[at + 6]! << 8) | d[at + 7]!) >>> 0;
  seg.ack = ((d[at + 8]! << 24) | (d[at + 9]! << 16) | (d[at + 10]! << 8) | d[at + 11]!) >>> 0;
  seg.flags = ((d[at + 12]! & 0x01) << 8) | d[at + 13]!;
  seg.window = (d[at + 14]! << 8) | d[at + 15]!;
  seg.headerLength = headerLength;
  seg.payloadLength = l4Length - headerLength;
  seg.payloadOffset = at + headerLength;
  seg.payloadCaptured = Math.max(0, Math.min(end - seg.payloadOffset, seg.payloadLength));
  seg.data = d;
  seg.mss = -1;
  seg.windowScale = -1;
  seg.sackPermitted = false;
  seg.hasTimestamp = false;
  seg.sackBlocks = 0;
  // Like Wireshark, a header whose options were cut by the snaplen still counts: the fixed 20 bytes
  // carry everything the connection analysis needs; options are read as far as they were captured.
  if (headerLength > TCP_MIN_HEADER) decodeOptions(d, at + TCP_MIN_HEADER, Math.min(end, at + headerLength), seg);
  return DecodeStatus.Tcp;
}

/** Reads the options we use; a malformed option ends option parsing (the header itself stays valid). */
function decodeOptions(d: Uint8Array, p: number, end: number, seg: Segment): void {
  while (p < end) {
    const kind = d[p]!;
    if (kind === OPT_EOL) return;
    if (kind === OPT_NOP) {
      p++;
      continue;
    }
    if (p + 1 >= end) return;
    const len = d[p + 1]!;
    if (len < 2 || p + len > end) return;
    switch (kind) {
      case OPT_MSS:
        if (len === 4) seg.mss = (d[p + 2]! << 8) | d[p + 3]!;
        break;
      case OPT_WSCALE:
        if (len === 3) seg.windowScale = d[p + 2]!;
        break;
      case OPT_SACK_PERMITTED:
        seg.sackPermitted = true;
        break;
      case OPT_SACK: {
        const blocks = Math.min(MAX_SACK_BLOCKS, (len - 2) >> 3);
        for (let i = 0; i < blocks; i++) {
          const b = p + 2 + i * 8;
          seg.sack[i * 2] = ((d[b]! << 24) | (d[b + 1]! << 16) | (d[b + 2]! << 8) | d[b + 3]!) >>> 0;
          seg.sack[i * 2 + 1] = ((d[b + 4]! << 24) | (d[b + 5]! << 16) | (d[b + 6]! << 8) | d[b + 7]!) >>> 0;
        }
        seg.sackBlocks = blocks;
        break;
      }
      case OPT_TIMESTAMP:
        if (len === 10) {
          seg.hasTimestamp = true;
          seg.tsVal = ((d[p + 2]! << 24) | (d[p + 3]! << 16) | (d[p + 4]! << 8) | d[p + 5]!) >>> 0;
          seg.tsEcr = ((d[p + 6]! << 24) | (d[p + 7]! << 16) | (d[p + 8]! << 8) | d[p + 9]!) >>> 0;
        }
        break;
      default:
        break;
    }
    p += len;
  }
}
