/**
 * Tunnels and overlays, frame by frame: each encapsulation the decoder unwraps (written here byte by
 * byte from the RFC layouts cited in src/decode/), what it says about the layers, and the damage it
 * must count instead of misreading: truncated and lying headers, nesting beyond the bound.
 */
import test from 'ava';
import { Decoder } from '../../src/decode/decoder.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { newFrame, type Frame } from '../../src/capture/frame.js';
import type { TunnelOptions } from '../../src/decode/tunnel-ports.js';
import * as W from '../helpers/capture-writer.js';

const SEG = { srcPort: 40001, dstPort: 80, seq: 1000, ack: 2000, flags: W.PSH | W.ACK, window: 512, payload: W.pattern(10) };
const INNER4 = W.ipv4(W.tcp(SEG), { src: '10.244.1.5', dst: '10.244.2.7' });
const INNER6 = W.ipv6(W.tcp(SEG));
const PROTO_IPIP = 4;
const PROTO_IPV6 = 41;
const PROTO_GRE = 47;

const u8 = (v: number) => Buffer.from([v & 0xff]);
const u24 = (v: number) => Buffer.from([(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);

function decode(linkType: number, bytes: Uint8Array, o: { decoder?: Decoder; caplen?: number; no?: number; tunnels?: TunnelOptions } = {}) {
  const decoder = o.decoder ?? new Decoder(o.tunnels);
  const data = new Uint8Array(bytes.length + 32).fill(0xee);
  data.set(bytes, 7);
  const frame: Frame = { ...newFrame(), no: o.no ?? 1, tsSec: 1_700_000_000, tsNsec: 0, linkType, caplen: o.caplen ?? bytes.length, origlen: bytes.length, data, offset: 7 };
  const status = decoder.decode(frame);
  const s = decoder.segment;
  return {
    status, decoder, srcPort: s.srcPort, dstPort: s.dstPort, seq: s.seq, payloadLength: s.payloadLength, vlan: s.vlan,
    addr: [...s.addr], layers: status === DecodeStatus.Tcp ? decoder.encaps.describe(s.encap) : [],
  };
}

/** Outer Ethernet / IPv4 / UDP to `port`. */
const overUdp = (port: number, payload: Uint8Array, srcPort = 51000) =>
  W.ethernet(W.ipv4(W.udp(payload, srcPort, port), { protocol: W.PROTO_UDP, src: '192.0.2.10', dst: '192.0.2.20' }));
const overIp = (protocol: number, payload: Uint8Array) => W.ethernet(W.ipv4(payload, { protocol, src: '192.0.2.10', dst: '192.0.2.20' }));
const vxlan = (vni: number, frame: Uint8Array) => W.concat(u8(0x08), u24(0), u24(vni), u8(0), frame);
const INNER_ETH = W.ethernet(INNER4);

function expectInner(t: import('ava').ExecutionContext, d: ReturnType<typeof decode>, layers: string[], label: string): void {
  t.is(d.status, DecodeStatus.Tcp, label);
  t.deepEqual([d.srcPort, d.dstPort, d.seq, d.payloadLength], [SEG.srcPort, SEG.dstPort, SEG.seq, 10], `${label}: the inner segment`);
  t.deepEqual([...d.layers], layers, `${label}: layers`);
}

test('VXLAN (UDP 4789): the inner Ethernet frame\'s TCP segment, with the VNI; addresses are the inner ones', (t) => {
  const d = decode(W.LT_ETHERNET, overUdp(4789, vxlan(42, INNER_ETH)));
  expectInner(t, d, ['vxlan vni 42'], 'vxlan');
  t.is(d.addr[3], 0x0af40105, 'inner source 10.244.1.5');
  t.deepEqual(d.decoder.encapsulation().frames, { vxlan: 1 });
});

test('VXLAN on Linux\'s legacy port 8472: plain UDP by default, decoded when the port is configured', (t) => {
  const frame = overUdp(8472, vxlan(7, INNER_ETH));
  t.is(decode(W.LT_ETHERNET, frame).status, DecodeStatus.NotTcp);
  expectInner(t, decode(W.LT_ETHERNET, frame, { tunnels: { tunnelPorts: { vxlan: [8472] } } }), ['vxlan vni 7'], 'vxlan 8472');
  t.throws(() => new Decoder({ tunnelPorts: { vxlan: [70000] } }), { message: /not a UDP port/ });
});

test('Geneve (UDP 6081) with options skipped by their length; Ethernet or IP payload; lying option length', (t) => {
  const options = W.concat(W.u16(0x0102), u8(0x80), u8(2), W.pattern(8)); // one TLV: class, type, length 2 words
  const geneve = (protocol: number, payload: Uint8Array, optWords = 3) => W.concat(u8(optWords & 0x3f), u8(0), W.u16(protocol), u24(5001), u8(0), options, payload);
  expectInner(t, decode(W.LT_ETHERNET, overUdp(6081, geneve(0x6558, INNER_ETH))), ['geneve vni 5001'], 'geneve ethernet');
  expectInner(t, decode(W.LT_ETHERNET, overUdp(6081, geneve(0x0800, INNER4))), ['geneve vni 5001'], 'geneve ip');
  t.is(decode(W.LT_ETHERNET, overUdp(6081, geneve(0x6558, W.pattern(4), 63))).status, DecodeStatus.Malformed, 'options longer than the datagram');
  const whole = overUdp(6081, geneve(0x6558, INNER_ETH));
  t.is(decode(W.LT_ETHERNET, whole, { caplen: 14 + 20 + 8 + 10 }).status, DecodeStatus.Truncated, 'header cut by the snaplen');
  t.is(decode(W.LT_ETHERNET, overUdp(6081, W.concat(u8(0x40), u8(0), W.u16(0x6558), u24(1), u8(0), INNER_ETH))).status, DecodeStatus.Malformed, 'version 1');
});

test('GRE (RFC 2784/2890): IP payload, key and sequence number, Ethernet (TEB), routing field; versions other than 0/1 are malformed', (t) => {
  expectInner(t, decode(W.LT_ETHERNET, overIp(PROTO_GRE, W.concat(W.u16(0), W.u16(0x0800), INNER4))), ['gre'], 'plain');
  const keyed = W.concat(W.u16(0xb000), W.u16(0x6558), W.u16(0xbeef), W.u16(0), W.u32(7), W.u32(99), INNER_ETH); // C K S
  expectInner(t, decode(W.LT_ETHERNET, overIp(PROTO_GRE, keyed)), ['gre key 7'], 'checksum, key, sequence, TEB');
  const routed = W.concat(W.u16(0x4000), W.u16(0x0800), W.u32(0), W.u16(0x0800), u8(0), u8(4), W.u32(0x0a000001), W.u32(0), INNER4);
  expectInner(t, decode(W.LT_ETHERNET, overIp(PROTO_GRE, routed)), ['gre'], 'RFC 1701 source route entries');
  t.is(decode(W.LT_ETHERNET, overIp(PROTO_GRE, W.concat(W.u16(3), W.u16(0x0800), INNER4))).status, DecodeStatus.Malformed);
  t.is(decode(W.LT_ETHERNET, overIp(PROTO_GRE, W.concat(W.u16(0x2000), W.u16(0x0800)))).status, DecodeStatus.Malformed, 'key beyond the datagram');
});

test('ERSPAN types I, II and III (with the platform sub-header): the mirrored Ethernet frame, with the session id', (t) => {
  const type1 = W.concat(W.u16(0), W.u16(0x88be), INNER_ETH);
  expectInner(t, decode(W.LT_ETHERNET, overIp(PROTO_GRE, type1)), ['erspan-i'], 'type I');
  const type2 = W.concat(W.u16(0x1000), W.u16(0x88be), W.u32(1), W.u16(0x1000 | 12), W.u16(0x0000 | 5), W.u32(0), INNER_ETH);
  expectInner(t, decode(W.LT_ETHERNET, overIp(PROTO_GRE, type2)), ['erspan-ii session 5'], 'type II');
  const type3 = W.concat(W.u16(0x1000), W.u16(0x22eb), W.u32(1), W.u16(0x2000), W.u16(9), W.u32(0x12345678), W.u16(0), u8(0), u8(1), W.pattern(8), INNER_ETH);
  expectInner(t, decode(W.LT_ETHERNET, overIp(PROTO_GRE, type3)), ['erspan-iii session 9'], 'type III, platform sub-header');
  t.is(decode(W.LT_ETHERNET, overIp(PROTO_GRE, W.concat(W.u16(0x1000), W.u16(0x88be), W.u32(1), W.u16(0x3000), W.u16(5), W.u32(0), INNER_ETH))).status,
    DecodeStatus.Malformed, 'type II with a wrong version');
});

test('IP-in-IP, 6in4, 4in6 and IPv6-in-IPv6; an inner header of the wrong version is malformed', (t) => {
  expectInner(t, decode(W.LT_ETHERNET, overIp(PROTO_IPIP, INNER4)), ['ip-in-ip'], 'ipip');
  expectInner(t, decode(W.LT_ETHERNET, overIp(PROTO_IPV6, INNER6)), ['6in4'], '6in4');
  expectInner(t, decode(W.LT_ETHERNET, W.ethernet(W.ipv6(INNER4, { nextHeader: PROTO_IPIP }))), ['4in6'], '4in6');
  expectInner(t, decode(W.LT_ETHERNET, W.ethernet(W.ipv6(INNER6, { nextHeader: PROTO_IPV6 }))), ['ip6-in-ip6'], 'ip6ip6');
  t.is(decode(W.LT_ETHERNET, overIp(PROTO_IPIP, INNER6)).status, DecodeStatus.Malformed);
});

test('double VLAN + MPLS label stack: every label is a layer, the VLAN is the outer tag; LLC/SNAP before IPv4', (t) => {
  const labels = W.concat(W.u32((100 << 12) | (0 << 9) | 64), W.u32((200 << 12) | (1 << 8) | 64));
  const frame = W.concat(W.ethernet(new Uint8Array(0), { ethertype: W.ETHERTYPE_QINQ }).subarray(0, 14), W.u16(300), W.u16(W.ETHERTYPE_VLAN), W.u16(301), W.u16(0x8847), labels, INNER4);
  const d = decode(W.LT_ETHERNET, frame);
  expectInner(t, d, ['mpls label 100', 'mpls label 200'], 'qinq + mpls');
  t.is(d.vlan, 300);
  t.is(decode(W.LT_ETHERNET, W.concat(frame.subarray(0, 22), W.u32(100 << 12))).status, DecodeStatus.Truncated, 'no bottom of stack before the end');
  const pseudowire = W.concat(frame.subarray(0, 22), W.u32((100 << 12) | (1 << 8)), W.u32(0), INNER_ETH);
  t.is(decode(W.LT_ETHERNET, pseudowire).status, DecodeStatus.NotIp, 'Ethernet pseudowire (control word): not IP');
  const snap = W.concat(W.ethernet(new Uint8Array(0), { ethertype: 8 + INNER4.length }).subarray(0, 14), Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0]), W.u16(0x0800), INNER4);
  expectInner(t, decode(W.LT_ETHERNET, snap), ['llc-snap'], 'llc/snap');
  const novell = W.concat(W.ethernet(new Uint8Array(0), { ethertype: 40 }).subarray(0, 14), Buffer.from([0xff, 0xff]), W.pattern(38));
  t.is(decode(W.LT_ETHERNET, novell).status, DecodeStatus.NotIp, 'raw 802.3 (not SNAP)');
});

