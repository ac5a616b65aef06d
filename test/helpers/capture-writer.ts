/**
 * Test-only capture writer: builds classic pcap and pcapng files, link-layer headers, IPv4/IPv6 (with
 * options, extension headers, fragments) and TCP headers (with options) in memory, so the reader and
 * decoder can be round-tripped on exactly known bytes. Everything is written field by field after the
 * specifications, independently of src/:
 *   pcap:   https://www.tcpdump.org/manpages/pcap-savefile.5.txt, draft-ietf-opsawg-pcap
 *   pcapng: draft-ietf-opsawg-pcapng
 *   links:  https://www.tcpdump.org/linktypes.html (+ LINKTYPE_LINUX_SLL / _SLL2 pages)
 *   IP/TCP: RFC 791, RFC 8200, RFC 9293, RFC 7323, RFC 2018
 * It also writes deliberately broken files (length overrides, wrong trailers) for the bad-input tests.
 */

export type ByteOrder = 'little' | 'big';

// ---------------------------------------------------------------------------------------------
// Byte helpers

export function concat(...parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}

function u8(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}

export function u16(v: number, order: ByteOrder = 'big'): Buffer {
  const b = Buffer.alloc(2);
  if (order === 'little') b.writeUInt16LE(v & 0xffff);
  else b.writeUInt16BE(v & 0xffff);
  return b;
}

export function u32(v: number, order: ByteOrder = 'big'): Buffer {
  const b = Buffer.alloc(4);
  if (order === 'little') b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

function u64(v: bigint, order: ByteOrder): Buffer {
  const b = Buffer.alloc(8);
  if (order === 'little') b.writeBigUInt64LE(BigInt.asUintN(64, v));
  else b.writeBigUInt64BE(BigInt.asUintN(64, v));
  return b;
}

function pad4(b: Uint8Array): Buffer {
  const rest = (4 - (b.length % 4)) % 4;
  return concat(b, Buffer.alloc(rest));
}

/** Deterministic filler bytes (so payloads are recognisable and differ between packets). */
export function pattern(length: number, seed = 0): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 7 + 11) & 0xff;
  return b;
}

// ---------------------------------------------------------------------------------------------
// Classic pcap

export const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;

export interface PcapRecord {
  tsSec: number;
  /** Microseconds (µs file) or nanoseconds (ns file) field, written as is. */
  tsFrac: number;
  data: Uint8Array;
  /** Original length; defaults to data.length. */
  origlen?: number;
  /** Captured-length field override (the data written is still `data`): for damaged files. */
  caplenField?: number;
}

export interface PcapOptions {
  byteOrder?: ByteOrder;
  nanos?: boolean;
  linkType: number;
  snaplen?: number;
  versionMajor?: number;
  versionMinor?: number;
  /** Raw magic override (for bad-magic tests). */
  magic?: number;
  records: PcapRecord[];
}

function pcapHeader(o: Omit<PcapOptions, 'records'>): Buffer {
  const order = o.byteOrder ?? 'little';
  return concat(
    u32(o.magic ?? (o.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US), order),
    u16(o.versionMajor ?? 2, order),
    u16(o.versionMinor ?? 4, order),
    u32(0, order), // thiszone
    u32(0, order), // sigfigs
    u32(o.snaplen ?? 262144, order),
    u32(o.linkType, order),
  );
}

export function pcapRecord(r: PcapRecord, order: ByteOrder = 'little'): Buffer {
  return concat(
    u32(r.tsSec, order),
    u32(r.tsFrac, order),
    u32(r.caplenField ?? r.data.length, order),
    u32(r.origlen ?? r.data.length, order),
    r.data,
  );
}

export function pcapFile(o: PcapOptions): Buffer {
  const order = o.byteOrder ?? 'little';
  return concat(pcapHeader(o), ...o.records.map((r) => pcapRecord(r, order)));
}

// ---------------------------------------------------------------------------------------------
// pcapng

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_OPB = 0x00000002;
export const BT_SPB = 0x00000003;
const BT_NRB = 0x00000004;
const BT_ISB = 0x00000005;
export const BT_EPB = 0x00000006;
const BT_CUSTOM = 0x00000bad;
const BT_CUSTOM_NOCOPY = 0x40000bad;

export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

