/**
 * The findings helper of pipeline/shards.ts: builds the socket table from the shared summary stores,
 * hands it to the calling thread (whose detectors then read it), and computes the endpoint views
 * from it meanwhile. Started when the engine pass is over (an idle isolate through the pass added to
 * its peak); its modules load while the calling thread runs the detectors that need no table. A
 * fresh isolate, so its heap is small.
 */
import { parentPort } from 'node:worker_threads';
import type { HelperJob, HelperReply } from './shards.js';
import { endpointViews } from '../findings/endpoints.js';
import { socketTableOfStores, type SocketTable } from '../findings/socket-table.js';
import { SummaryStore } from '../tcp/summary-store.js';

const reply = (m: HelperReply): void => parentPort!.postMessage(m);

/** The table, read from the shared stores through one reused view. */
function buildTable(job: Extract<HelperJob, { kind: 'table-and-views' }>): SocketTable {
  return socketTableOfStores(job.stores.map((d) => SummaryStore.fromData(d)), job.order, job.timeWaitSec);
}

parentPort!.once('message', (job: HelperJob) => {
  if (job.kind === 'table-and-views') {
    try {
      const table = buildTable(job);
      reply({ ok: true, kind: 'table', table });
      reply({ ok: true, kind: 'views', views: endpointViews(table, job.span, job.options) });
    } catch (err) {
      reply({ ok: false, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }
  parentPort!.close();
});
