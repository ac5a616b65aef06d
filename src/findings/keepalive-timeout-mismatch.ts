/**
 * keepalive-timeout-mismatch: clients reuse a server's keep-alive connections after idle periods
 * longer than the idle time after which this server closes them, so those reuses race its FIN
 * (keepalive-race) and fail.
 *
 * The server's idle timeout is inferred from its idle closes — from the last byte of its last
 * response to its FIN, on connections it closed with nothing outstanding and without having said
 * `Connection: close` — and read from any `Keep-Alive: timeout=N` it sent. A reuse is late when its
 * idle time reaches LATE_SHARE of that timeout; from MIN_LATE late reuses on, the finding is made.
 */
import type { DetectorContext } from './context.js';
import { finTime, keepAliveTimeout, stateOf, tokens, type HttpConnection } from './http-view.js';
import { raceOf } from './keepalive-race.js';
import type { IdleClose, KeepaliveTimeoutMismatchFinding, LateReuse } from './types.js';
import { addr, durRange, dur, frameList, median, plural, round6, spread, timeSpan, wsFilter, minOf, maxOf } from './util.js';

const LATE_SHARE = 0.98;
const MIN_LATE = 2;
/** Idle closes this close to the estimate (or this share of it) count as the same timeout. */
const AGREE_SEC = 0.05;
const AGREE_SHARE = 0.1;
/** A FIN sooner than this after the response is a close after the response, not an idle timeout. */
const MIN_IDLE_CLOSE_SEC = 0.05;

/** The server's idle close on one connection: last response → its FIN, or null. */
function idleCloseOf(hc: HttpConnection): IdleClose | null {
  const { c, h } = hc;
  if (c.closedFirstBy !== 'server' || h.persistent === false) return null;
  const tf = finTime(hc, 'server');
  if (tf === null) return null;
  const before = h.transactions.filter((t) => t.request !== null && t.request.firstTime < tf);
  const last = before[before.length - 1];
  if (last === undefined || !before.every((t) => t.complete && t.response?.lastTime != null)) return null;
  const r = last.response!;
  if (tokens(r.headers['Connection']).includes('close') || r.lastTime! > tf) return null;
  const idle = tf - r.lastTime!;
  if (idle < MIN_IDLE_CLOSE_SEC) return null;
  return { connection: c.id, lastResponseFrame: r.lastFrame!, finFrame: c.finFrames.server!, idleSec: round6(idle) };
}

/**
 * The requests made on connections that had been idle before them (what a late reuse is made from),
 * column by column: every keep-alive reuse of the capture is one (320 k on the benchmark), and
 * which are late is known only once the server's timeout is, after the last connection.
 */
class Reuses {
  length = 0;
  connection = new Float64Array(64);
  requestFrame = new Float64Array(64);
  requestEpoch = new Float64Array(64);
  idleSec = new Float64Array(64);
  /** The RST frame that answered it, 0 for none. */
  reset = new Float64Array(64);

  push(connection: number, requestFrame: number, requestEpoch: number, idleSec: number, reset: number | null): void {
    if (this.length === this.connection.length) this.grow();
    const i = this.length++;
    this.connection[i] = connection;
    this.requestFrame[i] = requestFrame;
    this.requestEpoch[i] = requestEpoch;
    this.idleSec[i] = idleSec;
    this.reset[i] = reset ?? 0;
  }

  private grow(): void {
    const grown = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.connection = grown(this.connection);
    this.requestFrame = grown(this.requestFrame);
    this.requestEpoch = grown(this.requestEpoch);
    this.idleSec = grown(this.idleSec);
    this.reset = grown(this.reset);
  }
}
/** One server's connections, as the finding reads them (not their decoded records). */
interface Members {
  server: { ip: string; port: number };
  firstStartEpoch: number;
  closes: IdleClose[];
  advertised: number[];
  reuses: Reuses;
}
const states = new WeakMap<DetectorContext, Map<string, Members>>();
const groupsOf = (ctx: DetectorContext): Map<string, Members> => stateOf(states, ctx, () => new Map());

/** The one pass over the HTTP connections (index.ts). */
export function collectKeepaliveTimeoutMismatch(ctx: DetectorContext, hc: HttpConnection): void {
  const groups = groupsOf(ctx);
  let g = groups.get(hc.serverKey);
  if (g === undefined) groups.set(hc.serverKey, (g = { server: hc.server, firstStartEpoch: Infinity, closes: [], advertised: [], reuses: new Reuses() }));
  g.firstStartEpoch = Math.min(g.firstStartEpoch, hc.c.startEpoch);
  const close = idleCloseOf(hc);
  if (close !== null) g.closes.push(close);
  for (const t of hc.h.transactions) {
    const a = keepAliveTimeout(t.response?.headers['Keep-Alive']);
    if (a !== null) g.advertised.push(a);
  }
  const race = raceOf(hc);
  for (const t of hc.h.transactions) {
    if (t.idleSec === null || t.request === null) continue;
    const failed = race !== null && race.requestFrame === t.request.firstFrame;
    g.reuses.push(hc.c.id, t.request.firstFrame, t.request.firstTime, t.idleSec, failed ? race.rstFrame : null);
  }
}

