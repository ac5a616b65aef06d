import { RST, SYN, type Segment } from '../decode/segment.js';
import { Connection } from './connection.js';
import { TcpState } from './endpoint-state.js';
import { ConnectionSummary } from './connection-summary.js';
import { buildRecord } from './record-builder.js';
import { I, SummaryStore } from './summary-store.js';
import { TombstoneTable } from './tombstone.js';
import { IntMap } from './int-map.js';
import { flowHash } from '../decode/flow-hash.js';
import { StreamReassembly, type ApplicationLayer } from './stream-reassembly.js';
import { ByteWriter } from './varint.js';

export interface TrackerOptions {
  /** Seconds a socket stays in TIME_WAIT (2 × MSL; Linux: 60). */
  timeWaitSec?: number;
  /** Live connections kept at most; beyond, the longest idle are summarised and dropped. */
  maxLive?: number;
  /** Capture seconds a finished connection waits for late packets before it is summarised. */
  lingerSec?: number;
  /** Names the layers of a segment's encapsulation stack (Decoder.encaps.describe). */
  describeEncap?: (id: number) => readonly string[];
  /** An application-layer analyzer fed every connection's byte streams (src/http/); none by default. */
  application?: ApplicationLayer;
}

/** Live connections tracked at most by default. */
export const DEFAULT_MAX_LIVE = 250_000;

const SWEEP_EVERY = 8192;
const MAX_POOLED = 4096;

/**
 * The flow table: segments in, connections out. Connection ids follow first appearance and a new
 * one starts when a bare SYN arrives on a 4-tuple with a different initial sequence number —
 * Wireshark's rule, so ids equal its tcp.stream. Memory follows live connections: finished ones are
 * summarised once they have been quiet for `lingerSec`; if more than `maxLive` are open, the longest
 * idle are summarised early (counted as evicted).
 */
export class TcpTracker {
  private readonly table = new IntMap<Connection>(4096);
  /** Finished connections already summarised: what late packets find (see TombstoneTable). */
  private readonly tombstones = new TombstoneTable();
  private readonly tombstoneSide = { side: 0 as 0 | 1 };
  /** Connection ids opened so far; `summarised[id]` is 1 once id's record is in the store. */
  private opened = 0;
  private summarised = new Uint8Array(4096);
  private readonly store = new SummaryStore();
  /** A view moved from row to row, for late packets and TIME_WAIT expiry (no object per record). */
  private readonly cursor = new ConnectionSummary(this.store, 0);
  private readonly finishedQueue: Connection[] = [];
  /** The id each queued connection had when queued (a pooled one may since serve another id). */
  private readonly finishedIds: number[] = [];
  /** Summarised connections, ready for reuse. */
  private readonly pool: Connection[] = [];
  private finishedHead = 0;
  private live = 0;
  private sinceSweep = 0;
  private now = 0;
  peakLive = 0;
  evicted = 0;
  /** Packets that arrived for a connection already summarised (counted on its record). */
  latePackets = 0;
  /** The connection of the previous segment, and its hash. */
  private last: Connection | undefined = undefined;
  private lastHash = 0;
  readonly timeWaitSec: number;
  readonly maxLive: number;
  readonly lingerSec: number;
  private readonly describeEncap: ((id: number) => readonly string[]) | undefined;
  private readonly application: ApplicationLayer | null;
  private readonly appOut = new ByteWriter();

  constructor(options: TrackerOptions = {}) {
    this.timeWaitSec = options.timeWaitSec ?? 60;
    this.maxLive = options.maxLive ?? DEFAULT_MAX_LIVE;
    this.lingerSec = options.lingerSec ?? 1;
    this.describeEncap = options.describeEncap;
    this.application = options.application ?? null;
    if (this.application !== null) {
      const layer = this.application;
      this.store.decodeApplication = (bytes, offset, length, shared) => layer.decode(bytes, offset, length, shared);
    }
  }

  /** The store behind the records (a sharded run hands it to the main thread). */
  get summaryStore(): SummaryStore {
    return this.store;
  }

  get connectionCount(): number {
    return this.opened;
  }

  /**
   * Processes one segment. Every segment counts towards the sweep that summarises finished
   * connections, whichever connection (or shard) it belongs to, so that a sharded run sweeps at the
   * same segments as one thread and late packets are late in both (see `skip`).
   */
  add(seg: Segment): void {
    this.track(seg);
    if (++this.sinceSweep >= SWEEP_EVERY) {
      // Read the clock only here: a double stored into a field on every packet costs a heap number.
      this.now = seg.time;
      this.sweep();
    }
  }

  /** A segment of another shard's connection (pipeline/shards.ts): it only moves the sweep clock. */
  skip(seg: Segment): void {
    if (++this.sinceSweep >= SWEEP_EVERY) {
      this.now = seg.time;
      this.sweep();
    }
  }

