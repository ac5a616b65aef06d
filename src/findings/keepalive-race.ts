/**
 * keepalive-race: a request written on an idle keep-alive connection just as or after the server
 * closed it (its idle-timeout FIN), answered by the server's RST — the client sees ECONNRESET or
 * "socket hang up". The reset finding's `after-peer-close` RSTs are these (reset.ts).
 *
 * A race: the server sent a FIN with no request outstanding, a request left the client no earlier
 * than RACE_SLACK_SEC before that FIN (it crossed it on the wire) and got no response, and the
 * server reset the connection after it.
 */
import type { DetectorContext } from './context.js';
import { addToServer, finTime, requestLine, stateOf, type HttpConnection, type ServerGroups } from './http-view.js';
import type { KeepaliveRace, KeepaliveRaceFinding } from './types.js';
import { addr, durRange, frameList, median, plural, round6, timeSpan, wsFilter, minOf, maxOf } from './util.js';

/** A request sent this long before the FIN still crossed it: the server had decided to close. */
const RACE_SLACK_SEC = 0.001;

/** The race on one connection, or null. */
export function raceOf(hc: HttpConnection): KeepaliveRace | null {
  const { c, h } = hc;
  // Only a request left unanswered can have raced the FIN (asked first: it is rare, the FIN time is not).
  if (!h.transactions.some((x) => x.request !== null && x.response === null)) return null;
  const tf = finTime(hc, 'server');
  const fin = c.finFrames.server;
  if (fin === null || tf === null) return null;
  const t = h.transactions.find((x) => x.request !== null && x.response === null && x.request.firstTime >= tf - RACE_SLACK_SEC);
  if (t === undefined) return null;
  const q = t.request!;
  // Every earlier request was answered before the FIN: the server closed an idle connection.
  if (h.transactions.some((x) => x !== t && x.request !== null && x.request.firstTime < q.firstTime && x.response === null)) return null;
  const rst = c.resets.find((r) => r.by === 'server' && r.time >= q.firstTime - 1e-6);
  if (rst === undefined) return null;
  return {
    connection: c.id,
    request: requestLine(t),
    serverFinFrame: fin,
    serverFinEpoch: round6(tf),
    requestFrame: q.firstFrame,
    requestEpoch: round6(q.firstTime),
    rstFrame: rst.frame,
    rstEpoch: round6(rst.time),
    idleSec: t.idleSec === null ? null : round6(t.idleSec),
    finToRequestSec: round6(q.firstTime - tf),
    requestNumber: t.trans_depth,
  };
}

const states = new WeakMap<DetectorContext, ServerGroups<KeepaliveRace>>();
const groupsOf = (ctx: DetectorContext): ServerGroups<KeepaliveRace> => stateOf(states, ctx, () => new Map());

/** The one pass over the HTTP connections (index.ts): this connection's race, if any. */
export function collectKeepaliveRace(ctx: DetectorContext, hc: HttpConnection): void {
  addToServer(groupsOf(ctx), hc, raceOf(hc));
}

export function detectKeepaliveRace(ctx: DetectorContext): Omit<KeepaliveRaceFinding, 'rank' | 'explainedBy'>[] {
  const out: Omit<KeepaliveRaceFinding, 'rank' | 'explainedBy'>[] = [];
  for (const { server, items: races } of groupsOf(ctx).values()) {
    const endpoint = { ip: server.ip, port: server.port };
    const ids = races.map((r) => r.connection);
    const idles = races.map((r) => r.idleSec).filter((x): x is number => x !== null);
    const gaps = races.map((r) => r.finToRequestSec);
    const r0 = races[0]!;
    const idleText = idles.length > 0 ? `after ${durRange(idles)} idle` : 'after an idle period';
    out.push({
      kind: 'keepalive-race',
      severity: 'warning',
      title: `Requests sent on keep-alive connections ${addr(endpoint)} had just closed were reset`,
      summary: `On ${plural(races.length, 'connection')} the client reused an idle keep-alive connection (${idleText}) ${durRange(gaps)} after ${addr(endpoint)} had sent its idle-close FIN, and the server answered the request with a RST (first: FIN ${r0.serverFinFrame}, ${r0.request} at frame ${r0.requestFrame}, RST ${r0.rstFrame}).`,
      explanation: 'The server closes keep-alive connections that stay idle longer than its timeout. Its FIN only tells the client\'s kernel; a connection pool that has not read it yet hands the socket out, and the request is written into a connection the server application has already closed. The server\'s kernel answers data for a closed socket with RST, and the client gets ECONNRESET / "socket hang up" — for a request the server never saw. It is a race: the closer the reuse is to the server\'s timeout, the more often it happens.',
      advice: [
        'Make the client\'s idle timeout shorter than the server\'s, so the client closes idle connections first (Node `http.Agent` `freeSocketTimeout`/`timeout`, Go `Transport.IdleConnTimeout`, a pool\'s max-idle setting), or raise the server\'s (`keepalive_timeout` in nginx, `server.keepAliveTimeout` in Node).',
        'Retry idempotent requests that fail with ECONNRESET on a reused connection (most HTTP clients do this for GET only).',
      ],
      connections: ids,
      frames: frameList(races.flatMap((r) => [r.serverFinFrame, r.requestFrame, r.rstFrame])),
      endpoint,
      ...timeSpan(minOf(races.map((r) => r.serverFinEpoch)), maxOf(races.map((r) => r.rstEpoch))),
      wiresharkFilter: wsFilter(ids, endpoint, 'tcp.flags.fin==1 || tcp.flags.reset==1 || http.request'),
      details: {
        server: endpoint,
        count: races.length,
        medianIdleSec: idles.length > 0 ? round6(median(idles)) : null,
        medianFinToRequestSec: round6(median(gaps)),
        races: races.slice(0, 200),
      },
    });
  }
  return out;
}
