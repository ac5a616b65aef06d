import type { Frame } from './frame.js';
import type { BufferedInput } from './buffered-input.js';
import type { CaptureProblem } from './errors.js';

/** What a format reader's `step` produced. */
export const enum Step {
  /** `frame` now holds the next record. */
  Frame,
  /** The reader needs `needBytes` unread bytes before it can go on. */
  NeedMore,
  /** No more records: clean end, or a fatal problem already reported. */
  End,
}

export interface InterfaceInfo {
  /** Global index (see Frame.interfaceId). */
  id: number;
  section: number;
  linkType: number;
  snaplen: number;
  name?: string;
  /** Sub-second digits of the interface's timestamps (6 = µs, 9 = ns); binary resolutions are rounded up. */
  tsDigits: number;
}

export interface FormatInfo {
  format: 'pcap' | 'pcapng';
  /** Byte order of the first (pcap: only) section. */
  byteOrder: 'little' | 'big';
  /** pcap: 'us' or 'ns'; pcapng: per interface. */
  tsResolution: 'us' | 'ns' | 'per-interface';
  sections: number;
  interfaces: InterfaceInfo[];
}

export interface FormatReader {
  readonly info: FormatInfo;
  needBytes: number;
  /** Produce the next record from `input`'s window into `frame` (no, fileIndex are set by the caller). */
  step(input: BufferedInput, frame: Frame, problems: CaptureProblem[]): Step;
}

/**
 * The largest record a reader accepts. Wireshark's limit for most link types is 256 KiB; a length
 * field beyond it (and beyond the declared snaplen) means a damaged file, not a packet, and must never
 * drive an allocation.
 */
export const MAX_RECORD_BYTES = 262_144;
/** pcapng blocks may also carry options; Wireshark caps a block at 16 MiB. */
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
