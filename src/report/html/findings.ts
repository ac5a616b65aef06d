/** The verdict paragraph and the ranked findings, each with its evidence and Wireshark filter. */
import type { Finding, Report } from '../../model/report.js';
import { offset, seconds } from './format.js';
import { spanOf } from './timeline.js';
import { html, type Html } from './template.js';

const FRAMES_SHOWN = 40;

export function renderVerdict(report: Report): Html {
  const c = report.capture;
  const damage = c.problems.length + (c.decode.malformed ?? 0) + (c.decode.truncated ?? 0);
  const top = report.incidents.slice(0, 3).map((i) => i.headline);
  const headline = top.length > 0 ? top : report.findings.slice(0, 3).map((f) => f.summary);
  const critical = report.findings.filter((f) => f.severity === 'critical').length;
  const warning = report.findings.filter((f) => f.severity === 'warning').length;
  return html`<section id="verdict"><h2>Verdict</h2>
<p class="verdict">${headline.length > 0
    ? html`${report.findings.length} finding(s) (${critical} critical, ${warning} warning) over ${report.connections.length} connection(s). ${headline.map((h, i) => html`<strong>${i + 1}.</strong> ${h} `)}`
    : html`Nothing stands out: ${report.connections.length} connection(s), none with resets, stalls or lingering sockets.`}</p>
<dl class="facts">
<dt>Files</dt><dd>${c.files.join(', ')}</dd>
<dt>Span</dt><dd>${c.firstTime ?? '—'} to ${c.lastTime ?? '—'}${c.durationSec !== null ? ` (${seconds(c.durationSec)})` : ''}</dd>
<dt>Frames</dt><dd>${c.frames} (${c.packets} packets, ${c.tcpSegments} TCP segments)</dd>
<dt>Connections</dt><dd>${report.connections.length}${report.tracking.evicted > 0 ? ` (${report.tracking.evicted} evicted from the live table)` : ''}</dd>
<dt>Decoded</dt><dd>${Object.entries(c.decode).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')}</dd>
<dt>Damage</dt><dd>${damage === 0 ? 'none' : `${damage} problem(s): ${c.problems.map((p) => p.message).join('; ')}`}</dd>
</dl></section>`;
}

export function renderFindings(report: Report, drawn: Set<number>): Html {
  if (report.findings.length === 0) return html`<section id="findings"><h2>Findings</h2><p>None.</p></section>`;
  const start = spanOf(report).start;
  return html`<section id="findings"><h2>Findings, most likely cause first</h2>${report.findings.map((f) => finding(f, start, drawn))}</section>`;
}

function finding(f: Finding, start: number, drawn: Set<number>): Html {
  const frames = f.frames.slice(0, FRAMES_SHOWN);
  return html`<article class="finding sev-${f.severity}" id="finding-${f.rank}">
<h3><span class="badge">${f.severity}</span> ${f.rank}. ${f.title}</h3>
<p class="summary">${f.summary}</p>
<p>${f.explanation}</p>
${f.advice.length > 0 ? html`<ul class="advice">${f.advice.map((a) => html`<li>${a}</li>`)}</ul>` : ''}
<p class="when">${f.startEpoch !== null ? html`From ${offset(f.startEpoch, start)}${f.endEpoch !== null ? html` to ${offset(f.endEpoch, start)}` : ''}. ` : ''}${
  f.explainedBy.length > 0 ? html`Explained by ${f.explainedBy.map((r, i) => html`${i > 0 ? ', ' : ''}<a href="#finding-${r}">finding ${r}</a>`)}.` : ''}</p>
<p>Evidence frames: ${frames.join(', ')}${f.frames.length > frames.length ? ` … and ${f.frames.length - frames.length} more (JSON)` : ''}</p>
<p class="filter">Wireshark filter: <code class="wsfilter">${f.wiresharkFilter}</code> <button type="button" class="copy" hidden>Copy</button></p>
<p>Connections: ${f.connections.slice(0, 60).map((id) => html`<a href="#${drawn.has(id) ? `conn-${id}` : `lane-${id}`}">#${id}</a> `)}${
  f.connections.length > 60 ? ` … and ${f.connections.length - 60} more` : ''}</p>
</article>`;
}
