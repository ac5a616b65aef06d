/**
 * The HTTP stage as the TCP pass sees it (tcp/stream-reassembly.ts ApplicationLayer): a consumer per
 * connection, its result encoded into the summary store when the connection is summarised.
 */
import type { ApplicationLayer, ByteSink, StreamConsumer } from '../tcp/stream-reassembly.js';
import { HttpConnection } from './http-connection.js';
import { decodeHttp, encodeHttp } from './http-record.js';

export interface HttpOptions {
  /** Analyse HTTP/1.x on every connection (default true); false turns the layer off (`--no-http`). */
  http?: boolean;
}

export function httpLayer(): ApplicationLayer {
  return {
    open: (): StreamConsumer => new HttpConnection(),
    close(consumer: StreamConsumer, client: 0 | 1, out: ByteSink): number {
      const h = consumer as HttpConnection;
      h.finish();
      // A connection that carried no payload has nothing to say: no bytes kept.
      if (h.protocol === null && h.requests === 0) return 0;
      return encodeHttp(h, client, out);
    },
    decode: decodeHttp,
  };
}
