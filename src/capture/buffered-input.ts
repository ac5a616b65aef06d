import type { ByteSource } from './source.js';

const CHUNK = 1 << 20;

/**
 * A sliding window over a ByteSource. Format readers look at `buf[pos … end)`; `ensure(n)` refills
 * (moving the unread tail to the front) so that a record split across two reads is seen whole.
 * `buf` may be replaced by a larger one, so readers re-read it after every `ensure`.
 */
export class BufferedInput {
  buf: Buffer = Buffer.allocUnsafe(2 * CHUNK);
  pos = 0;
  end = 0;
  /** File offset of buf[0]. */
  private base = 0;
  eof = false;

  constructor(readonly source: ByteSource, private readonly chunkSize = CHUNK) {}

  /** File offset (in the decompressed stream) of `pos`. */
  get offset(): number {
    return this.base + this.pos;
  }

  fileOffsetOf(position: number): number {
    return this.base + position;
  }

  get available(): number {
    return this.end - this.pos;
  }

  /** Makes at least `n` unread bytes available; false when the input ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.end - this.pos < n && !this.eof) {
      if (this.pos > 0) {
        this.buf.copy(this.buf, 0, this.pos, this.end);
        this.base += this.pos;
        this.end -= this.pos;
        this.pos = 0;
      }
      const wanted = Math.max(n, this.end + this.chunkSize);
      if (wanted > this.buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(wanted, this.buf.length * 2));
        this.buf.copy(bigger, 0, 0, this.end);
        this.buf = bigger;
      }
      const got = await this.source.read(this.buf, this.end, Math.min(this.buf.length - this.end, Math.max(this.chunkSize, n - this.end)));
      if (got === 0) this.eof = true;
      else this.end += got;
    }
    return this.end - this.pos >= n;
  }
}
