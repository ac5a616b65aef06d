/**
 * Scripted TCP conversations written as a classic pcap (Ethernet, IPv4) with the test capture
 * writer: for finding rules the bundled samples do not show yet. Each call adds one segment at a
 * time relative to the capture start; sequence and acknowledgement numbers follow from what each
 * side sent, so the TCP stage sees a consistent connection.
 */
import { writeFileSync } from 'node:fs';
import { ACK, FIN, LT_ETHERNET, PSH, RST, SYN, ethernet, ipv4, pattern, pcapFile, tcp, type PcapRecord } from '../helpers/capture-writer.js';

const BASE_SEC = 1_800_000_000;

interface Side { ip: string; port: number; seq: number }

export class Conversation {
  private readonly c: Side;
  private readonly s: Side;
  constructor(private readonly out: PcapRecord[], client: string, server: string, isn = 1000) {
    const [cip, cport] = client.split(':');
    const [sip, sport] = server.split(':');
    this.c = { ip: cip!, port: Number(cport), seq: isn };
    this.s = { ip: sip!, port: Number(sport), seq: isn * 7 };
  }

  private send(from: 'client' | 'server', t: number, flags: number, len = 0): this {
    const a = from === 'client' ? this.c : this.s;
    const b = from === 'client' ? this.s : this.c;
    const seg = tcp({ srcPort: a.port, dstPort: b.port, seq: a.seq, ack: flags & ACK ? b.seq : 0, flags, payload: len > 0 ? pattern(len, this.out.length) : undefined });
    this.out.push({ tsSec: BASE_SEC + Math.floor(t), tsFrac: Math.round((t % 1) * 1e6), data: ethernet(ipv4(seg, { src: a.ip, dst: b.ip })) });
    a.seq += len + (flags & (SYN | FIN) ? 1 : 0);
    return this;
  }

  /** SYN, SYN/ACK, ACK, 1 ms apart. */
  open(t: number): this {
    return this.send('client', t, SYN).send('server', t + 0.001, SYN | ACK).send('client', t + 0.002, ACK);
  }
  data(from: 'client' | 'server', t: number, len: number): this {
    return this.send(from, t, PSH | ACK, len);
  }
  ack(from: 'client' | 'server', t: number): this {
    return this.send(from, t, ACK);
  }
  fin(from: 'client' | 'server', t: number): this {
    return this.send(from, t, FIN | ACK);
  }
  /** A RST as a kernel without a socket sends it: seq = what the peer acknowledged, no ACK flag. */
  rst(from: 'client' | 'server', t: number): this {
    return this.send(from, t, RST);
  }
}

/** Records, sorted by time, as a pcap file at `path`. */
export function writeConversations(path: string, records: PcapRecord[]): string {
  const sorted = [...records].sort((x, y) => x.tsSec - y.tsSec || x.tsFrac - y.tsFrac);
  writeFileSync(path, pcapFile({ linkType: LT_ETHERNET, records: sorted }));
  return path;
}
