/**
 * The self-contained HTML report: one file with its stylesheet, SVG charts and a small script inline.
 * A Content-Security-Policy allows no request of any kind and only this script (by its hash), so
 * even markup that slipped through could neither fetch nor run anything.
 */
import { createHash } from 'node:crypto';
import type { Report } from '../../model/report.js';
import type { SegmentDetails } from '../../model/segments.js';
import { SCRIPT, STYLE } from './assets.js';
import { releaseChartDocument } from './chart.js';
import { renderConnectionDetail } from './connection-detail.js';
import { renderFindings, renderVerdict } from './findings.js';
import { renderSockets } from './sockets.js';
import { renderTable } from './table.js';
import { renderTimeline, spanOf } from './timeline.js';
import { html, trusted } from './template.js';

const MAX_DRAWN = 12;
const PER_FINDING = 3;

/** The connections that get a ladder and a time-sequence graph: a few of each finding's, best rank first. */
export function connectionsToDraw(report: Report): number[] {
  const ids: number[] = [];
  for (const f of report.findings) {
    for (const id of f.connections.slice(0, PER_FINDING)) {
      if (ids.length < MAX_DRAWN && !ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

export function renderHtmlReport(report: Report, segments: SegmentDetails): string {
  try {
    return renderPage(report, segments);
  } finally {
    releaseChartDocument();
  }
}

function renderPage(report: Report, segments: SegmentDetails): string {
  const start = spanOf(report).start;
  const drawnIds = connectionsToDraw(report);
  const drawn = new Set(drawnIds);
  const byId = new Map(report.connections.filter((c) => drawn.has(c.id)).map((c) => [c.id, c]));
  const evidence = new Set(report.findings.flatMap((f) => f.frames));
  const pointedAt = new Set(report.findings.flatMap((f) => f.connections));
  const details = drawnIds.map((id) => byId.get(id)).filter((c) => c !== undefined)
    .map((c) => renderConnectionDetail(c, segments.byConnection.get(c.id), evidence, start, segments.unavailable));
  const scriptHash = createHash('sha256').update(SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'; form-action 'none'; base-uri 'none'`;
  const title = `TCP post-mortem: ${report.capture.files.join(', ')}`;
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tcp-postmortem ${report.generator.version}">
<title>${title}</title>
<style>${trusted(STYLE)}</style></head>
<body>
<h1>${title}</h1>
<nav><a href="#verdict">Verdict</a><a href="#findings">Findings</a><a href="#timeline">Timeline</a><a href="#details">Connections in findings</a><a href="#sockets">Sockets</a><a href="#connections">All connections</a>
<input id="filter" type="search" hidden placeholder="filter: address, port, #stream, flag (R Z P T K), outcome" aria-label="Filter connections"></nav>
${renderVerdict(report)}
${renderFindings(report, drawn)}
${renderTimeline(report, pointedAt)}
<section id="details"><h2>Connections the findings point at</h2>
${details.length > 0 ? details : html`<p>No finding points at a connection.</p>`}</section>
${renderSockets(report)}
${renderTable(report, start, drawn)}
<footer><p class="hint">Written by tcp-postmortem ${report.generator.version} (JSON schema v${report.schemaVersion}). Frame numbers are Wireshark's frame.number, connection ids its tcp.stream.</p></footer>
<script>${trusted(SCRIPT)}</script>
</body></html>
`.text;
}