  private track(seg: Segment): void {
    // Consecutive segments often belong to one connection (a bulk transfer): try it before hashing.
    let entry: Connection | undefined = this.last;
    let side: 0 | 1 | -1 = entry === undefined ? -1 : entry.sideOf(seg);
    let h = 0;
    if (side === -1) {
      h = seg.flowHashKnown ? seg.flowHash : flowHash(seg);
      entry = this.table.get(h);
      while (entry !== undefined) {
        side = entry.sideOf(seg);
        if (side !== -1) break;
        entry = entry.nextInBucket ?? undefined;
      }
    } else h = this.lastHash;
    let c: Connection;
    if (entry === undefined || side === -1) {
      // No live connection: a summarised one (a late packet), or a new one.
      const found = this.tombstoneSide;
      const id = this.tombstones.find(h, seg, found);
      if (id >= 0 && !((seg.flags & SYN) !== 0 && this.tombstones.isNewSynFrom(id, found.side, seg))) {
        this.addLate(id, seg, this.tombstones.isClient(id, found.side));
        return;
      }
      if (id >= 0) this.tombstones.remove(id);
      c = this.open(seg, h);
      // Wireshark flags the SYN that reuses a summarised connection's 4-tuple "port numbers reused".
      if (id >= 0) c.dirs[0].reusedPortsPending = true;
      side = 0;
    } else if ((seg.flags & SYN) !== 0 && entry.isNewSynFrom(side, seg)) {
      this.finalize(entry, h, false);
      c = this.open(seg, h);
      c.dirs[0].reusedPortsPending = true; // Wireshark flags that SYN "port numbers reused"
      side = 0;
    } else c = entry;
    this.last = c;
    this.lastHash = h;
    c.add(seg, side);
    if (c.stream !== null) {
      c.stream.add(seg, side);
      // Both streams ended: the layer's result is final now, not after TIME_WAIT's linger. Keeping
      // the consumer of every lingering connection alive was most of what the young generation
      // copied in an HTTP run. A role from a SYN never changes, so the sides are named for good.
      if (c.app !== null && c.roleBasis === 'syn' && c.stream.ended && this.application !== null) this.closeApplication(c, this.application);
    }
    if (!c.closedQueued && c.finished) {
      c.closedQueued = true;
      this.finishedQueue.push(c);
      this.finishedIds.push(c.id);
    }
  }

  /** A packet for a connection already summarised: counted on its record, not analysed further. */
  private addLate(id: number, seg: Segment, byClient: boolean): void {
    const record = this.cursor.moveTo(this.store, id, id);
    record.addLatePacket(byClient, seg.payloadLength, seg.frame, seg.tsSec, seg.tsNsec);
    // A RST still changes the story (it ends a TIME_WAIT early): never lose one.
    if ((seg.flags & RST) !== 0) record.addLateReset(byClient, seg.frame, seg.time);
    this.latePackets++;
  }

  /** Summarises every connection; the tracker is spent afterwards. Returns the records' views. */
  finish(captureEnd: number): ConnectionSummary[] {
    const n = this.finishRows(captureEnd);
    return Array.from({ length: n }, (_, id) => new ConnectionSummary(this.store, id));
  }

  /**
   * Summarises every connection into the store and returns how many there are, without a view per
   * record (a shard worker hands over the store alone); the tracker is spent afterwards.
   */
  finishRows(captureEnd: number): number {
    for (const c of this.table.values()) {
      for (let x: Connection | null = c; x !== null; x = x.nextInBucket) this.summarise(x);
    }
    this.table.clear();
    // Only records that entered TIME_WAIT long enough before the end can have expired: the others'
    // rows are not read again (a pass over every row was a cache miss per connection).
    const ids = this.timeWaitIds;
    const at = this.timeWaitAt;
    for (let k = 0; k < ids.length; k++) {
      if (captureEnd - at[k]! >= this.timeWaitSec) this.cursor.moveTo(this.store, ids[k]!, ids[k]!).settleTimeWait(captureEnd, this.timeWaitSec);
    }
    return this.opened;
  }

  /** Records whose connection ended with a side in TIME_WAIT, and when the first such side entered it. */
  private readonly timeWaitIds: number[] = [];
  private readonly timeWaitAt: number[] = [];

  private summarise(c: Connection): void {
    let entered = Infinity;
    for (const st of c.states) if (st.state === TcpState.TimeWait && st.enteredAt < entered) entered = st.enteredAt;
    if (entered !== Infinity) {
      this.timeWaitIds.push(c.id);
      this.timeWaitAt.push(entered);
    }
    buildRecord(c, this.store, this.describeEncap);
    if (c.stream !== null && c.app !== null && this.application !== null) this.closeApplication(c, this.application);
    if (c.appLen >= 0) {
      const ints = this.store.intPage(c.id);
      const r = SummaryStore.rowIndex(c.id, I.Width);
      ints[r + I.AppLen] = c.appLen;
      ints[r + I.AppAt] = c.appAt;
    }
    this.summarised[c.id] = 1;
  }

