import type { Frame } from './frame.js';
import { NO_PACKET } from './frame.js';
import type { BufferedInput } from './buffered-input.js';
import { CaptureError, type CaptureProblem } from './errors.js';
import { MAX_BLOCK_BYTES, Step, type FormatInfo, type FormatReader, type InterfaceInfo } from './format.js';

// pcapng layout (IETF draft-ietf-opsawg-pcapng; https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html)
const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_OPB = 0x00000002; // obsolete Packet Block
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;
const BLOCK_SYSTEMD_JOURNAL = 0x00000009;
const BLOCK_CUSTOM = 0x00000bad;
const BLOCK_CUSTOM_NOCOPY = 0x40000bad;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const IDB_OPT_NAME = 2;
const IDB_OPT_TSRESOL = 9;
const IDB_OPT_TSOFFSET = 14;
const MIN_BLOCK = 12;

export function isPcapngMagic(b: Uint8Array): boolean {
  return b[0] === 0x0a && b[1] === 0x0d && b[2] === 0x0d && b[3] === 0x0a;
}

interface Iface {
  info: InterfaceInfo;
  /** Units per second is 10^k (decimal) or 2^k (binary). */
  decimal: boolean;
  exponent: number;
  /** if_tsoffset, seconds to add to every timestamp. */
  offsetSec: number;
}

/**
 * Reader for pcapng: several sections (each with its own byte order), several interfaces with their
 * own link types and timestamp resolutions; Enhanced, Simple and obsolete Packet Blocks carry packets.
 * Custom and systemd-journal blocks count as frames without a packet because Wireshark numbers them.
 * Every other block is skipped by its length.
 */
export class PcapngReader implements FormatReader {
  readonly info: FormatInfo;
  needBytes = 8;
  private little = true;
  private section = -1;
  private sectionIfaces: Iface[] = [];
  private lastSec = 0;
  private lastNsec = 0;
  private readonly fileName: string;

  constructor(input: BufferedInput) {
    this.fileName = input.source.name;
    this.info = { format: 'pcapng', byteOrder: 'little', tsResolution: 'per-interface', sections: 0, interfaces: [] };
    // The first block must be a Section Header; `step` parses it like any later one.
    void input;
  }

  step(input: BufferedInput, frame: Frame, problems: CaptureProblem[]): Step {
    for (;;) {
      if (input.end - input.pos < MIN_BLOCK) {
        this.needBytes = MIN_BLOCK;
        return Step.NeedMore;
      }
      const b = input.buf;
      const p = input.pos;
      const rawType = b.readUInt32LE(p);
      if (rawType === BLOCK_SHB) {
        const bom = b.readUInt32LE(p + 8);
        if (bom === BYTE_ORDER_MAGIC) this.little = true;
        else if (b.readUInt32BE(p + 8) === BYTE_ORDER_MAGIC) this.little = false;
        else return this.fatal(input, problems, 'section header with an unknown byte-order magic');
      }
      const little = this.little;
      const type = little ? rawType : b.readUInt32BE(p);
      const len = little ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
      if (len < MIN_BLOCK || len % 4 !== 0 || len > MAX_BLOCK_BYTES) {
        return this.fatal(input, problems, `block of type 0x${type.toString(16)} has an impossible length ${len}`);
      }
      if (input.end - p < len) {
        this.needBytes = len;
        return Step.NeedMore;
      }
      const trailer = little ? b.readUInt32LE(p + len - 4) : b.readUInt32BE(p + len - 4);
      if (trailer !== len) {
        return this.fatal(input, problems, `block of type 0x${type.toString(16)}: trailing length ${trailer} differs from leading length ${len}`);
      }
      if (this.section < 0 && type !== BLOCK_SHB) {
        throw new CaptureError(this.fileName, input.offset, 'pcapng file does not start with a Section Header Block');
      }
      let produced = false;
      switch (type) {
        case BLOCK_SHB:
          if (!this.startSection(b, p, len, input, problems)) return Step.End;
          break;
        case BLOCK_IDB:
          if (len < 20) this.skipProblem(input, problems, 'bad-block', 'interface description block too short; block skipped');
          else this.addInterface(b, p, len);
          break;
        case BLOCK_EPB:
        case BLOCK_OPB:
          produced = this.packetBlock(b, p, len, type === BLOCK_OPB, frame, input, problems);
          break;
        case BLOCK_SPB:
          produced = this.simplePacket(b, p, len, frame, input, problems);
          break;
        case BLOCK_CUSTOM:
        case BLOCK_CUSTOM_NOCOPY:
        case BLOCK_SYSTEMD_JOURNAL:
          this.recordWithoutPacket(frame);
          produced = true;
          break;
        default:
          break; // NRB, ISB, DSB and anything newer: not needed, skipped by length.
      }
      input.pos = p + len;
      if (produced) return Step.Frame;
    }
  }

