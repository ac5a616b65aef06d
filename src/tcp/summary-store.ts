/**
 * Where finished connections live: an arena of typed arrays, not one JS object graph per connection.
 * A busy capture has hundreds of thousands of connections; as objects their summaries cost over a
 * kilobyte each and, worse, the garbage collector walks them again and again. Here a connection is
 * a fixed row of 32-bit integers and doubles plus a slice of a shared number blob (its state changes,
 * events, resets and class counts); strings (addresses, Zeek histories) are interned in a table.
 *
 * Everything is paged (fixed-size typed arrays, never reallocated): growing never copies, and a row or
 * a blob slice never moves, so a record view can keep a direct reference to its pages.
 */
import type { PerSide, SeriesRecord } from '../model.js';

/** Integer columns of a row. */
export const enum I {
  Id, IpVersion, RoleBasis, FirstFrame, LastFrame, ClosedFirstBy, FirstFinFrame, EventsDropped, LatePackets,
  Evicted, ClientIp, ServerIp, ClientPort, ServerPort, StartNsec, EndNsec, PktC, PktS, FinC, FinS, FirstCloseBy,
  FirstCloseKind, FirstCloseFrame, FinalC, FinalS, StatesAt, StateTimesAt, StatesLen, StateSplit, SynFrame, SynAckFrame, WsC,
  WsS, MssC, MssS, WrapsC, WrapsS, EventsAt, EventsLen, EventTimesAt, ResetsAt, ResetsLen, ClassesAt, ClassesLen, ZeekState,
  ZeekHistory, ZeekOrigIsClient, ClassBitsC, ClassBitsS, Width,
}

/** Double columns of a row (values beyond 2^31 or with fractions). */
export const enum F {
  StartSec, EndSec, BytesC, BytesS, UniqC, UniqS, AfterFinC, AfterFinS, Rtt, Width,
}

const ROW_PAGE_BITS = 13; // 8,192 rows a page
const ROWS_PER_PAGE = 1 << ROW_PAGE_BITS;
const BLOB_PAGE_BITS = 18; // 256 Ki numbers a page (2 MiB of doubles): little waste in the last one
const BLOB_PAGE = 1 << BLOB_PAGE_BITS;
const BLOB_MASK = BLOB_PAGE - 1;

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

/** A store's contents as plain data for postMessage (its pages shared, not copied). */
export interface StoreData {
  intPages: Int32Array[];
  floatPages: Float64Array[];
  blobPages: Float64Array[];
  intBlobPages: Int32Array[];
  blobEnd: number;
  intBlobEnd: number;
  strings: string[];
  series: Map<number, { window: PerSide<SeriesRecord>; acked: PerSide<SeriesRecord> }>;
}

export class SummaryStore {
  /** The contents, for another thread (which reads the same pages). */
  toData(): StoreData {
    return {
      intPages: this.intPages, floatPages: this.floatPages, blobPages: this.blobPages, intBlobPages: this.intBlobPages,
      blobEnd: this.blobEnd, intBlobEnd: this.intBlobEnd, strings: this.strings, series: this.series,
    };
  }


  static fromData(data: StoreData): SummaryStore {
    const s = new SummaryStore();
    s.intPages.push(...data.intPages);
    s.floatPages.push(...data.floatPages);
    s.blobPages.push(...data.blobPages);
    s.intBlobPages.push(...data.intBlobPages);
    s.blobEnd = data.blobEnd;
    s.intBlobEnd = data.intBlobEnd;
    for (const text of data.strings) s.intern(text);
    for (const [row, series] of data.series) s.series.set(row, series);
    return s;
  }

  private readonly intPages: Int32Array[] = [];
  private readonly floatPages: Float64Array[] = [];
  private readonly blobPages: Float64Array[] = [];
  /** Next free blob position (global: page << BLOB_PAGE_BITS | offset). */
  private blobEnd = 0;
  /** The same for 32-bit integers: most of an event's numbers fit in half the space of a double. */
  private readonly intBlobPages: Int32Array[] = [];
  private intBlobEnd = 0;
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  /** IPv4 address (as a 32-bit integer) -> its string's index: most records repeat a few addresses. */
  readonly ipv4Index = new Map<number, number>();
  /** The timeline series of the (few) connections long enough to have one, by id. */
  readonly series = new Map<number, { window: PerSide<SeriesRecord>; acked: PerSide<SeriesRecord> }>();

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

  /** Reserves `n` contiguous blob slots (within one page); returns their global position. */
  reserve(n: number): number {
    if (n > BLOB_PAGE) throw new RangeError(`a summary slice of ${n} numbers exceeds a page`);
    let at = this.blobEnd;
    if ((at & BLOB_MASK) + n > BLOB_PAGE) at = ((at >>> BLOB_PAGE_BITS) + 1) << BLOB_PAGE_BITS;
    while (this.blobPages.length <= (at + n) >>> BLOB_PAGE_BITS) this.blobPages.push(sharedFloats(BLOB_PAGE));
    this.blobEnd = at + n;
    return at;
  }

  /** Reserves `n` contiguous integer-blob slots (within one page); returns their global position. */
  reserveInts(n: number): number {
    if (n > BLOB_PAGE) throw new RangeError(`a summary slice of ${n} numbers exceeds a page`);
    let at = this.intBlobEnd;
    if ((at & BLOB_MASK) + n > BLOB_PAGE) at = ((at >>> BLOB_PAGE_BITS) + 1) << BLOB_PAGE_BITS;
    while (this.intBlobPages.length <= (at + n) >>> BLOB_PAGE_BITS) this.intBlobPages.push(sharedInts(BLOB_PAGE));
    this.intBlobEnd = at + n;
    return at;
  }

  intBlobPage(at: number): Int32Array {
    return this.intBlobPages[at >>> BLOB_PAGE_BITS]!;
  }

  /** The page holding global blob position `at`; index it with `at & BLOB_MASK` (see `local`). */
  blobPage(at: number): Float64Array {
    return this.blobPages[at >>> BLOB_PAGE_BITS]!;
  }

  static local(at: number): number {
    return at & BLOB_MASK;
  }

  /** Copies `values` into freshly reserved slots; returns their global position. */
  append(values: readonly number[], count = values.length): number {
    const at = this.reserve(count);
    if (count > 0) this.write(at, values, count);
    return at;
  }

  /** Writes the first `count` of `values` at global position `at` (inside a reservation). */
  write(at: number, values: readonly number[], count = values.length): void {
    const page = this.blobPage(at);
    const base = at & BLOB_MASK;
    for (let i = 0; i < count; i++) page[base + i] = values[i]!;
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