  /** The layer's result goes into the store's byte blob (the record's AppAt/AppLen slice, set when it is summarised). */
  private closeApplication(c: Connection, layer: ApplicationLayer): void {
    c.stream!.finish();
    const out = this.appOut;
    out.reset();
    const n = layer.close(c.app!, c.client, out, this.store);
    c.app = null;
    c.appLen = n;
    c.appAt = n > 0 ? this.store.appendBytes(out.bytes, n) | 0 : 0;
  }

  private open(seg: Segment, h: number): Connection {
    // The bound is kept before the new connection joins, so that it is never the one evicted.
    if (this.live >= this.maxLive) this.evictIdle();
    const id = this.opened++;
    if (id >= this.summarised.length) {
      const grown = new Uint8Array(this.summarised.length * 2);
      grown.set(this.summarised);
      this.summarised = grown;
    }
    const pooled = this.pool.pop();
    let c: Connection;
    if (pooled === undefined) c = new Connection(id, seg);
    else {
      pooled.reuse(id, seg);
      c = pooled;
    }
    if (this.application !== null) {
      c.app = this.application.open();
      if (c.stream === null) c.stream = new StreamReassembly(c.app);
      else c.stream.reset(c.app);
    }
    c.nextInBucket = this.table.get(h) ?? null;
    this.table.set(h, c);
    if (++this.live > this.peakLive) this.peakLive = this.live;
    return c;
  }

  /**
   * Summarises a live connection. A finished one leaves a tombstone so that late packets keep its
   * id; one replaced by a new SYN or evicted leaves nothing.
   */
  private finalize(c: Connection, h: number, keepTombstone: boolean): void {
    if (this.last === c) this.last = undefined;
    this.summarise(c);
    this.unlink(c, h);
    if (keepTombstone) this.tombstones.add(c, h);
    this.live--;
    if (this.pool.length < MAX_POOLED) this.pool.push(c);
  }

  /** Takes `c` out of bucket `h`. */
  private unlink(c: Connection, h: number): void {
    const by = c.nextInBucket;
    let x = this.table.get(h);
    let prev: Connection | null = null;
    while (x !== undefined && x !== c) {
      prev = x;
      x = x.nextInBucket ?? undefined;
    }
    if (x !== c) return;
    if (prev === null) {
      if (by === null) this.table.delete(h);
      else this.table.set(h, by);
    } else prev.nextInBucket = by;
    c.nextInBucket = null;
  }

  private sweep(): void {
    this.sinceSweep = 0;
    const q = this.finishedQueue;
    const ids = this.finishedIds;
    while (this.finishedHead < q.length) {
      const c = q[this.finishedHead]!;
      // Already summarised (replaced by a new SYN, evicted), perhaps reused since for another id.
      if (c.id !== ids[this.finishedHead] || this.summarised[c.id] === 1) {
        this.finishedHead++;
        continue;
      }
      if (this.now - c.lastTime < this.lingerSec) break;
      this.finishedHead++;
      this.finalize(c, keyHash(c), true);
    }
    if (this.finishedHead > 4096 && this.finishedHead * 2 > q.length) {
      q.splice(0, this.finishedHead);
      ids.splice(0, this.finishedHead);
      this.finishedHead = 0;
    }
    if (this.live > this.maxLive) this.evictIdle();
  }

  /** Memory bound: summarise the idlest live connections. */
  private evictIdle(): void {
    const all: Connection[] = [];
    for (const c of this.table.values()) {
      for (let x: Connection | null = c; x !== null; x = x.nextInBucket) all.push(x);
    }
    all.sort((p, q) => p.lastTime - q.lastTime);
    // Down to 90 % of the bound, so that a flood pays for a sort only every maxLive/10 new connections.
    const n = Math.max(1, this.live - Math.floor(this.maxLive * 0.9));
    for (let i = 0; i < n && i < all.length; i++) {
      const c = all[i]!;
      c.evicted = !c.finished;
      if (c.evicted) this.evicted++;
      this.finalize(c, keyHash(c), !c.evicted);
    }
  }
}

/** The flow hash of a connection's own 4-tuple (same function as for segments). */
const scratch = { addr: new Uint32Array(8), srcPort: 0, dstPort: 0 } as unknown as Segment;
function keyHash(c: Connection): number {
  const a = scratch.addr;
  a[0] = c.a0; a[1] = c.a1; a[2] = c.a2; a[3] = c.a3;
  a[4] = c.b0; a[5] = c.b1; a[6] = c.b2; a[7] = c.b3;
  scratch.srcPort = c.aPort;
  scratch.dstPort = c.bPort;
  return flowHash(scratch);
}
