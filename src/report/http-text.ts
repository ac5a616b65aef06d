/**
 * The HTTP story of the connections the findings point at, beside the TCP table: per connection the
 * requests, the one that went wrong (no response, cut, error status) and how the connection ended.
 */
import type { ConnectionRecord, Report } from '../model/report.js';
import { httpOf, type HttpRecord, type HttpTransactionRecord } from '../model/http.js';
import { wrapProse } from './wrap.js';

const MAX_CONNECTIONS = 10;

function requestOf(t: HttpTransactionRecord): string {
  const target = t.target ?? '?';
  return `${t.method ?? '?'} ${target.length > 60 ? `${target.slice(0, 59)}…` : target}`;
}

function outcome(t: HttpTransactionRecord): string {
  if (t.response === null) return t.request !== null ? `no response (request frame ${t.request.firstFrame})` : 'no request';
  const wait = t.request !== null ? `, first byte after ${((t.response.firstTime - (t.request.lastTime ?? t.request.firstTime)) * 1000).toFixed(1)} ms` : '';
  const cut = t.complete ? '' : `, cut after ${t.response.bodyDelivered}${t.response.bodyDeclared !== null ? ` of ${t.response.bodyDeclared}` : ''} body bytes`;
  return `${t.status ?? '?'} (frame ${t.response.firstFrame}${wait}${cut})`;
}

const wentWrong = (t: HttpTransactionRecord): boolean => t.response === null || !t.complete || (t.status !== null && t.status >= 400);

function line(c: ConnectionRecord, h: HttpRecord): string {
  const bad = h.transactions.find(wentWrong);
  const shown = bad ?? h.transactions[h.transactions.length - 1]!;
  const close = c.firstClose !== null ? `${c.firstClose.by} ${c.firstClose.kind} #${c.firstClose.frame}` : 'not closed';
  const ended = h.ended !== null ? ` (${h.ended.when.replace(/-/g, ' ')})` : '';
  return `${h.requests} request(s), ${h.responses} response(s); ${bad !== undefined ? 'went wrong' : 'last'}: ` +
    `${shown.trans_depth}. ${requestOf(shown)} → ${outcome(shown)}; closed first: ${close}${ended}`;
}

/** Empty when no connection a finding points at carried HTTP/1.x. */
export function renderHttpStory(report: Report, width: number): string {
  const ids = [...new Set(report.findings.flatMap((f) => f.connections))];
  const byId = new Map(report.connections.map((c) => [c.id, c]));
  const lines: string[] = [];
  let more = 0;
  for (const id of ids) {
    const c = byId.get(id);
    const h = c !== undefined ? httpOf(c) : null;
    if (c === undefined || h === null) continue;
    if (lines.length >= MAX_CONNECTIONS) more++;
    else lines.push(wrapProse(`  #${id} `, line(c, h), width, '      '));
  }
  if (lines.length === 0) return '';
  return `HTTP on the connections the findings point at:\n${lines.join('\n')}\n${more > 0 ? `  … ${more} more in the JSON report (connections[].http)\n` : ''}`;
}
