/**
 * The engine pass on several cores. Each thread (this one runs shard 0, workers the others) reads the
 * whole capture (reading and decoding are cheap: ~0.3 s a gigabyte) and follows only the connections
 * whose flow hash falls in its shard; a 4-tuple always hashes to one shard, so each connection is
 * tracked whole, exactly as in one thread. The summary stores live on SharedArrayBuffers (shared, not
 * copied) and the records are numbered here in order of first frame — Wireshark's tcp.stream rule —
 * so the report is the same as one thread's. A findings helper worker then builds the socket table
 * and the endpoint views from the shared stores. Differences, documented: `tracking.peakLive` is the
 * sum of the shards' peaks, and `--max-live` is divided between the shards by their shares.
 */
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CaptureError } from '../capture/errors.js';
import { sampleTcp, type TcpSample } from './syn-sample.js';
import type { FileSummary, ReadOptions } from '../capture/reader.js';
import type { DecodeStatusName } from '../decode/status.js';
import type { EncapsulationSummary } from '../decode/decoder.js';
import type { TunnelOptions } from '../decode/tunnel-ports.js';
import type { ConnectionRecord } from '../tcp/connection-record.js';
import { runEngine, type EngineOptions, type Tracking } from './engine.js';
import { shardShare } from '../decode/flow-hash.js';
import { ConnectionSummary } from '../tcp/connection-summary.js';
import type { EndpointOptions } from '../findings/endpoints.js';
import type { SocketTable } from '../findings/socket-table.js';
import type { EndpointView } from '../findings/types.js';
import { SummaryStore, type StoreData } from '../tcp/summary-store.js';
import type { HttpOptions } from '../http/http-layer.js';
import { decodeHttp } from '../http/http-record.js';
import { DEFAULT_MAX_LIVE, type TrackerOptions } from '../tcp/tracker.js';
import { collectGarbageIfLarge } from './memory.js';

/** More threads than this would each read the whole capture for little gain (and --threads 1000 is a typo). */
export const MAX_THREADS = 64;
/** Below this much input, starting threads costs more than it saves (see chooseThreads). */
const MIN_BYTES_FOR_THREADS = 256e6;
/** Files of a multi-file capture that are sampled at most. */
const MAX_SAMPLED_FILES = 4;
/** Share of sampled segments that open a connection from which two threads pay (see chooseThreads). */
const MIN_CONNECTION_SHARE = 0.05;
/**
 * Workers get none of this process's Node options (a caller's `--input-type`, `-e` and the like
 * would break them) and the young generation the CLI's shebang gives the main thread.
 */
const WORKER_OPTIONS = { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 12 } };

export interface ShardedRun {
  summaries: FileSummary[];
  frames: number;
  tcpSegments: number;
  decode: Record<DecodeStatusName, number>;
  encapsulation: EncapsulationSummary;
  connections: ConnectionRecord[];
  tracking: Tracking;
  /** A worker for the socket table and endpoint views, when the engine ran in several; null in one thread. */
  helper: FindingsHelper | null;
}

/** What the findings helper is asked (endpoint-worker.ts): the records' stores and their order. */
export type HelperJob =
  | {
      kind: 'table-and-views';
      stores: StoreData[];
      order: RecordOrder;
      timeWaitSec: number;
      span: { start: number; end: number };
      options: EndpointOptions;
    }
  | { kind: 'exit' };
export type HelperReply =
  | { ok: true; kind: 'table'; table: SocketTable }
  | { ok: true; kind: 'views'; views: EndpointView[] }
  | { ok: false; message: string };

/** Record `id` is row `row[id]` of store `store[id]`. */
interface RecordOrder {
  store: Uint8Array;
  row: Int32Array;
}

/**
 * A worker that builds the socket table from the shared stores, hands it over, then computes the
 * endpoint views from it — while this thread runs the detectors. `close` must be called when it is
 * not used.
 */
