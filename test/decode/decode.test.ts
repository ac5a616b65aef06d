/**
 * The decoder on exactly known bytes: every supported link type (written to a capture file and read
 * back), IPv4 options and fragments, IPv6 extension headers, TCP options, snaplen-cut segments, and
 * the outcome counted for everything that is not TCP.
 */
import test from 'ava';
import { Decoder } from '../../src/decode/decoder.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { newFrame, type Frame } from '../../src/capture/frame.js';
import { readCaptures } from '../../src/capture/reader.js';
import { captureInfo } from '../../src/pipeline/info.js';
import { TempDir } from '../helpers/io.js';
import { MAX_PENDING } from '../../src/decode/ip-fragments.js';
import * as W from '../helpers/capture-writer.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

/** What a test looks at in a decoded segment (copied: the decoder reuses its Segment). */
interface Decoded {
  status: DecodeStatus;
  frame?: number;
  tsSec?: number;
  tsNsec?: number;
  ipVersion?: number;
  addr?: number[];
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  headerLength?: number;
  payloadLength?: number;
  payloadCaptured?: number;
  payload?: Buffer;
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  hasTimestamp?: boolean;
  tsVal?: number;
  tsEcr?: number;
  sack?: number[];
  vlan?: number;
  ipTtl?: number;
  ipId?: number;
  frameLength?: number;
}

function snapshot(decoder: Decoder, status: DecodeStatus): Decoded {
  if (status !== DecodeStatus.Tcp) return { status };
  const s = decoder.segment;
  return {
    status,
    frame: s.frame, tsSec: s.tsSec, tsNsec: s.tsNsec, ipVersion: s.ipVersion, addr: [...s.addr],
    srcPort: s.srcPort, dstPort: s.dstPort, seq: s.seq, ack: s.ack, flags: s.flags, window: s.window,
    headerLength: s.headerLength, payloadLength: s.payloadLength, payloadCaptured: s.payloadCaptured,
    payload: Buffer.from(s.data.subarray(s.payloadOffset, s.payloadOffset + s.payloadCaptured)),
    mss: s.mss, windowScale: s.windowScale, sackPermitted: s.sackPermitted, hasTimestamp: s.hasTimestamp,
    tsVal: s.tsVal, tsEcr: s.tsEcr, sack: [...s.sack.subarray(0, s.sackBlocks * 2)], vlan: s.vlan,
    ipTtl: s.ipTtl, ipId: s.ipId, frameLength: s.frameLength,
  };
}

/** Decodes one frame built in memory, placed at an odd offset of a larger buffer (as the reader does). */
function decodeBytes(linkType: number, bytes: Uint8Array, o: { caplen?: number; origlen?: number; decoder?: Decoder; no?: number } = {}): Decoded {
  const decoder = o.decoder ?? new Decoder();
  const data = new Uint8Array(bytes.length + 64).fill(0xee); // bytes past `caplen` must never be looked at
  data.set(bytes, 13);
  const frame: Frame = {
    ...newFrame(), no: o.no ?? 1, tsSec: 1_700_000_000, tsNsec: 5, linkType, caplen: o.caplen ?? bytes.length,
    origlen: o.origlen ?? bytes.length, data, offset: 13,
  };
  return snapshot(decoder, decoder.decode(frame));
}

// ---------------------------------------------------------------------------------------------
// Every link type, through a capture file

const SEG = {
  srcPort: 51234, dstPort: 443, seq: 0xfffffff0, ack: 0x80000001, flags: W.PSH | W.ACK, window: 1234,
  payload: W.pattern(21, 3),
};
const V4 = W.ipv4(W.tcp(SEG), { src: '10.1.2.3', dst: '192.168.200.1', ttl: 57, id: 0xbeef });
const V6 = W.ipv6(W.tcp(SEG), { src: '2001:db8::a', dst: 'fe80::1:2', hopLimit: 33 });
const V4_ADDR = [0, 0, 0, 0x0a010203, 0, 0, 0, 0xc0a8c801];
const V6_ADDR = [0x20010db8, 0, 0, 0x0a, 0xfe800000, 0, 0, 0x10002];

interface LinkCase {
  name: string;
  linkType: number;
  wrap: (ip: Buffer) => Buffer;
  vlan?: number;
  only?: 4 | 6;
}

