/**
 * An HTTP connection as a browser's network panel draws it: the TCP connect, then per transaction
 * the idle time before the request, the request being sent, the wait for the first response byte
 * and the download, then the idle time before the close and who closed it — one shared time axis,
 * a row per request. Bars are drawn from the HTTP layer's first/last frames of each message.
 */
import type { ConnectionRecord } from '../../model/report.js';
import type { HttpRecord, HttpTransactionRecord } from '../../model/http.js';
import { printable } from '../printable.js';
import { chart, legend, PALETTE, type Svg } from './chart.js';
import { offset, seconds } from './format.js';
import { html, type Html } from './template.js';

const WIDTH = 1100;
const LABEL = 300;
const ROW = 18;
const MAX_ROWS = 40;

const PHASES = {
  connect: { label: 'connect (SYN → established)', color: PALETTE.orange },
  idle: { label: 'idle', color: PALETTE.grey },
  send: { label: 'request sent', color: PALETTE.purple },
  wait: { label: 'waiting for the response', color: PALETTE.green },
  unanswered: { label: 'no response', color: PALETTE.yellow },
  download: { label: 'response download', color: PALETTE.blue },
  close: { label: 'closing (first FIN/RST to the last frame)', color: PALETTE.vermillion },
} as const;
type Phase = keyof typeof PHASES;