  private fatal(input: BufferedInput, problems: CaptureProblem[], message: string): Step {
    problems.push({ file: this.fileName, offset: input.offset, kind: 'damaged-record', message, fatal: true });
    return Step.End;
  }

  private u16(b: Buffer, at: number): number {
    return this.little ? b.readUInt16LE(at) : b.readUInt16BE(at);
  }

  private u32(b: Buffer, at: number): number {
    return this.little ? b.readUInt32LE(at) : b.readUInt32BE(at);
  }

  /** False when the section cannot be read (then reading stops, keeping the frames before it). */
  private startSection(b: Buffer, p: number, len: number, input: BufferedInput, problems: CaptureProblem[]): boolean {
    const why = len < 28 ? 'section header block too short' : this.u16(b, p + 12) !== 1 ? `unsupported pcapng major version ${this.u16(b, p + 12)}` : null;
    if (why !== null) {
      if (this.section < 0) throw new CaptureError(this.fileName, input.offset, why);
      this.fatal(input, problems, why);
      return false;
    }
    this.section++;
    this.sectionIfaces = [];
    this.info.sections = this.section + 1;
    if (this.section === 0) this.info.byteOrder = this.little ? 'little' : 'big';
    return true;
  }

  private addInterface(b: Buffer, p: number, len: number): void {
    const linkType = this.u16(b, p + 8);
    const snaplen = this.u32(b, p + 12);
    const iface: Iface = {
      info: { id: this.info.interfaces.length, section: this.section, linkType, snaplen, tsDigits: 6 },
      decimal: true,
      exponent: 6,
      offsetSec: 0,
    };
    // Options: code (2), length (2), value padded to 4.
    let o = p + 16;
    const optEnd = p + len - 4;
    while (o + 4 <= optEnd) {
      const code = this.u16(b, o);
      const olen = this.u16(b, o + 2);
      const v = o + 4;
      if (code === OPT_END || v + olen > optEnd) break;
      if (code === IDB_OPT_TSRESOL && olen >= 1) {
        const r = b[v]!;
        iface.decimal = (r & 0x80) === 0;
        iface.exponent = r & 0x7f;
        iface.info.tsDigits = iface.decimal ? r : Math.ceil((r & 0x7f) * Math.log10(2));
      } else if (code === IDB_OPT_TSOFFSET && olen >= 8) {
        const hi = this.little ? b.readInt32LE(v + 4) : b.readInt32BE(v);
        const lo = this.little ? b.readUInt32LE(v) : b.readUInt32BE(v + 4);
        iface.offsetSec = hi * 4294967296 + lo;
      } else if (code === IDB_OPT_NAME) {
        iface.info.name = b.toString('utf8', v, v + olen).replace(/\0+$/, '');
      }
      o = v + ((olen + 3) & ~3);
    }
    this.sectionIfaces.push(iface);
    this.info.interfaces.push(iface.info);
  }