const LINK_CASES: LinkCase[] = [
  { name: 'Ethernet', linkType: W.LT_ETHERNET, wrap: (ip) => W.ethernet(ip) },
  { name: '802.1Q', linkType: W.LT_ETHERNET, wrap: (ip) => W.vlan(ip, 42), vlan: 42 },
  { name: 'QinQ 0x88a8 + 0x8100', linkType: W.LT_ETHERNET, wrap: (ip) => W.qinq(ip, 10, 20), vlan: 10 },
  { name: 'QinQ 0x9100 + 0x8100', linkType: W.LT_ETHERNET, wrap: (ip) => W.qinq(ip, 300, 4094, { outerTpid: 0x9100 }), vlan: 300 },
  { name: '8 stacked 802.1Q tags', linkType: W.LT_ETHERNET, wrap: (ip) => W.stackedVlans(ip, 8), vlan: 1 },
  { name: 'Linux SLL', linkType: W.LT_LINUX_SLL, wrap: (ip) => W.sll(ip) },
  { name: 'Linux SLL + 802.1Q', linkType: W.LT_LINUX_SLL, wrap: (ip) => W.sll(W.concat(W.u16(7), W.u16(W.ipEthertype(ip)), ip), { protocol: W.ETHERTYPE_VLAN }), vlan: 7 },
  { name: 'Linux SLL2', linkType: W.LT_LINUX_SLL2, wrap: (ip) => W.sll2(ip) },
  { name: 'NULL little-endian', linkType: W.LT_NULL, wrap: (ip) => W.nullLink(ip, ip[0]! >> 4 === 4 ? W.AF_INET : 30, 'little') },
  { name: 'NULL big-endian', linkType: W.LT_NULL, wrap: (ip) => W.nullLink(ip, ip[0]! >> 4 === 4 ? W.AF_INET : 24, 'big') },
  { name: 'LOOP', linkType: W.LT_LOOP, wrap: (ip) => W.loopLink(ip, ip[0]! >> 4 === 4 ? W.AF_INET : 24) },
  { name: 'RAW (12)', linkType: W.LT_RAW_12, wrap: (ip) => ip },
  { name: 'RAW (14)', linkType: W.LT_RAW_14, wrap: (ip) => ip },
  { name: 'RAW (101)', linkType: W.LT_RAW, wrap: (ip) => ip },
  { name: 'IPV4 (228)', linkType: W.LT_IPV4, wrap: (ip) => ip, only: 4 },
  { name: 'IPV6 (229)', linkType: W.LT_IPV6, wrap: (ip) => ip, only: 6 },
];
for (const family of W.AF_INET6_VALUES) {
  for (const order of ['little', 'big'] as const) {
    LINK_CASES.push({ name: `NULL ${order}-endian AF_INET6=${family}`, linkType: W.LT_NULL, wrap: (ip) => W.nullLink(ip, family, order), only: 6 });
  }
}
for (const family of [24, 28, 30]) LINK_CASES.push({ name: `LOOP AF_INET6=${family}`, linkType: W.LT_LOOP, wrap: (ip) => W.loopLink(ip, family), only: 6 });

/** Writes the frames to a pcap (alternating byte order), reads and decodes them. */
async function throughFile(name: string, linkType: number, frames: Buffer[], order: W.ByteOrder): Promise<Decoded[]> {
  const records = frames.map((data, i) => ({ tsSec: 1_700_000_000 + i, tsFrac: 250_000 + i, data, origlen: data.length + 4 }));
  const path = tmp.write(`${name.replace(/[^a-z0-9]+/gi, '_')}.pcap`, W.pcapFile({ byteOrder: order, linkType, records }));
  const decoder = new Decoder();
  const out: Decoded[] = [];
  await readCaptures([path], (f) => out.push(snapshot(decoder, decoder.decode(f))));
  return out;
}

LINK_CASES.forEach((c, k) => {
  test(`link type ${c.linkType} ${c.name}: written, read and decoded to the same TCP segment`, async (t) => {
    const ips = c.only === 4 ? [V4] : c.only === 6 ? [V6] : [V4, V6];
    const got = await throughFile(c.name, c.linkType, ips.map(c.wrap), k % 2 ? 'big' : 'little');
    t.is(got.length, ips.length);
    got.forEach((d, i) => {
      const v6 = ips[i] === V6;
      t.is(d.status, DecodeStatus.Tcp, `IPv${v6 ? 6 : 4}`);
      t.is(d.frame, i + 1);
      t.deepEqual([d.tsSec, d.tsNsec], [1_700_000_000 + i, (250_000 + i) * 1000]);
      t.is(d.ipVersion, v6 ? 6 : 4);
      t.deepEqual(d.addr, v6 ? V6_ADDR : V4_ADDR);
      t.is(d.ipTtl, v6 ? 33 : 57);
      t.is(d.ipId, v6 ? 0 : 0xbeef);
      t.deepEqual([d.srcPort, d.dstPort, d.seq, d.ack, d.flags, d.window], [SEG.srcPort, SEG.dstPort, SEG.seq, SEG.ack, SEG.flags, SEG.window]);
      t.is(d.headerLength, 20);
      t.is(d.payloadLength, 21);
      t.is(d.payloadCaptured, 21);
      t.true(d.payload!.equals(SEG.payload));
      t.is(d.vlan, c.vlan ?? -1);
      t.is(d.frameLength, c.wrap(ips[i]!).length + 4, 'frameLength is the original length');
    });
  });
});

