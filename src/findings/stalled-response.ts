/**
 * stalled-response: a request that waited longer than `stallSec` (default 1 s) for the first byte
 * of its response, or got none before its connection (or the capture) ended — the "hung request".
 * A response that started in time and then was slow is not a stall here (zero-window and
 * slow-reader tell that story). The reason, when the capture shows one: the proxy held the request
 * (it waited for an upstream close, proxy-pairs.ts), the client's zero window, a dead peer; else the
 * server was slow to answer, or never did.
 */
import type { DetectorContext } from './context.js';
import { tcpCauseDuring, tcpCauseText } from './http-tcp-cause.js';
import { requestLine, stateOf, type HttpConnection } from './http-view.js';
import { proxyPairs } from './proxy-pairs.js';
import type { StalledRequest, StalledResponseFinding } from './types.js';
import { addr, durRange, dur, frameList, plural, round6, timeSpan, wsFilter, minOf, maxOf } from './util.js';

/** A request that waited too long, as the one pass saw it (its reason needs the proxy pairs, known after). */
interface Waited {
  c: HttpConnection['c'];
  serverKey: string;
  server: HttpConnection['server'];
  transDepth: number;
  request: string;
  requestFrame: number;
  requestEpoch: number;
  responseFrame: number | null;
  answered: boolean;
  ended: boolean;
  sent: number;
  until: number;
}
const states = new WeakMap<DetectorContext, Waited[]>();
const waitedOf = (ctx: DetectorContext): Waited[] => stateOf(states, ctx, () => []);

/** The one pass over the HTTP connections (index.ts): requests that waited longer than ctx.stallSec. */
export function collectStalledResponse(ctx: DetectorContext, hc: HttpConnection): void {
  const { c, h } = hc;
  for (const t of h.transactions) {
    const q = t.request;
    if (q === null) continue;
    const sent = q.lastTime ?? q.firstTime;
    const until = t.response?.firstTime ?? (h.ended !== null ? c.endEpoch : ctx.end);
    if (until - sent <= ctx.stallSec) continue;
    waitedOf(ctx).push({
      c, serverKey: hc.serverKey, server: hc.server, transDepth: t.trans_depth, request: requestLine(t), requestFrame: q.firstFrame,
      requestEpoch: q.firstTime, responseFrame: t.response?.firstFrame ?? null, answered: t.response !== null, ended: h.ended !== null, sent, until,
    });
  }
}

export function detectStalledResponse(ctx: DetectorContext, stallSec: number): Omit<StalledResponseFinding, 'rank' | 'explainedBy'>[] {
  const held = new Map(proxyPairs(ctx).map((p) => [`${p.inbound.c.id}|${p.inT.trans_depth}`, p]));
  const groups = new Map<string, { first: Waited; stalls: StalledRequest[] }>();
  for (const w of waitedOf(ctx)) {
    const { c, sent, until } = w;
    const wait = until - sent;
    if (wait > stallSec) {
      const pair = held.get(`${c.id}|${w.transDepth}`);
      const tcp = tcpCauseDuring(ctx, c, sent, until);
      let reason: StalledRequest['reason'];
      if (pair !== undefined && pair.heldSec >= stallSec) reason = pair.upstreamFin !== null ? 'proxy-waiting-for-upstream-close' : 'proxy-held-request';
      else if (tcp !== null) reason = tcp.kind;
      else reason = w.answered ? 'server-slow' : w.ended ? 'closed-unanswered' : 'unanswered-at-capture-end';
      const stall: StalledRequest = {
        connection: c.id,
        request: w.request,
        requestFrame: w.requestFrame,
        requestEpoch: round6(w.requestEpoch),
        responseFrame: w.responseFrame,
        waitSec: round6(wait),
        answered: w.answered,
        reason,
        tcpCause: tcp,
        forwardedFrame: pair?.outT.request?.firstFrame ?? null,
        upstreamFinFrame: reason === 'proxy-waiting-for-upstream-close' ? pair!.upstreamFin!.frame : null,
      };
      const g = groups.get(w.serverKey);
      if (g === undefined) groups.set(w.serverKey, { first: w, stalls: [stall] });
      else g.stalls.push(stall);
    }
  }
  const out: Omit<StalledResponseFinding, 'rank' | 'explainedBy'>[] = [];
  for (const { first, stalls } of groups.values()) {
    const endpoint = { ip: first.server.ip, port: first.server.port };
    const ids = [...new Set(stalls.map((s) => s.connection))];
    const worst = stalls.reduce((a, b) => (b.waitSec > a.waitSec ? b : a));
    const reasons = [...new Set(stalls.map((s) => s.reason))];
    const answered = stalls.filter((s) => s.answered).length;
    const why = worst.reason === 'proxy-waiting-for-upstream-close'
      ? ` The proxy forwarded it only at frame ${worst.forwardedFrame}, after the upstream closed its previous connection (FIN frame ${worst.upstreamFinFrame}).`
      : worst.reason === 'proxy-held-request' ? ` The proxy forwarded it only at frame ${worst.forwardedFrame}.` : tcpCauseText(worst.tcpCause);
    out.push({
      kind: 'stalled-response',
      severity: 'warning',
      title: `Requests to ${addr(endpoint)} waited more than ${dur(stallSec)} for a response`,
      summary: `${plural(stalls.length, 'request')} to ${addr(endpoint)} waited ${durRange(stalls.map((s) => s.waitSec))} for the first byte of a response (${answered} answered in the end); the longest, ${worst.request} at frame ${worst.requestFrame}, ${worst.answered ? `was answered at frame ${worst.responseFrame}` : 'got no response'} after ${dur(worst.waitSec)}.${why}`,
      explanation: `A request is stalled when more than ${dur(stallSec)} (--stall-sec) passes from its last byte to the first byte of its response, or when it never gets one. What the capture shows of the wait: ${reasons.join(', ')}. proxy-waiting-for-upstream-close: the proxy did not forward the request until an upstream connection closed; zero-window: the client's receive window was full; dead-peer: the peer stopped answering; server-slow: the server took that long to answer; closed-unanswered: the connection ended with the request unanswered.`,
      advice: [
        'Look at the time the request spent where the reason points: the upstream and the proxy\'s framing of its responses (proxy waiting), the client\'s reading (zero window), the network path (dead peer), the server\'s handler (server slow).',
        'Give clients a response timeout with a retry for idempotent requests, so that one hung connection does not hang the caller.',
      ],
      connections: ids,
      frames: frameList(stalls.flatMap((s) => [s.requestFrame, s.forwardedFrame, s.upstreamFinFrame, s.responseFrame]).sort((a, b) => (a ?? 0) - (b ?? 0))),
      endpoint,
      // It became a stall stallSec after the request (a dead peer's first retransmission explains it).
      ...timeSpan(minOf(stalls.map((s) => s.requestEpoch)) + stallSec, maxOf(stalls.map((s) => s.requestEpoch + s.waitSec))),
      wiresharkFilter: wsFilter(ids, endpoint, 'http'),
      details: {
        server: endpoint,
        stallSec,
        count: stalls.length,
        answered,
        longestWaitSec: worst.waitSec,
        reasons,
        requests: stalls.slice(0, 200),
      },
    });
  }
  return out;
}
