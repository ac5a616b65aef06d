/**
 * The Zeek-compatible summary (`zeek.history`, `zeek.connState`) against Zeek's own test baselines
 * in the shared corpus: reference/NAME.zeek-conn.log (conn.log lines, some cut to fewer columns) and
 * reference/NAME.zeek-history.txt (tests that print history and conn_state). Baseline rows are matched
 * to our connections by whatever part of the 4-tuple the baseline has, in time order when a tuple
 * repeats. See the corpus README, section "Zeek and tcpdump extras".
 *
 * Where Zeek splits one tshark stream into two records (its inactivity timeout / timer expiry), we
 * keep Wireshark's single stream: then we check what both saw, i.e. our history begins with Zeek's
 * first record's and our conn_state is that of Zeek's last record (the end of the connection).
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/pipeline/run.js';
import type { ConnectionRecord } from '../../src/model/report.js';
import { capturePath, corpusOrSkip } from '../helpers/corpus.js';

interface Section {
  source: string;
  run: string;
  columns: string[];
  rows: Record<string, string>[];
}

/** Splits a .zeek-conn.log into its baselines (`# source:` starts one); TSV or `zeek-cut -m` form. */
function parseConnLog(text: string): Section[] {
  const sections: Section[] = [];
  let cur: Section | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('# source:')) {
      cur = { source: line.slice(9).trim(), run: '', columns: [], rows: [] };
      sections.push(cur);
      continue;
    }
    if (cur === null || line.trim() === '') continue;
    if (line.startsWith('# run:')) cur.run = line.slice(6).trim();
    else if (line.startsWith('#fields\t')) cur.columns = line.split('\t').slice(1);
    else if (line.startsWith('#')) continue;
    else if (cur.columns.length === 0) cur.columns = line.split('\t'); // zeek-cut -m header
    else {
      const cells = line.split('\t');
      const row: Record<string, string> = {};
      cur.columns.forEach((c, i) => {
        if (c !== '') row[c] = cells[i] ?? '';
      });
      cur.rows.push(row);
    }
  }
  return sections;
}

type Side = 'client' | 'server';
const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/** Which of our sides the row calls the originator, or null if the row's tuple is not this connection. */
function orientation(row: Record<string, string>, c: ConnectionRecord): Side | null {
  for (const o of ['client', 'server'] as const) {
    const r = other(o);
    if (row['id.orig_h'] !== undefined && row['id.orig_h'] !== c[o].ip) continue;
    if (row['id.orig_p'] !== undefined && Number(row['id.orig_p']) !== c[o].port) continue;
    if (row['id.resp_h'] !== undefined && row['id.resp_h'] !== c[r].ip) continue;
    if (row['id.resp_p'] !== undefined && Number(row['id.resp_p']) !== c[r].port) continue;
    return o;
  }
  return null;
}

const hasTuple = (row: Record<string, string>) => ['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'].some((k) => row[k] !== undefined);

/** Baselines we do not compare, and why. */
const SKIPPED_SECTIONS: { file: string; match: RegExp; why: string }[] = [
  {
    file: 'zeek-vlan-collisions',
    match: /VLAN-aware flow keys/,
    why: 'VLAN-aware flow keys: Zeek keeps three connections apart by VLAN id; like Wireshark (and Zeek by default) we key by the 4-tuple and see one',
  },
];

/**
 * Why Zeek has more records than we have connections for one 4-tuple, per capture. Where Zeek's last
 * record saw only a trailing packet (`lastRecordPartial`), its conn_state describes that packet alone
 * and is not compared; the first record's history still must begin ours.
 */
const SPLIT_PARTIAL: Record<string, string> = {
  'zeek-http-tunnel-teredo':
    'Zeek removes a connection\'s state a few seconds after both FINs (tcp_close_delay), so the RSTs that come 10 s and 26 s later each open a new mid-stream record (OTH R, RSTRH ^r); Wireshark keeps one tcp.stream, and so do we',
};

const SPLIT_WHY: Record<string, string> = {
  ...SPLIT_PARTIAL,
  'zeek-ssh-client-side-half-duplex':
    'one-sided capture: no reply ever came, so Zeek expired the attempt (inactivity timeout) and opened a new, mid-stream record for the later packets; Wireshark keeps one tcp.stream',
  'zeek-tcp-retransmit-timeout':
    'with max_timer_expires=0 Zeek expires the connection during the 300 s silence and the retransmission opens a new record; Wireshark keeps one tcp.stream',
};

interface Tally {
  history: [agree: number, compared: number];
  connState: [agree: number, compared: number];
  packets: [agree: number, compared: number];
  split: [agree: number, compared: number];
  skipped: number;
}
const newTally = (): Tally => ({ history: [0, 0], connState: [0, 0], packets: [0, 0], split: [0, 0], skipped: 0 });