export interface InterfaceOptions {
  snaplen?: number;
  name?: string;
  /** if_tsresol byte: 6 = µs (default), 9 = ns, 0x80 | k = 2^-k. */
  tsresol?: number;
  /** if_tsoffset in seconds (signed 64-bit). */
  tsoffset?: bigint;
  extraOptions?: PcapngOption[];
}

export interface BlockOverrides {
  /** Leading total-length field instead of the real one. */
  length?: number;
  /** Trailing total-length field instead of the real one. */
  trailer?: number;
}

interface Section {
  order: ByteOrder;
  /** if_tsresol per local interface, to turn times into ticks. */
  resolutions: number[];
  tsoffsets: bigint[];
}

/** Ticks per second of an if_tsresol byte. */
function ticksPerSecond(tsresol: number): bigint {
  return tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
}

/**
 * Builds a pcapng file block by block. Every block is written in the byte order of the section it is
 * in; interface ids given to packet blocks are local to the current section (as in the format).
 */
export class PcapngBuilder {
  private readonly parts: Buffer[] = [];
  private section: Section | null = null;

  /** Section Header Block. */
  shb(order: ByteOrder = 'little', o: { major?: number; minor?: number; bom?: number; options?: PcapngOption[] } & BlockOverrides = {}): this {
    this.section = { order, resolutions: [], tsoffsets: [] };
    const body = concat(
      u32(o.bom ?? 0x1a2b3c4d, order),
      u16(o.major ?? 1, order),
      u16(o.minor ?? 0, order),
      u64(-1n, order), // section length: not specified
      this.options(o.options ?? [], order),
    );
    return this.raw(BT_SHB, body, o);
  }

  /** Interface Description Block; returns the builder (the interface's local id is its IDB index in the section). */
  idb(linkType: number, o: InterfaceOptions & BlockOverrides = {}): this {
    const order = this.order();
    const opts: PcapngOption[] = [];
    if (o.name !== undefined) opts.push({ code: 2, value: Buffer.from(o.name, 'utf8') });
    if (o.tsresol !== undefined) opts.push({ code: 9, value: Buffer.from([o.tsresol]) });
    if (o.tsoffset !== undefined) opts.push({ code: 14, value: u64(o.tsoffset, order) });
    opts.push(...(o.extraOptions ?? []));
    this.section!.resolutions.push(o.tsresol ?? 6);
    this.section!.tsoffsets.push(o.tsoffset ?? 0n);
    const body = concat(u16(linkType, order), u16(0, order), u32(o.snaplen ?? 0, order), this.options(opts, order));
    return this.raw(BT_IDB, body, o);
  }

  /** Enhanced Packet Block with a raw 64-bit tick count. */
  epbTicks(iface: number, ticks: bigint, data: Uint8Array, o: { origlen?: number; caplenField?: number; options?: PcapngOption[] } & BlockOverrides = {}): this {
    const order = this.order();
    const body = concat(
      u32(iface, order),
      u32(Number(BigInt.asUintN(64, ticks) >> 32n), order),
      u32(Number(BigInt.asUintN(64, ticks) & 0xffffffffn), order),
      u32(o.caplenField ?? data.length, order),
      u32(o.origlen ?? data.length, order),
      pad4(data),
      this.options(o.options ?? [], order),
    );
    return this.raw(BT_EPB, body, o);
  }

  /**
   * Enhanced Packet Block at time `sec` + `nsec` (absolute, if_tsoffset is subtracted), in the
   * interface's resolution. The time must be representable exactly in that resolution.
   */
  epb(iface: number, sec: number, nsec: number, data: Uint8Array, o: { origlen?: number; caplenField?: number; options?: PcapngOption[] } & BlockOverrides = {}): this {
    return this.epbTicks(iface, this.ticks(iface, sec, nsec), data, o);
  }

  /** Obsolete Packet Block (type 2): 16-bit interface id and drops count. */
  opb(iface: number, sec: number, nsec: number, data: Uint8Array, o: { origlen?: number } & BlockOverrides = {}): this {
    const order = this.order();
    const ticks = this.ticks(iface, sec, nsec);
    const body = concat(
      u16(iface, order),
      u16(0, order),
      u32(Number(ticks >> 32n), order),
      u32(Number(ticks & 0xffffffffn), order),
      u32(data.length, order),
      u32(o.origlen ?? data.length, order),
      pad4(data),
      this.options([], order),
    );
    return this.raw(BT_OPB, body, o);
  }

