/**
 * truncated-body: a response whose declared length (Content-Length, or a chunked body without its
 * last chunk) was not delivered when the connection ended by FIN or RST — the client got a short
 * download. Bytes the capture lost (gaps) count as delivered: they were sent. A response still
 * running when the capture ended is not reported (the capture, not the connection, stopped).
 * The TCP cause is named when one is known (a zero-window stall and the RST after it, a dead peer).
 */
import type { DetectorContext } from './context.js';
import { tcpCauseDuring, tcpCauseText } from './http-tcp-cause.js';
import { addToServer, finTime, requestLine, stateOf, tokens, type HttpConnection, type ServerGroups } from './http-view.js';
import type { TruncatedBody, TruncatedBodyFinding } from './types.js';
import { addr, bytes, frameList, plural, round6, timeSpan, wsFilter, minOf, maxOf } from './util.js';

function truncatedOn(ctx: DetectorContext, hc: HttpConnection): TruncatedBody | null {
  const { c, h } = hc;
  if (h.ended === null) return null;
  for (const t of h.transactions) {
    const r = t.response;
    if (r === null || t.complete || t.gap || t.method === 'HEAD') continue;
    const chunked = tokens(r.headers['Transfer-Encoding']).includes('chunked');
    const got = r.bodyDelivered + r.bodyMissing;
    if (!(chunked || (r.bodyDeclared !== null && got < r.bodyDeclared))) continue;
    const by = h.ended.by;
    const rst = c.resets.find((x) => x.by === by);
    const endFrame = h.ended.how === 'rst' ? rst?.frame ?? null : c.finFrames[by];
    const endEpoch = h.ended.how === 'rst' ? rst?.time ?? null : finTime(hc, by);
    const at = endEpoch ?? c.endEpoch;
    const cause = tcpCauseDuring(ctx, c, r.firstTime, at);
    return {
      connection: c.id,
      request: requestLine(t),
      status: t.status,
      responseFrame: r.firstFrame,
      framing: chunked ? 'chunked' : 'content-length',
      declared: r.bodyDeclared,
      delivered: r.bodyDelivered,
      endedBy: by,
      endedHow: h.ended.how,
      endFrame,
      endEpoch: round6(at),
      tcpCause: cause,
    };
  }
  return null;
}

const states = new WeakMap<DetectorContext, ServerGroups<TruncatedBody>>();
const groupsOf = (ctx: DetectorContext): ServerGroups<TruncatedBody> => stateOf(states, ctx, () => new Map());

/** The one pass over the HTTP connections (index.ts): this connection's truncated response, if any. */
export function collectTruncatedBody(ctx: DetectorContext, hc: HttpConnection): void {
  addToServer(groupsOf(ctx), hc, truncatedOn(ctx, hc));
}

export function detectTruncatedBody(ctx: DetectorContext): Omit<TruncatedBodyFinding, 'rank' | 'explainedBy'>[] {
  const out: Omit<TruncatedBodyFinding, 'rank' | 'explainedBy'>[] = [];
  for (const { server, items: cut } of groupsOf(ctx).values()) {
    const endpoint = { ip: server.ip, port: server.port };
    const ids = cut.map((x) => x.connection);
    const x = cut[0]!;
    const size = x.declared !== null ? `${bytes(x.delivered)} of the ${bytes(x.declared)} its Content-Length declared` : `${bytes(x.delivered)} of a chunked body, without its last chunk`;
    const end = `${x.endedBy === 'server' ? 'the server' : 'the client'}'s ${x.endedHow === 'rst' ? 'RST' : 'FIN'}${x.endFrame !== null ? ` (frame ${x.endFrame})` : ''}`;
    out.push({
      kind: 'truncated-body',
      severity: 'warning',
      title: `Responses from ${addr(endpoint)} ended short of their declared length`,
      summary: `${plural(cut.length, 'response')} from ${addr(endpoint)} ended before ${cut.length === 1 ? 'its' : 'their'} body was complete; ${cut.length === 1 ? 'it' : 'the first'}, ${x.request} (status ${x.status ?? '?'}, frame ${x.responseFrame}), delivered ${size} when ${end} ended the connection.${tcpCauseText(x.tcpCause)}`,
      explanation: 'HTTP/1.1 frames a response body by its Content-Length or by chunked coding ending with a zero-size chunk (RFC 9112 §6). When the connection ends before that, the client has a truncated body: a careful client reports an error ("premature end", "incomplete chunked encoding"), a careless one keeps a short file. Who ended the connection and how says where to look: a RST from the server after a zero-window stall is its send timeout giving up on a client that stopped reading; a RST or FIN in the middle of a body is a crash, a restart or a proxy timeout.',
      advice: [
        'Check the side that ended the connection at the frame shown: its logs at that instant (worker restart, send/idle timeout such as nginx `send_timeout`, Node `server.timeout`).',
        'After a zero-window stall: make the client read its socket (a slow consumer, a full disk, back-pressure), or raise the server\'s send timeout if a slow client is legitimate.',
        'Clients: treat a body shorter than Content-Length, or a chunked body without its last chunk, as an error and retry.',
      ],
      connections: ids,
      frames: frameList(cut.flatMap((y) => [y.responseFrame, y.endFrame])),
      endpoint,
      ...timeSpan(minOf(cut.map((y) => y.endEpoch)), maxOf(cut.map((y) => y.endEpoch))),
      wiresharkFilter: wsFilter(ids, endpoint, 'http.response || tcp.flags.reset==1 || tcp.flags.fin==1'),
      details: { server: endpoint, count: cut.length, responses: cut.slice(0, 200) },
    });
  }
  return out;
}