// libpcap's cooked-v2 header carries the protocol at offset 0; a VLAN tag (as Wireshark dissects it:
// protocol 0x8100, then TCI and the inner EtherType right after the 20-byte header) must be followed.
// Regression (fixed in a6df97c): the SLL2 VLAN branch read the "EtherType" from the last two bytes
// of the SLL2 address field instead of the TCI / inner type that follow the header.
test('link type 276 Linux SLL2 + 802.1Q / QinQ: the tags after the cooked header are followed', (t) => {
  for (const ip of [V4, V6]) {
    const frame = W.sll2(W.concat(W.u16(42), W.u16(W.ipEthertype(ip)), ip), { protocol: W.ETHERTYPE_VLAN });
    const d = decodeBytes(W.LT_LINUX_SLL2, frame);
    t.is(d.status, DecodeStatus.Tcp);
    t.is(d.vlan, 42);
    t.is(d.srcPort, SEG.srcPort);
    const qinq = W.sll2(W.concat(W.u16(100), W.u16(W.ETHERTYPE_VLAN), W.u16(200), W.u16(W.ipEthertype(ip)), ip), { protocol: W.ETHERTYPE_QINQ });
    const q = decodeBytes(W.LT_LINUX_SLL2, qinq);
    t.is(q.status, DecodeStatus.Tcp);
    t.is(q.vlan, 100, 'the outer tag');
    t.is(q.seq, SEG.seq);
  }
  t.is(decodeBytes(W.LT_LINUX_SLL2, W.sll2(W.u16(42), { protocol: W.ETHERTYPE_VLAN })).status, DecodeStatus.Truncated, 'tag cut');
  t.is(decodeBytes(W.LT_LINUX_SLL2, W.sll2(W.concat(W.u16(42), W.u16(W.ETHERTYPE_ARP), W.pattern(28)), { protocol: W.ETHERTYPE_VLAN })).status, DecodeStatus.NotIp, 'ARP in a VLAN');
  const nine = W.concat(...Array.from({ length: 8 }, (_, i) => W.concat(W.u16(i + 1), W.u16(W.ETHERTYPE_VLAN))), W.u16(9), W.u16(W.ETHERTYPE_IPV4), V4);
  t.is(decodeBytes(W.LT_LINUX_SLL2, W.sll2(nine, { protocol: W.ETHERTYPE_VLAN })).status, DecodeStatus.Malformed, '9 tags');
});

test('pcapng with one interface per link type: each frame decoded with its interface link type', async (t) => {
  const b = new W.PcapngBuilder().shb('big');
  const cases = LINK_CASES.filter((c) => c.only !== 6);
  cases.forEach((c) => b.idb(c.linkType, { tsresol: 9 }));
  cases.forEach((c, i) => b.epb(i, 1_700_000_000, i, c.wrap(V4)));
  const path = tmp.write('all-links.pcapng', b.build());
  const decoder = new Decoder();
  const got: Decoded[] = [];
  await readCaptures([path], (f) => got.push(snapshot(decoder, decoder.decode(f))));
  t.deepEqual(got.map((d) => d.status), cases.map(() => DecodeStatus.Tcp));
  t.deepEqual(got.map((d) => d.vlan), cases.map((c) => c.vlan ?? -1));
  t.deepEqual(got.map((d) => d.tsNsec), cases.map((_, i) => i));
});

// ---------------------------------------------------------------------------------------------
// Link-layer edge cases

