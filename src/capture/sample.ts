/**
 * A quick look at a capture before it is read: the frames of a few windows spread over the file
 * (pipeline/syn-sample.ts counts their connection attempts to choose the thread count).
 *
 * Classic pcap (uncompressed) is sampled at its start and at windows through the file, each found
 * by resynchronising on record headers (a header is taken as real when the next records chain from
 * it plausibly). Other formats are sampled at their start only. Never throws: a capture it cannot
 * sample gives null.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { newFrame, type Frame } from './frame.js';
import { MAX_RECORD_BYTES } from './format.js';
import { PCAP_FILE_HEADER_BYTES, PCAP_MAGIC_NS, PCAP_MAGIC_US, PCAP_RECORD_HEADER_BYTES } from './pcap.js';

const WINDOW = 1 << 19;
const WINDOWS = 24;
const MAX_RECORD = MAX_RECORD_BYTES;
const FILE_HEADER = PCAP_FILE_HEADER_BYTES;
const RECORD_HEADER = PCAP_RECORD_HEADER_BYTES;
/** Records that must chain after a candidate header before it is believed. */
const CHAIN = 6;
/** A record shorter than this holds no TCP segment on any link type (20 B IPv4 + 20 B TCP, cut). */
const MIN_RECORD = 20;
/** How far a resynchronised header's time may lie before the first record's, or after it. */
const MAX_SKEW_SEC = 86400;
const MAX_SPAN_SEC = 10 * 365 * 86400;
/** Bytes of a window searched for a record header. */
const RESYNC_SCAN = 1 << 16;

/** Calls `onFrame` for each sampled frame (one reused Frame); false when the capture cannot be sampled. */
export function sampleFrames(path: string, onFrame: (frame: Frame) => void): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = statSync(path).size;
    const header = Buffer.alloc(FILE_HEADER);
    if (readSync(fd, header, 0, FILE_HEADER, 0) < FILE_HEADER) return false;
    const isMagic = (m: number): boolean => m === PCAP_MAGIC_US || m === PCAP_MAGIC_NS;
    const le = isMagic(header.readUInt32LE(0));
    const be = isMagic(header.readUInt32BE(0));
    if (!le && !be) return false; // pcapng, gzip: the thread choice falls back to size alone
    const u32 = (b: Buffer, at: number): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
    const nano = u32(header, 0) === PCAP_MAGIC_NS;
    const snaplen = Math.min(u32(header, 16) || MAX_RECORD, MAX_RECORD);
    const linkType = u32(header, 20) & 0x0fffffff;
    const frame = newFrame();
    frame.linkType = linkType;
    const buf = Buffer.alloc(WINDOW);
    // The first record's time: a header found by resynchronising must be near it (zero-filled
    // payload would otherwise chain as empty records at time 0).
    const first = Buffer.alloc(RECORD_HEADER);
    const firstSec = readSync(fd, first, 0, RECORD_HEADER, FILE_HEADER) === RECORD_HEADER ? u32(first, 0) : 0;
    const plausible = (b: Buffer, at: number, end: number): boolean => {
      if (at + RECORD_HEADER > end) return false;
      const sec = u32(b, at);
      const incl = u32(b, at + 8);
      const orig = u32(b, at + 12);
      return sec + MAX_SKEW_SEC >= firstSec && sec <= firstSec + MAX_SPAN_SEC && u32(b, at + 4) < (nano ? 1e9 : 1e6) &&
        incl >= MIN_RECORD && incl <= snaplen && incl <= orig && orig <= MAX_RECORD;
    };
    // The start, then windows spread evenly to the end, never overlapping (each byte counted once).
    const windows = Math.max(1, Math.min(WINDOWS, Math.floor(size / WINDOW)));
    const starts = [FILE_HEADER];
    for (let k = 1; k < windows; k++) starts.push(Math.floor(((size - WINDOW) * k) / (windows - 1)));
    for (const start of starts) {
      const n = readSync(fd, buf, 0, WINDOW, start);
      let at = 0;
      if (start > FILE_HEADER) {
        // Resynchronise: the first offset from which CHAIN records follow one another plausibly.
        // Within the first RESYNC_SCAN bytes (a window of noise is not worth searching through).
        for (; at + RECORD_HEADER <= n && at < RESYNC_SCAN; at++) {
          let p = at;
          let k = 0;
          while (k < CHAIN && plausible(buf, p, n)) {
            p += RECORD_HEADER + u32(buf, p + 8);
            k++;
          }
          if (k === CHAIN) break;
        }
        if (at >= RESYNC_SCAN) continue;
      }
      while (plausible(buf, at, n) && at + RECORD_HEADER + u32(buf, at + 8) <= n) {
        const incl = u32(buf, at + 8);
        frame.data = buf;
        frame.offset = at + RECORD_HEADER;
        frame.caplen = incl;
        frame.origlen = u32(buf, at + 12);
        onFrame(frame);
        at += RECORD_HEADER + incl;
      }
    }
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
