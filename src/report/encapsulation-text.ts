import type { EncapsulationSummary } from '../model/report.js';

/**
 * "inside tunnels: 78 gtp-u; IP fragments: 84 reassembled into 42 datagrams, 0 dropped", or null when
 * the capture had neither.
 */
export function encapsulationLine(e: EncapsulationSummary): string | null {
  const parts: string[] = [];
  const kinds = Object.entries(e.frames).map(([kind, n]) => `${n} ${kind}`);
  if (kinds.length > 0) parts.push(`TCP frames inside tunnels: ${kinds.join(', ')}`);
  const f = e.ipFragments;
  if (f.fragments > 0) {
    const lost = [f.dropped ? `${f.dropped} dropped (timeout, bound, or cut by the snaplen)` : '', f.incomplete ? `${f.incomplete} incomplete at the end` : '']
      .filter((x) => x !== '');
    parts.push(`IP fragments: ${f.fragments} in, ${f.reassembled} datagrams reassembled${lost.length ? `, ${lost.join(', ')}` : ''}`);
  }
  if (e.tooDeep > 0) parts.push(`${e.tooDeep} frames nested in too many tunnels (malformed)`);
  return parts.length === 0 ? null : parts.join('; ');
}
