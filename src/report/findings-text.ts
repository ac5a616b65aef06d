import type { EndpointView, Report, SocketState } from '../model/report.js';

const MAX_FRAMES_SHOWN = 12;
const SEVERITY_LABEL = { critical: 'CRITICAL', warning: 'WARNING', info: 'info' } as const;

export interface FindingsTextOptions {
  /** Also print each finding's explanation (the mechanism). */
  verbose?: boolean;
}

function clock(epoch: number | null, start: number): string {
  return epoch === null ? '?' : `t=${(epoch - start).toFixed(1)} s`;
}

/** One line per incident, its findings by rank: what the report leads with. */
function renderIncidents(report: Report): string[] {
  if (report.incidents.length === 0) return [];
  const start = Number(report.capture.firstEpoch ?? 0);
  const lines = [`Incidents (${report.incidents.length}):`, ''];
  for (const i of report.incidents) {
    lines.push(`${String(i.id).padStart(2)}. [${SEVERITY_LABEL[i.severity]}] ${i.headline}`);
    lines.push(`    ${clock(i.startEpoch, start)} to ${clock(i.endEpoch, start)}; findings ${i.findings.map((r) => `#${r}`).join(', ')}; key frames ${i.keyFrames.join(', ')}`);
    lines.push('');
  }
  return lines;
}

/**
 * The incidents, then the ranked findings, each with its evidence frames, its advice and the
 * Wireshark filter that shows it; info findings folded into one short list at the end.
 */
export function renderFindings(report: Report, options: FindingsTextOptions = {}): string {
  if (report.findings.length === 0) return 'Findings: none — no lifecycle problem stands out in this capture.\n';
  const lines = renderIncidents(report);
  const serious = report.findings.filter((f) => f.severity !== 'info');
  const minor = report.findings.filter((f) => f.severity === 'info');
  if (serious.length > 0) lines.push(`Findings (${report.findings.length}, most likely cause first):`, '');
  for (const f of serious) {
    const causes = f.explainedBy.length > 0 ? ` (explained by ${f.explainedBy.map((r) => `#${r}`).join(', ')})` : '';
    lines.push(`${String(f.rank).padStart(2)}. [${SEVERITY_LABEL[f.severity]}] ${f.title}${causes}`);
    lines.push(`    ${f.summary}`);
    if (options.verbose === true) lines.push(`    why: ${f.explanation}`);
    for (const a of f.advice) lines.push(`    fix: ${a}`);
    const frames = f.frames.slice(0, MAX_FRAMES_SHOWN).join(', ') + (f.frames.length > MAX_FRAMES_SHOWN ? `, … (${f.frames.length} in all)` : '');
    if (frames) lines.push(`    evidence: frames ${frames}`);
    lines.push(`    wireshark: ${f.wiresharkFilter}`);
    lines.push('');
  }
  if (minor.length > 0) {
    lines.push(serious.length > 0 ? `Also noted (info, ${minor.length}):` : `Findings (${minor.length}, info only):`);
    for (const f of minor) {
      lines.push(`  #${f.rank} ${f.title} — frames ${f.frames.slice(0, 6).join(', ')}${f.frames.length > 6 ? ', …' : ''}`);
      if (options.verbose === true) lines.push(`     ${f.summary}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

const SHOWN_STATES: SocketState[] = ['ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT', 'FIN_WAIT_1', 'FIN_WAIT_2', 'LAST_ACK', 'CLOSING', 'SYN_SENT', 'SYN_RECEIVED'];
const HALF_CLOSED: SocketState[] = ['TIME_WAIT', 'CLOSE_WAIT', 'FIN_WAIT_2', 'LAST_ACK', 'FIN_WAIT_1', 'CLOSING'];

function name(e: EndpointView): string {
  if (e.port === null) return `${e.ip} (host)`;
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

function counts(c: Partial<Record<SocketState, number>>): string {
  const parts = SHOWN_STATES.filter((s) => (c[s] ?? 0) > 0).map((s) => `${s} ${c[s]}`);
  return parts.length ? parts.join(', ') : '-';
}

/**
 * `ss -tan` as it would have looked: per endpoint the peak of each socket state and the count at the
 * end of the capture (and at `--at`). Only endpoints that held sockets in a closing state are listed.
 */
export function renderEndpoints(report: Report, limit = 10): string {
  // Hosts and server ports always; a single client port only when it held several closing sockets.
  const notable = report.endpoints.filter((e) => {
    const closing = HALF_CLOSED.reduce((n, s) => Math.max(n, e.peak[s]?.count ?? 0), 0);
    return closing > 0 && (e.scope === 'host' || e.role !== 'client' || closing >= 2);
  });
  if (notable.length === 0) return '';
  const lines = ['Sockets per endpoint (as `ss -tan` would have shown them):'];
  for (const e of notable.slice(0, limit)) {
    const peak: Partial<Record<SocketState, number>> = {};
    for (const s of SHOWN_STATES) if (e.peak[s]) peak[s] = e.peak[s]!.count;
    lines.push(`  ${name(e).padEnd(28)} peak: ${counts(peak)}`);
    lines.push(`  ${''.padEnd(28)} at capture end: ${counts(e.atEnd)}`);
    if (e.at !== null) lines.push(`  ${''.padEnd(28)} at ${e.at.time}: ${counts(e.at.counts)}`);
  }
  if (notable.length > limit) lines.push(`  … ${notable.length - limit} more endpoints in the JSON report (endpoints[])`);
  return lines.join('\n') + '\n';
}
