import type { Frame } from '../capture/frame.js';
import { NO_PACKET } from '../capture/frame.js';
import { decodeIpv4, decodeIpv6, ipOut, PROTO_TCP } from './ip.js';
import { Encap, EncapStack, EncapTable, NO_ID, type EncapName } from './encapsulation.js';
import { FragmentReassembler, type FragmentCounts } from './ip-fragments.js';
import { decodeGre } from './gre.js';
import { udpPortTable, type TunnelOptions, type UdpPortTable } from './tunnel-ports.js';
import { decodeUdpTunnel, looksLikeTeredo } from './udp-tunnels.js';
import { skipLinkHeader } from './link.js';
import { Segment } from './segment.js';
import { DecodeStatus, DECODE_STATUS_NAMES, type DecodeStatusName } from './status.js';
import { checkTcpHeader, decodeTcp } from './tcp.js';
import { flowHash, shardOfHash } from './flow-hash.js';

/** The capture's encapsulations (JSON `capture.encapsulation`, `info`'s too). */
export interface EncapsulationSummary {
  /** Frames whose TCP segment was found inside each kind of encapsulation. */
  frames: Partial<Record<EncapName, number>>;
  ipFragments: FragmentCounts;
  /** Frames nested deeper than the bound (counted as malformed). */
  tooDeep: number;
}

const PROTO_IPIP = 4;
const PROTO_IPV6 = 41;
const PROTO_GRE = 47;
const PROTO_UDP = 17;
const UDP_HEADER = 8;

/**
 * Frame → TCP segment, through any stack of tunnels and overlays (see encapsulation.ts): the segment
 * is the innermost TCP one, its addresses the innermost IP header's. Holds one reusable Segment and counts every outcome, so that nothing a user
 * brings is dropped without a trace (`counts`).
 */
export class Decoder {
  readonly segment = new Segment();
  readonly counts = new Float64Array(DECODE_STATUS_NAMES.length);
  /** First frame numbers of malformed/truncated frames (a few, as evidence). */
  readonly damagedFrames: number[] = [];
  /** Distinct encapsulation stacks and the frames per kind (segment.encap indexes it). */
  readonly encaps = new EncapTable();
  /** Frames nested deeper than MAX_ENCAP_DEPTH (counted as malformed too). */
  encapsTooDeep = 0;
  readonly fragments = new FragmentReassembler();
  private readonly stack = new EncapStack();
  private readonly udpPorts: UdpPortTable;
  private readonly teredoHeuristic: boolean;

  constructor(options: TunnelOptions = {}) {
    this.udpPorts = udpPortTable(options);
    this.teredoHeuristic = options.teredoHeuristic ?? true;
  }

  /**
   * In a sharded run (pipeline/shards.ts), segments of other shards' connections are recognised from
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
    if (this.stack.overflowed) this.encapsTooDeep++;
    if ((status === DecodeStatus.Malformed || status === DecodeStatus.Truncated) && this.damagedFrames.length < 20) {
      this.damagedFrames.push(frame.no);
    }
    return status;
  }

  /** What was unwrapped: frames per encapsulation kind, IP fragment reassembly, frames nested too deep. */
  encapsulation(): EncapsulationSummary {
    this.fragments.finish();
    return { frames: this.encaps.countsByName(), ipFragments: { ...this.fragments.counts }, tooDeep: this.encapsTooDeep };
  }

  countsByName(): Record<DecodeStatusName, number> {
    const out = {} as Record<DecodeStatusName, number>;
    DECODE_STATUS_NAMES.forEach((name, i) => (out[name] = this.counts[i]!));
    return out;
  }

