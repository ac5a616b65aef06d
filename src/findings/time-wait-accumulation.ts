/**
 * time-wait-accumulation: one endpoint is the active closer (sends the first FIN) on many of its
 * connections, so it — not its peer — holds their TIME_WAIT sockets for 2 × MSL.
 *
 * Grouping: a server endpoint is ip:port (the listening socket); a client endpoint is its host
 * (ephemeral ports). A server that holds TIME_WAIT is reported from 3 sockets on, when it closed at
 * least half of its connections first; a client host only when its TIME_WAIT count (peak in the
 * capture, or the steady state the close rate implies) reaches 1 000 — below that it is the normal,
 * harmless case of a client closing its own connections.
 */
import type { Side } from '../tcp/connection-record.js';
import type { DetectorContext } from './context.js';
import { countSeries } from './sockets.js';
import { End, intervalTo, type SocketTable } from './socket-table.js';
import { TCP_STATE_NAMES } from '../tcp/endpoint-state.js';
import type { TimeWaitFinding, Severity } from './types.js';
import {
  addr, dur, frameList, groupEndpoint, maxOf, minOf, num, pct, plural, round3, wsFilter, timeSpan,
} from './util.js';

const MIN_SERVER_TIME_WAIT = 3;
const MIN_CLIENT_TIME_WAIT = 1000;
const MIN_ACTIVE_SHARE = 0.5;
/** Linux's default ephemeral port range (net.ipv4.ip_local_port_range 32768–60999). */
const EPHEMERAL_PORTS = 28232;
/**
 * Severity floors, on the TIME_WAIT count (peak, or the steady state the close rate implies). A
 * handful of TIME_WAIT sockets is what every closing endpoint has: info, whatever the share. It
 * becomes a warning from 10 000, about a third of the ephemeral range: a client towards one
 * destination then has a third of its ports held (bursts start failing connect() with
 * EADDRNOTAVAIL), a server as many tuples of its clients. Critical for a client at 25 000 (≈ 90 %
 * of the range: exhaustion is near); for a server at 200 000, near net.ipv4.tcp_max_tw_buckets
 * (262 144 on most hosts), beyond which the kernel destroys TIME_WAIT sockets early ("time wait
 * bucket table overflow"). A 4-tuple reused while in TIME_WAIT (a SYN the kernel had to accept into
 * a TIME_WAIT socket: fixed source ports or a wrapped port range) is a warning at any count.
 */
const WARN_TIME_WAIT = 10000;
const CRITICAL_CLIENT_TIME_WAIT = 25000;
const CRITICAL_SERVER_TIME_WAIT = 200000;

interface Group {
  role: Side;
  /** A connection of the group (its endpoint is read from it when the group is reported). */
  first: number;
  /** Its connections (positions in ctx.connections) are members[begin, end) of the member list. */
  begin: number;
  end: number;
}

const TIME_WAIT = TCP_STATE_NAMES.indexOf('TIME_WAIT');

/**
 * The groups, and their members as one typed list (a large capture's client host has every
 * connection: as per-group JS arrays these were megabytes of garbage for the collector).
 */
function groupSockets(t: SocketTable, n: number): { groups: Group[]; members: Int32Array } {
  // Keyed by numbers (a client host: -(address + 1); a server: address × 65536 + port), in order of
  // first appearance, as the findings were before.
  const ids = new Map<number, number>();
  const groups: Group[] = [];
  const groupOf = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < 2; s++) {
      const key = s === 0 ? -(t.ip[2 * i]! + 1) : t.ip[2 * i + 1]! * 65536 + t.port[2 * i + 1]!;
      let g = ids.get(key);
      if (g === undefined) {
        ids.set(key, (g = groups.length));
        groups.push({ role: s === 0 ? 'client' : 'server', first: i, begin: 0, end: 0 });
      }
      groups[g]!.end++; // a count until the offsets below
      groupOf[2 * i + s] = g;
    }
  }
  let at = 0;
  for (const g of groups) {
    const size = g.end;
    g.begin = g.end = at;
    at += size;
  }
  const members = new Int32Array(2 * n);
  for (let x = 0; x < 2 * n; x++) members[groups[groupOf[x]!]!.end++] = x >> 1;
  return { groups, members };
}

