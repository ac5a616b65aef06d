/**
 * The incident summary to paste into a ticket (`--md`): verdict, ranked findings with evidence
 * frames and Wireshark filters, the key connections as a table. Capture strings are escaped with
 * markdown-escape (and `|` in table cells), filters sit in code spans fenced longer than any run of
 * backticks they hold, so nothing from a capture can add links, images or markup.
 */
import markdownEscape from 'markdown-escape';
import type { Report } from '../model/report.js';
import { abandonedAttempts, finalStates, flagsOf } from './text.js';

const KEY_CONNECTIONS = 20;
const FRAMES_SHOWN = 40;

const md = (s: string | number): string => markdownEscape(String(s)).replace(/\r?\n/g, ' ');
const cell = (s: string | number): string => md(s).replace(/\|/g, '\\|');

function code(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence} ${s.replace(/\r?\n/g, ' ')} ${fence}`;
}

const endpoint = (e: { ip: string; port: number }): string => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

export function renderMarkdown(report: Report): string {
  const c = report.capture;
  const out: string[] = [];
  out.push(`# TCP post-mortem: ${md(c.files.join(', '))}`, '');
  out.push('## Verdict', '');
  const headlines = report.incidents.length > 0 ? report.incidents.slice(0, 3).map((i) => i.headline) : report.findings.slice(0, 3).map((f) => f.summary);
  out.push(headlines.length > 0
    ? `${report.findings.length} finding(s) over ${report.connections.length} connection(s). ${headlines.map((h, i) => `**${i + 1}.** ${md(h)}`).join(' ')}`
    : `Nothing stands out: ${report.connections.length} connection(s), none with resets, stalls or lingering sockets.`, '');
  out.push(`- Span: ${md(c.firstTime ?? '—')} to ${md(c.lastTime ?? '—')}${c.durationSec !== null ? ` (${c.durationSec.toFixed(3)} s)` : ''}`);
  out.push(`- Frames: ${c.frames} (${c.tcpSegments} TCP segments); connections: ${report.connections.length}`);
  out.push(`- Damage: ${c.problems.length === 0 ? 'none' : c.problems.map((p) => md(p.message)).join('; ')}`, '');
  out.push('## Findings, most likely cause first', '');
  if (report.findings.length === 0) out.push('None.', '');
  for (const f of report.findings) {
    out.push(`### ${f.rank}. [${f.severity.toUpperCase()}] ${md(f.title)}`, '');
    out.push(md(f.summary), '');
    for (const a of f.advice) out.push(`- ${md(a)}`);
    if (f.advice.length > 0) out.push('');
    const frames = f.frames.slice(0, FRAMES_SHOWN).join(', ') + (f.frames.length > FRAMES_SHOWN ? ` … and ${f.frames.length - FRAMES_SHOWN} more` : '');
    out.push(`Evidence frames: ${frames || '—'}  `, `Connections: ${f.connections.slice(0, 40).map((id) => `#${id}`).join(' ')}  `, `Wireshark: ${code(f.wiresharkFilter)}`, '');
  }
  const ids = new Set(report.findings.flatMap((f) => f.connections));
  const key = report.connections.filter((k) => ids.has(k.id)).slice(0, KEY_CONNECTIONS);
  if (key.length > 0) {
    out.push('## Key connections', '');
    out.push('| id | client | server | closed first | resets | final client/server | flags |', '| --: | --- | --- | --- | --- | --- | --- |');
    const abandoned = abandonedAttempts(report);
    for (const k of key) {
      const closer = k.closedFirstBy === null ? '-' : `${k.closedFirstBy} #${k.firstFinFrame}`;
      const resets = k.resets.length === 0 ? '-' : `${k.resets[0]!.by} #${k.resets[0]!.frame}${k.resets.length > 1 ? ` +${k.resets.length - 1}` : ''}`;
      out.push(`| ${k.id} | ${cell(endpoint(k.client))} | ${cell(endpoint(k.server))} | ${cell(closer)} | ${cell(resets)} | ${finalStates(k, abandoned)} | ${cell(flagsOf(k))} |`);
    }
    if (ids.size > key.length) out.push('', `${ids.size - key.length} more connection(s) in the findings: see the JSON or HTML report.`);
    out.push('');
  }
  out.push(`_Written by tcp-postmortem ${report.generator.version}; frame numbers are Wireshark's frame.number, connection ids its tcp.stream._`, '');
  return out.join('\n');
}
