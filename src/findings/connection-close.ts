/**
 * connection-close: the clients of a server ask for `Connection: close` (or speak HTTP/1.0 without
 * keep-alive) on every request, so the server closes each connection after one response: it is the
 * active closer and holds the TIME_WAIT sockets (time-wait-accumulation names this as its cause).
 *
 * Reported per server endpoint from 3 such connections on (time-wait-accumulation's threshold for a
 * server), when they are at least half of its HTTP connections that closed.
 */
import type { DetectorContext } from './context.js';
import { stateOf, tokens, type HttpConnection, type HttpTransactionView } from './http-view.js';
import type { ConnectionCloseFinding } from './types.js';
import { addr, frameList, pct, plural, timeSpan, wsFilter } from './util.js';

const MIN_CONNECTIONS = 3;
const MIN_SHARE = 0.5;

/** Why the request asked the server to close, or null when it did not. */
function closeRequest(t: HttpTransactionView): 'connection-close' | 'http/1.0' | null {
  const q = t.request;
  if (q === null) return null;
  const conn = tokens(q.headers['Connection']);
  if (conn.includes('close')) return 'connection-close';
  // The request's own version is not in the record; an HTTP/1.0 exchange is one whose response says 1.0.
  if (t.version === '1.0' && !conn.includes('keep-alive')) return 'http/1.0';
  return null;
}

/**
 * What the finding needs of the connections a server closed after close requests, summed as they
 * come: not an object per connection (180 k of them on the benchmark capture, ~20 MB held until
 * the findings were made). The ids and evidence frames are the finding's own lists.
 */
interface Group {
  server: { ip: string; port: number };
  ids: number[];
  /** Per connection its first request's frame and the server's FIN frame (0: none). */
  frames: number[];
  requests: number;
  /** Connections per client address, in order of first appearance. */
  clients: Map<string, number>;
  start: number;
  end: number;
  closed: number;
  reasons: Set<string>;
}
type Groups = Map<string, Group>;
const states = new WeakMap<DetectorContext, Groups>();
const groupsOf = (ctx: DetectorContext): Groups => stateOf(states, ctx, () => new Map());

/** The one pass over the HTTP connections (index.ts). */
export function collectConnectionClose(ctx: DetectorContext, hc: HttpConnection): void {
  const { c, h } = hc;
  const by = c.closedFirstBy; // a getter that decodes
  if (by === null || h.transactions.length === 0) return;
  const groups = groupsOf(ctx);
  let g = groups.get(hc.serverKey);
  if (g === undefined) {
    groups.set(hc.serverKey, (g = { server: hc.server, ids: [], frames: [], requests: 0, clients: new Map(), start: Infinity, end: -Infinity, closed: 0, reasons: new Set() }));
  }
  g.closed++;
  if (by !== 'server') return;
  // Every request asked to close, or the connection does not count. The reasons in the order the
  // connection first gave them (the finding's text lists them so).
  const list = h.transactions;
  let first: 'connection-close' | 'http/1.0' | null = null;
  let both = false;
  for (let k = 0; k < list.length; k++) {
    const r = closeRequest(list[k]!);
    if (r === null) return;
    if (first === null) first = r;
    else if (r !== first) both = true;
  }
  g.ids.push(c.id);
  g.frames.push(list[0]!.request?.firstFrame ?? 0, c.finFrames.server ?? 0);
  g.requests += h.requests;
  g.clients.set(hc.clientIp, (g.clients.get(hc.clientIp) ?? 0) + 1);
  g.start = Math.min(g.start, c.startEpoch);
  g.end = Math.max(g.end, c.endEpoch);
  if (first !== null) g.reasons.add(first);
  if (both) g.reasons.add(first === 'connection-close' ? 'http/1.0' : 'connection-close');
}

export function detectConnectionClose(ctx: DetectorContext): Omit<ConnectionCloseFinding, 'rank' | 'explainedBy'>[] {
  const out: Omit<ConnectionCloseFinding, 'rank' | 'explainedBy'>[] = [];
  for (const g of groupsOf(ctx).values()) {
    const n = g.ids.length;
    if (n < MIN_CONNECTIONS || n / g.closed < MIN_SHARE) continue;
    const endpoint = { ip: g.server.ip, port: g.server.port };
    const requests = g.requests;
    const clients = g.clients;
    const clientList = [...clients].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([ip, connections]) => ({ ip, connections }));
    const ids = g.ids;
    const asked = [...g.reasons].map((r) => (r === 'connection-close' ? '`Connection: close`' : 'HTTP/1.0 without keep-alive')).join(' or ');
    const perConn = requests / n;
    const start = g.start;
    const end = g.end;
    out.push({
      kind: 'connection-close',
      severity: 'info',
      title: `Clients of ${addr(endpoint)} ask to close after every request, so the server closes first`,
      summary: `${plural(clients.size, 'client')} (${clientList.slice(0, 3).map((x) => x.ip).join(', ')}${clients.size > 3 ? ', …' : ''}) sent ${asked} on every request of ${plural(n, 'connection')} to ${addr(endpoint)} (${pct(n / g.closed)} of its closed HTTP connections, ${perConn.toFixed(perConn >= 10 ? 0 : 1)} request${perConn === 1 ? '' : 's'} per connection): the server answered and sent the first FIN each time, so it holds their TIME_WAIT sockets.`,
      explanation: 'A request with `Connection: close`, or an HTTP/1.0 request without `Connection: keep-alive` (RFC 9112 §9.3), tells the server to close the connection after its response. The server then is the active closer: its FIN comes first, and its kernel — not the client\'s — keeps each socket in TIME_WAIT for 2 × MSL. Every request also pays a new handshake (and a TLS handshake when there is one).',
      advice: [
        'Reuse connections: HTTP/1.1 keep-alive with a connection pool (Node `new http.Agent({ keepAlive: true })`, Go without `Transport.DisableKeepAlives`, Python `requests.Session`), and no `Connection: close` request header.',
        'If the client must close, let it close first (it then holds the TIME_WAIT, which is harmless on the client below its port range).',
      ],
      connections: ids,
      frames: frameList(g.frames),
      endpoint,
      ...timeSpan(start, end),
      wiresharkFilter: wsFilter(ids, endpoint, 'http.connection == "close" || tcp.flags.fin==1'),
      details: {
        server: endpoint,
        connections: n,
        closedConnections: g.closed,
        requests,
        requestsPerConnection: Math.round(perConn * 100) / 100,
        reasons: [...g.reasons].sort() as ('connection-close' | 'http/1.0')[],
        clients: clientList,
      },
    });
  }
  return out;
}

