/**
 * The second, selective read of a capture: every segment of a few connections (those the HTML
 * report draws as ladders and time-sequence graphs), which the connection records do not keep.
 * Standard input cannot be read again; the report then draws the events it kept and says so.
 */
import { readCaptures } from '../capture/reader.js';
import { Decoder } from '../decode/decoder.js';
import { formatAddress } from '../decode/address.js';
import { DecodeStatus } from '../decode/status.js';
import { SYN, ACK } from '../decode/segment.js';
import type { TunnelOptions } from '../decode/tunnel-ports.js';
import type { ConnectionRecord } from '../model/report.js';
import type { SegmentDetail, SegmentDetails } from '../model/segments.js';

/** Segments per connection at most: a drawing needs no more, and memory stays bounded. */
const MAX_SEGMENTS = 20_000;

class PastTheLastFrame extends Error {}

export async function readConnectionSegments(paths: readonly string[], conns: readonly ConnectionRecord[], options: TunnelOptions): Promise<SegmentDetails> {
  const byConnection = new Map<number, SegmentDetail[]>();
  if (conns.length === 0) return { byConnection, unavailable: null };
  if (paths.includes('-')) return { byConnection, unavailable: 'standard input cannot be read a second time' };
  // Ports first (cheap), addresses only when they match; a connection's frames lie within its first..last frame.
  const byPorts = new Map<number, ConnectionRecord[]>();
  const portKey = (a: number, b: number): number => Math.min(a, b) * 65536 + Math.max(a, b);
  for (const c of conns) {
    const k = portKey(c.client.port, c.server.port);
    byPorts.set(k, [...(byPorts.get(k) ?? []), c]);
    byConnection.set(c.id, []);
  }
  const lastFrame = conns.reduce((m, c) => Math.max(m, c.lastFrame), -Infinity);
  const isn = new Map<string, number>();
  const decoder = new Decoder(options);
  try {
    await readCaptures(paths, (frame) => {
      if (decoder.decode(frame) !== DecodeStatus.Tcp) return;
      const s = decoder.segment;
      if (s.frame > lastFrame) throw new PastTheLastFrame();
      const candidates = byPorts.get(portKey(s.srcPort, s.dstPort));
      if (candidates === undefined) return;
      const src = formatAddress(s.addr, 0, s.ipVersion);
      const dst = formatAddress(s.addr, 4, s.ipVersion);
      for (const c of candidates) {
        if (s.frame < c.firstFrame || s.frame > c.lastFrame) continue;
        const fromClient = src === c.client.ip && s.srcPort === c.client.port && dst === c.server.ip && s.dstPort === c.server.port;
        const fromServer = src === c.server.ip && s.srcPort === c.server.port && dst === c.client.ip && s.dstPort === c.client.port;
        if (!fromClient && !fromServer) continue;
        const list = byConnection.get(c.id)!;
        if (list.length >= MAX_SEGMENTS) return;
        const mine = `${c.id}${fromClient ? 'c' : 's'}`;
        const peer = `${c.id}${fromClient ? 's' : 'c'}`;
        if (!isn.has(mine)) isn.set(mine, s.seq);
        if (s.flags & ACK && !isn.has(peer)) isn.set(peer, (s.ack - 1) >>> 0);
        const scale = s.flags & SYN ? 0 : ((fromClient ? c.windowScale.client : c.windowScale.server) ?? 0);
        list.push({
          frame: s.frame, time: s.time, fromClient, flags: s.flags,
          seq: (s.seq - isn.get(mine)!) >>> 0, ack: s.flags & ACK ? (s.ack - isn.get(peer)!) >>> 0 : -1,
          len: s.payloadLength, window: s.window * 2 ** scale,
        });
        return;
      }
    });
  } catch (err) {
    if (!(err instanceof PastTheLastFrame)) throw err;
  }
  return { byConnection, unavailable: null };
}
