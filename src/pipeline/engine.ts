/**
 * The streaming pass every analysis starts with: capture files → frames → TCP segments → connection
 * records. Run in this thread (pipeline/run.ts), or once per shard in worker threads (pipeline/shards.ts).
 */
import { readCaptures, type FileSummary, type ReadOptions } from '../capture/reader.js';
import { Decoder, type EncapsulationSummary } from '../decode/decoder.js';
import type { TunnelOptions } from '../decode/tunnel-ports.js';
import { DecodeStatus, type DecodeStatusName } from '../decode/status.js';
import type { ConnectionSummary } from '../tcp/connection-summary.js';
import { TcpTracker, type TrackerOptions } from '../tcp/tracker.js';
import { captureSpan } from '../capture/reader.js';
import { httpLayer, type HttpOptions } from '../http/http-layer.js';

export interface Tracking {
  connections: number;
  peakLive: number;
  evicted: number;
  maxLive: number;
  latePackets: number;
}

export interface EngineRun {
  summaries: FileSummary[];
  frames: number;
  tcpSegments: number;
  decode: Record<DecodeStatusName, number>;
  encapsulation: EncapsulationSummary;
  /** The records as views; empty for a shard (its store goes to the calling thread, which makes them). */
  connections: ConnectionSummary[];
  /** How many records the store holds. */
  count: number;
  tracker: TcpTracker;
}

export interface EngineOptions extends ReadOptions, Omit<TrackerOptions, 'application'>, TunnelOptions, HttpOptions {
  /**
   * Follow only the connections of shard `shard` of `shards` (by flow hash): each of several threads
   * reads the whole capture and tracks its share (pipeline/shards.ts). The decoder tells them apart.
   */
  shard?: number;
  shards?: number;
}

export async function runEngine(paths: readonly string[], options: EngineOptions): Promise<EngineRun> {
  const decoder = new Decoder(options);
  decoder.shard = options.shard ?? 0;
  decoder.shards = options.shards ?? 1;
  const tracker = new TcpTracker({
    ...options,
    describeEncap: (id) => decoder.encaps.describe(id),
    ...(options.http === false ? {} : { application: httpLayer() }),
  });
  let frames = 0;
  let tcp = 0;
  const summaries = await readCaptures(paths, (frame) => {
    frames++;
    if (decoder.decode(frame) !== DecodeStatus.Tcp) return;
    tcp++;
    if (decoder.foreign) tracker.skip(decoder.segment);
    else tracker.add(decoder.segment);
  }, options);
  const end = captureSpan(summaries).endSeconds;
  const sharded = decoder.shards > 1;
  const connections = sharded ? [] : tracker.finish(end);
  const count = sharded ? tracker.finishRows(end) : connections.length;
  return { summaries, frames, tcpSegments: tcp, decode: decoder.countsByName(), encapsulation: decoder.encapsulation(), connections, count, tracker };
}