test('link layer: not IP, unsupported, cut short, too many tags', (t) => {
  t.is(decodeBytes(W.LT_ETHERNET, W.arpFrame()).status, DecodeStatus.NotIp, 'ARP');
  t.is(decodeBytes(W.LT_ETHERNET, W.ethernet(V4, { ethertype: 0x0040 })).status, DecodeStatus.NotIp, '802.3 length field');
  t.is(decodeBytes(W.LT_ETHERNET, W.ethernet(V4, { ethertype: 0x88cc })).status, DecodeStatus.NotIp, 'LLDP');
  t.is(decodeBytes(105, V4).status, DecodeStatus.UnsupportedLink, '802.11');
  t.is(decodeBytes(W.LT_NULL, W.nullLink(V4, 7, 'little')).status, DecodeStatus.NotIp, 'NULL, unknown family');
  t.is(decodeBytes(W.LT_LOOP, W.nullLink(V4, W.AF_INET, 'little')).status, DecodeStatus.NotIp, 'LOOP is always big-endian');
  t.is(decodeBytes(W.LT_ETHERNET, W.stackedVlans(V4, 9)).status, DecodeStatus.Malformed, '9 stacked tags');
  t.is(decodeBytes(W.LT_ETHERNET, W.ethernet(V4), { caplen: 13 }).status, DecodeStatus.Truncated, 'Ethernet header cut');
  t.is(decodeBytes(W.LT_ETHERNET, W.vlan(V4, 5), { caplen: 16 }).status, DecodeStatus.Truncated, 'VLAN tag cut');
  t.is(decodeBytes(W.LT_ETHERNET, W.ethernet(V4), { caplen: 14 }).status, DecodeStatus.Truncated, 'nothing after the header');
  t.is(decodeBytes(W.LT_LINUX_SLL, W.sll(V4), { caplen: 15 }).status, DecodeStatus.Truncated, 'SLL header cut');
  t.is(decodeBytes(W.LT_LINUX_SLL2, W.sll2(V4), { caplen: 19 }).status, DecodeStatus.Truncated, 'SLL2 header cut');
  t.is(decodeBytes(W.LT_NULL, W.nullLink(V4, 2, 'big'), { caplen: 3 }).status, DecodeStatus.Truncated, 'NULL header cut');
  t.is(decodeBytes(W.LT_RAW, V4, { caplen: 0 }).status, DecodeStatus.Truncated, 'empty raw frame');
  t.is(decodeBytes(W.LT_RAW, W.concat(Buffer.from([0x55]), V4.subarray(1))).status, DecodeStatus.NotIp, 'IP version 5');
});

// ---------------------------------------------------------------------------------------------
// IPv4

