/**
 * How a record (http-record.ts) writes the strings it takes from the capture: a target, a message's
 * kept headers. The analyzer writes them so as it parses (http-connection.ts Transaction), straight
 * from the parsed bytes; the record copies them in.
 */
import type { ByteWriter } from '../tcp/varint.js';
import { KEPT_HEADERS, type Head } from './head.js';

/** A string from the capture, bytes [s, e) of b (already cut to MAX_STRING): its length, then its latin1 bytes. */
export function writeText(w: ByteWriter, b: Uint8Array, s: number, e: number): void {
  w.unsigned(e - s);
  w.copy(b, s, e);
}

/** The kept headers of the message in h: a mask of those sent (KEPT_HEADERS order), then each value's text. */
export function writeKeptHeaders(w: ByteWriter, h: Head): void {
  let mask = 0;
  for (let k = 0; k < KEPT_HEADERS.length; k++) if (h.has(k)) mask |= 1 << k;
  w.unsigned(mask);
  for (let k = 0; k < KEPT_HEADERS.length; k++) if (h.has(k)) writeText(w, h.valueIn[k]!, h.valueStart[k]!, h.valueEnd[k]!);
}

