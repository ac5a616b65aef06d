/**
 * Where finished connections live: an arena of typed arrays, not one JS object graph per connection.
 * A busy capture has hundreds of thousands of connections; as objects their summaries cost over a
 * kilobyte each and, worse, the garbage collector walks them again and again. Here a connection is
 * a fixed row of 32-bit integers and doubles plus a slice of a shared byte blob (its state changes,
 * events, resets and class counts, varint-encoded); strings (addresses, Zeek histories) are interned in a table.
 *
 * Everything is paged (fixed-size typed arrays, never reallocated): growing never copies, and a row or
 * a blob slice never moves, so a record view can keep a direct reference to its pages.
 */
import type { PerSide, SeriesRecord } from './connection-record.js';

/**
 * Integer columns of a row. Small fields share `Flags` (see FLAG_* in record.ts); ports share
 * `Ports`, both sides' segment-class bits `ClassBits`. `*At` columns are byte positions of the connection's detail in the byte blob, where the
 * values read rarely and never changed after the summary also live (`NumbersAt`; record.ts describes
 * the encoding). What a late packet updates stays in the row.
 */
export const enum I {
  FirstFrame, LastFrame, LatePackets, ClientIp, ServerIp, Ports, StartNsec, EndNsec, PktC, PktS, FinC, FinS,
  FirstCloseFrame, Flags, NumbersAt, StatesAt, StatesLen, StateSplit, EventsAt, EventsLen, ResetsAt, ResetsLen,
  ClassesAt, ClassesLen, ZeekHistory, ClassBits, AppAt, AppLen, Width,
}

/** Double columns of a row (values beyond 2^31 or with fractions). */
export const enum F {
  StartSec, EndSec, BytesC, BytesS, Width,
}

const ROW_PAGE_BITS = 13; // 8,192 rows a page
const ROWS_PER_PAGE = 1 << ROW_PAGE_BITS;
const BYTE_PAGE_BITS = 20; // 1 MiB a page: little waste in the last one
const BYTE_PAGE = 1 << BYTE_PAGE_BITS;
const BYTE_MASK = BYTE_PAGE - 1;
/** Byte positions are kept in int32 columns as uint32 bit patterns. */
const MAX_BYTES = 2 ** 32;

/**
 * Pages live on SharedArrayBuffers: a store made in one thread is read in others (the shard workers
 * hand theirs over, a helper thread builds the socket table from them) without a copy.
 */
function sharedInts(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

function sharedFloats(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * 8));
}