  private decodeInner(frame: Frame): DecodeStatus {
    if (frame.linkType === NO_PACKET) return DecodeStatus.NoPacket;
    const seg = this.segment;
    const stack = this.stack;
    stack.depth = 0;
    stack.overflowed = false;
    seg.encap = 0;
    let d = frame.data;
    let end = frame.offset + frame.caplen;
    seg.vlan = -1;
    let ipStart = skipLinkHeader(frame.linkType, d, frame.offset, end, seg, stack);
    // Where the frame ended on the wire (origlen ≥ caplen): IP lengths beyond it are not believed.
    let wireEnd = frame.offset + Math.max(frame.origlen, frame.caplen);
    let status: DecodeStatus;
    let l4Start = 0;
    let l4Length = 0;
    // One IP header per round: a tunnel's payload starts the next round with the inner header.
    for (;;) {
      if (ipStart < 0) return -ipStart as DecodeStatus;
      if (ipStart >= end) return DecodeStatus.Truncated;
      const version = d[ipStart]! >> 4;
      if (version === 4) status = decodeIpv4(d, ipStart, end, wireEnd, seg);
      else if (version === 6) status = decodeIpv6(d, ipStart, end, wireEnd, seg);
      else return stack.depth === 0 ? DecodeStatus.NotIp : DecodeStatus.Malformed;
      if (status !== DecodeStatus.Tcp) return status;
      l4Start = ipOut.l4Start;
      l4Length = ipOut.l4Length;
      if (ipOut.fragOffset !== 0 || ipOut.moreFragments) {
        const whole = this.fragments.add(this.fragmentKey(seg, stack.depth), frame.tsSec + frame.tsNsec / 1e9, frame.no, ipOut.fragOffset,
          ipOut.moreFragments, d, l4Start, l4Length, Math.max(0, Math.min(end - l4Start, l4Length)));
        if (whole === null) return DecodeStatus.Fragment;
        d = whole;
        l4Start = 0;
        l4Length = whole.length;
        end = wireEnd = whole.length;
      }
      const proto = ipOut.proto;
      if (proto === PROTO_TCP) break;
      // The enclosing datagram bounds everything inside it (Ethernet padding is not payload).
      const l4WireEnd = l4Start + l4Length;
      const l4End = Math.min(end, l4WireEnd);
      let kind: Encap;
      let innerEnd = l4End;
      let innerWireEnd = l4WireEnd;
      if (proto === PROTO_IPIP || proto === PROTO_IPV6) {
        const innerVersion = l4Start < l4End ? d[l4Start]! >> 4 : 0;
        kind = seg.ipVersion === 4 ? (proto === PROTO_IPIP ? Encap.IpInIp : Encap.Ipv6InIp) : (proto === PROTO_IPIP ? Encap.Ipv4InIpv6 : Encap.Ipv6InIpv6);
        if (!stack.push(kind, NO_ID)) return DecodeStatus.Malformed;
        if (l4Start < l4End && innerVersion !== (proto === PROTO_IPIP ? 4 : 6)) return DecodeStatus.Malformed;
        ipStart = l4Start;
      } else if (proto === PROTO_GRE) {
        ipStart = decodeGre(d, l4Start, l4End, l4WireEnd, seg, stack, Encap.Gre);
      } else if (proto === PROTO_UDP) {
        if (l4End - l4Start < UDP_HEADER) return l4WireEnd - l4Start < UDP_HEADER ? DecodeStatus.Malformed : DecodeStatus.Truncated;
        const srcPort = (d[l4Start]! << 8) | d[l4Start + 1]!;
        const dstPort = (d[l4Start + 2]! << 8) | d[l4Start + 3]!;
        const udpLength = (d[l4Start + 4]! << 8) | d[l4Start + 5]!;
        // A UDP length beyond IP's is not believed (as Wireshark); 0 is a jumbogram's or TSO's.
        const udpWireEnd = udpLength >= UDP_HEADER && udpLength <= l4Length ? l4Start + udpLength : l4WireEnd;
        const payload = l4Start + UDP_HEADER;
        const payloadEnd = Math.min(l4End, udpWireEnd);
        const code = this.udpPorts[dstPort]! || this.udpPorts[srcPort]!;
        if (code !== 0) kind = (code - 1) as Encap;
        else if (this.teredoHeuristic && looksLikeTeredo(d, payload, payloadEnd, udpWireEnd)) kind = Encap.Teredo;
        else return DecodeStatus.NotTcp;
        ipStart = decodeUdpTunnel(kind, d, payload, payloadEnd, udpWireEnd, seg, stack);
        innerEnd = payloadEnd;
        innerWireEnd = udpWireEnd;
        // A datagram on an overlay port that is not one (DNS answering from port 4789 …) is just UDP.
        if (ipStart === -DecodeStatus.NotTcp) return DecodeStatus.NotTcp;
      } else return DecodeStatus.NotTcp;
      end = innerEnd;
      wireEnd = innerWireEnd;
    }
    this.foreign = false;
    seg.flowHashKnown = false;
    if (this.shards > 1 && this.isForeign(d, l4Start, end, l4Length, seg)) this.foreign = true;
    else {
      status = decodeTcp(d, l4Start, end, l4Length, seg);
      if (status !== DecodeStatus.Tcp) return status;
    }
    if (stack.depth > 0) {
      seg.encap = this.encaps.intern(stack);
      this.encaps.count(stack);
    }
    // (A foreign segment keeps its frame and time: the tracker's sweep clock reads them.)
    seg.frame = frame.no;
    seg.tsSec = frame.tsSec;
    seg.tsNsec = frame.tsNsec;
    seg.time = frame.tsSec + frame.tsNsec / 1e9;
    seg.frameLength = frame.origlen;
    return DecodeStatus.Tcp;
  }

  /** A fragment's datagram: addresses, identification, protocol, and how deep in tunnels it sits. */
  private fragmentKey(seg: Segment, depth: number): string {
    const a = seg.addr;
    return `${seg.ipVersion}|${depth}|${ipOut.proto}|${ipOut.fragId}|${a[0]},${a[1]},${a[2]},${a[3]}|${a[4]},${a[5]},${a[6]},${a[7]}`;
  }
}