test('IPv4 with options: the TCP header is found after IHL*4 bytes', (t) => {
  const rr = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0]; // record route with room for 2 addresses
  for (const options of [Buffer.from([1, 1, 1, 0]), Buffer.from(rr), Buffer.from([...rr, 1, ...rr, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]) {
    const ip = W.ipv4(W.tcp(SEG), { options });
    const d = decodeBytes(W.LT_RAW, ip);
    t.is(d.status, DecodeStatus.Tcp, `${options.length} option bytes`);
    t.deepEqual([d.srcPort, d.dstPort, d.seq, d.payloadLength], [SEG.srcPort, SEG.dstPort, SEG.seq, 21]);
  }
});

test('IPv4 header fields that contradict each other are malformed, cut headers truncated', (t) => {
  t.is(decodeBytes(W.LT_RAW, W.ipv4(W.tcp(SEG), { ihl: 4 })).status, DecodeStatus.Malformed, 'IHL < 5');
  t.is(decodeBytes(W.LT_RAW, W.ipv4(W.tcp(SEG), { totalLength: 19 })).status, DecodeStatus.Malformed, 'total length < header');
  t.is(decodeBytes(W.LT_RAW, W.ipv4(W.tcp(SEG), { totalLength: 30 })).status, DecodeStatus.Malformed, 'total length leaves no room for the TCP header');
  t.is(decodeBytes(W.LT_RAW, W.ipv4(W.tcp(SEG)), { caplen: 19 }).status, DecodeStatus.Truncated, 'fixed header cut');
  const withOptions = W.ipv4(W.tcp(SEG), { options: Buffer.alloc(8, 1) });
  t.is(decodeBytes(W.LT_RAW, withOptions, { caplen: 24 }).status, DecodeStatus.Truncated, 'options cut');
  t.is(decodeBytes(W.LT_RAW, withOptions, { caplen: 28 + 19 }).status, DecodeStatus.Truncated, 'TCP header cut');
});

test('IPv4 total length 0 (TSO on the capturing host): the captured length is used', (t) => {
  const d = decodeBytes(W.LT_RAW, W.ipv4(W.tcp(SEG), { totalLength: 0 }));
  t.is(d.status, DecodeStatus.Tcp);
  t.is(d.payloadLength, 21);
});

test('IPv4 fragments are reassembled: the TCP segment belongs to the frame that completes the datagram (as in Wireshark)', (t) => {
  const full = W.tcp({ ...SEG, payload: W.pattern(100) });
  const first = W.ipv4(full.subarray(0, 48), { moreFragments: true, id: 77 });
  const middle = W.ipv4(full.subarray(48, 64), { fragmentOffset: 6, moreFragments: true, id: 77 });
  const last = W.ipv4(full.subarray(64), { fragmentOffset: 8, id: 77 });
  for (const order of [[first, middle, last], [last, first, middle], [middle, last, first]]) {
    const decoder = new Decoder();
    t.is(decodeBytes(W.LT_RAW, order[0]!, { decoder, no: 1 }).status, DecodeStatus.Fragment);
    t.is(decodeBytes(W.LT_RAW, order[1]!, { decoder, no: 2 }).status, DecodeStatus.Fragment);
    const d = decodeBytes(W.LT_RAW, order[2]!, { decoder, no: 3 });
    t.is(d.status, DecodeStatus.Tcp);
    t.is(d.frame, 3);
    t.is(d.seq, SEG.seq);
    t.is(d.payloadLength, 100, 'the whole segment, not the first fragment\'s share');
    t.is(d.payloadCaptured, 100);
    t.deepEqual(decoder.fragments.counts, { fragments: 3, reassembled: 1, dropped: 0, incomplete: 0 });
  }
  t.is(decodeBytes(W.LT_RAW, W.ipv4(full, { dontFragment: true })).status, DecodeStatus.Tcp, 'DF alone is no fragment');
});

test('IPv4 fragments: overlaps keep the first copy; a fragment cut by the snaplen, misaligned or over the bounds drops its datagram', (t) => {
  const full = W.tcp({ ...SEG, payload: W.pattern(100) });
  const decoder = new Decoder();
  decodeBytes(W.LT_RAW, W.ipv4(full.subarray(0, 48), { moreFragments: true, id: 9 }), { decoder });
  const forged = Buffer.from(full.subarray(40, 120));
  forged.fill(0x41, 0, 8); // bytes 40..48 overlap the first fragment, with other contents
  const d = decodeBytes(W.LT_RAW, W.ipv4(forged, { fragmentOffset: 5, id: 9 }), { decoder });
  t.is(d.status, DecodeStatus.Tcp);
  t.is(d.payloadLength, 100);
  t.deepEqual(d.payload, Buffer.from(full.subarray(20)), 'the first copy of the overlapping bytes wins');
  t.is(decoder.fragments.counts.reassembled, 1);
  const cut = new Decoder();
  decodeBytes(W.LT_RAW, W.ipv4(full.subarray(0, 48), { moreFragments: true, id: 10 }), { decoder: cut });
  const lastFrag = W.ipv4(full.subarray(48), { fragmentOffset: 6, id: 10 });
  t.is(decodeBytes(W.LT_RAW, lastFrag, { decoder: cut, caplen: lastFrag.length - 10 }).status, DecodeStatus.Fragment, 'cut by the snaplen');
  t.is(cut.fragments.counts.dropped, 1);
  t.deepEqual(cut.fragments.droppedFrames, [1]);
  const misaligned = new Decoder();
  t.is(decodeBytes(W.LT_RAW, W.ipv4(full.subarray(0, 47), { moreFragments: true, id: 11 }), { decoder: misaligned }).status, DecodeStatus.Fragment);
  t.is(misaligned.fragments.counts.dropped, 1, 'a non-last fragment must carry a multiple of 8 bytes');
  // Fragments that never complete are bounded in number and expire after 30 s of capture time.
  const flood = new Decoder();
  for (let i = 0; i < 1000; i++) decodeBytes(W.LT_RAW, W.ipv4(full.subarray(0, 48), { moreFragments: true, id: i }), { decoder: flood });
  t.is(flood.fragments.counts.fragments, 1000);
  t.true(flood.fragments.counts.dropped >= 1000 - MAX_PENDING, `dropped ${flood.fragments.counts.dropped}`);
  flood.fragments.finish();
  t.true(flood.fragments.counts.incomplete <= MAX_PENDING);
});

// ---------------------------------------------------------------------------------------------
// IPv6

test('IPv6 extension headers: hop-by-hop, routing, destination options, fragment (offset 0), AH', (t) => {
  const chains: W.Ipv6Extension[][] = [
    [{ type: 'hop-by-hop' }],
    [{ type: 'hop-by-hop', units: 1 }, { type: 'routing' }, { type: 'destination', units: 2 }],
    [{ type: 'hop-by-hop' }, { type: 'destination' }, { type: 'routing', units: 4 }, { type: 'fragment' }, { type: 'destination' }],
    [{ type: 'fragment' }], // atomic fragment
    [{ type: 'auth' }],
    [{ type: 'hop-by-hop' }, { type: 'auth', payloadLen: 7 }, { type: 'destination' }],
  ];
  for (const extensions of chains) {
    const ip = W.ipv6(W.tcp(SEG), { extensions });
    const d = decodeBytes(W.LT_ETHERNET, W.ethernet(ip));
    const label = extensions.map((e) => e.type).join(' → ');
    t.is(d.status, DecodeStatus.Tcp, label);
    t.deepEqual([d.srcPort, d.dstPort, d.seq, d.ack], [SEG.srcPort, SEG.dstPort, SEG.seq, SEG.ack], label);
    t.is(d.payloadLength, 21, `${label}: payload length is the IPv6 payload less extension and TCP headers`);
    t.deepEqual(d.addr, [0x20010db8, 0, 0, 1, 0x20010db8, 0, 0, 2]);
  }
});

test('IPv6: non-first fragments, other upper layers, damaged chains', (t) => {
  const seg = W.tcp(SEG);
  t.is(decodeBytes(W.LT_RAW, W.ipv6(seg, { extensions: [{ type: 'fragment', offset: 185 }] })).status, DecodeStatus.Fragment);
  t.is(decodeBytes(W.LT_RAW, W.ipv6(seg, { extensions: [{ type: 'hop-by-hop' }, { type: 'fragment', offset: 1, more: true }] })).status, DecodeStatus.Fragment);
  t.is(decodeBytes(W.LT_RAW, W.ipv6(W.udp(W.pattern(4)), { nextHeader: W.PROTO_UDP })).status, DecodeStatus.NotTcp, 'UDP');
  t.is(decodeBytes(W.LT_RAW, W.ipv6(W.icmpEcho(), { nextHeader: W.PROTO_ICMPV6 })).status, DecodeStatus.NotTcp, 'ICMPv6');
  t.is(decodeBytes(W.LT_RAW, W.ipv6(W.udp(W.pattern(4)), { nextHeader: W.PROTO_UDP, extensions: [{ type: 'hop-by-hop' }] })).status, DecodeStatus.NotTcp, 'UDP after hop-by-hop');
  t.is(decodeBytes(W.LT_RAW, W.ipv6(new Uint8Array(0), { nextHeader: 59 })).status, DecodeStatus.NotTcp, 'no next header');
  const many = Array.from({ length: 17 }, (): W.Ipv6Extension => ({ type: 'destination' }));
  t.is(decodeBytes(W.LT_RAW, W.ipv6(seg, { extensions: many })).status, DecodeStatus.Malformed, '17 extension headers');
  t.is(decodeBytes(W.LT_RAW, W.ipv6(seg, { extensions: [{ type: 'hop-by-hop', units: 3 }], payloadLength: 16 })).status, DecodeStatus.Malformed, 'extension header longer than the payload');
  t.is(decodeBytes(W.LT_RAW, W.ipv6(seg), { caplen: 39 }).status, DecodeStatus.Truncated, 'fixed header cut');
  t.is(decodeBytes(W.LT_RAW, W.ipv6(seg, { extensions: [{ type: 'hop-by-hop' }] }), { caplen: 41 }).status, DecodeStatus.Truncated, 'extension header cut');
  t.is(decodeBytes(W.LT_RAW, W.ipv6(seg, { extensions: [{ type: 'fragment' }] }), { caplen: 45 }).status, DecodeStatus.Truncated, 'fragment header cut');
  t.is(decodeBytes(W.LT_RAW, W.ipv6(seg, { extensions: [{ type: 'hop-by-hop' }] }), { caplen: 48 + 19 }).status, DecodeStatus.Truncated, 'TCP header cut');
});

test('IPv6 payload length 0 (jumbogram / TSO): the captured length is used', (t) => {
  const d = decodeBytes(W.LT_RAW, W.ipv6(W.tcp(SEG), { payloadLength: 0 }));
  t.is(d.status, DecodeStatus.Tcp);
  t.is(d.payloadLength, 21);
});

// ---------------------------------------------------------------------------------------------
// TCP

test('TCP options decoded exactly: MSS, window scale, SACK permitted, timestamps, NOPs, EOL', (t) => {
  const options: W.TcpOption[] = [
    { kind: 'mss', value: 1460 }, { kind: 'sack-permitted' }, { kind: 'timestamp', val: 0xfedcba98, ecr: 0x01020304 },
    { kind: 'nop' }, { kind: 'ws', shift: 14 }, { kind: 'eol' },
  ];
  const d = decodeBytes(W.LT_RAW, W.ipv4(W.tcp({ ...SEG, flags: W.SYN, options })));
  t.is(d.status, DecodeStatus.Tcp);
  t.is(d.headerLength, 20 + 24, '21 option bytes padded to 24');
  t.is(d.payloadLength, 21);
  t.deepEqual(
    { mss: d.mss, ws: d.windowScale, sackPermitted: d.sackPermitted, ts: d.hasTimestamp, tsVal: d.tsVal, tsEcr: d.tsEcr, sack: d.sack },
    { mss: 1460, ws: 14, sackPermitted: true, ts: true, tsVal: 0xfedcba98, tsEcr: 0x01020304, sack: [] },
  );
  t.true(d.payload!.equals(SEG.payload), 'payload starts after the options');
});

test('TCP SACK blocks: 1 to 4 blocks, unsigned edges, with NOP alignment and timestamps', (t) => {
  const edges: [number, number][] = [[0xfffffff0, 0x10], [100, 200], [0x80000000, 0x80000100], [1, 2]];
  for (let n = 1; n <= 4; n++) {
    const blocks = edges.slice(0, n);
    const options: W.TcpOption[] = n <= 3
      ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', val: n, ecr: n + 1 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks }]
      : [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks }];
    const d = decodeBytes(W.LT_RAW, W.ipv6(W.tcp({ ...SEG, options })));
    t.is(d.status, DecodeStatus.Tcp);
    t.deepEqual(d.sack, blocks.flat(), `${n} blocks`);
    t.is(d.hasTimestamp, n <= 3);
    t.false(d.sackPermitted);
    t.is(d.mss, -1);
    t.is(d.windowScale, -1);
  }
});