export function detectTimeWaitAccumulation(ctx: DetectorContext): Omit<TimeWaitFinding, 'rank' | 'explainedBy'>[] {
  const t = ctx.sockets();
  const n = ctx.connections.length;
  const { groups, members } = groupSockets(t, n);
  const out: Omit<TimeWaitFinding, 'rank' | 'explainedBy'>[] = [];
  // A group's TIME_WAIT intervals (positions in the socket table) and their connections, reused
  // from group to group.
  let twScratch = new Int32Array(1024);
  let twConnScratch = new Int32Array(1024);
  const tupleSeen = new Uint8Array(n);
  for (const g of groups) {
    const s = g.role === 'client' ? 0 : 1;
    let twCount = 0;
    let closed = 0;
    let active = 0;
    let passive = 0;
    for (let m = g.begin; m < g.end; m++) {
      const i = members[m]!;
      for (let k = t.begin[2 * i + s]!; k < t.end[2 * i + s]!; k++) {
        if (t.state[k] !== TIME_WAIT) continue;
        if (twCount === twScratch.length) {
          twScratch = grown(twScratch);
          twConnScratch = grown(twConnScratch);
        }
        twConnScratch[twCount] = i;
        twScratch[twCount++] = k;
      }
      const by = t.closedFirst[i]!;
      if (by < 0) continue;
      closed++;
      if (by === s || by === 2) active++;
      else passive++;
    }
    if (twCount === 0) continue;
    const share = closed === 0 ? 0 : active / closed;
    if (share < MIN_ACTIVE_SHARE) continue;
    if (g.role === 'server' && twCount < MIN_SERVER_TIME_WAIT) continue;
    const tw = twScratch.subarray(0, twCount);
    const twConn = twConnScratch.subarray(0, twCount);
    const from = new Float64Array(tw.length);
    const to = new Float64Array(tw.length);
    for (let j = 0; j < tw.length; j++) {
      from[j] = t.from[tw[j]!]!;
      to[j] = intervalTo(t, tw[j]!, 2 * twConn[j]! + s);
    }
    const series = countSeries(from, to, ctx.start, ctx.end);
    const captureSec = Math.max(ctx.end - ctx.start, 1);
    const rate = tw.length >= 2 ? tw.length / captureSec : null;
    let reused = 0;
    for (let j = 0; j < tw.length; j++) if (t.toReason[tw[j]!] === End.Reused) reused++;
    // A 4-tuple holds one TIME_WAIT socket at a time, so the count is bounded by the client ports:
    // EPHEMERAL_PORTS per client address (towards a server port), or per destination (for a client).
    const peerKeys = new Set<number>();
    for (let j = 0; j < tw.length; j++) {
      const p = 2 * twConn[j]! + (1 - s);
      peerKeys.add(g.role === 'server' ? t.ip[p]! : t.ip[p]! * 65536 + t.port[p]!);
    }
    const sides = peerKeys.size;
    const steady = rate === null ? null : Math.min(Math.round(rate * ctx.timeWaitSec), EPHEMERAL_PORTS * sides);
    const scale = Math.max(series.peak, steady ?? 0);
    if (g.role === 'client' && scale < MIN_CLIENT_TIME_WAIT) continue;

    // Reported: from here on, objects.
    const endpoint = groupEndpoint(ctx.connections[g.first]!, g.role);
    const activeConns: number[] = [];
    for (let m = g.begin; m < g.end; m++) {
      const i = members[m]!;
      if (t.closedFirst[i] === s || t.closedFirst[i] === 2) activeConns.push(i);
    }
    // Distinct 4-tuples: each connection's tuple id is the index of the tuple's first connection.
    // (One array for all groups, cleared after each: one per reported group cost O(groups × n).)
    let tuples = 0;
    for (let j = 0; j < tw.length; j++) {
      const tu = t.tuple[twConn[j]!]!;
      if (tupleSeen[tu] === 0) {
        tupleSeen[tu] = 1;
        tuples++;
      }
    }
    for (let j = 0; j < tw.length; j++) tupleSeen[t.tuple[twConn[j]!]!] = 0;
    let severity: Severity = 'info';
    const critical = g.role === 'client' ? CRITICAL_CLIENT_TIME_WAIT : CRITICAL_SERVER_TIME_WAIT;
    severity = scale >= critical ? 'critical' : scale >= WARN_TIME_WAIT || reused > 0 ? 'warning' : 'info';

    // The peers' group endpoints (a client host, a server ip:port), keyed by numbers as above.
    const peers = new Map<number, { ip: string; port: number | null; connections: number }>();
    for (let j = 0; j < activeConns.length; j++) {
      const i = activeConns[j]!;
      const p = 2 * i + (1 - s);
      const k = s === 1 ? -(t.ip[p]! + 1) : t.ip[p]! * 65536 + t.port[p]!;
      const entry = peers.get(k);
      if (entry === undefined) peers.set(k, { ip: t.ips[t.ip[p]!]!, port: s === 1 ? null : t.port[p]!, connections: 1 });
      else entry.connections++;
    }
    const peerList = [...peers.values()].sort((a, b) => b.connections - a.connections).slice(0, 10);
    const twConns = ascendingUnique(Array.from(twConn, (i) => t.id[i]!));
    const firstFins = activeConns.map((i) => t.finFrame[2 * i + s]!);
    const startEpoch = minOf(from);
    const endEpoch = Math.min(ctx.end, maxOf(to));
    const who = `${addr(endpoint)} (${g.role === 'server' ? 'the server' : 'client host'})`;
    const peerWord = g.role === 'server' ? 'its clients' : 'the servers';
    const reuseText = reused > 0
      ? `; ${plural(reused, 'new connection')} reused the 4-tuple of a connection still in TIME_WAIT`
      : '';
    const rateText = rate !== null && steady !== null
      ? `; at this rate (${rate >= 100 ? num(Math.round(rate)) : rate.toPrecision(3)} closes/s) it would hold about ${num(steady)} at any time`
      : '';
    out.push({
      kind: 'time-wait-accumulation',
      severity,
      title: `${addr(endpoint)} closes first and holds the TIME_WAIT sockets`,
      summary: `${who} sent the first FIN on ${num(active)} of its ${num(closed)} closed connections (${pct(share)}), so it — not ${peerWord} — held ${plural(tw.length, 'TIME_WAIT socket')} for ${dur(ctx.timeWaitSec)} each: up to ${num(series.peak)} at once in this ${dur(ctx.end - ctx.start)} capture${rateText}${reuseText}.`,
      explanation: `The side that sends the first FIN (the active closer) is the one that goes through TIME_WAIT: after the close its kernel keeps the socket for 2 × MSL (${dur(ctx.timeWaitSec)} on Linux) so that late segments of the old connection cannot be taken for a new one. ` +
        (g.role === 'server'
          ? 'Here the server closed first — typically because it answered with `Connection: close` (the client asked for it or spoke HTTP/1.0, or keep-alive is off), or because its idle keep-alive timeout fired before the client reused or closed the connection. On a server, TIME_WAIT sockets share the listening port and cost only a little memory; they matter in the tens of thousands (net.ipv4.tcp_max_tw_buckets, "time wait bucket table overflow").'
          : 'Here the client closed first, the usual pattern, but at a rate that keeps many sockets in TIME_WAIT. Each one pins a local port towards that destination; when the ephemeral port range (net.ipv4.ip_local_port_range, 28 232 ports by default) is used up, connect() fails with EADDRNOTAVAIL.') +
        (reused > 0
          ? ' When a new connection reuses the 4-tuple of one still in TIME_WAIT, the holder accepts its SYN only if the sequence number or timestamp moved forward; otherwise the SYN is answered with an ACK or dropped and the connect is delayed by a retransmission.'
          : ''),
      advice: g.role === 'server'
        ? [
            'Let the client close first: reuse connections with HTTP keep-alive (e.g. Node `new http.Agent({ keepAlive: true })`, Go without `DisableKeepAlives`, no `Connection: close` request header).',
            'Make the client\'s idle timeout shorter than the server\'s (`server.keepAliveTimeout` in Node, `keepalive_timeout` in nginx), so idle connections are closed by the client.',
            'TIME_WAIT on a server is harmless below tens of thousands; `net.ipv4.tcp_max_tw_buckets` caps it. Do not look for `tcp_tw_recycle` (removed in Linux 4.12).',
          ]
        : [
            'Reuse connections (a keep-alive pool) instead of opening one per request.',
            'If the rate is needed: `net.ipv4.tcp_tw_reuse=1` lets outgoing connections reuse TIME_WAIT ports (needs TCP timestamps); widen `net.ipv4.ip_local_port_range`.',
            'Spread the connections over more destination addresses or ports (the limit is per destination).',
          ],
      connections: twConns,
      frames: frameList(firstFins),
      endpoint: endpoint,
      ...timeSpan(startEpoch, endEpoch),
      wiresharkFilter: wsFilter(twConns, endpoint, 'tcp.flags.fin==1'),
      details: {
        role: g.role,
        closedConnections: closed,
        activeCloses: active,
        activeCloseShare: Math.round(share * 1000) / 1000,
        passiveCloses: passive,
        timeWaitEntered: tw.length,
        timeWaitSec: ctx.timeWaitSec,
        peak: series.peak,
        peakEpoch: series.peakAt,
        atCaptureEnd: series.atEnd,
        closesPerSec: rate === null ? null : round3(rate),
        steadyStateEstimate: steady,
        reusedWhileInTimeWait: reused,
        distinctFourTuples: tuples,
        series: { t: series.t, v: series.v },
        peers: peerList,
      },
    });
  }
  return out;
}

/** The same numbers in an array twice as long. */
function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** The distinct values, ascending (input mostly ascending already: members are in connection order). */
function ascendingUnique(values: number[]): number[] {
  for (let i = 1; i < values.length; i++) {
    if (values[i]! < values[i - 1]!) return [...new Set(values)].sort((a, b) => a - b);
  }
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}
