/**
 * A worker thread of analyze-shards.ts that computes the endpoint views from the shared socket table
 * while the calling thread runs the detectors. Started with the shard workers so that its modules are
 * loaded by the time the table is ready; a fresh isolate, so its heap is small.
 */
import { parentPort } from 'node:worker_threads';
import type { HelperJob, HelperReply } from './analyze-shards.js';
import { endpointViews } from './findings/endpoints.js';

parentPort!.once('message', (job: HelperJob) => {
  let reply: HelperReply | null = null;
  if (job.kind === 'endpoints') {
    try {
      reply = { ok: true, views: endpointViews(job.table, job.span, job.options) };
    } catch (err) {
      reply = { ok: false, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
  }
  if (reply !== null) parentPort!.postMessage(reply);
  parentPort!.close();
});
