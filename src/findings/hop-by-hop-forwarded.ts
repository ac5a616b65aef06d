/**
 * hop-by-hop-forwarded: a proxy forwards hop-by-hop headers (RFC 9110 §7.6.1) verbatim — the
 * client's `Connection: keep-alive` reaches the upstream, the upstream's `Keep-Alive: timeout=N`
 * reaches the client — so each leg's persistence is negotiated by the other leg's peers. Needs both
 * legs in the capture (proxy-pairs.ts). Then what followed: how long the proxy held each request
 * before forwarding it, and the upstream FIN it was waiting for.
 *
 * The HTTP record keeps Connection, Keep-Alive, Proxy-Connection, Upgrade and Transfer-Encoding of
 * each message; TE, Trailer, Proxy-Authorization, Proxy-Authenticate and headers named in Connection
 * are not kept, so they cannot be compared here. Transfer-Encoding is left out: a proxy may re-chunk
 * a body, and `chunked` on both legs does not show it was copied.
 */
import type { DetectorContext } from './context.js';
import { requestLine, type HttpMessageView } from './http-view.js';
import { proxyPairs, type ProxyPair } from './proxy-pairs.js';
import type { ForwardedHeader, HopByHopFinding, HopByHopPair } from './types.js';
import { addr, durRange, frameList, plural, round6, timeSpan, wsFilter, minOf, maxOf } from './util.js';

const HOP_BY_HOP = ['Connection', 'Keep-Alive', 'Proxy-Connection', 'Upgrade'] as const;

function copied(from: HttpMessageView | null, to: HttpMessageView | null, direction: ForwardedHeader['direction']): ForwardedHeader[] {
  if (from === null || to === null) return [];
  const out: ForwardedHeader[] = [];
  for (const name of HOP_BY_HOP) {
    const a = from.headers[name];
    if (a !== undefined && a.trim().toLowerCase() === to.headers[name]?.trim().toLowerCase()) out.push({ name, value: a, direction });
  }
  return out;
}

function forwardedIn(p: ProxyPair): ForwardedHeader[] {
  return [...copied(p.inT.request, p.outT.request, 'request'), ...copied(p.outT.response, p.inT.response, 'response')];
}

export function detectHopByHopForwarded(ctx: DetectorContext, stallSec: number): Omit<HopByHopFinding, 'rank' | 'explainedBy'>[] {
  const byProxy = new Map<string, HopByHopPair[]>();
  for (const p of proxyPairs(ctx)) {
    const headers = forwardedIn(p);
    if (headers.length === 0) continue;
    const hung = p.inT.response !== null && p.inT.request !== null ? p.inT.response.firstTime - p.inT.request.firstTime : null;
    const pair: HopByHopPair = {
      request: requestLine(p.inT),
      inbound: { connection: p.inbound.c.id, requestFrame: p.inT.request!.firstFrame, responseFrame: p.inT.response?.firstFrame ?? null },
      outbound: { connection: p.outbound.c.id, requestFrame: p.outT.request!.firstFrame, responseFrame: p.outT.response?.firstFrame ?? null },
      headers,
      heldSec: round6(p.heldSec),
      hungSec: hung === null ? null : round6(hung),
      upstreamFinFrame: p.heldSec >= stallSec ? p.upstreamFin?.frame ?? null : null,
    };
    const key = `${p.inbound.c.server.ip}|${p.inbound.c.server.port}`;
    const l = byProxy.get(key);
    if (l === undefined) byProxy.set(key, [pair]);
    else l.push(pair);
  }
  const out: Omit<HopByHopFinding, 'rank' | 'explainedBy'>[] = [];
  for (const pairs of byProxy.values()) {
    const first = ctx.byId.get(pairs[0]!.inbound.connection)!;
    const endpoint = { ip: first.server.ip, port: first.server.port };
    const upstream = ctx.byId.get(pairs[0]!.outbound.connection)!.server;
    const names = [...new Set(pairs.flatMap((p) => p.headers.map((h) => `${h.name}: ${h.value}`)))];
    const held = pairs.filter((p) => p.heldSec >= stallSec);
    const waited = held.filter((p) => p.upstreamFinFrame !== null);
    const ids = [...new Set(pairs.flatMap((p) => [p.inbound.connection, p.outbound.connection]))].sort((a, b) => a - b);
    const epochs = pairs.map((p) => ctx.byId.get(p.inbound.connection)!.startEpoch);
    const followed = held.length > 0
      ? ` Then the proxy held ${plural(held.length, 'request')} of the client's kept-alive connection ${durRange(held.map((p) => p.heldSec))} before forwarding ${held.length === 1 ? 'it' : 'them'}${waited.length > 0 ? `, until the upstream closed its previous connection (FIN frame ${waited.map((p) => p.upstreamFinFrame).join(', ')})` : ''}.`
      : '';
    out.push({
      kind: 'hop-by-hop-forwarded',
      severity: held.length > 0 ? 'warning' : 'info',
      title: `The proxy ${addr(endpoint)} forwards hop-by-hop headers to ${addr(upstream)}`,
      summary: `${addr(endpoint)} copied ${names.map((n) => `\`${n}\``).join(', ')} between its client leg and its upstream leg to ${addr(upstream)} on ${plural(pairs.length, 'request')} (first: ${pairs[0]!.request}, frame ${pairs[0]!.inbound.requestFrame} → frame ${pairs[0]!.outbound.requestFrame}).${followed}`,
      explanation: 'Connection, Keep-Alive, Proxy-Connection, Upgrade (and TE, Trailer, Transfer-Encoding, Proxy-Authorization, Proxy-Authenticate, and any header named in Connection) describe one hop; a proxy must remove them before forwarding (RFC 9110 §7.6.1). A proxy that copies `Connection: keep-alive` upstream asks the upstream to keep a connection open that the proxy does not pool; if the proxy then waits for the upstream to close before it treats the response as done (a close-delimited view of a keep-alive response), every request waits for the upstream\'s idle timeout, and the client\'s next request on its kept-alive connection hangs until then.',
      advice: [
        'Strip hop-by-hop headers in the proxy and negotiate each leg itself (nginx does: `proxy_http_version 1.1` with `proxy_set_header Connection ""` for upstream keep-alive; HAProxy and Envoy strip them by default).',
        'Frame the upstream response by its Content-Length or chunked coding, not by the upstream\'s close.',
        'If the proxy cannot be fixed, send `Connection: close` upstream so that the upstream closes right after its response.',
      ],
      connections: ids,
      frames: frameList(pairs.flatMap((p) => [p.inbound.requestFrame, p.outbound.requestFrame, p.upstreamFinFrame, p.inbound.responseFrame]).sort((a, b) => (a ?? 0) - (b ?? 0))),
      endpoint,
      ...timeSpan(minOf(epochs), maxOf(pairs.map((p) => ctx.byId.get(p.inbound.connection)!.endEpoch))),
      wiresharkFilter: wsFilter(ids, null, 'http.connection || http.request || tcp.flags.fin==1'),
      details: {
        proxy: endpoint,
        upstream: { ip: upstream.ip, port: upstream.port },
        pairs: pairs.length,
        headers: names,
        heldRequests: held.length,
        waitedForUpstreamClose: waited.length,
        requests: pairs.slice(0, 200),
      },
    });
  }
  return out;
}
