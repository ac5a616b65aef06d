/**
 * Both legs of a proxy in one capture (`tcpdump -i any` on the proxy host). Each request a server
 * received is paired with the request it sent on: same method and target, sent after it (the
 * earliest one not yet paired) within PAIR_WINDOW_SEC, to another server, from the server's own
 * address or — a proxy with one address per leg — with the same Host header from another client.
 * Shared by hop-by-hop-forwarded and stalled-response.
 */
import type { DetectorContext } from './context.js';
import { finTime, httpConnections, stateOf, type HttpConnection, type HttpTransactionView } from './http-view.js';

/** A proxy that holds a request longer than this is not what a pairing by method and target can trust. */
const PAIR_WINDOW_SEC = 120;
/** Requests looked at per inbound request: keeps a capture of a million identical `GET /` linear. */
const MAX_CANDIDATES = 64;

export interface ProxyPair {
  inbound: HttpConnection;
  inT: HttpTransactionView;
  outbound: HttpConnection;
  outT: HttpTransactionView;
  /** Seconds from the inbound request's first byte to the outbound one's. */
  heldSec: number;
  /** The upstream's FIN (on an earlier connection of the proxy to the same server) that the proxy waited for, if any. */
  upstreamFin: Fin | null;
}

const cache = new WeakMap<DetectorContext, ProxyPair[]>();

/** The addresses of the HTTP connections' two ends, from the one pass (index.ts). */
type Ends = { servers: Set<string>; clients: Set<string> };
const ends = new WeakMap<DetectorContext, Ends>();
const endsOf = (ctx: DetectorContext): Ends => stateOf(ends, ctx, () => ({ servers: new Set(), clients: new Set() }));

export function collectProxyLegs(ctx: DetectorContext, hc: HttpConnection): void {
  const e = endsOf(ctx);
  e.servers.add(hc.server.ip);
  e.clients.add(hc.clientIp);
}

/**
 * Whether any leg can be an upstream one: a client address that also serves HTTP, or more than one
 * client (a proxy with one address per leg). Otherwise nothing can pair, and the records are not
 * all decoded at once for it.
 */
function legsCanPair(ctx: DetectorContext): boolean {
  const { servers, clients } = endsOf(ctx);
  if (clients.size > 1) return true;
  for (const ip of clients) if (servers.has(ip)) return true;
  return false;
}

export function proxyPairs(ctx: DetectorContext): readonly ProxyPair[] {
  const hit = cache.get(ctx);
  if (hit !== undefined) return hit;
  if (!legsCanPair(ctx)) {
    cache.set(ctx, []);
    return [];
  }
  const all = httpConnections(ctx);
  // Upstream legs are the HTTP connections whose client is not a plain client: an address that also
  // serves HTTP (one address on both legs), or, for a proxy with one address per leg, any
  // connection whose request carries the same Host as the inbound one (matched below).
  const servers = new Set(all.map((hc) => hc.server.ip));
  const clients = new Set(all.map((hc) => hc.clientIp));
  // A leg can be an upstream one only if its client also serves HTTP, or if there is another client
  // whose request it could carry: with one client address and no such leg nothing can pair, and the
  // candidate scan (up to MAX_CANDIDATES per request) is not run at all.
  const byHost = clients.size > 1;
  const outbound = new Map<string, Outbound[]>();
  for (const hc of all) {
    if (!byHost && !servers.has(hc.clientIp)) continue;
    for (const t of hc.h.transactions) {
      if (t.request === null) continue;
      const key = `${t.method} ${t.target}`;
      const l = outbound.get(key);
      if (l === undefined) outbound.set(key, [{ hc, t, used: false }]);
      else l.push({ hc, t, used: false });
    }
  }
  const pairs: ProxyPair[] = [];
  if (outbound.size === 0) {
    cache.set(ctx, pairs);
    return pairs;
  }
  for (const l of outbound.values()) l.sort((a, b) => a.t.request!.firstTime - b.t.request!.firstTime);
  const proxies = new Set<string>();
  for (const hc of all) {
    const inbound = hc.server;
    for (const t of hc.h.transactions) {
      if (t.request === null) continue;
      const at = t.request.firstTime;
      const host = t.request.headers['Host'];
      const cand = candidates(outbound.get(`${t.method} ${t.target}`), at).find((o) => {
        const c = o.hc;
        if (o.used || c === hc) return false;
        if (c.server.ip === inbound.ip && c.server.port === inbound.port) return false;
        if (c.clientIp === inbound.ip) return servers.has(c.clientIp);
        return host !== undefined && o.t.request!.headers['Host'] === host && c.clientIp !== hc.clientIp;
      });
      if (cand === undefined) continue;
      cand.used = true;
      proxies.add(cand.hc.clientIp);
      pairs.push({ inbound: hc, inT: t, outbound: cand.hc, outT: cand.t, heldSec: cand.t.request!.firstTime - at, upstreamFin: null });
    }
  }
  if (pairs.length > 0) {
    const fins = upstreamFins(all, proxies);
    for (const p of pairs) p.upstreamFin = upstreamFinBetween(fins, p.outbound, p.inT.request!.firstTime, p.outT.request!.firstTime);
  }
  cache.set(ctx, pairs);
  return pairs;
}

type Outbound = { hc: HttpConnection; t: HttpTransactionView; used: boolean };

/** The requests of a (time-ordered) list sent in [at, at + PAIR_WINDOW_SEC], at most MAX_CANDIDATES. */
function candidates(list: Outbound[] | undefined, at: number): Outbound[] {
  if (list === undefined) return [];
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.t.request!.firstTime < at - 1e-6) lo = mid + 1;
    else hi = mid;
  }
  const out: Outbound[] = [];
  for (let k = lo; k < list.length && out.length < MAX_CANDIDATES && list[k]!.t.request!.firstTime - at <= PAIR_WINDOW_SEC; k++) out.push(list[k]!);
  return out;
}

type Fin = { frame: number; epoch: number; connection: number };
const legKey = (hc: HttpConnection): string => `${hc.clientIp}|${hc.serverKey}`;

/** The FINs upstream servers sent to each proxy, by proxy → server endpoint. */
function upstreamFins(all: readonly HttpConnection[], proxies: ReadonlySet<string>): Map<string, Fin[]> {
  const out = new Map<string, Fin[]>();
  for (const hc of all) {
    if (!proxies.has(hc.clientIp)) continue;
    const tf = finTime(hc, 'server');
    if (tf === null || hc.c.finFrames.server === null) continue;
    const fin = { frame: hc.c.finFrames.server, epoch: tf, connection: hc.c.id };
    const l = out.get(legKey(hc));
    if (l === undefined) out.set(legKey(hc), [fin]);
    else l.push(fin);
  }
  return out;
}

/** The last FIN the upstream sent in [from, to] on another connection of the same proxy → server leg. */
function upstreamFinBetween(fins: Map<string, Fin[]>, out: HttpConnection, from: number, to: number): Fin | null {
  let best: Fin | null = null;
  for (const f of fins.get(legKey(out)) ?? []) {
    if (f.connection === out.c.id || f.epoch < from || f.epoch > to + 1e-6) continue;
    if (best === null || f.epoch > best.epoch) best = f;
  }
  return best;
}
