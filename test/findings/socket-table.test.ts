/**
 * The flat socket table (socket-table.ts) against a plain oracle written here from the interval
 * rules (states → intervals, TIME_WAIT for timeWaitSec, a reused 4-tuple ends the earlier sockets,
 * an unanswered attempt whose SYNs stopped long before the capture's last segment is abandoned),
 * on every sample capture and, when present, the corpus; and the helpers that made it fast.
 */
import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/pipeline/run.js';
import { socketIntervals, type SocketInterval } from '../../src/findings/sockets.js';
import { frameList, sortTimes } from '../../src/findings/util.js';
import type { ConnectionRecord } from '../../src/model/report.js';
import { corpusOrSkip, listCaptures } from '../helpers/corpus.js';

function oracle(connections: readonly ConnectionRecord[], timeWaitSec: number): SocketInterval[] {
  const key = (c: ConnectionRecord) => `${c.client.ip}|${c.client.port}|${c.server.ip}|${c.server.port}`;
  const byTuple = new Map<string, ConnectionRecord[]>();
  for (const c of connections) byTuple.set(key(c), [...(byTuple.get(key(c)) ?? []), c]);
  const reusedAt = new Map<number, number>();
  for (const list of byTuple.values()) {
    const sorted = [...list].sort((a, b) => a.startEpoch - b.startEpoch);
    for (let i = 0; i + 1 < sorted.length; i++) reusedAt.set(sorted[i]!.id, sorted[i + 1]!.startEpoch);
  }
  const lastSeen = connections.reduce((m, c) => Math.max(m, c.endEpoch), -Infinity);
  const out: SocketInterval[] = [];
  for (const c of connections) {
    // Abandoned: the client ends in SYN_SENT, the server side never had a state, ≥ 2 SYNs, and no
    // SYN for 2.5 × the last interval (≥ 1 s) before the last segment: gone at last + 2 × interval.
    const clientReal = c.states.client.filter((s) => s.frame !== null);
    const serverReal = c.states.server.filter((s) => s.frame !== null && s.state !== 'CLOSED' && s.state !== 'UNKNOWN');
    const synTimes = [...new Set(c.events.filter((e) => e.kind === 'syn' && e.by === 'client').map((e) => e.time))].sort((a, b) => a - b);
    let abandonedAt = Infinity;
    if (clientReal.at(-1)?.state === 'SYN_SENT' && serverReal.length === 0 && synTimes.length >= 2) {
      const last = synTimes.at(-1)!;
      const interval = last - synTimes.at(-2)!;
      if (lastSeen - last > Math.max(2.5 * interval, 1)) abandonedAt = last + 2 * interval;
    }
    for (const side of ['client', 'server'] as const) {
      const ch = c.states[side].filter((s) => s.frame !== null);
      const self = c[side];
      const peer = c[side === 'client' ? 'server' : 'client'];
      ch.forEach((cur, i) => {
        if (cur.state === 'CLOSED' || cur.state === 'UNKNOWN') return;
        const next = ch[i + 1];
        let iv: Pick<SocketInterval, 'to' | 'toFrame' | 'toState' | 'toReason'> = next === undefined
          ? { to: Infinity, toFrame: null, toState: null, toReason: null }
          : { to: next.time, toFrame: next.frame, toState: next.state, toReason: 'change' };
        if (cur.state === 'SYN_SENT' && next === undefined && abandonedAt < Infinity && abandonedAt >= cur.time) iv = { to: abandonedAt, toFrame: null, toState: 'CLOSED', toReason: 'abandoned' };
        if (cur.state === 'TIME_WAIT' && cur.time + timeWaitSec < iv.to) iv = { to: cur.time + timeWaitSec, toFrame: null, toState: 'CLOSED', toReason: 'timer' };
        const reused = reusedAt.get(c.id) ?? Infinity;
        if (reused < iv.to && reused >= cur.time) iv = { to: reused, toFrame: null, toState: 'CLOSED', toReason: 'reused' };
        out.push({
          connection: c.id, side, ip: self.ip, port: self.port, peerIp: peer.ip, peerPort: peer.port,
          state: cur.state as SocketInterval['state'], from: cur.time, fromFrame: cur.frame, ...iv,
        });
      });
    }
  }
  return out;
}

const samples = [
  ...readdirSync('samples').filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join('samples', f)),
  ...readdirSync('samples/fixtures').map((f) => join('samples/fixtures', f)),
];
const corpus = corpusOrSkip() !== null ? listCaptures() : [];

for (const path of [...samples, ...corpus]) {
  test(`socket table = the interval rules: ${path.split('/').pop()}`, async (t) => {
    let r;
    try {
      r = await analyze([path], { connectionsOnly: true, threads: 1 });
    } catch {
      t.pass(); // unreadable corpus files are the capture tests' business
      return;
    }
    for (const tw of [60, 0.3]) t.deepEqual(socketIntervals(r.connections, tw), oracle(r.connections, tw), `timeWaitSec ${tw}`);
  });
}

test('sortTimes sorts like the native sort: ordered, nearly ordered, reversed, random, ties', (t) => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const cases: number[][] = [
    [], [1], Array.from({ length: 5000 }, (_, i) => i),
    Array.from({ length: 5000 }, (_, i) => i + (rnd() < 0.2 ? rnd() * 50 : 0)),
    Array.from({ length: 5000 }, (_, i) => 5000 - i),
    Array.from({ length: 5000 }, () => rnd()),
    Array.from({ length: 5000 }, () => Math.floor(rnd() * 4)),
  ];
  for (const c of cases) t.deepEqual(Array.from(sortTimes(Float64Array.from(c))), Array.from(Float64Array.from(c).sort()));
});

test('frameList: distinct positive frames ascending, at most cap, whatever the input order', (t) => {
  t.deepEqual(frameList([3, 3, 5, null, 0, -1, 9]), [3, 5, 9]);
  t.deepEqual(frameList([9, 3, 5, 3]), [3, 5, 9]);
  t.deepEqual(frameList(Array.from({ length: 500 }, (_, i) => i + 1), 200), Array.from({ length: 200 }, (_, i) => i + 1));
  t.deepEqual(frameList(Array.from({ length: 500 }, (_, i) => 500 - i), 3), [1, 2, 3]);
  t.deepEqual(frameList(new Set([4, 2])), [2, 4]);
});
