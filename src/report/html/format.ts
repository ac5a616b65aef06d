import type { Endpoint } from '../../model/report.js';

export function endpointText(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** Seconds after the capture's first frame, as Wireshark's default time column shows them. */
export function offset(epoch: number, start: number): string {
  return `+${(epoch - start).toFixed(3)} s`;
}

export function seconds(s: number): string {
  if (s >= 100) return `${s.toFixed(0)} s`;
  if (s >= 1) return `${s.toFixed(1)} s`;
  return `${(s * 1000).toFixed(1)} ms`;
}
