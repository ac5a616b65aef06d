/**
 * The HTTP story of the connections the findings point at, for the terminal: per connection the
 * request that went wrong (or the last one), its status, what went wrong in words, the server's
 * keep-alive headers, and beside it the TCP facts of how the connection ended (who closed first,
 * who reset), so the two layers read as one sentence.
 */
import type { ConnectionRecord, Report } from '../model/report.js';
import { httpOf, type HttpRecord, type HttpTransactionRecord } from '../model/http.js';
import { printable } from './printable.js';
import { wrapProse } from './wrap.js';

const MAX_CONNECTIONS = 10;
/** Captured strings are cut here: a line is for reading, the JSON has them whole. */
const MAX_TARGET = 60;
const MAX_HEADER = 40;

const count = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** A capture string as terminal text: control characters escaped, then cut. */
function shown(s: string, max: number): string {
  const p = printable(s);
  return p.length > max ? `${p.slice(0, max - 1)}…` : p;
}

const requestOf = (t: HttpTransactionRecord): string => `${t.trans_depth}. ${shown(t.method ?? '?', 20)} ${shown(t.target ?? '?', MAX_TARGET)}`;

function statusOf(t: HttpTransactionRecord): string {
  if (t.response === null) return 'no response';
  const sent = t.request?.lastTime ?? t.request?.firstTime;
  const wait = sent !== undefined ? ` in ${((t.response.firstTime - sent) * 1000).toFixed(1)} ms` : '';
  return `${t.status ?? '?'}${wait} (frame ${t.response.firstFrame})`;
}

/** What went wrong with one exchange, in words; empty when nothing did. */
function problemsOf(t: HttpTransactionRecord, c: ConnectionRecord): string[] {
  const out: string[] = [];
  const close = c.firstClose;
  // The keep-alive race: the request left after the peer's FIN had already closed the connection.
  const raced = t.request !== null && close !== null && close.by === 'server' && t.request.firstFrame > close.frame;
  if (t.response === null && t.request !== null) out.push(`no response to the request of frame ${t.request.firstFrame}`);
  if (raced) out.push(`sent after the server's ${close.kind} #${close.frame}`);
  if (t.response !== null && !t.complete) {
    const r = t.response;
    out.push(`body cut after ${count(r.bodyDelivered, 'byte')}${r.bodyDeclared !== null ? ` of ${r.bodyDeclared.toLocaleString('en-US')}` : ' (chunked, no last chunk)'}`);
  }
  if (t.status !== null && t.status >= 400) out.push(`status ${t.status}`);
  return out;
}

/** The response's own say on keeping the connection (`Connection: close`, `Keep-Alive: timeout=5`). */
function keepAliveHeaders(t: HttpTransactionRecord): string {
  const h = t.response?.headers ?? {};
  return ['Connection', 'Keep-Alive'].filter((k) => h[k] !== undefined).map((k) => `${k}: ${shown(h[k]!, MAX_HEADER)}`).join(', ');
}

function tcpEnd(c: ConnectionRecord, h: HttpRecord): string {
  const parts: string[] = [];
  if (c.firstClose !== null) parts.push(`${c.firstClose.by} ${c.firstClose.kind} #${c.firstClose.frame} first${h.ended !== null ? ` (${h.ended.when.replace(/-/g, ' ')})` : ''}`);
  else parts.push('not closed in the capture');
  for (const side of ['client', 'server'] as const) {
    // A zero window explains a stalled or cut download: the reader, not the network, stopped it.
    const zero = c.analysis[side].zeroWindow ?? 0;
    if (zero > 0) parts.push(`${side} window zero in ${count(zero, 'segment')}`);
  }
  const rst = c.resets.find((r) => c.firstClose?.kind !== 'RST' || r.frame !== c.firstClose.frame);
  if (rst !== undefined) parts.push(`${rst.by} RST #${rst.frame}${c.resets.length > 1 ? ` (+${c.resets.length - 1})` : ''}`);
  return parts.join(', ');
}

/** One connection's line: its exchange that went wrong (else its last), then how TCP ended it. */
function httpLine(c: ConnectionRecord, h: HttpRecord): string {
  let problems: string[] = [];
  const bad = h.transactions.find((t) => (problems = problemsOf(t, c)).length > 0);
  const t = bad ?? h.transactions[h.transactions.length - 1]!;
  const headers = keepAliveHeaders(t);
  return `${count(h.requests, 'request')}, ${count(h.responses, 'response')}; ${bad !== undefined ? '' : 'last: '}${requestOf(t)} → ${statusOf(t)}` +
    `${headers !== '' ? `, ${headers}` : ''}; ${bad !== undefined ? `went wrong: ${problems.join(', ')}; ` : ''}TCP: ${tcpEnd(c, h)}`;
}

/** Empty when no connection a finding points at carried HTTP/1.x. */
export function renderHttpStory(report: Report, width: number): string {
  // The ids in ascending order without sorting them: a finding may point at all 181 k connections of
  // the benchmark, and a sorted set of them cost a tenth of a second. Ids are tcp.stream numbers
  // (0 … connections − 1); anything else takes the sorted set.
  let maxId = -1;
  let plain = true;
  for (const f of report.findings) {
    for (const id of f.connections) {
      if (!Number.isInteger(id) || id < 0) plain = false;
      else if (id > maxId) maxId = id;
    }
  }
  let ids: number[];
  if (plain && maxId < 4 * report.connections.length + 1024) {
    const pointed = new Uint8Array(maxId + 1);
    for (const f of report.findings) for (const id of f.connections) pointed[id] = 1;
    ids = [];
    for (let id = 0; id <= maxId; id++) if (pointed[id] === 1) ids.push(id);
  } else ids = [...new Set(report.findings.flatMap((f) => f.connections))].sort((a, b) => a - b);
  const lines: string[] = [];
  let more = 0;
  for (let k = 0; k < ids.length; k++) {
    if (lines.length >= MAX_CONNECTIONS) {
      // Not decoded to be counted: reading each one's HTTP cost 200 MB at the peak on the benchmark.
      more = ids.length - k;
      break;
    }
    const id = ids[k]!;
    // Records are in id order (id = tcp.stream), so the id is the index.
    const c = report.connections[id]?.id === id ? report.connections[id] : report.connections.find((x) => x.id === id);
    const h = c !== undefined ? httpOf(c) : null;
    if (c === undefined || h === null) continue;
    lines.push(wrapProse(`  conn ${id}  `, httpLine(c, h), width, '      '));
  }
  if (lines.length === 0) return '';
  return `HTTP on the connections the findings point at (id as in the table):\n${lines.join('\n')}\n` +
    `${more > 0 ? `  … ${more.toLocaleString('en-US')} more connection${more === 1 ? '' : 's'} the findings point at: their HTTP is in the JSON report (connections[].http)\n` : ''}`;
}
