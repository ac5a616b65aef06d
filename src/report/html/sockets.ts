/**
 * Sockets per endpoint over time: the `ss -tan` picture rebuilt from the wire, one stacked-area
 * chart per endpoint view (the busiest first), with the `--at` instant marked.
 */
import type { EndpointView, Report, SocketState } from '../../model/report.js';
import type * as D3 from 'd3';
import { chart, legend, PALETTE } from './chart.js';
import { offset } from './format.js';
import { spanOf, type Span } from './timeline.js';
import { html, type Html } from './template.js';

const STATES: readonly { state: SocketState; color: string }[] = [
  { state: 'ESTABLISHED', color: PALETTE.blue },
  { state: 'TIME_WAIT', color: PALETTE.orange },
  { state: 'CLOSE_WAIT', color: PALETTE.vermillion },
  { state: 'FIN_WAIT_2', color: PALETTE.purple },
  { state: 'FIN_WAIT_1', color: PALETTE.sky },
  { state: 'LAST_ACK', color: PALETTE.green },
  { state: 'CLOSING', color: PALETTE.yellow },
  { state: 'SYN_SENT', color: PALETTE.grey },
  { state: 'SYN_RECEIVED', color: '#444' },
];
const MAX_CHARTS = 6;
const WIDTH = 1100;
const HEIGHT = 190;

export function renderSockets(report: Report): Html {
  const span = spanOf(report);
  const views = report.endpoints.filter((v) => v.series.t.length > 0).slice(0, MAX_CHARTS);
  if (views.length === 0) return html`<section id="sockets"><h2>Sockets per endpoint</h2><p>No endpoint held sockets in the capture.</p></section>`;
  const more = report.endpoints.length - views.length;
  return html`<section id="sockets"><h2>Sockets per endpoint over time</h2>
<p>What <code>ss -tan</code> would have listed on each endpoint, rebuilt from both sides' state changes and TIME_WAIT expiry${
  more > 0 ? html`; the ${views.length} busiest of ${report.endpoints.length} endpoints are drawn (all are in the JSON)` : ''}.</p>
${views.map((v) => viewChart(v, span))}</section>`;
}

function viewChart(v: EndpointView, span: Span): Html {
  const name = v.port === null ? `${v.ip} (every port)` : v.ip.includes(':') ? `[${v.ip}]:${v.port}` : `${v.ip}:${v.port}`;
  const { d3, svg, done } = chart(WIDTH, HEIGHT, `Sockets of ${name} by state over time`, 'sockets');
  const present = STATES.filter((s) => (v.series.counts[s.state] ?? []).some((n) => n > 0));
  const t = [...v.series.t, span.end];
  const rows = t.map((_, i) => {
    const row: Record<string, number> = {};
    for (const s of present) row[s.state] = v.series.counts[s.state]![Math.min(i, v.series.t.length - 1)] ?? 0;
    return row;
  });
  const stack = d3.stack<Record<string, number>>().keys(present.map((s) => s.state))(rows);
  const max = Math.max(1, ...rows.map((r) => present.reduce((n, s) => n + r[s.state]!, 0)));
  const x = d3.scaleLinear().domain([span.start, span.end]).range([60, WIDTH - 10]);
  const y = d3.scaleLinear().domain([0, max]).nice().range([HEIGHT - 44, 24]);
  svg.append('text').attr('x', 60).attr('y', 14).attr('class', 'chart-title')
    .text(`${name} — ${v.connections} connection(s), role ${v.role}${v.series.bucketed ? ' (bucket maxima)' : ''}`);
  const area = d3.area<D3.SeriesPoint<Record<string, number>>>().x((_, i) => x(t[i]!)).y0((p) => y(p[0])).y1((p) => y(p[1])).curve(d3.curveStepAfter);
  for (const layer of stack) {
    const state = present.find((s) => s.state === layer.key)!;
    const peak = v.peak[state.state];
    svg.append('path').attr('d', area(layer) ?? '').attr('fill', state.color).attr('opacity', 0.85)
      .append('title').text(`${state.state}${peak !== undefined ? `: peak ${peak.count} at ${offset(peak.epoch, span.start)}` : ''}`);
  }
  for (const tick of y.ticks(4)) {
    svg.append('line').attr('class', 'gridline').attr('x1', 60).attr('x2', WIDTH - 10).attr('y1', y(tick)).attr('y2', y(tick));
    svg.append('text').attr('class', 'tick').attr('x', 54).attr('y', y(tick) + 4).attr('text-anchor', 'end').text(String(tick));
  }
  for (let i = 0; i <= 6; i++) {
    const at = span.start + (i / 6) * (span.end - span.start);
    svg.append('text').attr('class', 'tick').attr('x', x(at)).attr('y', HEIGHT - 30).attr('text-anchor', 'middle').text(offset(at, span.start));
  }
  if (v.at !== null) {
    svg.append('line').attr('class', 'at-line').attr('x1', x(v.at.epoch)).attr('x2', x(v.at.epoch)).attr('y1', 20).attr('y2', HEIGHT - 44)
      .attr('stroke', 'currentColor').attr('stroke-dasharray', '4 3').attr('stroke-width', 2)
      .append('title').text(`--at ${v.at.time}: ${Object.entries(v.at.counts).map(([k, n]) => `${k} ${n}`).join(', ') || 'no sockets'}`);
    svg.append('text').attr('class', 'tick').attr('x', x(v.at.epoch) + 4).attr('y', 30).text(`--at ${offset(v.at.epoch, span.start)}`);
  }
  legend(svg, 60, HEIGHT - 16, present.map((s) => ({ label: s.state, color: s.color })));
  return done();
}