test('TCP options: nothing after EOL is read; a bad option length ends parsing but keeps the segment', (t) => {
  const afterEol = decodeBytes(W.LT_RAW, W.ipv4(W.tcp({ ...SEG, options: [{ kind: 'eol' }, { kind: 'mss', value: 1 }, { kind: 'nop' }] })));
  t.is(afterEol.status, DecodeStatus.Tcp);
  t.is(afterEol.mss, -1);
  const badLength = decodeBytes(W.LT_RAW, W.ipv4(W.tcp({ ...SEG, options: [{ kind: 'ws', shift: 3 }, { kind: 'raw', bytes: [2, 1, 5, 0xb4] }, { kind: 'sack-permitted' }] })));
  t.is(badLength.status, DecodeStatus.Tcp);
  t.is(badLength.windowScale, 3);
  t.false(badLength.sackPermitted, 'parsing stopped at the length-1 option');
  const overrun = decodeBytes(W.LT_RAW, W.ipv4(W.tcp({ ...SEG, options: [{ kind: 'raw', bytes: [1, 1, 1, 1, 1, 1, 8, 10, 0, 0, 0, 1] }] })));
  t.is(overrun.status, DecodeStatus.Tcp);
  t.false(overrun.hasTimestamp, 'an option running past the header is ignored');
  const wrongSizes = decodeBytes(W.LT_RAW, W.ipv4(W.tcp({ ...SEG, options: [{ kind: 'raw', bytes: [2, 5, 1, 2, 3] }, { kind: 'raw', bytes: [3, 4, 1, 1] }, { kind: 'raw', bytes: [8, 6, 1, 2, 3, 4] }] })));
  t.is(wrongSizes.status, DecodeStatus.Tcp);
  t.deepEqual([wrongSizes.mss, wrongSizes.windowScale, wrongSizes.hasTimestamp], [-1, -1, false], 'options of the wrong size are not taken');
});

