import { BufferedInput } from './buffered-input.js';
import { CaptureError, type CaptureProblem } from './errors.js';
import { compareTime, epochString, isoTime, newFrame, NO_PACKET, type Frame } from './frame.js';
import { Step, type FormatInfo, type FormatReader } from './format.js';
import { isPcapMagic, PcapReader, PCAP_FILE_HEADER_BYTES } from './pcap.js';
import { isPcapngMagic, PcapngReader } from './pcapng.js';
import { openSource, type ByteSource } from './source.js';

/** What was read from one input file. */
export interface FileSummary {
  name: string;
  compressed: boolean;
  format: FormatInfo;
  /** Records Wireshark would number as frames. */
  records: number;
  /** Records that carry a packet. */
  packets: number;
  bytes: number;
  firstSec: number | null;
  firstNsec: number;
  lastSec: number | null;
  lastNsec: number;
  /** LINKTYPE number -> packets. */
  linkTypes: Map<number, number>;
  problems: CaptureProblem[];
  /** False when a damaged or truncated record stopped reading before the end. */
  complete: boolean;
}

export interface ReadOptions {
  /** Bytes per read; tests use tiny values to split records across reads. */
  chunkSize?: number;
  /**
   * Called after each read of input (a chunk, ~1 MiB) and once at the end: for a progress display.
   * Synchronous and cheap, so it may be called on every refill.
   */
  onProgress?: (progress: ReadProgress) => void;
}

export interface ReadProgress {
  /** Bytes taken from the inputs so far (compressed bytes for gzip files). */
  bytesRead: number;
  /** The inputs' sizes added up; null when one is a stream (standard input) whose size is unknown. */
  totalBytes: number | null;
  /** Records delivered so far (Wireshark's frame count). */
  frames: number;
  /** True on the last call, when every input has been read. */
  done: boolean;
}

/** One open input: its window, its format reader and its current frame. */
const HAVE_FRAME = 1;
const AT_END = 0;
const NEED_DATA = -1;

class OpenCapture {
  readonly frame: Frame = newFrame();
  recordNo = 0;
  done = false;
  /** Set by readCaptures when a progress callback is given. */
  onRefill: (() => void) | null = null;

  constructor(
    readonly input: BufferedInput,
    readonly reader: FormatReader,
    readonly summary: FileSummary,
  ) {}

  /**
   * Advance without waiting: HAVE_FRAME, AT_END, or NEED_DATA (then `await refill()` and try again).
   * Synchronous so that the per-frame path creates no promises; only a refill (per MiB) awaits.
   */
  tryAdvance(): number {
    if (this.done) return AT_END;
    const { input, reader, frame, summary } = this;
    const step = reader.step(input, frame, summary.problems);
    if (step === Step.Frame) {
      this.recordNo++;
      frame.fileFrameNo = this.recordNo;
      noteFrame(summary, frame);
      return HAVE_FRAME;
    }
    if (step === Step.End) {
      this.finish(false);
      return AT_END;
    }
    return NEED_DATA;
  }

  /** Reads more input for the reader; at the end of the input, ends this file (cleanly or truncated). */
  async refill(): Promise<void> {
    const { input, reader, summary } = this;
    const more = await input.ensure(reader.needBytes);
    this.onRefill?.();
    if (more) return;
    const damage = input.source.damage;
    if (damage !== undefined) {
      summary.problems.push({ file: summary.name, offset: input.offset, kind: 'truncated-record', message: damage, fatal: true });
      this.finish(false);
      return;
    }
    if (input.available === 0) {
      this.finish(true);
      return;
    }
    summary.problems.push({
      file: summary.name,
      offset: input.offset,
      kind: 'truncated-record',
      message: `the file ends inside a record: it needs ${reader.needBytes} bytes here but only ${input.available} remain (capture cut short?)`,
      fatal: true,
    });
    this.finish(false);
  }

  /** Advance, waiting for data as needed; false at the end of this file. */
  async advance(): Promise<boolean> {
    for (;;) {
      const r = this.tryAdvance();
      if (r !== NEED_DATA) return r === HAVE_FRAME;
      await this.refill();
    }
  }

  private finish(clean: boolean): void {
    this.done = true;
    this.summary.complete = clean;
  }
}

function noteFrame(s: FileSummary, f: Frame): void {
  s.records++;
  if (f.linkType === NO_PACKET) return;
  s.packets++;
  s.bytes += f.caplen;
  s.linkTypes.set(f.linkType, (s.linkTypes.get(f.linkType) ?? 0) + 1);
  if (s.firstSec === null || compareTime(f.tsSec, f.tsNsec, s.firstSec, s.firstNsec) < 0) {
    s.firstSec = f.tsSec;
    s.firstNsec = f.tsNsec;
  }
  if (s.lastSec === null || compareTime(f.tsSec, f.tsNsec, s.lastSec, s.lastNsec) > 0) {
    s.lastSec = f.tsSec;
    s.lastNsec = f.tsNsec;
  }
}

const SNIFF_BYTES = 4;

