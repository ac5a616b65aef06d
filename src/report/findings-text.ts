import type { EndpointView, Report, SocketState } from '../model/report.js';
import { NO_WRAP, wrapProse } from './wrap.js';

const MAX_FRAMES_SHOWN = 12;
const SEVERITY_LABEL = { critical: 'CRITICAL', warning: 'WARNING', info: 'info' } as const;

export interface FindingsTextOptions {
  /** Also print each finding's explanation (the mechanism). */
  verbose?: boolean;
  /** Wrap prose to this many columns (the terminal's width); 0 or absent: one line per item. */
  width?: number;
}

function clock(epoch: number | null, start: number): string {
  return epoch === null ? '?' : `t=${(epoch - start).toFixed(1)} s`;
}

/** One line per incident, its findings by rank: what the report leads with. */
function renderIncidents(report: Report, width: number): string[] {
  if (report.incidents.length === 0) return [];
  const start = Number(report.capture.firstEpoch ?? 0);
  const lines = [`Incidents (${report.incidents.length}):`, ''];
  for (const i of report.incidents) {
    lines.push(wrapProse(`${String(i.id).padStart(2)}. `, `[${SEVERITY_LABEL[i.severity]}] ${i.headline}`, width));
    lines.push(wrapProse('    ', `${clock(i.startEpoch, start)} to ${clock(i.endEpoch, start)}; findings ${i.findings.map((r) => `#${r}`).join(', ')}; key frames ${i.keyFrames.join(', ')}`, width));
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
  const width = options.width ?? NO_WRAP;
  const lines = renderIncidents(report, width);
  const serious = report.findings.filter((f) => f.severity !== 'info');
  const minor = report.findings.filter((f) => f.severity === 'info');
  if (serious.length > 0) lines.push(`Findings (${report.findings.length}, most likely cause first):`, '');
  for (const f of serious) {
    const causes = f.explainedBy.length > 0 ? ` (explained by ${f.explainedBy.map((r) => `#${r}`).join(', ')})` : '';
    lines.push(wrapProse(`${String(f.rank).padStart(2)}. `, `[${SEVERITY_LABEL[f.severity]}] ${f.title}${causes}`, width));
    lines.push(wrapProse('    ', f.summary, width));
    if (options.verbose === true) lines.push(wrapProse('    why: ', f.explanation, width, '         '));
    for (const a of f.advice) lines.push(wrapProse('    fix: ', a, width, '         '));
    const frames = f.frames.slice(0, MAX_FRAMES_SHOWN).join(', ') + (f.frames.length > MAX_FRAMES_SHOWN ? `, … (${f.frames.length} in all)` : '');
    if (frames) lines.push(wrapProse('    evidence: ', `frames ${frames}`, width));
    lines.push(`    wireshark: ${f.wiresharkFilter}`);
    lines.push('');
  }
  if (minor.length > 0) {
    lines.push(serious.length > 0 ? `Also noted (info, ${minor.length}):` : `Findings (${minor.length}, info only):`);
    for (const f of minor) {
      lines.push(wrapProse(`  #${f.rank} `, `${f.title} — frames ${f.frames.slice(0, 6).join(', ')}${f.frames.length > 6 ? ', …' : ''}`, width, '     '));
      if (options.verbose === true) lines.push(wrapProse('     ', f.summary, width));
    }
    lines.push('');
  }
  return lines.join('\n');
}

const SHOWN_STATES: SocketState[] = ['ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT', 'FIN_WAIT_1', 'FIN_WAIT_2', 'LAST_ACK', 'CLOSING', 'SYN_SENT', 'SYN_RECEIVED'];

function name(e: EndpointView): string {
  if (e.port === null) return `${e.ip} (host)`;
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

function counts(c: Partial<Record<SocketState, number>>): string {
  const parts = SHOWN_STATES.filter((s) => (c[s] ?? 0) > 0).map((s) => `${s} ${c[s]}`);
  return parts.length ? parts.join(', ') : '-';
}

/** States every connection passes through on its way; a peak of one of them is a moment, not a pile-up. */
const PASSING: ReadonlySet<SocketState> = new Set(['SYN_SENT', 'SYN_RECEIVED', 'FIN_WAIT_1', 'CLOSING', 'LAST_ACK']);
/** States a socket is left in by an application or a timer: what an incident piles up. */
const LINGERING: SocketState[] = ['CLOSE_WAIT', 'FIN_WAIT_2', 'LAST_ACK', 'CLOSING', 'TIME_WAIT'];

function key(ip: string, port: number | null): string {
  return `${ip} ${port ?? '*'}`;
}

/** The peaks worth a reader's look: passing states only when several sockets were in them at once. */
function shownPeaks(e: EndpointView): Partial<Record<SocketState, number>> {
  const peak: Partial<Record<SocketState, number>> = {};
  for (const s of SHOWN_STATES) {
    const n = e.peak[s]?.count ?? 0;
    if (n > 0 && (!PASSING.has(s) || n >= 2 || (e.atEnd[s] ?? 0) > 0)) peak[s] = n;
  }
  return peak;
}

function sameCounts(a: Partial<Record<SocketState, number>>, b: Partial<Record<SocketState, number>>): boolean {
  return SHOWN_STATES.every((s) => (a[s] ?? 0) === (b[s] ?? 0));
}

/**
 * `ss -tan` as it would have looked: per endpoint the peak of each socket state and the count at the
 * end of the capture (and at `--at`). What matters comes first: endpoints the findings name (in their
 * rank order), then those left holding the most lingering sockets, then the busiest. A host line that
 * only repeats its one server port, and endpoints whose only sockets in a closing state were a moment's
 * passing (FIN_WAIT_1 1), are left to the JSON.
 */
export function renderEndpoints(report: Report, limit = 10): string {
  const named = new Map<string, number>();
  for (const f of report.findings) {
    if (f.endpoint === null || f.severity === 'info') continue;
    const k = key(f.endpoint.ip, f.endpoint.port);
    if (!named.has(k)) named.set(k, f.rank);
  }
  const portViews = new Map<string, EndpointView[]>();
  for (const e of report.endpoints) {
    if (e.port === null) continue;
    const list = portViews.get(e.ip);
    if (list === undefined) portViews.set(e.ip, [e]);
    else list.push(e);
  }
  const lingering = (e: EndpointView) => LINGERING.reduce((n, s) => n + (e.atEnd[s] ?? 0) + (shownPeaks(e)[s] ?? 0), 0);
  const candidates = report.endpoints.filter((e) => {
    const peaks = shownPeaks(e);
    if (named.has(key(e.ip, e.port)) || e.at !== null && LINGERING.some((s) => (e.at!.counts[s] ?? 0) > 0)) return true;
    const closing = LINGERING.reduce((n, s) => Math.max(n, peaks[s] ?? 0), 0);
    if (closing === 0) return false;
    if (e.scope === 'port') return e.role !== 'client' || closing >= 2;
    // A host line says something its port lines do not only when it differs from its one port.
    const ports = (portViews.get(e.ip) ?? []).filter((p) => p.role !== 'client');
    return !(ports.length === 1 && sameCounts(shownPeaks(ports[0]!), peaks) && sameCounts(ports[0]!.atEnd, e.atEnd));
  });
  if (candidates.length === 0) return '';
  const rankOf = (e: EndpointView) => named.get(key(e.ip, e.port)) ?? Number.POSITIVE_INFINITY;
  const notable = candidates
    .map((e, order) => ({ e, order, rank: rankOf(e), lingering: lingering(e) }))
    .sort((a, b) => a.rank - b.rank || b.lingering - a.lingering || b.e.connections - a.e.connections || a.order - b.order)
    .map((x) => x.e);
  const lines = ['Sockets per endpoint (as `ss -tan` would have shown them; the endpoints the findings name first):'];
  for (const e of notable.slice(0, limit)) {
    const rank = rankOf(e);
    const tag = Number.isFinite(rank) ? `  (finding #${rank})` : '';
    lines.push(`  ${name(e).padEnd(28)} peak: ${counts(shownPeaks(e))}${tag}`);
    const gaveUp = e.abandoned.length > 0 ? `; ${e.abandoned.length === 1 ? '1 connection attempt' : `${e.abandoned.length} connection attempts`} abandoned (SYN_SENT until the sender gave up: #${e.abandoned.slice(0, 5).join(', #')}${e.abandoned.length > 5 ? ', …' : ''})` : '';
    lines.push(`  ${''.padEnd(28)} at capture end: ${counts(e.atEnd)}${gaveUp}`);
    if (e.at !== null) lines.push(`  ${''.padEnd(28)} at ${e.at.time}: ${counts(e.at.counts)}`);
  }
  const left = report.endpoints.length - Math.min(limit, notable.length);
  if (left > 0) lines.push(`  … ${left} more endpoints in the JSON report (endpoints[])`);
  return lines.join('\n') + '\n';
}