  private packetBlock(b: Buffer, p: number, len: number, obsolete: boolean, frame: Frame, input: BufferedInput, problems: CaptureProblem[]): boolean {
    if (len < 32) {
      this.skipProblem(input, problems, 'bad-block', 'packet block too short to hold its header');
      return false;
    }
    const ifaceId = obsolete ? this.u16(b, p + 8) : this.u32(b, p + 8);
    const iface = this.sectionIfaces[ifaceId];
    if (iface === undefined) {
      this.skipProblem(input, problems, 'unknown-interface', `packet block names interface ${ifaceId}, which this section never described; block skipped`);
      return false;
    }
    const hi = this.u32(b, p + 12);
    const lo = this.u32(b, p + 16);
    const caplen = this.u32(b, p + 20);
    const origlen = this.u32(b, p + 24);
    if (caplen > len - 32) {
      this.skipProblem(input, problems, 'bad-block', `packet block claims ${caplen} captured bytes but has room for ${len - 32}; block skipped`);
      return false;
    }
    this.setTime(frame, iface, hi, lo);
    frame.linkType = iface.info.linkType;
    frame.interfaceId = iface.info.id;
    frame.caplen = caplen;
    frame.origlen = origlen;
    frame.data = b;
    frame.offset = p + 28;
    return true;
  }

  private simplePacket(b: Buffer, p: number, len: number, frame: Frame, input: BufferedInput, problems: CaptureProblem[]): boolean {
    if (len < 16) {
      this.skipProblem(input, problems, 'bad-block', 'simple packet block too short to hold its length field; block skipped');
      return false;
    }
    const iface = this.sectionIfaces[0];
    if (iface === undefined) {
      this.skipProblem(input, problems, 'unknown-interface', 'simple packet block before any interface description; block skipped');
      return false;
    }
    const origlen = this.u32(b, p + 8);
    let caplen = Math.min(origlen, len - 16);
    if (iface.info.snaplen > 0) caplen = Math.min(caplen, iface.info.snaplen);
    // A Simple Packet Block has no timestamp: Wireshark shows the previous one.
    frame.tsSec = this.lastSec;
    frame.tsNsec = this.lastNsec;
    frame.linkType = iface.info.linkType;
    frame.interfaceId = iface.info.id;
    frame.caplen = caplen;
    frame.origlen = origlen;
    frame.data = b;
    frame.offset = p + 12;
    return true;
  }

  private recordWithoutPacket(frame: Frame): void {
    frame.tsSec = this.lastSec;
    frame.tsNsec = this.lastNsec;
    frame.linkType = NO_PACKET;
    frame.interfaceId = -1;
    frame.caplen = 0;
    frame.origlen = 0;
    frame.offset = 0;
  }

  private skipProblem(input: BufferedInput, problems: CaptureProblem[], kind: CaptureProblem['kind'], message: string): void {
    problems.push({ file: this.fileName, offset: input.offset, kind, message, fatal: false });
  }

  /** Exact conversion of a 64-bit tick count to seconds + nanoseconds. */
  private setTime(frame: Frame, iface: Iface, hi: number, lo: number): void {
    let sec: number;
    let nsec: number;
    if (iface.decimal && iface.exponent <= 9) {
      const perSec = 10 ** iface.exponent;
      if (hi < 0x200000) {
        const ticks = hi * 4294967296 + lo; // < 2^53: exact in a double
        sec = Math.floor(ticks / perSec);
        nsec = (ticks - sec * perSec) * 10 ** (9 - iface.exponent);
      } else {
        const ticks = (BigInt(hi) << 32n) | BigInt(lo);
        const big = BigInt(perSec);
        sec = Number(ticks / big);
        nsec = Number(ticks % big) * 10 ** (9 - iface.exponent);
      }
    } else {
      const ticks = (BigInt(hi) << 32n) | BigInt(lo);
      const perSec = iface.decimal ? 10n ** BigInt(iface.exponent) : 1n << BigInt(iface.exponent);
      sec = Number(ticks / perSec);
      nsec = Number(((ticks % perSec) * 1_000_000_000n) / perSec);
    }
    frame.tsSec = sec + iface.offsetSec;
    frame.tsNsec = nsec;
    this.lastSec = frame.tsSec;
    this.lastNsec = nsec;
  }
}
