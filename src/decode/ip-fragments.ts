/**
 * IP fragment reassembly (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6), within strict bounds. Mobile
 * cores fragment the outer IP of GTP-U packets, so the TCP segment inside exists only once all
 * fragments are in. Like Wireshark, the reassembled datagram belongs to the frame that completed it.
 *
 * Bounds (each counted when it bites, never silent): at most MAX_PENDING datagrams in reassembly,
 * MAX_HELD_BYTES held in all, MAX_FRAGMENTS per datagram, and a datagram not completed within
 * TIMEOUT_SEC of capture time (Linux `net.ipv4.ipfrag_time`: 30 s) is dropped. Overlapping fragments:
 * the first copy of a byte wins (Wireshark's default too); RFC 5722 makes IPv6 receivers drop such
 * datagrams, but a capture analyser should show what most likely arrived.
 */

export const MAX_PENDING = 256;
const MAX_HELD_BYTES = 8 * 1024 * 1024;
const MAX_FRAGMENTS = 128;
const TIMEOUT_SEC = 30;
/** An IP datagram's payload is below 64 KiB (IPv4 total length; IPv6 without jumbograms). */
const MAX_DATAGRAM = 65535;

interface Pending {
  key: string;
  firstTime: number;
  buf: Uint8Array;
  /** Covered byte ranges [start, end) in order, merged. */
  ranges: number[];
  /** Payload length once the last fragment (more = false) was seen; -1 before. */
  total: number;
  fragments: number;
  held: number;
}

export interface FragmentCounts {
  /** Fragments taken into reassembly. */
  fragments: number;
  /** Datagrams completed and decoded. */
  reassembled: number;
  /** Datagrams given up: timed out, over a bound, inconsistent, or cut by the snaplen. */
  dropped: number;
  /** Datagrams still incomplete when the capture ended. */
  incomplete: number;
}

export class FragmentReassembler {
  private readonly pending = new Map<string, Pending>();
  private held = 0;
  readonly counts: FragmentCounts = { fragments: 0, reassembled: 0, dropped: 0, incomplete: 0 };
  /** Frame numbers of a few fragments whose datagram was dropped, as evidence. */
  readonly droppedFrames: number[] = [];

  /**
   * Adds one fragment's payload (`d[at, at + captured)`, `length` bytes on the wire at byte `offset` of
   * the datagram). Returns the whole datagram's payload when this fragment completed it (a view valid
   * until the next call), else null.
   */
  add(key: string, time: number, frame: number, offset: number, more: boolean, d: Uint8Array, at: number, length: number, captured: number): Uint8Array | null {
    this.counts.fragments++;
    this.expire(time);
    let p = this.pending.get(key);
    const end = offset + length;
    if (captured < length || end > MAX_DATAGRAM || (more && length % 8 !== 0) || (p === undefined && this.pending.size >= MAX_PENDING) ||
        this.held + length > MAX_HELD_BYTES) {
      // A fragment cut by the snaplen, beyond 64 KiB, misaligned, or over a bound: its datagram cannot be had.
      if (p !== undefined) this.drop(p);
      else this.counts.dropped++;
      this.note(frame);
      return null;
    }
    if (p === undefined) {
      p = { key, firstTime: time, buf: new Uint8Array(Math.max(2048, end)), ranges: [], total: -1, fragments: 0, held: 0 };
      this.pending.set(key, p);
    }
    if (++p.fragments > MAX_FRAGMENTS || (!more && p.total >= 0 && p.total !== end) || (p.total >= 0 && end > p.total)) {
      this.drop(p);
      this.note(frame);
      return null;
    }
    if (!more) p.total = end;
    if (p.buf.length < end) {
      const grown = new Uint8Array(Math.min(MAX_DATAGRAM, Math.max(end, p.buf.length * 2)));
      grown.set(p.buf);
      p.buf = grown;
    }
    this.fill(p, offset, end, d, at);
    p.held += length;
    this.held += length;
    if (p.total >= 0 && p.ranges.length === 2 && p.ranges[0] === 0 && p.ranges[1] === p.total) {
      this.remove(p);
      this.counts.reassembled++;
      return p.buf.subarray(0, p.total);
    }
    return null;
  }

  /** At the end of the capture: what is left is counted as incomplete. */
  finish(): void {
    this.counts.incomplete += this.pending.size;
    this.pending.clear();
    this.held = 0;
  }

  /** Copies the bytes of [start, end) not yet covered (first copy wins) and merges the ranges. */
  private fill(p: Pending, start: number, end: number, d: Uint8Array, at: number): void {
    const r = p.ranges;
    let cursor = start;
    for (let i = 0; i < r.length && cursor < end; i += 2) {
      const s = r[i]!;
      const e = r[i + 1]!;
      if (e <= cursor) continue;
      if (s > cursor) p.buf.set(d.subarray(at + cursor - start, at + Math.min(s, end) - start), cursor);
      cursor = Math.max(cursor, e);
    }
    if (cursor < end) p.buf.set(d.subarray(at + cursor - start, at + end - start), cursor);
    // Merge [start, end) into the sorted range list.
    const merged: number[] = [];
    let ns = start;
    let ne = end;
    let placed = false;
    for (let i = 0; i < r.length; i += 2) {
      const s = r[i]!;
      const e = r[i + 1]!;
      if (e < ns) merged.push(s, e);
      else if (s > ne) {
        if (!placed) merged.push(ns, ne);
        placed = true;
        merged.push(s, e);
      } else {
        ns = Math.min(ns, s);
        ne = Math.max(ne, e);
      }
    }
    if (!placed) merged.push(ns, ne);
    p.ranges = merged;
  }

  private expire(now: number): void {
    if (this.pending.size === 0) return;
    // Map order is insertion order, i.e. by first fragment time (captures are nearly time-ordered).
    for (const p of this.pending.values()) {
      if (now - p.firstTime <= TIMEOUT_SEC) break;
      this.drop(p);
    }
  }

  private drop(p: Pending): void {
    this.remove(p);
    this.counts.dropped++;
  }

  private remove(p: Pending): void {
    this.pending.delete(p.key);
    this.held -= p.held;
  }

  private note(frame: number): void {
    if (this.droppedFrames.length < 20) this.droppedFrames.push(frame);
  }
}