test('GTP-U (UDP 2152): G-PDU with sequence number and a PDU session container extension; signalling messages are not TCP', (t) => {
  const ext = W.concat(u8(1), u8(0x10), u8(9), u8(0)); // one 4-byte extension header, then "no more"
  const gpdu = W.concat(u8(0x36), u8(0xff), W.u16(4 + ext.length + INNER4.length), W.u32(0x9e40ba4f), W.u16(1), u8(0), u8(0x85), ext, INNER4);
  expectInner(t, decode(W.LT_ETHERNET, overUdp(2152, gpdu)), ['gtp-u teid 0x9e40ba4f'], 'gtp-u');
  const echo = W.concat(u8(0x32), u8(0x01), W.u16(4), W.u32(0), W.u16(1), u8(0), u8(0));
  t.is(decode(W.LT_ETHERNET, overUdp(2152, echo)).status, DecodeStatus.NotTcp, 'echo request');
  const zeroLength = W.concat(u8(0x34), u8(0xff), W.u16(8), W.u32(1), W.u16(1), u8(0), u8(0x85), u8(0), W.pattern(3), INNER4);
  t.is(decode(W.LT_ETHERNET, overUdp(2152, zeroLength)).status, DecodeStatus.Malformed, 'extension header of length 0');
});

test('GTP-U behind a fragmented outer IPv4 packet: reassembled, decoded at the frame of the last fragment', (t) => {
  const gpdu = W.concat(u8(0x30), u8(0xff), W.u16(INNER4.length), W.u32(0x1234), INNER4);
  const udp = W.udp(gpdu, 2152, 2152);
  const decoder = new Decoder();
  const first = W.ethernet(W.ipv4(udp.subarray(0, 32), { protocol: W.PROTO_UDP, moreFragments: true, id: 5 }));
  const second = W.ethernet(W.ipv4(udp.subarray(32), { protocol: W.PROTO_UDP, fragmentOffset: 4, id: 5 }));
  t.is(decode(W.LT_ETHERNET, first, { decoder, no: 4 }).status, DecodeStatus.Fragment);
  const d = decode(W.LT_ETHERNET, second, { decoder, no: 5 });
  expectInner(t, d, ['gtp-u teid 0x00001234'], 'reassembled');
  t.is(decoder.segment.frame, 5);
});

