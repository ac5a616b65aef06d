/**
 * The connection timeline: one lane per notable connection on a shared time axis, coloured by
 * outcome, with its events marked; the uneventful rest folded into one density band per server
 * endpoint, so that 100,000 connections stay a readable (and small) picture.
 */
import type { ConnectionRecord, EventRecord, Report } from '../../model/report.js';
import { isUneventful } from '../../model/connection-facts.js';
import { interest, flagsOf } from '../text.js';
import type * as D3 from 'd3';
import { chart, legend, PALETTE, type Svg } from './chart.js';
import { endpointText, offset } from './format.js';
import { OUTCOMES, OUTCOME_COLOR, outcomeOf } from './outcome.js';
import { html, type Html } from './template.js';
import { httpOf } from '../../model/http.js';
import { requestText } from './waterfall.js';

const WIDTH = 1100;
const LABEL = 250;
const LANE = 12;
const MAX_LANES = 250;
const BANDS = 12;
const BUCKETS = 200;

export interface Span {
  start: number;
  end: number;
}

/** The time span every chart shares: the capture's first to last frame. */
export function spanOf(report: Report): Span {
  const start = Number(report.capture.firstEpoch ?? 0);
  const end = Math.max(Number(report.capture.lastEpoch ?? start), start + 1e-3);
  return { start, end };
}

/** What the filter box matches against: addresses, ports, stream id (#5), flags and outcome. */
export function filterKey(c: ConnectionRecord): string {
  return `#${c.id} ${endpointText(c.client)} ${endpointText(c.server)} ${flagsOf(c)} ${outcomeOf(c)}`;
}

const MARKS: Partial<Record<EventRecord['kind'], { color: string; label: string; tall: boolean }>> = {
  fin: { color: 'currentColor', label: 'FIN', tall: false },
  rst: { color: PALETTE.vermillion, label: 'RST', tall: true },
  'zero-window-probe': { color: PALETTE.purple, label: 'zero-window probe', tall: false },
  retransmission: { color: PALETTE.orange, label: 'retransmission', tall: false },
  'keep-alive': { color: PALETTE.sky, label: 'keep-alive', tall: false },
};

function pickLanes(report: Report, pointedAt: Set<number>): { lanes: ConnectionRecord[]; folded: ConnectionRecord[] } {
  const conns = report.connections;
  if (conns.length <= MAX_LANES) return { lanes: [...conns], folded: [] };
  const scored: { c: ConnectionRecord; s: number }[] = [];
  const folded: ConnectionRecord[] = [];
  for (const c of conns) {
    const s = pointedAt.has(c.id) ? 1e6 : isUneventful(c) ? 0 : interest(c) - Math.min(30, c.durationSec);
    if (s > 0) scored.push({ c, s });
    else folded.push(c);
  }
  scored.sort((a, b) => b.s - a.s || a.c.id - b.c.id);
  for (const { c } of scored.slice(MAX_LANES)) folded.push(c);
  return { lanes: scored.slice(0, MAX_LANES).map((x) => x.c), folded };
}

