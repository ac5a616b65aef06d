/**
 * `index.html` of an `--out` directory: one row per capture written in that run, with its verdict
 * (the top incident's headline, else the top finding) and links to its four reports. No script;
 * names from the file system are escaped like every capture string.
 */
import type { Report } from '../../model/report.js';
import { STYLE } from './assets.js';
import { html, trusted } from './template.js';

export interface IndexEntry {
  name: string;
  files: string[];
  connections: number;
  findings: number;
  severity: string | null;
  verdict: string;
}

/** What the index keeps of a report (not the report: a run over many captures must not hold them all). */
export function indexEntry(name: string, report: Report): IndexEntry {
  const top = report.findings[0];
  return {
    name, files: report.capture.files, connections: report.connections.length, findings: report.findings.length,
    severity: report.incidents[0]?.severity ?? top?.severity ?? null,
    verdict: report.incidents[0]?.headline ?? top?.title ?? 'Nothing stands out.',
  };
}

export function renderIndex(entries: readonly IndexEntry[], version: string): string {
  const link = (name: string, ext: string) => html`<a href="${encodeURIComponent(`${name}.${ext}`)}">${ext}</a>`;
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TCP post-mortem reports</title>
<style>${trusted(STYLE)} td.verdict { white-space: normal; font-family: system-ui, sans-serif; }</style></head>
<body><h1>TCP post-mortem reports</h1>
<p class="hint">${entries.length} capture(s), written by tcp-postmortem ${version}. Each has an HTML report, a Markdown summary, the JSON report and the terminal text.</p>
<table id="index"><thead><tr><th>capture</th><th>connections</th><th>findings</th><th>verdict</th><th>reports</th></tr></thead><tbody>
${entries.map((e) => html`<tr class="${e.severity !== null ? `sev-${e.severity}` : ''}"><td><a href="${encodeURIComponent(`${e.name}.html`)}">${e.name}</a></td>
<td>${e.connections}</td><td>${e.findings}</td><td class="verdict">${e.severity !== null ? html`<span class="badge">${e.severity}</span> ` : ''}${e.verdict}</td>
<td>${link(e.name, 'html')} ${link(e.name, 'md')} ${link(e.name, 'json')} ${link(e.name, 'txt')}</td></tr>
`)}</tbody></table></body></html>
`.text;
}
