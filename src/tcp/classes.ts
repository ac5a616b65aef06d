/**
 * Segment classes, after Wireshark's documented `tcp.analysis.*` flags
 * (https://www.wireshark.org/docs/wsug_html_chunked/ChAdvTCPAnalysis.html). One bit each; a segment
 * may carry several. The JSON keys are part of the public schema.
 */
export const C_RETRANSMISSION = 1 << 0;
export const C_FAST_RETRANSMISSION = 1 << 1;
export const C_SPURIOUS_RETRANSMISSION = 1 << 2;
export const C_OUT_OF_ORDER = 1 << 3;
export const C_LOST_SEGMENT = 1 << 4;
export const C_ACKED_UNSEEN = 1 << 5;
export const C_DUPLICATE_ACK = 1 << 6;
export const C_KEEP_ALIVE = 1 << 7;
export const C_KEEP_ALIVE_ACK = 1 << 8;
export const C_ZERO_WINDOW = 1 << 9;
export const C_ZERO_WINDOW_PROBE = 1 << 10;
export const C_ZERO_WINDOW_PROBE_ACK = 1 << 11;
export const C_WINDOW_FULL = 1 << 12;
export const C_WINDOW_UPDATE = 1 << 13;
export const C_REUSED_PORTS = 1 << 14;

export const CLASS_KEYS = [
  'retransmission', 'fastRetransmission', 'spuriousRetransmission', 'outOfOrder', 'lostSegment',
  'ackedUnseen', 'duplicateAck', 'keepAlive', 'keepAliveAck', 'zeroWindow', 'zeroWindowProbe',
  'zeroWindowProbeAck', 'windowFull', 'windowUpdate', 'reusedPorts',
] as const;

export type ClassKey = (typeof CLASS_KEYS)[number];
export const CLASS_COUNT = CLASS_KEYS.length;

/** tshark field names for the same classes (for the reference comparison and Wireshark filters). */
export const WIRESHARK_FIELDS: Record<ClassKey, string> = {
  retransmission: 'tcp.analysis.retransmission',
  fastRetransmission: 'tcp.analysis.fast_retransmission',
  spuriousRetransmission: 'tcp.analysis.spurious_retransmission',
  outOfOrder: 'tcp.analysis.out_of_order',
  lostSegment: 'tcp.analysis.lost_segment',
  ackedUnseen: 'tcp.analysis.ack_lost_segment',
  duplicateAck: 'tcp.analysis.duplicate_ack',
  keepAlive: 'tcp.analysis.keep_alive',
  keepAliveAck: 'tcp.analysis.keep_alive_ack',
  zeroWindow: 'tcp.analysis.zero_window',
  zeroWindowProbe: 'tcp.analysis.zero_window_probe',
  zeroWindowProbeAck: 'tcp.analysis.zero_window_probe_ack',
  windowFull: 'tcp.analysis.window_full',
  windowUpdate: 'tcp.analysis.window_update',
  reusedPorts: 'tcp.analysis.reused_ports',
};

export function classNames(bits: number): ClassKey[] {
  const out: ClassKey[] = [];
  for (let i = 0; i < CLASS_COUNT; i++) if (bits & (1 << i)) out.push(CLASS_KEYS[i]!);
  return out;
}