/** `METHOD target`, control characters shown as \xNN, cut to fit a row label. */
export function requestText(t: HttpTransactionRecord, max = 60): string {
  const line = printable(`${t.method ?? '?'} ${t.target ?? '?'}`);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function statusText(t: HttpTransactionRecord): string {
  if (t.status !== null) return String(t.status);
  return t.response === null ? 'no response' : 'response cut';
}

/** When the first FIN or RST was sent, from the event that recorded it (or the state change it caused). */
function closeTime(c: ConnectionRecord): number | null {
  const frame = c.firstClose?.frame;
  if (frame === undefined) return null;
  const e = c.events.find((x) => x.frame === frame);
  if (e !== undefined) return e.time;
  for (const s of [...c.states.client, ...c.states.server]) if (s.frame === frame) return s.time;
  return null;
}

/** The server's first FIN or RST after `after`: where an unanswered request's wait ended. */
function serverGaveUp(c: ConnectionRecord, after: number): number | null {
  return c.events.find((e) => e.by === 'server' && (e.kind === 'rst' || e.kind === 'fin') && e.time >= after)?.time ?? null;
}

/** The client socket reaching ESTABLISHED: the end of the connect phase (null when the capture missed the handshake). */
function establishedTime(c: ConnectionRecord): number | null {
  if (c.handshake.synFrame === null) return null;
  return c.states.client.find((s) => s.state === 'ESTABLISHED')?.time ?? null;
}

/** One sentence on the exchange: requests, responses, persistence, and how it ended. */
function httpSummary(c: ConnectionRecord, h: HttpRecord): string {
  const ended = h.ended === null ? 'the capture ended before either side closed'
    : `ended by the ${h.ended.by} with ${h.ended.how.toUpperCase()} (${h.ended.when.replace(/-/g, ' ')})`;
  const listed = h.transactions.length < h.transactionCount ? ` (the first ${h.transactions.length} listed)` : '';
  return `${h.protocol?.toUpperCase()}: ${h.requests} request(s), ${h.responses} response(s)${listed}` +
    `${h.persistent === true ? ', kept alive' : h.persistent === false ? ', not persistent' : ''}; ${ended}` +
    `${c.firstClose !== null ? `, first ${c.firstClose.kind} at frame ${c.firstClose.frame}` : ''}.`;
}

function renderWaterfall(c: ConnectionRecord, h: HttpRecord, start: number): Html {
  const shown = h.transactions.slice(0, MAX_ROWS);
  const rows = 1 + shown.length;
  const height = 30 + rows * ROW + 50;
  const { d3, svg, done } = chart(WIDTH, height, `HTTP waterfall of connection ${c.id}`, 'waterfall');
  const t0 = c.startEpoch;
  const t1 = Math.max(t0 + 1e-3, c.endEpoch);
  const x = d3.scaleLinear().domain([t0, t1]).range([LABEL, WIDTH - 12]).clamp(true);
  for (let i = 0; i <= 5; i++) {
    const t = t0 + (i / 5) * (t1 - t0);
    svg.append('line').attr('class', 'gridline').attr('x1', x(t)).attr('x2', x(t)).attr('y1', 22).attr('y2', 26 + rows * ROW);
    svg.append('text').attr('class', 'tick').attr('x', x(t)).attr('y', 16).attr('text-anchor', i === 0 ? 'start' : i === 5 ? 'end' : 'middle').text(offset(t, start));
  }
  const bar = (row: number, phase: Phase, from: number, to: number, facts: string) => {
    const y = 26 + row * ROW;
    svg.append('rect').attr('class', `phase phase-${phase}`).attr('x', x(from)).attr('y', y + 3).attr('height', ROW - 6)
      .attr('width', Math.max(1.5, x(to) - x(from))).attr('fill', PHASES[phase].color).attr('opacity', phase === 'idle' ? 0.35 : 0.9)
      .append('title').text(`${PHASES[phase].label}: ${facts}, ${offset(from, start)} for ${seconds(Math.max(0, to - from))} (#${c.id})`);
  };
  // Row 0: the TCP connection itself.
  svg.append('text').attr('class', 'lane-label').attr('x', 4).attr('y', 26 + ROW / 2 + 4).text(`TCP #${c.id}`);
  const established = establishedTime(c);
  if (established !== null) bar(0, 'connect', t0, established, `SYN frame ${c.handshake.synFrame}${c.handshake.rttMs !== null ? `, handshake RTT ${c.handshake.rttMs.toFixed(2)} ms` : ''}`);
  let free = established ?? t0;
  shown.forEach((t, i) => {
    const row = i + 1;
    const req = t.request;
    const res = t.response;
    svg.append('text').attr('class', 'lane-label').attr('x', 4).attr('y', 26 + row * ROW + ROW / 2 + 4)
      .text(`${t.trans_depth}. ${requestText(t, 40)} → ${statusText(t)}`)
      .append('title').text(`${requestText(t, 300)} → ${statusText(t)}`);
    const sentFrom = req?.firstTime ?? null;
    if (sentFrom !== null && sentFrom > free) bar(row, 'idle', free, sentFrom, t.idleSec !== null ? `idle since the previous response` : 'before the first request');
    const facts: string[] = [];
    let first = sentFrom ?? res?.firstTime ?? free;
    let last = first;
    if (req !== null) {
      const sentTo = req.lastTime ?? req.firstTime;
      bar(row, 'send', req.firstTime, sentTo, `${requestText(t)}, frames ${req.firstFrame}–${req.lastFrame ?? '?'}`);
      const answered = res?.firstTime ?? serverGaveUp(c, sentTo) ?? t1;
      bar(row, res !== null ? 'wait' : 'unanswered', sentTo, answered, res !== null ? `until frame ${res.firstFrame}` : 'no response byte arrived');
      facts.push(res !== null ? `wait ${seconds(answered - sentTo)}` : `no response in ${seconds(answered - sentTo)}`);
      free = sentTo;
      last = answered;
    }
    if (res !== null) {
      const to = res.lastTime ?? t1;
      const size = res.bodyDeclared !== null ? `${res.bodyDelivered} of ${res.bodyDeclared} body bytes` : `${res.bodyDelivered} body bytes`;
      bar(row, 'download', res.firstTime, to, `status ${statusText(t)}, frames ${res.firstFrame}–${res.lastFrame ?? 'cut'}, ${size}`);
      facts.push(`download ${seconds(to - res.firstTime)}, ${size}${t.complete ? '' : ', incomplete'}`);
      free = Math.max(free, to);
      first = Math.min(first, res.firstTime);
      last = Math.max(last, to);
    }
    rowNote(svg, row, facts.join(' · '), x(first), x(last));
  });
  closePhase(svg, c, h, bar, free, t1, x);
  if (h.transactions.length > shown.length || h.transactionCount > h.transactions.length) {
    svg.append('text').attr('class', 'tick').attr('x', 4).attr('y', 26 + rows * ROW + 10)
      .text(`${h.transactionCount - shown.length} more transaction(s) not drawn`);
  }
  legend(svg, LABEL, height - 30, (Object.keys(PHASES) as Phase[]).map((p) => ({ label: PHASES[p].label, color: PHASES[p].color })), WIDTH - LABEL - 10);
  return done();
}

/** A row's durations beside its bars: the bars of a millisecond exchange on a minute-long connection are slivers. */
function rowNote(svg: Svg, row: number, text: string, left: number, right: number): void {
  if (text === '') return;
  const width = text.length * 6;
  const place = right + 8 + width < WIDTH ? 'right' : left - 8 - width > LABEL ? 'left' : 'inside';
  svg.append('text').attr('class', place === 'inside' ? 'phase-note inside' : 'tick phase-note')
    .attr('x', place === 'right' ? right + 6 : place === 'left' ? left - 6 : left + 6).attr('y', 26 + row * ROW + ROW / 2 + 4)
    .attr('text-anchor', place === 'left' ? 'end' : 'start').text(text);
}

/** Row 0 again: the idle time before the first FIN/RST, the close, and who closed. */
function closePhase(svg: Svg, c: ConnectionRecord, h: HttpRecord, bar: (row: number, phase: Phase, from: number, to: number, facts: string) => void,
  free: number, end: number, x: (t: number) => number): void {
  const at = closeTime(c);
  if (at === null || c.firstClose === null) {
    svg.append('text').attr('class', 'tick').attr('x', x(end) - 4).attr('y', 26 + ROW / 2 + 4).attr('text-anchor', 'end').text('still open at the end of the capture');
    return;
  }
  if (at > free) bar(0, 'idle', free, at, 'after the last response');
  bar(0, 'close', at, end, `${c.firstClose.kind} by the ${c.firstClose.by} at frame ${c.firstClose.frame}`);
  const when = h.ended !== null ? `, ${h.ended.when.replace(/-/g, ' ')}` : '';
  const label = `closed by ${c.firstClose.by} (${c.firstClose.kind} #${c.firstClose.frame}${when})`;
  const right = x(at) > LABEL + (WIDTH - LABEL) / 2;
  svg.append('text').attr('class', 'who-closed').attr('x', right ? x(at) - 4 : x(at) + 4).attr('y', 26 + ROW / 2 + 4)
    .attr('text-anchor', right ? 'end' : 'start').text(label);
}

/** The waterfall section of a drawn connection, or nothing for a connection without HTTP/1.x. */
export function waterfallSection(c: ConnectionRecord, h: HttpRecord | null, start: number): Html {
  if (h === null) return html``;
  return html`<div class="http"><h4>HTTP waterfall</h4><p>${httpSummary(c, h)}</p>${renderWaterfall(c, h, start)}</div>`;
}