test('Teredo (UDP 3544) with origin and authentication indicators; on other ports by its shape (Zeek) unless turned off', (t) => {
  const origin = W.concat(W.u16(0), W.u16(0x1234), W.u32(0x01020304));
  const auth = W.concat(W.u16(1), u8(2), u8(0), W.pattern(2), W.pattern(8), u8(0));
  expectInner(t, decode(W.LT_ETHERNET, overUdp(3544, W.concat(origin, INNER6))), ['teredo'], 'origin indicator');
  expectInner(t, decode(W.LT_ETHERNET, overUdp(3544, W.concat(auth, origin, INNER6))), ['teredo'], 'authentication + origin');
  const relayed = overUdp(32900, INNER6, 3797);
  expectInner(t, decode(W.LT_ETHERNET, relayed), ['teredo'], 'after qualification, on other ports');
  t.is(decode(W.LT_ETHERNET, relayed, { tunnels: { teredoHeuristic: false } }).status, DecodeStatus.NotTcp, 'heuristic off');
  t.is(decode(W.LT_ETHERNET, overUdp(32900, W.concat(INNER6, W.pattern(3)), 3797)).status, DecodeStatus.NotTcp, 'an IPv6 length that does not fill the datagram: not Teredo');
});

test('AYIYA (UDP 5072): identity and signature skipped by their lengths; heartbeats are not TCP', (t) => {
  const header = (next: number) => W.concat(u8(0x41), u8(0x52), u8(0x11), u8(next), W.u32(1_700_000_000), W.pattern(16), W.pattern(20));
  expectInner(t, decode(W.LT_ETHERNET, overUdp(5072, W.concat(header(PROTO_IPV6), INNER6))), ['ayiya'], 'ipv6 in ayiya');
  t.is(decode(W.LT_ETHERNET, overUdp(5072, header(59))).status, DecodeStatus.NotTcp, 'no next header');
  t.is(decode(W.LT_ETHERNET, overUdp(5072, header(PROTO_IPV6).subarray(0, 30))).status, DecodeStatus.Malformed, 'identity beyond the datagram');
});

