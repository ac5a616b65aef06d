/**
 * Variable-length integers (LEB128: seven bits a byte, low bits first, high bit = more follows) for
 * the summary store's per-connection detail (record.ts). A connection's state changes and events are
 * mostly small differences — the next frame, a few milliseconds later — that fit one or two bytes,
 * where fixed columns spent eight to sixteen. Signed values are zigzag-mapped (0, -1, 1, -2 … →
 * 0, 1, 2, 3 …). Values are JavaScript numbers: exact up to 2^53 (signed: ±2^52), with arithmetic
 * (not 32-bit bitwise) steps beyond 2^31. The store's values are far inside: frame and microsecond
 * differences, 32-bit sequence numbers, counts.
 */

/** Appends varints to a growable scratch buffer; `take` copies them out. */
export class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(size = 4096) {
    this.bytes = new Uint8Array(size);
  }

  reset(): void {
    this.length = 0;
  }

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Bytes [s, e) of b as they are. */
  copy(b: Uint8Array, s: number, e: number): void {
    const n = e - s;
    this.room(n);
    const out = this.bytes;
    let i = this.length;
    // Short runs (a target, a header value) are quicker copied by hand than through a subarray view.
    if (n > 64) out.set(b.subarray(s, e), i);
    else for (let k = s; k < e; k++) out[i++] = b[k]!;
    this.length += n;
  }

  /** A non-negative integer (anything else is written as 0: the store never holds NaN or Infinity). */
  unsigned(v: number): void {
    this.room(8); // 2^53 takes eight bytes
    const b = this.bytes;
    let i = this.length;
    if (v >= 0 && v <= 0x7fffffff) {
      let x = v | 0;
      while (x > 0x7f) {
        b[i++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      b[i++] = x;
    } else if (v > 0 && v <= Number.MAX_SAFE_INTEGER) {
      let x = Math.floor(v);
      while (x > 0x7f) {
        b[i++] = (x % 128) | 0x80;
        x = Math.floor(x / 128);
      }
      b[i++] = x;
    } else b[i++] = 0;
    this.length = i;
  }

  /** An integer of either sign (zigzag): exact within ±(2^52 − 1), like `unsigned` beyond. */
  signed(v: number): void {
    this.unsigned(v >= 0 ? 2 * v : -2 * v - 1);
  }
}

/** Reads varints from a byte array; one reader is reused (no allocation per value). */
export class ByteReader {
  bytes: Uint8Array = new Uint8Array(0);
  pos = 0;

  at(bytes: Uint8Array, pos: number): this {
    this.bytes = bytes;
    this.pos = pos;
    return this;
  }

  unsigned(): number {
    const b = this.bytes;
    let x = b[this.pos++]!;
    if (x < 0x80) return x;
    let v = x & 0x7f;
    let scale = 128;
    for (;;) {
      x = b[this.pos++]!;
      v += (x & 0x7f) * scale;
      if (x < 0x80) return v;
      scale *= 128;
    }
  }

  signed(): number {
    const u = this.unsigned();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}