  /** Simple Packet Block: no interface id (always the section's first), no timestamp. */
  spb(data: Uint8Array, o: { origlen?: number } & BlockOverrides = {}): this {
    const order = this.order();
    return this.raw(BT_SPB, concat(u32(o.origlen ?? data.length, order), pad4(data)), o);
  }

  /** Custom block (0x00000BAD copyable, 0x40000BAD not): Wireshark numbers it as a frame. */
  custom(payload: Uint8Array = Buffer.from('custom data'), o: { copyable?: boolean; pen?: number } & BlockOverrides = {}): this {
    const order = this.order();
    return this.raw(o.copyable === false ? BT_CUSTOM_NOCOPY : BT_CUSTOM, concat(u32(o.pen ?? 32473, order), pad4(payload)), o);
  }

  /** Name Resolution Block with one IPv4 record (skipped by the reader). */
  nrb(o: BlockOverrides = {}): this {
    const order = this.order();
    const value = concat(Buffer.from([192, 0, 2, 1]), Buffer.from('host.example\0'));
    const body = concat(u16(1, order), u16(value.length, order), pad4(value), u16(0, order), u16(0, order));
    return this.raw(BT_NRB, body, o);
  }

  /** Interface Statistics Block (skipped by the reader). */
  isb(iface: number, o: BlockOverrides = {}): this {
    const order = this.order();
    const body = concat(u32(iface, order), u32(0, order), u32(0, order), this.options([{ code: 4, value: u64(5n, order) }], order));
    return this.raw(BT_ISB, body, o);
  }

  /** Any block: type, body (padded to 4), optional length/trailer overrides. */
  raw(type: number, body: Uint8Array, o: BlockOverrides = {}): this {
    const order = this.section?.order ?? 'little';
    const padded = pad4(body);
    const length = 12 + padded.length;
    this.parts.push(concat(u32(type, order), u32(o.length ?? length, order), padded, u32(o.trailer ?? length, order)));
    return this;
  }

  /** Arbitrary bytes (for damaged files). */
  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }

  ticks(iface: number, sec: number, nsec: number): bigint {
    const s = this.section;
    if (s === null) throw new Error('no section');
    const resol = s.resolutions[iface] ?? 6;
    const offset = s.tsoffsets[iface] ?? 0n;
    const perSec = ticksPerSecond(resol);
    const totalNs = (BigInt(sec) - offset) * 1_000_000_000n + BigInt(nsec);
    const ticks = (totalNs * perSec) / 1_000_000_000n;
    if ((ticks * 1_000_000_000n) % perSec !== 0n || (ticks * 1_000_000_000n) / perSec !== totalNs) {
      throw new Error(`time ${sec}.${nsec} is not exact at tsresol 0x${resol.toString(16)}`);
    }
    return ticks;
  }

  private order(): ByteOrder {
    if (this.section === null) throw new Error('pcapng: write a section header first');
    return this.section.order;
  }

  private options(opts: PcapngOption[], order: ByteOrder): Buffer {
    if (opts.length === 0) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (const o of opts) parts.push(u16(o.code, order), u16(o.value.length, order), pad4(o.value));
    parts.push(u16(0, order), u16(0, order)); // opt_endofopt
    return concat(...parts);
  }
}

// ---------------------------------------------------------------------------------------------
// Link layers (LINKTYPE_* numbers)

export const LT_NULL = 0;
export const LT_ETHERNET = 1;
export const LT_RAW_12 = 12;
export const LT_RAW_14 = 14;
export const LT_RAW = 101;
export const LT_LOOP = 108;
export const LT_LINUX_SLL = 113;
export const LT_IPV4 = 228;
export const LT_IPV6 = 229;
export const LT_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_IPV6 = 0x86dd;

const MAC_A = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x0a]);
const MAC_B = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x0b]);

/** EtherType for an IP packet, from its version nibble. */
export function ipEthertype(ip: Uint8Array): number {
  return ip[0]! >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
}

/** Ethernet II: dst, src, EtherType, payload; optionally padded to the 60-byte minimum. */
export function ethernet(payload: Uint8Array, o: { ethertype?: number; padTo60?: boolean } = {}): Buffer {
  const frame = concat(MAC_B, MAC_A, u16(o.ethertype ?? ipEthertype(payload)), payload);
  return o.padTo60 && frame.length < 60 ? concat(frame, Buffer.alloc(60 - frame.length)) : frame;
}