test('TCP options are reset between segments', (t) => {
  const decoder = new Decoder();
  const withAll = W.ipv4(W.tcp({ ...SEG, options: [{ kind: 'mss', value: 536 }, { kind: 'ws', shift: 2 }, { kind: 'sack-permitted' }, { kind: 'timestamp', val: 9, ecr: 8 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: [[1, 2]] }] }));
  const first = decodeBytes(W.LT_RAW, withAll, { decoder, no: 1 });
  t.deepEqual([first.mss, first.windowScale, first.sackPermitted, first.hasTimestamp, first.sack], [536, 2, true, true, [1, 2]]);
  const second = decodeBytes(W.LT_RAW, W.ipv4(W.tcp(SEG)), { decoder, no: 2 });
  t.deepEqual([second.mss, second.windowScale, second.sackPermitted, second.hasTimestamp, second.sack, second.frame], [-1, -1, false, false, [], 2]);
});

test('TCP options cut by the snaplen are read as far as captured', (t) => {
  const ip = W.ipv4(W.tcp({ ...SEG, options: [{ kind: 'mss', value: 1400 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', val: 1, ecr: 2 }] }));
  const d = decodeBytes(W.LT_RAW, ip, { caplen: 20 + 20 + 8 });
  t.is(d.status, DecodeStatus.Tcp);
  t.is(d.mss, 1400);
  t.false(d.hasTimestamp);
  t.is(d.payloadLength, 21);
  t.is(d.payloadCaptured, 0);
});

test('TCP flags: all nine bits including AE (ex-NS)', (t) => {
  const flags = W.FIN | W.SYN | W.RST | W.PSH | W.ACK | W.URG | W.ECE | W.CWR | W.AE;
  t.is(decodeBytes(W.LT_RAW, W.ipv4(W.tcp({ ...SEG, flags }))).flags, 0x1ff);
  t.is(decodeBytes(W.LT_RAW, W.ipv4(W.tcp({ ...SEG, flags: W.AE | W.RST }))).flags, 0x104);
});

test('TCP header damage: data offset < 5 or beyond the IP length is malformed; < 20 bytes captured is truncated', (t) => {
  t.is(decodeBytes(W.LT_RAW, W.ipv4(W.tcp({ ...SEG, dataOffset: 4 }))).status, DecodeStatus.Malformed);
  t.is(decodeBytes(W.LT_RAW, W.ipv4(W.tcp({ ...SEG, payload: new Uint8Array(0), dataOffset: 6 }))).status, DecodeStatus.Malformed);
  t.is(decodeBytes(W.LT_RAW, W.ipv4(W.tcp(SEG)), { caplen: 39 }).status, DecodeStatus.Truncated);
});

test('snaplen-cut segment: payloadLength from the IP length, payloadCaptured what is there', (t) => {
  const payload = W.pattern(1400);
  const frame = W.ethernet(W.ipv4(W.tcp({ ...SEG, payload, options: [{ kind: 'timestamp', val: 1, ecr: 2 }, { kind: 'nop' }, { kind: 'nop' }] })));
  const d = decodeBytes(W.LT_ETHERNET, frame, { caplen: 96, origlen: frame.length });
  t.is(d.status, DecodeStatus.Tcp);
  t.is(d.headerLength, 32);
  t.is(d.payloadLength, 1400);
  t.is(d.payloadCaptured, 96 - 14 - 20 - 32);
  t.true(d.payload!.equals(payload.subarray(0, 30)));
  t.is(d.frameLength, frame.length);
  t.true(d.hasTimestamp);

  const v6 = W.ethernet(W.ipv6(W.tcp({ ...SEG, payload }), { extensions: [{ type: 'hop-by-hop' }] }));
  const e = decodeBytes(W.LT_ETHERNET, v6, { caplen: 14 + 40 + 8 + 20 + 1 });
  t.is(e.payloadLength, 1400);
  t.is(e.payloadCaptured, 1);
});

test('Ethernet padding after a short IP packet is not payload', (t) => {
  const frame = W.ethernet(W.ipv4(W.tcp({ ...SEG, payload: new Uint8Array(0), flags: W.ACK })), { padTo60: true });
  t.is(frame.length, 60);
  const d = decodeBytes(W.LT_ETHERNET, frame);
  t.is(d.status, DecodeStatus.Tcp);
  t.is(d.payloadLength, 0);
  t.is(d.payloadCaptured, 0);
  const one = decodeBytes(W.LT_ETHERNET, W.ethernet(W.ipv4(W.tcp({ ...SEG, payload: Buffer.from('x') })), { padTo60: true }));
  t.is(one.payloadLength, 1);
  t.is(one.payloadCaptured, 1);
});

// ---------------------------------------------------------------------------------------------
// Counting what is not TCP

test('decode status counts for a mixed capture (UDP, ARP, ICMP, fragments, damage, other link types, custom blocks)', async (t) => {
  const tcpV4 = W.ipv4(W.tcp(SEG));
  const frames: [number, Buffer][] = [
    [0, W.ethernet(tcpV4)], // 1 tcp
    [0, W.arpFrame()], // 2 notIp
    [0, W.ethernet(W.ipv4(W.udp(W.pattern(12)), { protocol: W.PROTO_UDP }))], // 3 notTcp
    [0, W.ethernet(W.ipv4(W.icmpEcho(), { protocol: W.PROTO_ICMP }))], // 4 notTcp
    [0, W.ethernet(W.ipv4(W.icmpUnreachable(tcpV4), { protocol: W.PROTO_ICMP }))], // 5 notTcp (quotes a TCP header)
    [0, W.ethernet(W.ipv6(W.icmpEcho(), { nextHeader: W.PROTO_ICMPV6 }))], // 6 notTcp
    [0, W.ethernet(W.ipv4(W.pattern(40), { fragmentOffset: 100 }))], // 7 ipFragment
    [0, W.ethernet(tcpV4).subarray(0, 30)], // 8 truncated
    [0, W.ethernet(W.ipv4(W.tcp({ ...SEG, dataOffset: 2 })))], // 9 malformed
    [1, W.pattern(30)], // 10 unsupportedLink (802.11)
    [-1, Buffer.alloc(0)], // 11 custom block: noPacket
    [0, W.ethernet(W.ipv6(W.tcp(SEG)))], // 12 tcp
  ];
  const b = new W.PcapngBuilder().shb().idb(W.LT_ETHERNET).idb(105);
  frames.forEach(([iface, data], i) => (iface < 0 ? b.custom() : b.epb(iface, 100 + i, 0, data)));
  const info = await captureInfo([tmp.write('mixed.pcapng', b.build())]);
  t.is(info.frames, 12);
  t.is(info.packets, 11);
  t.is(info.tcpSegments, 2);
  t.deepEqual(info.decode, { tcp: 2, noPacket: 1, unsupportedLink: 1, notIp: 1, notTcp: 4, ipFragment: 1, truncated: 1, malformed: 1 });
  t.deepEqual(info.damagedFrames, [8, 9]);
});
