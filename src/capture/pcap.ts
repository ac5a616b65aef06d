import type { Frame } from './frame.js';
import type { BufferedInput } from './buffered-input.js';
import { CaptureError, type CaptureProblem } from './errors.js';
import { MAX_RECORD_BYTES, Step, type FormatInfo, type FormatReader } from './format.js';

// Classic libpcap layout (https://www.tcpdump.org/manpages/pcap-savefile.5.txt)
export const PCAP_FILE_HEADER_BYTES = 24;
export const PCAP_RECORD_HEADER_BYTES = 16;
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** The top bits of the link-type field carry FCS information, not the link type. */
const LINKTYPE_MASK = 0x03ffffff;

export function isPcapMagic(b: Uint8Array): boolean {
  const be = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const le = ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0;
  return be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS;
}

/** Reader for classic pcap, both byte orders, micro- and nanosecond timestamps. */
export class PcapReader implements FormatReader {
  readonly info: FormatInfo;
  needBytes = PCAP_RECORD_HEADER_BYTES;
  private readonly little: boolean;
  private readonly nanos: boolean;
  private readonly linkType: number;
  private readonly maxRecord: number;
  private readonly fileName: string;

  /** `input` must hold the 24-byte file header at `pos`; it is consumed. */
  constructor(input: BufferedInput) {
    this.fileName = input.source.name;
    const b = input.buf;
    const p = input.pos;
    const magicLE = b.readUInt32LE(p);
    this.little = magicLE === PCAP_MAGIC_US || magicLE === PCAP_MAGIC_NS;
    const magic = this.little ? magicLE : b.readUInt32BE(p);
    this.nanos = magic === PCAP_MAGIC_NS;
    const major = this.little ? b.readUInt16LE(p + 4) : b.readUInt16BE(p + 4);
    if (major !== 2) {
      throw new CaptureError(this.fileName, 4, `unsupported pcap version ${major} (only 2.x exists)`);
    }
    const snaplen = this.little ? b.readUInt32LE(p + 16) : b.readUInt32BE(p + 16);
    this.linkType = (this.little ? b.readUInt32LE(p + 20) : b.readUInt32BE(p + 20)) & LINKTYPE_MASK;
    this.maxRecord = Math.max(MAX_RECORD_BYTES, snaplen <= 16 * 1024 * 1024 ? snaplen : 0);
    input.pos += PCAP_FILE_HEADER_BYTES;
    this.info = {
      format: 'pcap',
      byteOrder: this.little ? 'little' : 'big',
      tsResolution: this.nanos ? 'ns' : 'us',
      sections: 1,
      interfaces: [{ id: 0, section: 0, linkType: this.linkType, snaplen, tsDigits: this.nanos ? 9 : 6 }],
    };
  }

  step(input: BufferedInput, frame: Frame, problems: CaptureProblem[]): Step {
    if (input.end - input.pos < PCAP_RECORD_HEADER_BYTES) {
      this.needBytes = PCAP_RECORD_HEADER_BYTES;
      return Step.NeedMore;
    }
    const b = input.buf;
    const p = input.pos;
    const little = this.little;
    const sec = little ? b.readUInt32LE(p) : b.readUInt32BE(p);
    const frac = little ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
    const caplen = little ? b.readUInt32LE(p + 8) : b.readUInt32BE(p + 8);
    const origlen = little ? b.readUInt32LE(p + 12) : b.readUInt32BE(p + 12);
    if (caplen > this.maxRecord) {
      problems.push({
        file: this.fileName,
        offset: input.offset,
        kind: 'damaged-record',
        message: `record header claims a ${caplen}-byte packet (limit ${this.maxRecord}); the file is damaged from here on`,
        fatal: true,
      });
      return Step.End;
    }
    const total = PCAP_RECORD_HEADER_BYTES + caplen;
    if (input.end - p < total) {
      this.needBytes = total;
      return Step.NeedMore;
    }
    // A fraction field past one second is out of spec; carry it rather than print a bogus time.
    const nsec = this.nanos ? frac : frac * 1000;
    frame.tsSec = sec + Math.floor(nsec / 1e9);
    frame.tsNsec = nsec % 1e9;
    frame.linkType = this.linkType;
    frame.interfaceId = 0;
    frame.caplen = caplen;
    frame.origlen = origlen;
    frame.data = b;
    frame.offset = p + PCAP_RECORD_HEADER_BYTES;
    input.pos = p + total;
    return Step.Frame;
  }
}