test('nesting: TCP in VXLAN in GRE-in-UDP in IP-in-IP is three layers deep; 13 levels is an attack, counted as malformed', (t) => {
  const vx = W.udp(vxlan(9, INNER_ETH), 50000, 4789);
  const greUdp = W.udp(W.concat(W.u16(0), W.u16(0x0800), W.ipv4(vx, { protocol: W.PROTO_UDP })), 50001, 4754);
  const ipip = W.ipv4(greUdp, { protocol: W.PROTO_UDP });
  expectInner(t, decode(W.LT_ETHERNET, overIp(PROTO_IPIP, ipip)), ['ip-in-ip', 'gre-in-udp', 'vxlan vni 9'], 'three deep');
  let deep: Uint8Array = INNER4;
  for (let i = 0; i < 13; i++) deep = W.ipv4(deep, { protocol: PROTO_IPIP });
  const decoder = new Decoder();
  t.is(decode(W.LT_RAW, deep, { decoder }).status, DecodeStatus.Malformed);
  t.is(decoder.encapsulation().tooDeep, 1);
  t.deepEqual(decoder.damagedFrames, [1]);
});

test('truncated tunnel headers are counted as cut by the snaplen, and a DNS answer from an overlay port stays UDP', (t) => {
  const whole = overUdp(4789, vxlan(42, INNER_ETH));
  t.is(decode(W.LT_ETHERNET, whole, { caplen: 14 + 20 + 8 + 5 }).status, DecodeStatus.Truncated, 'inside the VXLAN header');
  t.is(decode(W.LT_ETHERNET, whole, { caplen: 14 + 20 + 8 + 8 + 10 }).status, DecodeStatus.Truncated, 'inside the inner Ethernet header');
  const gre = overIp(PROTO_GRE, W.concat(W.u16(0x2000), W.u16(0x0800), W.u32(1), INNER4));
  t.is(decode(W.LT_ETHERNET, gre, { caplen: 14 + 20 + 6 }).status, DecodeStatus.Truncated, 'inside the GRE key');
  const gtp = W.concat(u8(0x30), u8(0x01), W.u16(0), W.u32(0));
  t.is(decode(W.LT_ETHERNET, overUdp(40000, gtp, 2152)).status, DecodeStatus.NotTcp, 'GTP echo from port 2152');
});