interface FindingsHelper {
  start(timeWaitSec: number, span: { start: number; end: number }, options: EndpointOptions): { table: Promise<SocketTable>; views: Promise<EndpointView[]> };
  close(): void;
}

function helperOf(w: Worker, stores: StoreData[], order: RecordOrder, exited: { code: number | null }): FindingsHelper {
  let used = false;
  return {
    start(timeWaitSec, span, options) {
      used = true;
      const table = deferred<SocketTable>();
      const views = deferred<EndpointView[]>();
      const fail = (err: Error): void => {
        table.reject(err);
        views.reject(err);
      };
      if (exited.code !== null) {
        fail(new Error(`findings helper thread exited with code ${exited.code} before it was used`));
        return { table: table.promise, views: views.promise };
      }
      w.on('message', (m: HelperReply) => {
        if (!m.ok) fail(new Error(m.message));
        else if (m.kind === 'table') table.resolve(m.table);
        else views.resolve(m.views);
      });
      w.once('error', fail);
      w.once('exit', (code) => fail(new Error(`findings helper thread exited with code ${code} before it reported`)));
      const job: HelperJob = { kind: 'table-and-views', stores, order, timeWaitSec, span, options };
      w.postMessage(job);
      return { table: table.promise, views: views.promise };
    },
    close() {
      if (!used) w.postMessage({ kind: 'exit' } satisfies HelperJob);
      used = true;
    },
  };
}

/** A promise with its resolve and reject (settling twice is ignored, as for any promise). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // a rejection is seen by whoever awaits it
  return { promise, resolve, reject };
}

/**
 * Rows of each store are in order of first frame; merged by it, they are numbered as Wireshark
 * numbers tcp.stream.
 */
function mergeOrder(stores: readonly SummaryStore[], counts: readonly number[]): RecordOrder {
  const total = counts.reduce((n, c) => n + c, 0);
  const order: RecordOrder = { store: new Uint8Array(total), row: new Int32Array(total) };
  const next = new Int32Array(stores.length);
  const heads = stores.map((st, s) => (counts[s]! > 0 ? ConnectionSummary.firstFrameOf(st, 0) : Infinity));
  for (let id = 0; id < total; id++) {
    let best = 0;
    for (let s = 1; s < stores.length; s++) if (heads[s]! < heads[best]!) best = s;
    const row = next[best]!++;
    order.store[id] = best;
    order.row[id] = row;
    heads[best] = next[best]! < counts[best]! ? ConnectionSummary.firstFrameOf(stores[best]!, next[best]!) : Infinity;
  }
  return order;
}

/** The records in `order`, as views onto the stores. */
function recordsInOrder(stores: readonly SummaryStore[], order: RecordOrder): ConnectionSummary[] {
  const out = new Array<ConnectionSummary>(order.row.length);
  for (let id = 0; id < out.length; id++) out[id] = new ConnectionSummary(stores[order.store[id]!]!, order.row[id]!, id);
  return out;
}

/** What a worker sends back. */
export type ShardMessage =
  | {
      ok: true;
      summaries: FileSummary[];
      frames: number;
      tcpSegments: number;
      decode: Record<DecodeStatusName, number>;
      count: number;
      store: StoreData;
      peakLive: number;
      evicted: number;
      latePackets: number;
    }
  | { ok: false; capture: { file: string; offset: number; reason: string } | null; message: string };

type ShardResult = Omit<Extract<ShardMessage, { ok: true }>, 'store' | 'ok'> & { store: SummaryStore };

export interface ShardJob {
  paths: readonly string[];
  options: EngineOptions;
}