function tci(vid: number, pcp = 0): Buffer {
  return u16(((pcp & 7) << 13) | (vid & 0x0fff));
}

/** 802.1Q: Ethernet with one customer tag. */
export function vlan(ip: Uint8Array, vid: number, o: { tpid?: number } = {}): Buffer {
  return concat(MAC_B, MAC_A, u16(o.tpid ?? ETHERTYPE_VLAN), tci(vid, 3), u16(ipEthertype(ip)), ip);
}

/** 802.1ad QinQ: service tag (0x88a8, or another TPID) then customer tag (0x8100). */
export function qinq(ip: Uint8Array, outerVid: number, innerVid: number, o: { outerTpid?: number } = {}): Buffer {
  return concat(MAC_B, MAC_A, u16(o.outerTpid ?? ETHERTYPE_QINQ), tci(outerVid), u16(ETHERTYPE_VLAN), tci(innerVid), u16(ipEthertype(ip)), ip);
}

/** `count` stacked 802.1Q tags (to test the tag limit). */
export function stackedVlans(ip: Uint8Array, count: number): Buffer {
  const tags: Buffer[] = [];
  for (let i = 0; i < count; i++) tags.push(u16(ETHERTYPE_VLAN), tci(i + 1));
  return concat(MAC_B, MAC_A, ...tags, u16(ipEthertype(ip)), ip);
}

/** LINKTYPE_LINUX_SLL (113): 16-byte cooked header, protocol at offset 14. */
export function sll(payload: Uint8Array, o: { protocol?: number; packetType?: number } = {}): Buffer {
  return concat(
    u16(o.packetType ?? 0), // to us
    u16(1), // ARPHRD_ETHER
    u16(6), // address length
    MAC_A, Buffer.alloc(2), // address, padded to 8
    u16(o.protocol ?? ipEthertype(payload)),
    payload,
  );
}

/** LINKTYPE_LINUX_SLL2 (276): 20-byte header, protocol at offset 0. */
export function sll2(payload: Uint8Array, o: { protocol?: number; ifindex?: number } = {}): Buffer {
  return concat(
    u16(o.protocol ?? ipEthertype(payload)),
    u16(0), // reserved
    u32(o.ifindex ?? 2),
    u16(1), // ARPHRD_ETHER
    u8(4), // PACKET_OUTGOING
    u8(6), // address length
    MAC_A, Buffer.alloc(2),
    payload,
  );
}

export const AF_INET = 2;
/** AF_INET6 on NetBSD/OpenBSD (24), FreeBSD/DragonFly (28), Darwin (30), Linux (10). */
export const AF_INET6_VALUES = [24, 28, 30, 10] as const;

/** LINKTYPE_NULL (0): 4-byte address family in the byte order of the capturing host. */
export function nullLink(ip: Uint8Array, family: number, order: ByteOrder): Buffer {
  return concat(u32(family, order), ip);
}

/** LINKTYPE_LOOP (108): like NULL but the family is always big-endian. */
export function loopLink(ip: Uint8Array, family: number): Buffer {
  return concat(u32(family, 'big'), ip);
}

/** An ARP request over Ethernet (not IP). */
export function arpFrame(): Buffer {
  const arp = concat(
    u16(1), u16(0x0800), u8(6), u8(4), u16(1),
    MAC_A, Buffer.from([192, 0, 2, 1]), Buffer.alloc(6), Buffer.from([192, 0, 2, 2]),
  );
  return ethernet(arp, { ethertype: ETHERTYPE_ARP, padTo60: true });
}

// ---------------------------------------------------------------------------------------------
// IP

export const PROTO_ICMP = 1;
const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

function ipv4Address(s: string): Buffer {
  return Buffer.from(s.split('.').map(Number));
}

function ipv6Address(s: string): Buffer {
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return concat(...groups.map((g) => u16(parseInt(g, 16))));
}

function checksum(...parts: Uint8Array[]): number {
  const b = concat(...parts);
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length % 2) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface Ipv4Options {
  src?: string;
  dst?: string;
  protocol?: number;
  ttl?: number;
  id?: number;
  /** IP options (padded to 4 bytes with EOL); IHL grows accordingly. */
  options?: Uint8Array;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** Fragment offset in 8-byte units. */
  fragmentOffset?: number;
  /** Total-length field override (0 = as TSO leaves it). */
  totalLength?: number;
  /** IHL field override (in 4-byte words). */
  ihl?: number;
}

