import type { Report } from '../model/report.js';
import { encapsulationLine } from './encapsulation-text.js';

/** The lines above the findings: what was read, and anything the reader had to pass over. */
export function renderCaptureHeader(report: Report): string {
  const c = report.capture;
  const lines = [
    `Capture: ${c.files.join(', ')}`,
    `  ${c.frames} frames, ${c.tcpSegments} TCP segments, ${report.connections.length} connections, ` +
      `${c.firstTime ?? 'n/a'} → ${c.lastTime ?? 'n/a'} (${c.durationSec === null ? 'n/a' : c.durationSec.toFixed(3) + ' s'})`,
  ];
  const d = c.decode;
  const skipped = d.malformed + d.truncated + d.unsupportedLink;
  if (skipped > 0) lines.push(`  not analysed: ${d.malformed} malformed, ${d.truncated} cut by the snaplen, ${d.unsupportedLink} on link types not decoded`);
  const tunnels = encapsulationLine(c.encapsulation);
  if (tunnels !== null) lines.push(`  ${tunnels}`);
  for (const p of c.problems) lines.push(`  problem: ${p.message} [${p.file} @ byte ${p.offset}]`);
  if (report.tracking.evicted > 0) lines.push(`  memory bound: ${report.tracking.evicted} idle open connections were summarised early (--max-live ${report.tracking.maxLive})`);
  return lines.join('\n') + '\n';
}
