/** A worker thread of pipeline/shards.ts: the engine pass over one shard of the connections. */
import { parentPort, workerData } from 'node:worker_threads';
import { CaptureError } from '../capture/errors.js';
import { runEngine } from './engine.js';
import type { ShardJob, ShardMessage } from './shards.js';

const job = workerData as ShardJob;
let message: ShardMessage;
try {
  const run = await runEngine(job.paths, job.options);
  const t = run.tracker;
  const store = t.summaryStore.toData();
  message = {
    ok: true, summaries: run.summaries, frames: run.frames, tcpSegments: run.tcpSegments, decode: run.decode,
    count: run.count, store, peakLive: t.peakLive, evicted: t.evicted, latePackets: t.latePackets,
  };
} catch (err) {
  message = err instanceof CaptureError
    ? { ok: false, capture: { file: err.file, offset: err.offset, reason: err.reason }, message: err.message }
    : { ok: false, capture: null, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
parentPort!.postMessage(message);