interface FileResult {
  name: string;
  tally: Tally;
  errors: string[];
  notes: string[];
}

const analyses = new Map<string, Promise<ConnectionRecord[]>>();
function connectionsOf(name: string, dir: string): Promise<ConnectionRecord[]> {
  let p = analyses.get(name);
  if (p === undefined) {
    const file = readdirSync(join(dir, 'captures')).find((f) => f.slice(0, f.lastIndexOf('.')) === name);
    const path = file === undefined ? null : capturePath(file);
    p = path === null ? Promise.reject(new Error(`no capture for ${name}`)) : analyze([path]).then((r) => r.connections);
    analyses.set(name, p);
  }
  return p;
}

/**
 * Zeek's history letter x/X means "connection analysis partial (e.g. limits exceeded)" (conn/main.zeek):
 * an application analyzer gave up (a MIME nesting limit in deeply-nested-mime, the GTP tunnel in
 * different_dl_and_ul). That is not a TCP event, and our TCP summary has no such letter.
 */
const withoutAnalyzerLetters = (history: string) => history.replace(/[xX]/g, '');

const label = (c: ConnectionRecord) => `#${c.id} ${c.client.ip}:${c.client.port}-${c.server.ip}:${c.server.port}`;

function check(t: Tally, errors: string[], kind: 'history' | 'connState' | 'packets', what: string, ours: string, theirs: string): void {
  t[kind][1]++;
  if (ours === theirs) t[kind][0]++;
  else errors.push(`${what}: ${kind} ${ours} vs Zeek ${theirs}`);
}

async function compareConnLog(name: string, dir: string): Promise<FileResult> {
  const res: FileResult = { name, tally: newTally(), errors: [], notes: [] };
  const conns = await connectionsOf(name, dir);
  const sections = parseConnLog(readFileSync(join(dir, 'reference', `${name}.zeek-conn.log`), 'utf8'));
  for (const sec of sections) {
    const skip = SKIPPED_SECTIONS.find((s) => s.file === name && s.match.test(sec.run));
    if (skip !== undefined) {
      res.tally.skipped += sec.rows.length;
      res.notes.push(`not compared (${sec.rows.length} rows of ${sec.source}): ${skip.why}`);
      continue;
    }
    // Rows → candidate connections; rows without any tuple column go by position.
    const groups = new Map<string, { rows: Record<string, string>[]; conns: ConnectionRecord[] }>();
    sec.rows.forEach((row, i) => {
      const cands = hasTuple(row) ? conns.filter((c) => orientation(row, c) !== null) : sec.rows.length === conns.length ? [conns[i]!] : [];
      if (cands.length === 0) {
        res.errors.push(`${sec.source}: no connection for row ${JSON.stringify(row)}`);
        return;
      }
      const key = cands.map((c) => c.id).join(',');
      const g = groups.get(key) ?? { rows: [], conns: cands };
      g.rows.push(row);
      groups.set(key, g);
    });
    for (const { rows, conns: cs } of groups.values()) {
      if (rows.length === cs.length) {
        rows.forEach((row, i) => {
          const c = cs[i]!;
          const what = `${sec.source.split(' ').pop()} ${label(c)}`;
          if (row.history !== undefined) check(res.tally, res.errors, 'history', what, c.zeek.history, withoutAnalyzerLetters(row.history));
          if (row.conn_state !== undefined) check(res.tally, res.errors, 'connState', what, c.zeek.connState, row.conn_state);
          const o = hasTuple(row) ? orientation(row, c) : null;
          if (o !== null && row.orig_pkts !== undefined && row.resp_pkts !== undefined) {
            check(res.tally, res.errors, 'packets', what, `${c.packets[o]}/${c.packets[other(o)]}`, `${row.orig_pkts}/${row.resp_pkts}`);
          }
        });
      } else if (cs.length === 1 && rows.length > 1 && SPLIT_WHY[name] !== undefined) {
        // Zeek split our one connection into several records, in time order.
        const c = cs[0]!;
        const first = rows[0]!;
        const last = rows[rows.length - 1]!;
        let ok = true;
        if (first.history !== undefined) ok &&= c.zeek.history.startsWith(first.history);
        if (last.conn_state !== undefined && SPLIT_PARTIAL[name] === undefined) ok &&= c.zeek.connState === last.conn_state;
        res.tally.split[1]++;
        if (ok) res.tally.split[0]++;
        else res.errors.push(`${label(c)}: split records ${rows.map((r) => `${r.history}/${r.conn_state}`).join(' + ')}: ours ${c.zeek.history}/${c.zeek.connState}`);
        // What a single record would show if Zeek had not split (once-only letters merged): logged only.
        let merged = '';
        for (const r of rows) for (const ch of r.history ?? '') if (!merged.includes(ch)) merged += ch;
        res.notes.push(
          `${label(c)}: Zeek ${rows.map((r) => `${r.history}/${r.conn_state}`).join(' + ')} (merged ${merged}), ours ${c.zeek.history}/${c.zeek.connState}: ${SPLIT_WHY[name]}`,
        );
      } else {
        res.errors.push(`${sec.source}: ${rows.length} rows for connections ${cs.map(label).join(' ')}`);
      }
    }
  }
  return res;
}

