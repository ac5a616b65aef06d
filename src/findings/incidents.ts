/**
 * Incidents: the ranked findings that tell one story, grouped, with one headline. Two findings are
 * in the same incident when one explains the other (`explainedBy`, the cause chain) or when they
 * concern the same server endpoint in overlapping time windows (a blackhole shows as unanswered
 * data, unanswered SYNs and a RST after recovery on different connections). An incident needs a
 * warning or a critical finding; info findings join one only through the cause chain.
 */
import type { ConnectionRecord, Endpoint } from '../tcp/connection-record.js';
import type { DeadPeerFinding, Finding, FindingEndpoint, Incident, ResetFinding, Severity } from './types.js';
import { SEVERITIES } from './types.js';
import { addr, dur, endpointKey, frameList, plural, rel, round6, minOf, maxOf } from './util.js';

/** Windows closer than this still overlap: the RST after an outage comes just after its last try. */
const WINDOW_SLACK_SEC = 1;
const MAX_KEY_FRAMES = 20;

/** What an incident needs of a connection: its server endpoint. */
type ServerOf = (connection: number) => Endpoint | undefined;

/** Connection ids are their index in the report's list; the search is only a fallback for a list that is not. */
function serverLookup(connections: readonly ConnectionRecord[]): ServerOf {
  let byId: Map<number, Endpoint> | null = null;
  return (id) => {
    const c = connections[id];
    if (c !== undefined && c.id === id) return c.server;
    byId ??= new Map(connections.map((x) => [x.id, x.server]));
    return byId.get(id);
  };
}

function serversOf(f: Finding, serverOf: ServerOf): Set<string> {
  const out = new Set<string>();
  for (const id of f.connections) {
    const s = serverOf(id);
    if (s !== undefined) out.add(endpointKey({ ip: s.ip, port: s.port }));
  }
  return out;
}

function overlap(a: Finding, b: Finding): boolean {
  if (a.startEpoch === null || a.endEpoch === null || b.startEpoch === null || b.endEpoch === null) return false;
  return a.startEpoch <= b.endEpoch + WINDOW_SLACK_SEC && b.startEpoch <= a.endEpoch + WINDOW_SLACK_SEC;
}

export function buildIncidents(findings: readonly Finding[], connections: readonly ConnectionRecord[], captureStart: number): Incident[] {
  const serverOf = serverLookup(connections);
  const parent = findings.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const join = (i: number, j: number) => {
    const a = find(i);
    const b = find(j);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  };
  const byRank = new Map(findings.map((f, i) => [f.rank, i]));
  findings.forEach((f, i) => f.explainedBy.forEach((r) => byRank.has(r) && join(i, byRank.get(r)!)));
  const servers = findings.map((f) => serversOf(f, serverOf));
  for (let i = 0; i < findings.length; i++) {
    if (findings[i]!.severity === 'info') continue;
    for (let j = i + 1; j < findings.length; j++) {
      if (findings[j]!.severity === 'info' || !overlap(findings[i]!, findings[j]!)) continue;
      if ([...servers[i]!].some((s) => servers[j]!.has(s))) join(i, j);
    }
  }
  const groups = new Map<number, Finding[]>();
  findings.forEach((f, i) => {
    const g = groups.get(find(i));
    if (g === undefined) groups.set(find(i), [f]);
    else g.push(f);
  });
  const out: Incident[] = [];
  for (const members of groups.values()) {
    if (members.every((f) => f.severity === 'info')) continue;
    members.sort((a, b) => a.rank - b.rank);
    const severity = members.reduce<Severity>((s, f) => (SEVERITIES.indexOf(f.severity) > SEVERITIES.indexOf(s) ? f.severity : s), 'info');
    const starts = members.map((f) => f.startEpoch).filter((x): x is number => x !== null);
    const ends = members.map((f) => f.endEpoch).filter((x): x is number => x !== null);
    const endpoints = new Map<string, FindingEndpoint>();
    for (const f of members) if (f.endpoint !== null) endpoints.set(endpointKey(f.endpoint), f.endpoint);
    out.push({
      id: out.length + 1,
      headline: headline(members, captureStart),
      severity,
      endpoints: [...endpoints.values()],
      startEpoch: starts.length > 0 ? round6(minOf(starts)) : null,
      endEpoch: ends.length > 0 ? round6(maxOf(ends)) : null,
      findings: members.map((f) => f.rank),
      keyFrames: frameList(members.flatMap((f) => keyFrames(f)), MAX_KEY_FRAMES),
    });
  }
  return out;
}

