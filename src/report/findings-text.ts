import type { EndpointView, Report, SocketState } from '../model/report.js';

const MAX_FRAMES_SHOWN = 12;
const SEVERITY_LABEL = { critical: 'CRITICAL', warning: 'WARNING', info: 'info' } as const;

/** The ranked findings, each with its evidence frames and the Wireshark filter that shows them. */
export function renderFindings(report: Report): string {
  if (report.findings.length === 0) return 'Findings: none — no lifecycle problem stands out in this capture.\n';
  const lines = [`Findings (${report.findings.length}, most likely cause first):`, ''];
  for (const f of report.findings) {
    lines.push(`${String(f.rank).padStart(2)}. [${SEVERITY_LABEL[f.severity]}] ${f.title}`);
    lines.push(`    ${f.summary}`);
    const frames = f.frames.slice(0, MAX_FRAMES_SHOWN).join(', ') + (f.frames.length > MAX_FRAMES_SHOWN ? `, … (${f.frames.length} in all)` : '');
    if (frames) lines.push(`    evidence: frames ${frames}`);
    lines.push(`    wireshark: ${f.wiresharkFilter}`);
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
