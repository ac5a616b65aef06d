import { encapsulationLine } from './encapsulation-text.js';
import type { CaptureInfo } from '../model/info.js';

/**
 * Text that came from the capture file (interface names) may hold anything, terminal escape
 * sequences included: show control characters as \xNN instead of sending them to the terminal.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** capinfos-style text for `tcp-postmortem info`. */
export function renderInfoText(info: CaptureInfo): string {
  const lines: string[] = [];
  for (const f of info.files) {
    lines.push(`File:              ${printable(f.name)}${f.compressed ? ' (gzip)' : ''}`);
    lines.push(`Format:            ${f.format}, ${f.byteOrder}-endian, timestamps ${f.timestampResolution}${f.format === 'pcapng' ? `, ${f.sections} section(s)` : ''}`);
    for (const i of f.interfaces) {
      lines.push(`  interface ${i.id}:     ${i.linkTypeName} (linktype ${i.linkType}), snaplen ${i.snaplen}${i.name ? `, "${printable(i.name)}"` : ''}`);
    }
    lines.push(`  frames/packets:  ${f.frames} / ${f.packets}${f.complete ? '' : '  (reading stopped early: see problems)'}`);
  }
  const d = info.decode;
  lines.push(`Frames:            ${info.frames}`);
  lines.push(`Packets:           ${info.packets}`);
  lines.push(`TCP segments:      ${info.tcpSegments}`);
  const other: string[] = [];
  if (d.notTcp) other.push(`${d.notTcp} other IP`);
  if (d.notIp) other.push(`${d.notIp} not IP`);
  if (d.ipFragment) other.push(`${d.ipFragment} IP fragments (their datagram is decoded at the last one)`);
  if (d.unsupportedLink) other.push(`${d.unsupportedLink} on link types not decoded`);
  if (d.noPacket) other.push(`${d.noPacket} records without a packet`);
  if (d.truncated) other.push(`${d.truncated} with headers cut by the snaplen`);
  if (d.malformed) other.push(`${d.malformed} malformed`);
  if (other.length) lines.push(`Not TCP:           ${other.join(', ')}`);
  const tunnels = encapsulationLine(info.encapsulation);
  if (tunnels !== null) lines.push(`Encapsulation:     ${tunnels}`);
  if (info.damagedFrames.length) lines.push(`Damaged frames:    ${info.damagedFrames.join(', ')}${info.damagedFrames.length >= 20 ? ' …' : ''}`);
  lines.push(`First packet:      ${info.firstTime ?? 'n/a'}`);
  lines.push(`Last packet:       ${info.lastTime ?? 'n/a'}`);
  lines.push(`Duration:          ${info.durationSec === null ? 'n/a' : `${info.durationSec.toFixed(6)} s`}`);
  for (const p of info.problems) lines.push(`Problem:           ${p.message} [${p.file} @ byte ${p.offset}]`);
  return lines.join('\n') + '\n';
}