/** The frames that tell a finding's story: its first and last evidence, and what it turned on. */
function keyFrames(f: Finding): number[] {
  switch (f.kind) {
    case 'dead-peer':
      return f.details.runs.flatMap((r) => [r.frames[0], r.afterFrame]).filter((x): x is number => x !== null && x !== undefined);
    case 'reset':
      return f.details.resets.filter((r) => !r.followUp).flatMap((r) => [r.triggerFrame, r.frame]).filter((x): x is number => x !== null);
    default:
      return [f.frames[0], f.frames[f.frames.length - 1]].filter((x): x is number => x !== undefined);
  }
}

function headline(members: Finding[], start: number): string {
  const lead = members[0]!;
  const resets = members.filter((f): f is ResetFinding => f.kind === 'reset');
  const deadPeers = members.filter((f): f is DeadPeerFinding => f.kind === 'dead-peer');
  if (deadPeers.length > 0 && lead.kind === 'dead-peer') return outageHeadline(lead, deadPeers, resets, start);
  if (lead.kind === 'slow-reader') {
    const i = lead.details.instances[0]!;
    const rst = resets.flatMap((f) => f.details.resets).find((r) => r.connection === i.connection && !r.followUp);
    const zero = i.zeroEpoch !== null ? ` at ${rel(i.zeroEpoch, start)} (frame ${i.zeroFrame}): window zero for ${dur(i.zeroDurationSec ?? 0)}` : '';
    const end = rst !== undefined ? `, ended by ${rst.by === 'server' ? 'the server' : 'the client'}'s RST (frame ${rst.frame})` : '';
    return `${addr(i.readerEndpoint)} stopped reading from ${addr(i.senderEndpoint)}${zero}${end}${lead.details.count > 1 ? ` (and ${plural(lead.details.count - 1, 'other connection')})` : ''}`;
  }
  // Otherwise the cause, then what followed from it, each with its count.
  const rest = members.slice(1).map((f) => {
    if (f.kind !== 'reset') return f.title;
    const t = f.details.finWait2Timeout;
    const timeout = t !== null ? ` — ${addr(f.details.server)} forgot its FIN_WAIT_2 sockets after ~${dur(t.estimateSec)}, on ${t.measured} of ${t.of}` : '';
    return `${plural(f.details.firstResets, 'connection')} reset (${f.details.cause}, frames ${f.details.resets.slice(0, 4).map((r) => r.frame).join(', ')}${f.details.resets.length > 4 ? ', …' : ''})${timeout}`;
  });
  return [lead.title, ...rest].join('; ');
}

/** "X unreachable from t=a to t=b (d): n requests lost (frame N, k retransmissions), m attempts abandoned, recovered at frame M". */
function outageHeadline(lead: DeadPeerFinding, deadPeers: DeadPeerFinding[], resets: ResetFinding[], start: number): string {
  const runs = deadPeers.flatMap((f) => f.details.runs);
  const data = runs.filter((r) => r.mode !== 'syn');
  const syn = runs.filter((r) => r.mode === 'syn');
  const from = minOf(runs.map((r) => r.firstEpoch));
  const recoveries = runs.filter((r) => r.after === 'rst-from-peer' && r.afterFrame !== null);
  const stale = resets.filter((f) => f.details.cause === 'stale-connection').flatMap((f) => f.details.resets);
  const back = [...recoveries.map((r) => ({ frame: r.afterFrame!, epoch: r.lastEpoch + r.afterSec })), ...stale.map((r) => ({ frame: r.frame, epoch: r.epoch }))]
    .sort((a, b) => a.epoch - b.epoch)[0];
  const to = back?.epoch ?? maxOf(runs.map((r) => r.lastEpoch));
  const who = lead.endpoint !== null ? addr(lead.endpoint) : addr(runs[0]!.peerEndpoint);
  const parts: string[] = [];
  if (data.length > 0) {
    const first = data[0]!;
    if (data.every((r) => r.mode === 'keep-alive')) {
      // Probes carry no request: what was lost is the answer to them, on idle connections.
      const probes = data.reduce((n, r) => n + r.count, 0);
      parts.push(`${plural(probes, 'keep-alive probe')} unanswered on ${plural(data.length, 'idle connection')} (from frame ${first.frames[0]})`);
    } else {
      parts.push(`${plural(data.length, 'request')} lost (frame ${first.frames[0]}, ${plural(first.count, 'retransmission')})`);
    }
  }
  if (syn.length > 0) {
    const gaveUp = syn.filter((r) => r.after === 'gave-up' || r.after === 'capture-end').length;
    parts.push(`${plural(syn.length, 'connection attempt')} ${gaveUp === syn.length ? 'abandoned' : 'unanswered'}`);
  }
  parts.push(back !== undefined ? `recovered at frame ${back.frame}` : 'not recovered when the capture ended');
  return `${who} unreachable from ${rel(from, start)} to ${rel(to, start)} (${dur(to - from)}): ${parts.join(', ')}`;
}