/**
 * How many threads to read `paths` with (1: this thread). Standard input can be read only once.
 *
 * Threads split the per-connection work, but each reads and decodes every packet and they slow each
 * other down (on this 2-core machine two engine threads run ~1.3–1.5× slower than one alone), so
 * they pay on large captures of many short connections and lose on few long ones. Measured on cuts
 * of the benchmark capture: 6.9 % of segments opening a connection, 1 GB: 2.5 s with two threads
 * against 3.2 s with one; 10.6 %, 371 MB: 2.0 against 2.3 s; 3.2 %, 637 MB: 1.77 against 1.69 s;
 * 4.4 %, 100 MB: 0.62 against 0.48 s. Hence two threads from 256 MB when a sample of the capture
 * (capture/sample.ts) finds at least 5 % of its segments to be connection attempts, or when the
 * format cannot be sampled.
 */
export function chooseThreads(paths: readonly string[], options: { threads?: number | undefined }): number {
  let bytes = 0;
  for (const p of paths) {
    if (p === '-') return 1;
    try {
      const st = statSync(p);
      if (!st.isFile()) return 1;
      bytes += st.size;
    } catch {
      return 1; // the reader will say what is wrong with it
    }
  }
  if (options.threads !== undefined) return Math.min(MAX_THREADS, Math.max(1, Math.floor(options.threads)));
  return threadsFor(bytes, availableParallelism(), () => sampleAll(paths));
}

/**
 * The default rule on its own (see chooseThreads); `sample` is taken only when size and cores allow
 * threads, and gives null when the format cannot be sampled.
 */
export function threadsFor(bytes: number, cores: number, takeSample: () => TcpSample | null): number {
  if (cores < 2 || bytes < MIN_BYTES_FOR_THREADS) return 1;
  const sample = takeSample();
  if (sample === null) return 2;
  return sample.segments > 0 && sample.syns / sample.segments >= MIN_CONNECTION_SHARE ? 2 : 1;
}

function sampleAll(paths: readonly string[]): TcpSample | null {
  let segments = 0;
  let syns = 0;
  // A rotated set of many files: a few of them, spread over the set, are sample enough.
  const sampled = paths.length <= MAX_SAMPLED_FILES ? paths : Array.from({ length: MAX_SAMPLED_FILES }, (_, k) => paths[Math.floor((k * (paths.length - 1)) / (MAX_SAMPLED_FILES - 1))]!);
  for (const p of sampled) {
    const sample = sampleTcp(p);
    if (sample === null) return null;
    segments += sample.segments;
    syns += sample.syns;
  }
  return { segments, syns };
}