export function ipv4(payload: Uint8Array, o: Ipv4Options = {}): Buffer {
  const opts = pad4(o.options ?? new Uint8Array(0));
  const headerLength = 20 + opts.length;
  const src = ipv4Address(o.src ?? '192.0.2.1');
  const dst = ipv4Address(o.dst ?? '198.51.100.2');
  const flags = (o.dontFragment ? 0x4000 : 0) | (o.moreFragments ? 0x2000 : 0) | ((o.fragmentOffset ?? 0) & 0x1fff);
  const header = concat(
    u8(0x40 | ((o.ihl ?? headerLength / 4) & 0x0f)),
    u8(0),
    u16(o.totalLength ?? headerLength + payload.length),
    u16(o.id ?? 0x1234),
    u16(flags),
    u8(o.ttl ?? 64),
    u8(o.protocol ?? PROTO_TCP),
    u16(0),
    src,
    dst,
    opts,
  );
  header.writeUInt16BE(checksum(header), 10);
  const proto = o.protocol ?? PROTO_TCP;
  const first = (o.fragmentOffset ?? 0) === 0;
  if (first && (proto === PROTO_TCP || proto === PROTO_UDP) && payload.length >= (proto === PROTO_TCP ? 18 : 8)) {
    payload = withL4Checksum(payload, proto, concat(src, dst, u8(0), u8(proto), u16(payload.length)));
  }
  return concat(header, payload);
}

export type Ipv6Extension =
  | { type: 'hop-by-hop' | 'destination'; /** extra 8-byte units beyond the first */ units?: number }
  | { type: 'routing'; units?: number }
  | { type: 'fragment'; offset?: number; more?: boolean; id?: number }
  | { type: 'auth'; /** payload length field, in 4-byte units minus 2 */ payloadLen?: number };

const EXT_CODES = { 'hop-by-hop': 0, routing: 43, fragment: 44, auth: 51, destination: 60 } as const;

export interface Ipv6Options {
  src?: string;
  dst?: string;
  nextHeader?: number;
  hopLimit?: number;
  extensions?: Ipv6Extension[];
  /** Payload-length field override. */
  payloadLength?: number;
}

export function ipv6(payload: Uint8Array, o: Ipv6Options = {}): Buffer {
  const proto = o.nextHeader ?? PROTO_TCP;
  const exts = o.extensions ?? [];
  const codes = exts.map((e) => EXT_CODES[e.type]);
  const extBytes: Buffer[] = [];
  exts.forEach((e, i) => {
    const next = i + 1 < exts.length ? codes[i + 1]! : proto;
    switch (e.type) {
      case 'hop-by-hop':
      case 'destination': {
        const units = e.units ?? 0;
        // Options area: a PadN option filling the header to (units + 1) * 8 bytes.
        const optLen = (units + 1) * 8 - 2;
        extBytes.push(concat(u8(next), u8(units), u8(1), u8(optLen - 2), Buffer.alloc(optLen - 2)));
        break;
      }
      case 'routing': {
        const units = e.units ?? 2; // type 0-style with one address
        const body = Buffer.alloc((units + 1) * 8 - 2);
        body[0] = 4; // segment routing type (any type: only the length matters here)
        body[1] = 0; // segments left
        extBytes.push(concat(u8(next), u8(units), body));
        break;
      }
      case 'fragment': {
        const field = (((e.offset ?? 0) & 0x1fff) << 3) | (e.more ? 1 : 0);
        extBytes.push(concat(u8(next), u8(0), u16(field), u32(e.id ?? 0xabcdef)));
        break;
      }
      case 'auth': {
        const len = e.payloadLen ?? 4; // (4 + 2) * 4 = 24 bytes: 12 fixed + 12 ICV
        extBytes.push(concat(u8(next), u8(len), u16(0), u32(0x100), u32(1), Buffer.alloc((len + 2) * 4 - 12)));
        break;
      }
    }
  });
  const ext = concat(...extBytes);
  const src = ipv6Address(o.src ?? '2001:db8::1');
  const dst = ipv6Address(o.dst ?? '2001:db8::2');
  const firstNext = exts.length > 0 ? codes[0]! : proto;
  const isFirstFragment = !exts.some((e) => e.type === 'fragment' && (e.offset ?? 0) !== 0);
  if (isFirstFragment && (proto === PROTO_TCP || proto === PROTO_UDP) && payload.length >= (proto === PROTO_TCP ? 18 : 8)) {
    payload = withL4Checksum(payload, proto, concat(src, dst, u32(payload.length), Buffer.from([0, 0, 0, proto])));
  }
  const header = concat(
    u32(0x60000000),
    u16(o.payloadLength ?? ext.length + payload.length),
    u8(firstNext),
    u8(o.hopLimit ?? 64),
    src,
    dst,
  );
  return concat(header, ext, payload);
}