async function openCapture(path: string, fileIndex: number, options: ReadOptions): Promise<OpenCapture> {
  const source: ByteSource = await openSource(path);
  const input = new BufferedInput(source, options.chunkSize);
  try {
    if (!(await input.ensure(SNIFF_BYTES))) {
      const why = source.damage ?? (input.available === 0 ? 'the file is empty' : 'the file is too short to be a capture');
      throw new CaptureError(source.name, 0, why);
    }
    let reader: FormatReader;
    if (isPcapMagic(input.buf.subarray(input.pos))) {
      if (!(await input.ensure(PCAP_FILE_HEADER_BYTES))) {
        throw new CaptureError(source.name, input.available, 'the pcap file header is cut short');
      }
      reader = new PcapReader(input);
    } else if (isPcapngMagic(input.buf.subarray(input.pos))) {
      reader = new PcapngReader(input);
    } else {
      const hex = input.buf.toString('hex', input.pos, input.pos + SNIFF_BYTES);
      throw new CaptureError(
        source.name,
        0,
        `not a capture file: unknown magic 0x${hex} (expected pcap a1b2c3d4 / a1b23c4d in either byte order, or pcapng 0a0d0d0a${source.compressed ? '' : ', optionally gzip-compressed'})`,
      );
    }
    const summary: FileSummary = {
      name: source.name, compressed: source.compressed, format: reader.info, records: 0, packets: 0, bytes: 0,
      firstSec: null, firstNsec: 0, lastSec: null, lastNsec: 0, linkTypes: new Map(), problems: [], complete: true,
    };
    const capture = new OpenCapture(input, reader, summary);
    capture.frame.fileIndex = fileIndex;
    return capture;
  } catch (err) {
    await source.close();
    throw err;
  }
}

/**
 * Reads one or more captures and calls `onFrame` for every record, synchronously, in order. Several
 * files are merged by timestamp (a rotated `tcpdump -C/-G` set, or any mix): the record with the
 * earliest timestamp goes first and, on equal timestamps, the one from the file named first — the
 * order `mergecap` writes, so frame numbers equal Wireshark's on the merged file. The Frame passed to
 * `onFrame` is reused: copy what must outlive the call.
 *
 * A file that cannot be opened or has no known format throws CaptureError before any frame is
 * delivered; damage inside a file stops that file and is reported in its summary's `problems`.
 */
export async function readCaptures(paths: readonly string[], onFrame: (frame: Frame) => void, options: ReadOptions = {}): Promise<FileSummary[]> {
  const captures: OpenCapture[] = [];
  try {
    for (let i = 0; i < paths.length; i++) captures.push(await openCapture(paths[i]!, i, options));
    let no = 0;
    const onProgress = options.onProgress;
    const progress = (done: boolean): void => {
      if (onProgress === undefined) return;
      let bytesRead = 0;
      let totalBytes: number | null = 0;
      for (const c of captures) {
        bytesRead += c.input.source.consumed();
        const size = c.input.source.size;
        totalBytes = totalBytes === null || size === null ? null : totalBytes + size;
      }
      onProgress({ bytesRead, totalBytes, frames: no, done });
    };
    if (onProgress !== undefined) for (const c of captures) c.onRefill = () => progress(false);
    if (captures.length === 1) {
      const only = captures[0]!;
      for (;;) {
        const r = only.tryAdvance();
        if (r === HAVE_FRAME) {
          only.frame.no = ++no;
          onFrame(only.frame);
        } else if (r === AT_END) break;
        else await only.refill();
      }
    } else {
      const live: OpenCapture[] = [];
      for (const c of captures) if (await c.advance()) live.push(c);
      while (live.length > 0) {
        let best = 0;
        for (let i = 1; i < live.length; i++) {
          const a = live[i]!.frame;
          const b = live[best]!.frame;
          if (compareTime(a.tsSec, a.tsNsec, b.tsSec, b.tsNsec) < 0) best = i;
        }
        const c = live[best]!;
        c.frame.no = ++no;
        onFrame(c.frame);
        const r = c.tryAdvance();
        if (r === AT_END || (r === NEED_DATA && !(await c.advance()))) live.splice(best, 1);
      }
    }
    progress(true);
    return captures.map((c) => c.summary);
  } finally {
    for (const c of captures) await c.input.source.close();
  }
}

/** The time span of one or more read files, in the forms the reports use. */
export interface CaptureSpan {
  firstTime: string | null;
  lastTime: string | null;
  firstEpoch: string | null;
  lastEpoch: string | null;
  durationSec: number | null;
  /** Epoch seconds of the last packet (0 when there was none). */
  endSeconds: number;
}

export function captureSpan(summaries: readonly FileSummary[]): CaptureSpan {
  let first: [number, number] | null = null;
  let last: [number, number] | null = null;
  for (const s of summaries) {
    if (s.firstSec !== null && (first === null || compareTime(s.firstSec, s.firstNsec, first[0], first[1]) < 0)) first = [s.firstSec, s.firstNsec];
    if (s.lastSec !== null && (last === null || compareTime(s.lastSec, s.lastNsec, last[0], last[1]) > 0)) last = [s.lastSec, s.lastNsec];
  }
  return {
    firstTime: first && isoTime(first[0], first[1]),
    lastTime: last && isoTime(last[0], last[1]),
    firstEpoch: first && epochString(first[0], first[1]),
    lastEpoch: last && epochString(last[0], last[1]),
    durationSec: first && last ? last[0] - first[0] + (last[1] - first[1]) / 1e9 : null,
    endSeconds: last ? last[0] + last[1] / 1e9 : 0,
  };
}