function sharedBytes(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

/** A store's contents as plain data for postMessage (its pages shared, not copied). */
export interface StoreData {
  intPages: Int32Array[];
  floatPages: Float64Array[];
  bytePages: Uint8Array[];
  byteEnd: number;
  strings: string[];
  series: Map<number, { window: PerSide<SeriesRecord>; acked: PerSide<SeriesRecord> }>;
  tunnels: Map<number, string[]>;
}

export class SummaryStore {
  /** The contents, for another thread (which reads the same pages). */
  toData(): StoreData {
    return {
      intPages: this.intPages, floatPages: this.floatPages, bytePages: this.bytePages, byteEnd: this.byteEnd,
      strings: this.strings, series: this.series, tunnels: this.tunnels,
    };
  }


  static fromData(data: StoreData): SummaryStore {
    const s = new SummaryStore();
    s.intPages.push(...data.intPages);
    s.floatPages.push(...data.floatPages);
    s.bytePages.push(...data.bytePages);
    s.byteEnd = data.byteEnd;
    for (const text of data.strings) s.intern(text);
    for (const [row, series] of data.series) s.series.set(row, series);
    for (const [row, layers] of data.tunnels) s.tunnels.set(row, layers);
    return s;
  }

  private readonly intPages: Int32Array[] = [];
  private readonly floatPages: Float64Array[] = [];
  /** The byte blob: each connection's detail (states, events, resets, class counts), varint-encoded. */
  private readonly bytePages: Uint8Array[] = [];
  /** Next free byte position (global: page << BYTE_PAGE_BITS | offset). */
  private byteEnd = 0;
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  /** IPv4 address (as a 32-bit integer) -> its string's index: most records repeat a few addresses. */
  readonly ipv4Index = new Map<number, number>();
  /** The timeline series of the (few) connections long enough to have one, by id. */
  readonly series = new Map<number, { window: PerSide<SeriesRecord>; acked: PerSide<SeriesRecord> }>();
  /**
   * The encapsulations of the (few) tunnelled connections, by row: one entry per distinct stack,
   * its layers outermost first joined by " / " ("vxlan vni 42 / mpls label 16").
   */
  readonly tunnels = new Map<number, string[]>();
  /**
   * Reads the application layer's result of a row (AppAt/AppLen: a slice of the byte blob written by
   * an ApplicationLayer, stream-reassembly.ts); null when no layer ran. Set by whoever made the store.
   */
  decodeApplication: ((bytes: Uint8Array, offset: number, length: number, shared: SummaryStore) => unknown) | null = null;

  /** The integer page holding row `id`, and the row's first index in it. */
  intPage(id: number): Int32Array {
    const p = id >>> ROW_PAGE_BITS;
    const page = this.intPages[p];
    if (page !== undefined) return page;
    while (this.intPages.length <= p) {
      this.intPages.push(sharedInts(ROWS_PER_PAGE * I.Width));
      this.floatPages.push(sharedFloats(ROWS_PER_PAGE * F.Width));
    }
    return this.intPages[p]!;
  }

  floatPage(id: number): Float64Array {
    return this.floatPages[id >>> ROW_PAGE_BITS] ?? (this.intPage(id), this.floatPages[id >>> ROW_PAGE_BITS]!);
  }

  static rowIndex(id: number, width: number): number {
    return (id & (ROWS_PER_PAGE - 1)) * width;
  }

  /**
   * Copies the first `n` bytes of `bytes` into the blob; returns their global position. A slice never
   * crosses a page: one longer than a page (a pathological connection) gets a page of its own.
   */
  appendBytes(bytes: Uint8Array, n: number): number {
    let at = this.byteEnd;
    if ((at & BYTE_MASK) + n > BYTE_PAGE && (at & BYTE_MASK) !== 0) at = (Math.floor(at / BYTE_PAGE) + 1) * BYTE_PAGE;
    const p = Math.floor(at / BYTE_PAGE);
    const end = at + n;
    if (end > MAX_BYTES) throw new RangeError('the connection summaries exceed 4 GiB (analyse the capture in parts)');
    while (this.bytePages.length <= p) this.bytePages.push(sharedBytes(BYTE_PAGE));
    if (n > BYTE_PAGE) this.bytePages[p] = sharedBytes(n);
    const page = this.bytePages[p]!;
    const base = at & BYTE_MASK;
    // Most slices are a few bytes: a loop, where a subarray for set() was an object per slice.
    if (n <= 64) for (let k = 0; k < n; k++) page[base + k] = bytes[k]!;
    else page.set(bytes.subarray(0, n), base);
    // An oversized slice owns its page: the next one starts on a fresh page.
    this.byteEnd = n > BYTE_PAGE ? (p + 1) * BYTE_PAGE : end;
    return at;
  }

  /** The page holding global byte position `at` (a uint32 read back from an int32 column). */
  bytePage(at: number): Uint8Array {
    return this.bytePages[(at >>> 0) >>> BYTE_PAGE_BITS]!;
  }

  /** `at`'s offset in its page. */
  static byteOffset(at: number): number {
    return at & BYTE_MASK;
  }

  byteOffsetOf(at: number): number {
    return at & BYTE_MASK;
  }

  intern(text: string): number {
    let i = this.stringIndex.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.stringIndex.set(text, i);
    }
    return i;
  }

  string(index: number): string {
    return this.strings[index]!;
  }
}