export function detectKeepaliveTimeoutMismatch(ctx: DetectorContext): Omit<KeepaliveTimeoutMismatchFinding, 'rank' | 'explainedBy'>[] {
  const out: Omit<KeepaliveTimeoutMismatchFinding, 'rank' | 'explainedBy'>[] = [];
  for (const { server, firstStartEpoch, closes, advertised, reuses: seen } of groupsOf(ctx).values()) {
    const estimate = closes.length >= 2 ? median(closes.map((x) => x.idleSec)) : null;
    const agreeing = estimate === null ? 0 : closes.filter((x) => Math.abs(x.idleSec - estimate) <= Math.max(AGREE_SEC, AGREE_SHARE * estimate)).length;
    const advertisedSec = advertised.length > 0 ? minOf(advertised) : null;
    const timeout = estimate !== null && agreeing * 2 > closes.length ? estimate : advertisedSec;
    if (timeout === null) continue;
    const reuses = seen.length;
    const late: LateReuse[] = [];
    for (let i = 0; i < reuses; i++) {
      if (seen.idleSec[i]! < LATE_SHARE * timeout) continue;
      late.push({ connection: seen.connection[i]!, requestFrame: seen.requestFrame[i]!, requestEpoch: round6(seen.requestEpoch[i]!), idleSec: round6(seen.idleSec[i]!), reset: seen.reset[i]! > 0 ? seen.reset[i]! : null });
    }
    if (late.length < MIN_LATE) continue;
    const endpoint = { ip: server.ip, port: server.port };
    const failed = late.filter((x) => x.reset !== null).length;
    const idles = late.map((x) => x.idleSec);
    const ids = [...new Set([...late.map((x) => x.connection), ...closes.map((x) => x.connection)])].sort((a, b) => a - b);
    const inferred = estimate !== null ? `closes idle connections after ${dur(estimate)}, on ${agreeing} of ${closes.length}` : null;
    const said = advertisedSec !== null ? `advertises \`Keep-Alive: timeout=${advertisedSec}\`` : null;
    out.push({
      kind: 'keepalive-timeout-mismatch',
      severity: failed > 0 ? 'warning' : 'info',
      title: `Clients keep idle connections to ${addr(endpoint)} longer than the server does`,
      summary: `${addr(endpoint)} ${[inferred, said].filter((x) => x !== null).join(' and ')}, but its clients reused connections after ${durRange(idles)} idle (${plural(late.length, 'late reuse')} of ${reuses})${failed > 0 ? `: ${failed} of them were answered by a RST` : ''}.`,
      explanation: 'A keep-alive connection is closed by whichever side\'s idle timer fires first. When the client\'s pool keeps idle connections longer than the server does, the server closes them first, and every reuse after the server\'s timeout writes a request into a connection that is already closing: it races the server\'s FIN and is answered by a RST (keepalive-race). The fix is to order the timeouts: client idle timeout below the server\'s.',
      advice: [
        `Set the client's idle timeout below ${dur(timeout)} (Node \`http.Agent\` \`freeSocketTimeout\` in agentkeepalive / \`timeout\` with \`keepAlive\`, Go \`Transport.IdleConnTimeout\`, Java \`maxIdleTime\`), with a margin for the round trip.`,
        'Or raise the server\'s idle timeout above the client\'s (nginx `keepalive_timeout`, Node `server.keepAliveTimeout`, Apache `KeepAliveTimeout`), and send `Keep-Alive: timeout=N` so clients that honour it can adapt.',
      ],
      connections: ids,
      frames: frameList([...closes.flatMap((x) => [x.lastResponseFrame, x.finFrame]), ...late.flatMap((x) => [x.requestFrame, x.reset])]),
      endpoint,
      ...timeSpan(firstStartEpoch, maxOf(late.map((x) => x.requestEpoch))),
      wiresharkFilter: wsFilter(ids, endpoint, 'tcp.flags.fin==1 || tcp.flags.reset==1 || http'),
      details: {
        server: endpoint,
        serverIdleTimeoutSec: round6(timeout),
        inferredIdleCloseSec: estimate === null ? null : round6(estimate),
        idleCloses: closes.length,
        idleClosesAgreeing: agreeing,
        idleCloseSec: closes.length > 0 ? spread(closes.map((x) => x.idleSec)) : null,
        advertisedTimeoutSec: advertisedSec,
        reuses,
        lateReuses: late.length,
        lateReusesReset: failed,
        clientIdleSec: spread(idles),
        closes: closes.slice(0, 200),
        late: late.slice(0, 200),
      },
    });
  }
  return out;
}
