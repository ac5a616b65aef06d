import type { Segment } from './segment.js';

/** Mixes a 4-tuple into a 32-bit hash that is the same for both directions. */
export function flowHash(seg: Pick<Segment, 'addr' | 'srcPort' | 'dstPort'>): number {
  const a = seg.addr;
  let h1 = Math.imul(seg.srcPort + 0x9e3779b9, 0x85ebca6b);
  let h2 = Math.imul(seg.dstPort + 0x9e3779b9, 0x85ebca6b);
  for (let i = 0; i < 4; i++) {
    h1 = Math.imul(h1 ^ a[i]!, 0xcc9e2d51);
    h1 = (h1 << 13) | (h1 >>> 19);
    h2 = Math.imul(h2 ^ a[4 + i]!, 0xcc9e2d51);
    h2 = (h2 << 13) | (h2 >>> 19);
  }
  let h = (h1 ^ h2) + Math.imul(h1 + h2, 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

/**
 * Shard 0 runs in the calling thread, which starts first and hands nothing over: measured on the
 * benchmark capture it finished ~0.2 s before its worker with an even split, so it takes more.
 */
const FIRST_SHARD_WEIGHT = 1.2;

/** The shard (of `shards`) a segment's connection belongs to: both directions land in the same one. */
export function shardOf(seg: Pick<Segment, 'addr' | 'srcPort' | 'dstPort'>, shards: number): number {
  return shardOfHash(flowHash(seg), shards);
}

/** Per shard count, the shard of each of 1024 hash buckets (weights as below, no float per packet). */
const bucketTables = new Map<number, Uint8Array>();

export function shardOfHash(hash: number, shards: number): number {
  if (shards <= 1) return 0;
  let table = bucketTables.get(shards);
  if (table === undefined) {
    table = new Uint8Array(1024);
    for (let b = 0; b < 1024; b++) {
      const x = (b / 1024) * (FIRST_SHARD_WEIGHT + shards - 1);
      table[b] = x < FIRST_SHARD_WEIGHT ? 0 : Math.min(shards - 1, 1 + Math.floor(x - FIRST_SHARD_WEIGHT));
    }
    bucketTables.set(shards, table);
  }
  return table[hash & 1023]!;
}

/** The share of connections shard `shard` of `shards` takes (what its --max-live part is scaled by). */
export function shardShare(shard: number, shards: number): number {
  if (shards <= 1) return 1;
  return (shard === 0 ? FIRST_SHARD_WEIGHT : 1) / (FIRST_SHARD_WEIGHT + shards - 1);
}