/** `withHelper`: start the findings helper (not when only the connections are wanted). */
export async function runShards(paths: readonly string[], options: ReadOptions & Omit<TrackerOptions, 'application'> & TunnelOptions & HttpOptions, shards: number, withHelper = true): Promise<ShardedRun | null> {
  const maxLive = options.maxLive ?? DEFAULT_MAX_LIVE;
  const workers: Worker[] = [];
  const jobs = Array.from({ length: shards }, (_, shard): ShardJob => ({
    paths,
    options: {
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      ...(options.timeWaitSec !== undefined ? { timeWaitSec: options.timeWaitSec } : {}),
      ...(options.lingerSec !== undefined ? { lingerSec: options.lingerSec } : {}),
      ...(options.tunnelPorts !== undefined ? { tunnelPorts: options.tunnelPorts } : {}),
      ...(options.teredoHeuristic !== undefined ? { teredoHeuristic: options.teredoHeuristic } : {}),
      ...(options.http !== undefined ? { http: options.http } : {}),
      maxLive: Math.max(1, Math.ceil(maxLive * shardShare(shard, shards))),
      shard,
      shards,
    },
  }));
  // Shard 0 runs here, the others in workers: this thread would only wait, and one isolate fewer
  // is one heap fewer (the findings then reuse the space this thread's engine pass had).
  const others = Promise.all(jobs.slice(1).map((job) => runWorker(job, workers)));
  others.catch(() => undefined); // handled below, after shard 0
  let results: ShardResult[];
  let encapsulation: EncapsulationSummary;
  try {
    // Every thread reads the whole capture at about the same pace: this one's reads are the progress.
    const here = await runHere(paths, options.onProgress !== undefined ? { ...jobs[0]!.options, onProgress: options.onProgress } : jobs[0]!.options);
    encapsulation = here.encapsulation; // every thread decodes every frame: the counts are the same
    // This thread's engine garbage goes now, while the other shards finish: collected after them, it
    // was on top of their heaps at the pass's peak (the 1 GB benchmark capture: −6 MiB at the peak, with
    // the helper started later).
    collectGarbageIfLarge(here.result.count);
    results = [here.result, ...(await others).map((m) => ({ ...m, store: withHttp(SummaryStore.fromData(m.store), options) }))];
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }

  // Every thread must have read the same capture: a file still being written (tcpdump running) can
  // be longer for a later reader. Then the caller reads it again in one thread.
  const first = results[0]!;
  if (results.some((r) => r.frames !== first.frames || r.tcpSegments !== first.tcpSegments)) return null;
  // The findings helper, started only now: an idle isolate through the engine pass was ~25 MB at the
  // pass's peak, and it loads its modules while this thread runs the first detectors.
  const helper = withHelper ? new Worker(new URL('./endpoint-worker.js', import.meta.url), WORKER_OPTIONS) : null;
  helper?.on('error', () => undefined); // reported through start() when it matters
  const helperExit = { code: null as number | null };
  helper?.once('exit', (code) => (helperExit.code = code));
  const stores = results.map((r) => r.store);
  const order = mergeOrder(stores, results.map((r) => r.count));
  const connections = recordsInOrder(stores, order);
  const total = connections.length;
  return {
    // Without the timeline series: the table does not read them, and the helper's copy of them was
    // ~10 MB of its heap on the 1 GB benchmark capture (a thousand long connections).
    helper: helper === null ? null : helperOf(helper, stores.map((st) => ({ ...st.toData(), series: new Map() })), order, helperExit),
    summaries: first.summaries,
    frames: first.frames,
    tcpSegments: first.tcpSegments,
    decode: first.decode,
    encapsulation,
    connections,
    tracking: {
      connections: total,
      peakLive: results.reduce((n, r) => n + r.peakLive, 0),
      evicted: results.reduce((n, r) => n + r.evicted, 0),
      maxLive,
      latePackets: results.reduce((n, r) => n + r.latePackets, 0),
    },
  };
}

/** Shard 0's engine pass, here: only its result outlives the call (the tracker is garbage after it). */
async function runHere(paths: readonly string[], options: EngineOptions): Promise<{ result: ShardResult; encapsulation: EncapsulationSummary }> {
  const here = await runEngine(paths, options);
  const t = here.tracker;
  return {
    encapsulation: here.encapsulation,
    result: {
      summaries: here.summaries, frames: here.frames, tcpSegments: here.tcpSegments, decode: here.decode,
      count: here.count, store: t.summaryStore, peakLive: t.peakLive, evicted: t.evicted, latePackets: t.latePackets,
    },
  };
}

function runWorker(job: ShardJob, workers: Worker[]): Promise<Extract<ShardMessage, { ok: true }>> {
  return new Promise((resolve, reject) => {
    // The same young generation as the CLI's main thread (its shebang): measured faster and smaller.
    const w = new Worker(new URL('./shard-worker.js', import.meta.url), { workerData: job, ...WORKER_OPTIONS });
    workers.push(w);
    let settled = false;
    w.once('message', (m: ShardMessage) => {
      settled = true;
      if (m.ok) resolve(m);
      else reject(m.capture !== null ? new CaptureError(m.capture.file, m.capture.offset, m.capture.reason) : new Error(m.message));
    });
    w.once('error', (err) => {
      settled = true;
      reject(err);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`analysis thread exited with code ${code} before it reported`));
    });
  });
}

/** A store made in a worker: its HTTP results are read here (the decoder is code, not data). */
function withHttp(store: SummaryStore, options: HttpOptions): SummaryStore {
  if (options.http !== false) store.decodeApplication = decodeHttp;
  return store;
}
