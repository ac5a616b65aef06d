/** The `info` command's model (`info --json`): a public interface like the report model. */
import type { CaptureProblem } from '../capture/errors.js';
import type { EncapsulationSummary } from '../decode/decoder.js';
import type { DecodeStatusName } from '../decode/status.js';

/** The capture-wide counts and span both `info` and `analyze` report (`capture` in the analyze JSON). */
export interface CaptureTotals {
  /** Records numbered as frames (Wireshark's count). */
  frames: number;
  packets: number;
  tcpSegments: number;
  firstTime: string | null;
  lastTime: string | null;
  /** The same instants as epoch seconds with nine decimals (tshark's frame.time_epoch form). */
  firstEpoch: string | null;
  lastEpoch: string | null;
  durationSec: number | null;
  decode: Record<DecodeStatusName, number>;
  /** Tunnels and overlays unwrapped: frames per kind, IP fragment reassembly, frames nested too deep. */
  encapsulation: EncapsulationSummary;
  problems: CaptureProblem[];
}

/** What `tcp-postmortem info` reports: capinfos' facts plus how many frames were TCP. */
export interface CaptureInfo extends CaptureTotals {
  files: FileInfo[];
  /** A few frame numbers of malformed or truncated frames, as evidence. */
  damagedFrames: number[];
}

export interface FileInfo {
  name: string;
  format: string;
  compressed: boolean;
  byteOrder: string;
  timestampResolution: string;
  sections: number;
  interfaces: { id: number; section: number; linkType: number; linkTypeName: string; snaplen: number; name?: string; timestampDigits: number }[];
  frames: number;
  packets: number;
  bytes: number;
  packetsByLinkType: Record<string, number>;
  firstTime: string | null;
  lastTime: string | null;
  complete: boolean;
}
