/**
 * The chunks that HTTP records repeat by the thousand — a message's kept headers (`Host: api`,
 * `Connection: keep-alive`), a load's few targets — kept once in the summary store's byte blob and
 * named by their position there, instead of in every record. The writer (one per engine thread, so
 * per store) finds a chunk by a hash of its bytes; the reader turns a position into its value once
 * and hands the same value out for every record that names it.
 *
 * Bounded: at most MAX_ENTRIES chunks of at most MAX_CHUNK bytes each per store; past that a chunk
 * is written into its record, as every chunk was before.
 */
import type { SharedBytes } from '../tcp/stream-reassembly.js';

const SLOTS = 1 << 16;
const MAX_ENTRIES = SLOTS >> 1;
/** Longer chunks are rare and seldom repeated: written into their record. */
const MAX_CHUNK = 1024;

export class SharedTexts {
  /** Open addressing by hash: each slot a chunk's position in the store (-1: free), its length and hash. */
  private readonly at = new Float64Array(SLOTS).fill(-1);
  private readonly lengths = new Int32Array(SLOTS);
  private readonly hashes = new Int32Array(SLOTS);
  private count = 0;
  private store: SharedBytes | null = null;

  /**
   * The store position of the chunk bytes[s, e), written there the first time it is asked for; -1
   * when it is not shared (too long, or the dictionary is full): the caller writes it inline.
   */
  positionOf(store: SharedBytes, b: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (n > MAX_CHUNK) return -1;
    if (store !== this.store) this.bind(store);
    let hash = 0x811c9dc5;
    for (let k = s; k < e; k++) hash = Math.imul(hash ^ b[k]!, 0x01000193);
    hash ^= n;
    for (let slot = hash & (SLOTS - 1); ; slot = (slot + 1) & (SLOTS - 1)) {
      const pos = this.at[slot]!;
      if (pos < 0) {
        if (this.count >= MAX_ENTRIES) return -1;
        const written = store.appendBytes(b.subarray(s, e), n);
        this.at[slot] = written;
        this.lengths[slot] = n;
        this.hashes[slot] = hash;
        this.count++;
        return written;
      }
      if (this.hashes[slot] === hash && this.lengths[slot] === n && same(store, pos, b, s, n)) return pos;
    }
  }

  /** A new store (a library user's second analysis in this thread): positions in the old one mean nothing there. */
  private bind(store: SharedBytes): void {
    this.store = store;
    this.at.fill(-1);
    this.count = 0;
  }
}

function same(store: SharedBytes, pos: number, b: Uint8Array, s: number, n: number): boolean {
  const page = store.bytePage(pos);
  const off = store.byteOffsetOf(pos);
  for (let k = 0; k < n; k++) if (page[off + k] !== b[s + k]) return false;
  return true;
}
