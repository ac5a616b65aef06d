/**
 * A hash map from 32-bit integer keys to values: open addressing with linear probing and
 * backward-shift deletion (no deleted markers). The flow table's keys are already well-mixed 32-bit
 * hashes, so the slot is the key's low bits. Measured faster than a Map on the flow table's
 * hundreds of thousands of keys, and it allocates nothing per lookup.
 */
export class IntMap<V> {
  private keys: Int32Array;
  private vals: (V | undefined)[];
  private used: Uint8Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keys = new Int32Array(n);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.used = new Uint8Array(n);
    this.mask = n - 1;
  }

  get(key: number): V | undefined {
    const keys = this.keys;
    const used = this.used;
    const mask = this.mask;
    for (let i = key & mask; used[i] === 1; i = (i + 1) & mask) if (keys[i] === key) return this.vals[i];
    return undefined;
  }

  set(key: number, value: V): void {
    const mask = this.mask;
    let i = key & mask;
    for (; this.used[i] === 1; i = (i + 1) & mask) {
      if (this.keys[i] === key) {
        this.vals[i] = value;
        return;
      }
    }
    this.keys[i] = key;
    this.vals[i] = value;
    this.used[i] = 1;
    if (++this.size * 2 > this.keys.length) this.grow();
  }

  delete(key: number): boolean {
    const mask = this.mask;
    let i = key & mask;
    for (; this.used[i] === 1; i = (i + 1) & mask) if (this.keys[i] === key) break;
    if (this.used[i] !== 1) return false;
    // Backward shift: move later entries of the probe run into the hole, so lookups never need markers.
    let hole = i;
    for (let j = (i + 1) & mask; this.used[j] === 1; j = (j + 1) & mask) {
      const home = this.keys[j]! & mask;
      // Entry j may move to the hole if its home slot is not in (hole, j] (cyclically).
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        this.keys[hole] = this.keys[j]!;
        this.vals[hole] = this.vals[j];
        hole = j;
      }
    }
    this.used[hole] = 0;
    this.vals[hole] = undefined;
    this.size--;
    return true;
  }

  *values(): IterableIterator<V> {
    for (let i = 0; i < this.keys.length; i++) if (this.used[i] === 1) yield this.vals[i] as V;
  }

  clear(): void {
    this.used.fill(0);
    this.vals.fill(undefined);
    this.size = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const oldUsed = this.used;
    const n = oldKeys.length * 2;
    this.keys = new Int32Array(n);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.used = new Uint8Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldUsed[i] === 1) this.set(oldKeys[i]!, oldVals[i] as V);
  }
}