function withL4Checksum(segment: Uint8Array, proto: number, pseudo: Buffer): Buffer {
  const s = Buffer.from(segment);
  const at = proto === PROTO_TCP ? 16 : 6;
  s.writeUInt16BE(0, at);
  let c = checksum(pseudo, s);
  if (proto === PROTO_UDP && c === 0) c = 0xffff;
  s.writeUInt16BE(c, at);
  return s;
}

// ---------------------------------------------------------------------------------------------
// TCP, UDP, ICMP

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;
export const AE = 0x100;

export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'ws'; shift: number }
  | { kind: 'sack-permitted' }
  | { kind: 'sack'; blocks: [number, number][] }
  | { kind: 'timestamp'; val: number; ecr: number }
  | { kind: 'raw'; bytes: number[] };

function tcpOptionBytes(opts: TcpOption[]): Buffer {
  const parts: Buffer[] = [];
  for (const o of opts) {
    switch (o.kind) {
      case 'eol': parts.push(u8(0)); break;
      case 'nop': parts.push(u8(1)); break;
      case 'mss': parts.push(concat(u8(2), u8(4), u16(o.value))); break;
      case 'ws': parts.push(concat(u8(3), u8(3), u8(o.shift))); break;
      case 'sack-permitted': parts.push(concat(u8(4), u8(2))); break;
      case 'sack': parts.push(concat(u8(5), u8(2 + 8 * o.blocks.length), ...o.blocks.flatMap(([l, r]) => [u32(l), u32(r)]))); break;
      case 'timestamp': parts.push(concat(u8(8), u8(10), u32(o.val), u32(o.ecr))); break;
      case 'raw': parts.push(Buffer.from(o.bytes)); break;
    }
  }
  return concat(...parts);
}

export interface TcpSegmentOptions {
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  /** Flag bits including AE (0x100). */
  flags?: number;
  window?: number;
  urgent?: number;
  options?: TcpOption[];
  payload?: Uint8Array;
  /** Data-offset field override (4-byte words). */
  dataOffset?: number;
}

export function tcp(o: TcpSegmentOptions = {}): Buffer {
  const opts = pad4(tcpOptionBytes(o.options ?? []));
  if (opts.length > 40) throw new Error('TCP options longer than 40 bytes');
  const headerLength = 20 + opts.length;
  const flags = o.flags ?? ACK;
  return concat(
    u16(o.srcPort ?? 49152),
    u16(o.dstPort ?? 80),
    u32(o.seq ?? 1000),
    u32(o.ack ?? 0),
    u8((((o.dataOffset ?? headerLength / 4) & 0x0f) << 4) | ((flags >> 8) & 0x01)),
    u8(flags & 0xff),
    u16(o.window ?? 65535),
    u16(0), // checksum (filled in by ipv4/ipv6)
    u16(o.urgent ?? 0),
    opts,
    o.payload ?? new Uint8Array(0),
  );
}

export function udp(payload: Uint8Array, srcPort = 40000, dstPort = 9): Buffer {
  return concat(u16(srcPort), u16(dstPort), u16(8 + payload.length), u16(0), payload);
}

/** ICMP echo request. */
export function icmpEcho(payload: Uint8Array = pattern(8)): Buffer {
  const m = concat(u8(8), u8(0), u16(0), u16(1), u16(1), payload);
  m.writeUInt16BE(checksum(m), 2);
  return m;
}

/** ICMP destination unreachable quoting an IPv4+TCP header (tshark: not a frame of any stream). */
export function icmpUnreachable(quoted: Uint8Array): Buffer {
  const m = concat(u8(3), u8(3), u16(0), u32(0), quoted.subarray(0, 28));
  m.writeUInt16BE(checksum(m), 2);
  return m;
}