/** The timeline section, and the overview histogram that zooms it. */
export function renderTimeline(report: Report, pointedAt: Set<number>): Html {
  const span = spanOf(report);
  const { lanes, folded } = pickLanes(report, pointedAt);
  // Grouped by server endpoint, the interesting first within the order of their start.
  const group = (c: ConnectionRecord) => endpointText(c.server);
  lanes.sort((a, b) => group(a).localeCompare(group(b)) || a.startEpoch - b.startEpoch);
  const bands = densityBands(folded, span);
  const height = 40 + lanes.length * LANE + bands.length * (LANE + 4) + 54;
  const { d3, svg, fill, done } = chart(WIDTH, height, 'Connection timeline', 'timeline');
  const x = d3.scaleLinear().domain([span.start, span.end]).range([LABEL, WIDTH - 10]);
  axis(svg, x, span, 30, height - 30);
  const plot = svg.append('g').attr('class', 'zoomable');
  let y = 36;
  let withHttp = false;
  const labels: Html[] = [];
  const rows: Html[] = [];
  for (const c of lanes) {
    labels.push(html`<g class="lane" id="lane-${c.id}" data-filter="${filterKey(c)}" data-start="${c.startEpoch}" data-end="${c.endEpoch}"><text class="lane-label" x="4" y="${y + 9}">${
      `#${c.id} ${endpointText(c.client)} → ${endpointText(c.server)}`.slice(0, 44)}</text></g>`);
    const outcome = outcomeOf(c);
    const marks: Html[] = [html`<rect x="${x(c.startEpoch)}" y="${y + 2}" width="${Math.max(1, x(c.endEpoch) - x(c.startEpoch))}" height="${LANE - 4}" fill="${OUTCOME_COLOR[outcome]}" opacity="0.55"><title>${
      `#${c.id} ${endpointText(c.client)} → ${endpointText(c.server)}: ${OUTCOMES.find((o) => o.outcome === outcome)!.label}, ` +
      `frames ${c.firstFrame}–${c.lastFrame}, ${offset(c.startEpoch, span.start)} to ${offset(c.endEpoch, span.start)}`}</title></rect>`];
    zeroWindows(marks, c, x, y);
    for (const e of c.events) {
      const mark = MARKS[e.kind];
      if (mark === undefined) continue;
      marks.push(html`<line class="mark" x1="${x(e.time)}" x2="${x(e.time)}" y1="${mark.tall ? y : y + 2}" y2="${mark.tall ? y + LANE : y + LANE - 2}" stroke="${mark.color}" stroke-width="2" vector-effect="non-scaling-stroke"><title>${
        `${mark.label} by ${e.by}, frame ${e.frame}, ${offset(e.time, span.start)} (#${c.id})`}</title></line>`);
    }
    if (httpMarks(marks, c, x, y, span.start)) withHttp = true;
    rows.push(html`<g class="lane-marks" data-lane="${c.id}">${marks}</g>`);
    y += LANE;
  }
  fill(plot.append('g').attr('class', 'lane-rows'), rows);
  fill(svg.append('g').attr('class', 'lanes'), labels);
  y += 4;
  for (const band of bands) {
    svg.append('text').attr('class', 'lane-label band-label').attr('x', 4).attr('y', y + 9).text(`${band.label}: ${band.count} uneventful`);
    const w = (WIDTH - 10 - LABEL) / BUCKETS;
    const cells: Html[] = [];
    band.active.forEach((n, i) => {
      if (n === 0) return;
      cells.push(html`<rect x="${LABEL + i * w}" y="${y}" width="${w + 0.2}" height="${LANE}" fill="${PALETTE.blue}" opacity="${(0.15 + 0.85 * n / band.max).toFixed(2)}"><title>${
        `${band.label}: ${n} connection(s) active around ${offset(span.start + (i + 0.5) * (span.end - span.start) / BUCKETS, span.start)}`}</title></rect>`);
    });
    fill(plot.append('g').attr('class', 'band'), cells);
    y += LANE + 4;
  }
  legend(svg, LABEL, height - 30, [
    ...OUTCOMES.map((o) => ({ label: o.label, color: o.color })),
    { label: 'RST', color: PALETTE.vermillion, mark: 'line' as const }, { label: 'FIN', color: 'currentColor', mark: 'line' as const },
    { label: 'retransmission', color: PALETTE.orange, mark: 'line' as const }, { label: 'probe', color: PALETTE.purple, mark: 'line' as const },
    { label: 'zero window', color: PALETTE.yellow },
    ...(withHttp ? HTTP_LEGEND : []),
  ], WIDTH - LABEL - 10);
  const note = folded.length > 0
    ? html`<p>${lanes.length} notable connections have a lane (those findings point at first); the other ${folded.length} are folded into density bands per server endpoint (darker: more connections open at once).</p>`
    : html``;
  return html`<section id="timeline"><h2>Connection timeline</h2>
<p class="hint">Drag across the overview to zoom the timeline and restrict the table to that time; hover a mark for its frame number.</p>
${renderOverview(report, span)}
<div class="zoom-bar"><span id="zoom-range">whole capture</span> <button type="button" id="zoom-reset" hidden>Show the whole capture</button></div>
${note}<div class="scroll">${done()}</div></section>`;
}

/** Marks per lane for HTTP at most: a connection can carry thousands of requests, the lane only needs their rhythm. */
const HTTP_MARKS = 24;
const HTTP_ERROR = PALETTE.vermillion;

/** Requests as ticks on the lane's upper half, responses (their first byte) on its lower half; error statuses in vermillion. */
function httpMarks(marks: Html[], c: ConnectionRecord, x: (t: number) => number, y: number, start: number): boolean {
  const h = httpOf(c);
  if (h === null) return false;
  const tick = (cls: string, t: number, top: number, bottom: number, color: string, title: string): void => {
    marks.push(html`<line class="mark ${cls}" x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${bottom}" stroke="${color}" stroke-width="1.5" vector-effect="non-scaling-stroke"><title>${title}</title></line>`);
  };
  for (const t of h.transactions.slice(0, HTTP_MARKS)) {
    const request = `${t.trans_depth}. ${requestText(t)}`;
    if (t.request !== null) {
      tick('http-request', t.request.firstTime, y, y + LANE / 2, 'currentColor',
        `HTTP request ${request} by client, frame ${t.request.firstFrame}, ${offset(t.request.firstTime, start)} (#${c.id})`);
    }
    if (t.response !== null) {
      const failed = t.status === null || t.status >= 400;
      const wait = t.request !== null ? `, ${((t.response.firstTime - (t.request.lastTime ?? t.request.firstTime)) * 1000).toFixed(1)} ms after the request` : '';
      tick('http-response', t.response.firstTime, y + LANE / 2, y + LANE, failed ? HTTP_ERROR : 'currentColor',
        `HTTP response ${t.status ?? '(no status)'} to ${request} by server, frame ${t.response.firstFrame}, ${offset(t.response.firstTime, start)}${wait} (#${c.id})`);
    }
  }
  return true;
}

const HTTP_LEGEND = [
  { label: 'HTTP request (upper half) / response (lower)', color: 'currentColor', mark: 'line' as const },
  { label: 'HTTP error response', color: HTTP_ERROR, mark: 'line' as const },
];

function zeroWindows(marks: Html[], c: ConnectionRecord, x: (t: number) => number, y: number): void {
  let from: EventRecord | null = null;
  const close = (e: EventRecord | null, t: number) => {
    if (from === null) return;
    marks.push(html`<rect x="${x(from.time)}" y="${y + 1}" width="${Math.max(2, x(t) - x(from.time))}" height="${LANE - 2}" fill="${PALETTE.yellow}" opacity="0.9"><title>${
      `zero window advertised by ${from.by}, frame ${from.frame}${e !== null ? ` to frame ${e.frame}` : ' to the end'} (#${c.id})`}</title></rect>`);
    from = null;
  };
  for (const e of c.events) {
    if (e.kind === 'zero-window' && from === null) from = e;
    else if (from !== null && e.by === from.by && (e.kind === 'window-open' || e.kind === 'rst' || e.kind === 'fin')) close(e, e.time);
    else if (from !== null && e.kind === 'rst') close(e, e.time);
  }
  close(null, c.endEpoch);
}

interface Band {
  label: string;
  count: number;
  active: number[];
  max: number;
}

function densityBands(folded: readonly ConnectionRecord[], span: Span): Band[] {
  if (folded.length === 0) return [];
  const byServer = new Map<string, ConnectionRecord[]>();
  for (const c of folded) {
    const k = endpointText(c.server);
    let list = byServer.get(k);
    if (list === undefined) byServer.set(k, (list = []));
    list.push(c);
  }
  const groups = [...byServer].sort((a, b) => b[1].length - a[1].length);
  const top = groups.slice(0, BANDS - 1);
  const rest = groups.slice(BANDS - 1).flatMap(([, l]) => l);
  if (rest.length > 0) top.push([`${groups.length - BANDS + 1} other servers`, rest]);
  const w = (span.end - span.start) / BUCKETS;
  return top.map(([label, list]) => {
    const diff = new Float64Array(BUCKETS + 1);
    for (const c of list) {
      const a = Math.min(BUCKETS - 1, Math.max(0, Math.floor((c.startEpoch - span.start) / w)));
      const b = Math.min(BUCKETS - 1, Math.max(a, Math.floor((c.endEpoch - span.start) / w)));
      diff[a]!++;
      diff[b + 1]!--;
    }
    const active: number[] = [];
    let n = 0;
    for (let i = 0; i < BUCKETS; i++) active.push((n += diff[i]!));
    return { label, count: list.length, active, max: Math.max(1, ...active) };
  });
}

/** Tick labels as seconds after the first frame; the script relabels them when zoomed. */
function axis(svg: Svg, x: (t: number) => number, span: Span, top: number, bottom: number): void {
  const g = svg.append('g').attr('class', 'axis').attr('data-t0', span.start).attr('data-t1', span.end).attr('data-x0', LABEL).attr('data-x1', WIDTH - 10);
  for (let i = 0; i <= 6; i++) {
    const t = span.start + (i / 6) * (span.end - span.start);
    g.append('line').attr('x1', x(t)).attr('x2', x(t)).attr('y1', top).attr('y2', bottom).attr('class', 'gridline');
    g.append('text').attr('class', 'tick').attr('x', x(t)).attr('y', top - 6).attr('text-anchor', i === 0 ? 'start' : i === 6 ? 'end' : 'middle').text(offset(t, span.start));
  }
}

/** Connections open per time bucket, stacked by outcome: the brushable overview. */
function renderOverview(report: Report, span: Span): Html {
  const height = 120;
  const { d3, svg, done } = chart(WIDTH, height, 'Connections open over time, by outcome', 'overview');
  const w = (span.end - span.start) / BUCKETS;
  const counts = OUTCOMES.map(() => new Float64Array(BUCKETS + 1));
  const index = new Map(OUTCOMES.map((o, i) => [o.outcome, i]));
  for (const c of report.connections) {
    const diff = counts[index.get(outcomeOf(c))!]!;
    const a = Math.min(BUCKETS - 1, Math.max(0, Math.floor((c.startEpoch - span.start) / w)));
    const b = Math.min(BUCKETS - 1, Math.max(a, Math.floor((c.endEpoch - span.start) / w)));
    diff[a]!++;
    diff[b + 1]!--;
  }
  const rows = Array.from({ length: BUCKETS }, (_, i) => ({ i } as Record<string, number>));
  OUTCOMES.forEach((o, k) => {
    let n = 0;
    for (let i = 0; i < BUCKETS; i++) rows[i]![o.outcome] = (n += counts[k]![i]!);
  });
  const stack = d3.stack<Record<string, number>>().keys(OUTCOMES.map((o) => o.outcome))(rows);
  const max = Math.max(1, ...rows.map((r) => OUTCOMES.reduce((s, o) => s + r[o.outcome]!, 0)));
  const x = d3.scaleLinear().domain([0, BUCKETS]).range([LABEL, WIDTH - 10]);
  const y = d3.scaleLinear().domain([0, max]).range([height - 24, 8]);
  svg.append('text').attr('x', 4).attr('y', 20).attr('class', 'lane-label').text('connections open');
  svg.append('text').attr('x', 4).attr('y', 34).attr('class', 'lane-label').text(`(peak ${max})`);
  const area = d3.area<D3.SeriesPoint<Record<string, number>>>().x((_, i) => x(i)).y0((p) => y(p[0])).y1((p) => y(p[1])).curve(d3.curveStepAfter);
  for (const layer of stack) {
    svg.append('path').attr('d', area(layer) ?? '').attr('fill', OUTCOME_COLOR[layer.key as keyof typeof OUTCOME_COLOR]).attr('opacity', 0.8)
      .append('title').text(OUTCOMES.find((o) => o.outcome === layer.key)!.label);
  }
  svg.append('rect').attr('class', 'brush').attr('x', LABEL).attr('y', 4).attr('width', 0).attr('height', height - 24)
    .attr('data-t0', span.start).attr('data-t1', span.end).attr('data-x0', LABEL).attr('data-x1', WIDTH - 10);
  svg.append('text').attr('x', LABEL).attr('y', height - 6).attr('class', 'tick').text(offset(span.start, span.start));
  svg.append('text').attr('x', WIDTH - 10).attr('y', height - 6).attr('text-anchor', 'end').attr('class', 'tick').text(offset(span.end, span.start));
  return done();
}
