/**
 * The connection engine against tshark's answers for every corpus capture: stream ids, endpoints,
 * client, first/last frame, first-FIN frame and sender (crossed FINs = "both"), every RST with its
 * sender, packets per side. The reference format is described in the corpus README.
 */
import test from 'ava';
import { analyze } from '../../src/pipeline/run.js';
import type { ConnectionRecord } from '../../src/model/report.js';
import { asTsharkSees, corpusOrSkip, listCaptures, loadReference, TSHARK_BLIND } from '../helpers/corpus.js';

interface RefStream {
  stream: number;
  a: string;
  b: string;
  client: string;
  server: string;
  client_is: 'a' | 'b' | 'unknown';
  first_frame: number;
  last_frame: number;
  packets_by_side: Record<string, number>;
  first_fin: { side: string; frame: number } | null;
  simultaneous_close: boolean | null;
  rsts: { side: string; frame: number }[];
  refused: boolean;
  seq_wraparounds_by_side: Record<string, number>;
  window_scale_shift_by_side: Record<string, number | null>;
}

const endpoint = (e: { ip: string; port: number }) => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

function compare(c: ConnectionRecord, s: RefStream): string[] {
  const errs: string[] = [];
  const known = s.client_is !== 'unknown';
  if (known) {
    if (endpoint(c.client) !== s.client || endpoint(c.server) !== s.server) errs.push(`client/server ${endpoint(c.client)}→${endpoint(c.server)} vs ${s.client}→${s.server}`);
    if (c.roleGuessed) errs.push('role marked as guessed although the handshake was captured');
  } else if ([endpoint(c.client), endpoint(c.server)].sort().join() !== [s.a, s.b].sort().join()) {
    errs.push(`endpoints ${endpoint(c.client)},${endpoint(c.server)} vs ${s.a},${s.b}`);
  }
  if (c.firstFrame !== s.first_frame || c.lastFrame !== s.last_frame) errs.push(`frames ${c.firstFrame}-${c.lastFrame} vs ${s.first_frame}-${s.last_frame}`);
  if ((c.firstFinFrame ?? null) !== (s.first_fin?.frame ?? null)) errs.push(`first FIN ${c.firstFinFrame} vs ${s.first_fin?.frame}`);
  if (known && s.first_fin) {
    const expected = s.simultaneous_close ? 'both' : s.first_fin.side;
    if (c.closedFirstBy !== expected) errs.push(`closed first by ${c.closedFirstBy} vs ${expected}`);
  }
  const ourRst = c.resets.map((r) => (known ? `${r.by}#${r.frame}` : `#${r.frame}`)).join(',');
  const refRst = s.rsts.map((r) => (known ? `${r.side}#${r.frame}` : `#${r.frame}`)).join(',');
  if (ourRst !== refRst) errs.push(`resets ${ourRst} vs ${refRst}`);
  if (known && (c.packets.client !== s.packets_by_side.client || c.packets.server !== s.packets_by_side.server)) {
    errs.push(`packets ${c.packets.client}/${c.packets.server} vs ${s.packets_by_side.client}/${s.packets_by_side.server}`);
  }
  if (known) {
    for (const side of ['client', 'server'] as const) {
      if ((c.seqWraps[side] ?? 0) !== (s.seq_wraparounds_by_side[side] ?? 0)) errs.push(`${side} seq wraps ${c.seqWraps[side]} vs ${s.seq_wraparounds_by_side[side]}`);
    }
  }
  return errs;
}

if (corpusOrSkip() !== null) {
  for (const path of listCaptures()) {
    const ref = loadReference(path);
    const streams = (ref?.streams ?? []) as unknown as RefStream[];
    if (ref === null || ref.file_header.format === 'unknown') continue;
    const name = path.split('/').pop()!;
    const blind = TSHARK_BLIND[name];
    test(`connections of ${name} agree with tshark (ids, endpoints, client, FIN, RST, packets)${blind ? ` less those tshark cannot see: ${blind.why}` : ''}`, async (t) => {
      const report = await analyze([path]);
      const seen = asTsharkSees(name, report.connections);
      if (blind) t.true(seen.length < report.connections.length, `${name}: the connections tshark cannot see are there`);
      t.is(seen.length, streams.length, 'number of tcp.stream ids');
      const errors: string[] = [];
      for (const s of streams) {
        const c = seen[s.stream];
        if (c === undefined) errors.push(`stream ${s.stream} missing`);
        else for (const e of compare(c, s)) errors.push(`stream ${s.stream}: ${e}`);
      }
      t.deepEqual(errors, []);
    });
  }

  test('refused connections (RST answering a SYN) are the ones tshark calls refused', async (t) => {
    let checked = 0;
    for (const path of listCaptures()) {
      const ref = loadReference(path);
      for (const s of ((ref?.streams ?? []) as unknown as RefStream[]).filter((x) => x.refused)) {
        const report = await analyze([path]);
        const c = report.connections[s.stream]!;
        t.is(c.handshake.synAckFrame, null, `${path} #${s.stream}`);
        t.true(c.resets.some((r) => r.by === 'server'), `${path} #${s.stream}`);
        t.is(c.finalState.client, 'CLOSED');
        checked++;
      }
    }
    t.true(checked >= 2, `refused streams checked: ${checked}`);
  });
}
