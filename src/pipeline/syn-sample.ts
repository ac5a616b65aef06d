/**
 * How many of a capture's sampled TCP segments open a connection (bare SYNs): shards.ts uses it to
 * decide whether several threads pay. They split the per-connection work, but each reads and decodes
 * every packet, so a capture of few long connections is read faster by one thread. The frames come
 * from capture/sample.ts; the decoding is here so that the capture stage knows nothing of TCP.
 * Never throws: a capture it cannot sample gives null.
 */
import { sampleFrames } from '../capture/sample.js';
import { Decoder } from '../decode/decoder.js';
import { DecodeStatus } from '../decode/status.js';
import { ACK, SYN } from '../decode/segment.js';

export interface TcpSample {
  segments: number;
  /** Segments with SYN and without ACK: connection attempts. */
  syns: number;
}

export function sampleTcp(path: string): TcpSample | null {
  const out: TcpSample = { segments: 0, syns: 0 };
  const decoder = new Decoder();
  try {
    const sampled = sampleFrames(path, (frame) => {
      if (decoder.decode(frame) !== DecodeStatus.Tcp) return;
      out.segments++;
      if ((decoder.segment.flags & (SYN | ACK)) === SYN) out.syns++;
    });
    return sampled ? out : null;
  } catch {
    return null;
  }
}
