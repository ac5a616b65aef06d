/**
 * The decoded length of a body sent with `Content-Encoding: gzip | x-gzip | deflate` (RFC 9110 §8.4.1),
 * counted as the body streams by: the output is measured and dropped, never kept. This is the length
 * the application sees (and the one Zeek logs as response_body_len); the wire length stays in
 * bodyDelivered. fflate's streaming inflaters do the work (synchronous, no native code).
 *
 * `deflate` is meant to be zlib-wrapped (RFC 1950), but servers have long sent raw deflate (RFC 1951);
 * the first two bytes tell which, as browsers decide it.
 */
import { Gunzip, Inflate, Unzlib } from 'fflate';

/** The codings counted; others (br, zstd, compress, a list of several) leave the decoded length unknown. */
export function countedCoding(value: string): 'gzip' | 'deflate' | null {
  const v = value.trim().toLowerCase();
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  if (v === 'deflate') return 'deflate';
  return null;
}

/**
 * Decoded output beyond this is not counted further (a decompression bomb costs CPU, not memory,
 * but a counter need not follow it to the end): the length is then reported as at least this.
 */
const MOST_COUNTED = 1 << 30;

interface Inflater {
  push(chunk: Uint8Array, final?: boolean): void;
}

export class DecodedLength {
  length = 0;
  /** The stream was not valid for its coding, or a gap cut it. */
  failed = false;
  private inflater: Inflater | null = null;
  private done = false;

  constructor(private readonly coding: 'gzip' | 'deflate') {}

  push(b: Uint8Array, s: number, e: number): void {
    if (this.done || e <= s) return;
    const chunk = b.subarray(s, e);
    if (this.inflater === null) this.inflater = this.open(chunk);
    try {
      this.inflater.push(chunk);
    } catch {
      this.stop(true);
    }
  }

  /** The decoded length so far; -1 once the stream proved invalid or lost bytes (then it is unknown). */
  counted(): number {
    return this.failed ? -1 : this.length;
  }

  /** The body ended (its framing said so, or the connection did). */
  end(): void {
    if (this.done) return;
    if (this.inflater !== null) {
      try {
        this.inflater.push(new Uint8Array(0), true);
      } catch {
        this.failed = true;
      }
    }
    this.stop(this.failed);
  }

  /** Bytes were lost: nothing after them can be decoded. */
  lost(): void {
    this.stop(true);
  }

  private stop(failed: boolean): void {
    this.failed = this.failed || failed;
    this.done = true;
    this.inflater = null;
  }

  private open(first: Uint8Array): Inflater {
    const count = (out: Uint8Array): void => {
      this.length = Math.min(MOST_COUNTED, this.length + out.length);
      if (this.length === MOST_COUNTED) this.done = true;
    };
    if (this.coding === 'gzip') return new Gunzip(count);
    const zlibWrapped = first.length >= 2 && (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
    return zlibWrapped ? new Unzlib(count) : new Inflate(count);
  }
}
