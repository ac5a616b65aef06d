import type { Frame } from '../capture/frame.js';
import { NO_PACKET } from '../capture/frame.js';
import { decodeIpv4, decodeIpv6, ipOut } from './ip.js';
import { skipLinkHeader } from './link.js';
import { Segment } from './segment.js';
import { DecodeStatus, DECODE_STATUS_NAMES, type DecodeStatusName } from './status.js';
import { checkTcpHeader, decodeTcp } from './tcp.js';
import { flowHash, shardOfHash } from './flow-hash.js';

/**
 * Frame → TCP segment. Holds one reusable Segment and counts every outcome, so that nothing a user
 * brings is dropped without a trace (`counts`).
 */
export class Decoder {
  readonly segment = new Segment();
  readonly counts = new Float64Array(DECODE_STATUS_NAMES.length);
  /** First frame numbers of malformed/truncated frames (a few, as evidence). */
  readonly damagedFrames: number[] = [];

  /**
   * In a sharded run (analyze-shards.ts), segments of other shards' connections are recognised from
   * the addresses and ports alone and not decoded further: `foreign` says so for the last frame. The
   * status counted is the one a full decode gives (options never change it).
   */
  shard = 0;
  shards = 1;
  foreign = false;

  private isForeign(d: Uint8Array, at: number, end: number, l4Length: number, seg: Segment): boolean {
    if (checkTcpHeader(d, at, end, l4Length) !== DecodeStatus.Tcp) return false; // decodeTcp says what is wrong
    seg.srcPort = (d[at]! << 8) | d[at + 1]!;
    seg.dstPort = (d[at + 2]! << 8) | d[at + 3]!;
    const h = flowHash(seg);
    seg.flowHash = h; // the tracker reuses it
    seg.flowHashKnown = true;
    return shardOfHash(h, this.shards) !== this.shard;
  }

  decode(frame: Frame): DecodeStatus {
    const status = this.decodeInner(frame);
    this.counts[status]!++;
    if ((status === DecodeStatus.Malformed || status === DecodeStatus.Truncated) && this.damagedFrames.length < 20) {
      this.damagedFrames.push(frame.no);
    }
    return status;
  }

  countsByName(): Record<DecodeStatusName, number> {
    const out = {} as Record<DecodeStatusName, number>;
    DECODE_STATUS_NAMES.forEach((name, i) => (out[name] = this.counts[i]!));
    return out;
  }

  private decodeInner(frame: Frame): DecodeStatus {
    if (frame.linkType === NO_PACKET) return DecodeStatus.NoPacket;
    const seg = this.segment;
    const d = frame.data;
    const end = frame.offset + frame.caplen;
    seg.vlan = -1;
    const ipStart = skipLinkHeader(frame.linkType, d, frame.offset, end, seg);
    if (ipStart < 0) return -ipStart as DecodeStatus;
    if (ipStart >= end) return DecodeStatus.Truncated;
    const version = d[ipStart]! >> 4;
    let status: DecodeStatus;
    // Where the frame ended on the wire (origlen ≥ caplen): IP lengths beyond it are not believed.
    const wireEnd = frame.offset + Math.max(frame.origlen, frame.caplen);
    if (version === 4) status = decodeIpv4(d, ipStart, end, wireEnd, seg);
    else if (version === 6) status = decodeIpv6(d, ipStart, end, wireEnd, seg);
    else return DecodeStatus.NotIp;
    if (status !== DecodeStatus.Tcp) return status;
    this.foreign = false;
    seg.flowHashKnown = false;
    if (this.shards > 1 && this.isForeign(d, ipOut.l4Start, end, ipOut.l4Length, seg)) this.foreign = true;
    else {
      status = decodeTcp(d, ipOut.l4Start, end, ipOut.l4Length, seg);
      if (status !== DecodeStatus.Tcp) return status;
    }
    // (A foreign segment keeps its frame and time: the tracker's sweep clock reads them.)
    seg.frame = frame.no;
    seg.tsSec = frame.tsSec;
    seg.tsNsec = frame.tsNsec;
    seg.time = frame.tsSec + frame.tsNsec / 1e9;
    seg.frameLength = frame.origlen;
    return DecodeStatus.Tcp;
  }
}
