/**
 * The HTTP stage as the TCP pass sees it (tcp/stream-reassembly.ts ApplicationLayer): a consumer per
 * connection, its result encoded into the summary store when the connection is summarised.
 */
import type { ApplicationLayer, ByteSink, SharedBytes, StreamConsumer } from '../tcp/stream-reassembly.js';
import { HttpConnection } from './http-connection.js';
import { decodeHttp, encodeHttp } from './http-record.js';
import { SharedTexts } from './shared-texts.js';

export interface HttpOptions {
  /** Analyse HTTP/1.x on every connection (default true); false turns the layer off (`--no-http`). */
  http?: boolean;
}

/** Spent analyzers kept for reuse: a busy capture opens thousands of connections a second. */
const MAX_POOLED = 1024;

export function httpLayer(): ApplicationLayer {
  const pool: HttpConnection[] = [];
  const texts = new SharedTexts();
  return {
    open(): StreamConsumer {
      const h = pool.pop();
      if (h === undefined) return new HttpConnection();
      h.reset();
      return h;
    },
    close(consumer: StreamConsumer, client: 0 | 1, out: ByteSink, shared: SharedBytes): number {
      const h = consumer as HttpConnection;
      h.finish();
      // A connection that carried no payload has nothing to say: no bytes kept.
      const n = h.protocol === null && h.requests === 0 ? 0 : encodeHttp(h, client, out, { store: shared, texts });
      if (pool.length < MAX_POOLED) pool.push(h);
      return n;
    },
    decode: decodeHttp,
  };
}