/** reference/NAME.zeek-history.txt: `history, conn_state` lines, or the tcp-dups test's REMOVE line. */
async function compareHistoryTxt(name: string, dir: string): Promise<FileResult> {
  const res: FileResult = { name, tally: newTally(), errors: [], notes: [] };
  const conns = await connectionsOf(name, dir);
  const text = readFileSync(join(dir, 'reference', `${name}.zeek-history.txt`), 'utf8');
  const expected: { history: string; connState?: string; orig?: string; origPort?: number }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const removed = /^REMOVE:, \[orig_h=([^,]+), orig_p=(\d+)\/tcp.*\], (\S+)$/.exec(line);
    if (removed) expected.push({ history: removed[3]!, orig: removed[1]!, origPort: Number(removed[2]) });
    const pair = /^([\^A-Za-z]*), ([A-Z0-9]+)$/.exec(line);
    if (pair) expected.push({ history: pair[1]!, connState: pair[2]! });
  }
  if (expected.length !== conns.length) res.errors.push(`${expected.length} expected histories, ${conns.length} connections`);
  expected.forEach((e, i) => {
    const c = e.orig === undefined ? conns[i] : conns.find((x) => (x.client.ip === e.orig && x.client.port === e.origPort) || (x.server.ip === e.orig && x.server.port === e.origPort));
    if (c === undefined) {
      res.errors.push(`no connection for ${JSON.stringify(e)}`);
      return;
    }
    check(res.tally, res.errors, 'history', label(c), c.zeek.history, e.history);
    if (e.connState !== undefined) check(res.tally, res.errors, 'connState', label(c), c.zeek.connState, e.connState);
  });
  return res;
}

const dir = corpusOrSkip();
if (dir !== null) {
  const refs = readdirSync(join(dir, 'reference')).sort();
  const connLogs = refs.filter((f) => f.endsWith('.zeek-conn.log')).map((f) => f.slice(0, -'.zeek-conn.log'.length));
  const historyTxts = refs.filter((f) => f.endsWith('.zeek-history.txt')).map((f) => f.slice(0, -'.zeek-history.txt'.length));
  const results = new Map<string, Promise<FileResult>>();
  for (const n of connLogs) results.set(`${n}.zeek-conn.log`, compareConnLog(n, dir));
  for (const n of historyTxts) results.set(`${n}.zeek-history.txt`, compareHistoryTxt(n, dir));
  // Compared lazily by the tests below; avoid unhandled rejections before a test awaits them.
  for (const p of results.values()) p.catch(() => {});

  for (const [file, result] of results) {
    test(`Zeek baseline ${file}: history and conn_state agree`, async (t) => {
      const r = await result;
      for (const n of r.notes) t.log(n);
      if (r.tally.history[1] + r.tally.connState[1] + r.tally.split[1] === 0) {
        t.log('this baseline has no history or conn_state column: only its rows\' 4-tuples (and packet counts, if present) were matched');
      }
      t.deepEqual(r.errors, []);
    });
  }

  test('Zeek baselines: every conn.log and history baseline in the corpus is compared, and each has a capture', (t) => {
    t.true(connLogs.length > 0 && historyTxts.length > 0);
    const captures = readdirSync(join(dir, 'captures')).map((f) => f.slice(0, f.lastIndexOf('.')));
    for (const n of [...connLogs, ...historyTxts]) t.true(captures.includes(n), `${n} has no capture`);
    t.is(results.size, connLogs.length + historyTxts.length);
  });

  test('Zeek baselines: agreement summary', async (t) => {
    const total = newTally();
    for (const r of await Promise.all(results.values())) {
      for (const k of ['history', 'connState', 'packets', 'split'] as const) {
        total[k][0] += r.tally[k][0];
        total[k][1] += r.tally[k][1];
      }
      total.skipped += r.tally.skipped;
    }
    t.log(`history ${total.history[0]}/${total.history[1]}, conn_state ${total.connState[0]}/${total.connState[1]}, ` +
      `packets (orientation) ${total.packets[0]}/${total.packets[1]}, split-by-Zeek connections ${total.split[0]}/${total.split[1]}, ` +
      `rows not compared ${total.skipped}`);
    t.true(total.history[1] > 0 && total.connState[1] > 0);
    t.is(total.history[0], total.history[1]);
    t.is(total.connState[0], total.connState[1]);
  });
}
