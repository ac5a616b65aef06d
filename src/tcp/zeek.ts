import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.js';
import { zeekConnState, type ZeekConnState } from './zeek-conn-state.js';
import {
  CLOSED, ESTABLISHED, INACTIVE, PARTIAL, RESET, SYN_ACK_SENT, SYN_SENT, TWO32, ZeekEndpoint,
} from './zeek-endpoint.js';

/*
 * Zeek-compatible connection summary: the `conn_state` and `history` columns of Zeek's conn.log,
 * reproduced from the packets of one connection.
 *
 * The rules below restate Zeek's behaviour in our own words; nothing is copied. Sources (zeek/zeek):
 *  [doc]   scripts/base/protocols/conn/main.zeek: the meaning of every conn_state and history letter,
 *          and the function `conn_state` that derives the state from the two endpoint states.
 *  [tsa]   src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc (also TCP.cc of Zeek 4.x): per-packet
 *          processing (`Process`): endpoint initialisation, relative sequence numbers, `update_history`,
 *          zero windows, `update_last_seq` (retransmissions), the endpoint state machine
 *          (`UpdateInactiveState`, `UpdateSYN_SentState`, `UpdateEstablishedState`,
 *          `UpdateClosedState`), the SYN/SYN-ACK reversal flip.
 *  [tcp]   src/packet_analysis/protocol/tcp/TCP.cc `WantConnection`: flip at creation when a
 *          connection starts without a bare SYN and its source port is a likely server port.
 *  [ep]    src/analyzer/protocol/tcp/TCP_Endpoint.cc/.h: `CheckHistory` (per-direction masks, the
 *          responder's shifted by 16 bits), `DidRxmit`/`Gap`/`ZeroWindow` via
 *          `Connection::ScaledHistoryEntry` (src/Conn.cc), `Size()`, `NoDataAcked()`.
 *  [reas]  src/analyzer/protocol/tcp/TCP_Reassembler.cc: `DataSent`, `AckReceived`, `Undelivered`,
 *          `Gap` (content gaps are only put in the history while both endpoints are cleanly
 *          established or closing).
 *  [conn]  src/Conn.cc `Connection::FlipRoles`: swaps the roles and appends `^`.
 *  [pr2191] zeek/zeek#2191 (2022): a connection that starts with a SYN-ACK is flipped when an ACK or a
 *          data segment follows. The code was not available to us; what it does to the history
 *          (`^` first, earlier letters in the other case) is inferred from Zeek's own baselines
 *          (core.conn-size-flip: `^haf`; core.tcp.missing-syn in bare mode: `^hADdFaf`).
 *
 * Allocation: `observe` runs per packet and allocates nothing, except (1) a new history string when a
 * letter is added (bounded: each once-only letter once per direction, counted letters at 1, 10, 100 …)
 * and (2) a small buffer for out-of-order data, created the first time an endpoint sends data above a
 * hole.
 */

// History mask bits (originator; the responder's are these << 16). [ep]
const H_SYN = 0x1;
const H_FIN = 0x2;
const H_RST = 0x4;
const H_FIN_RST = 0x8;
const H_DATA = 0x10;
const H_ACK = 0x20;
const H_MULTI = 0x40;

/** Zeek treats a SYN or RST whose sequence number jumps more than this as untrustworthy. [tsa] */
const TOO_LARGE_SEQ_DELTA = 1048576;

/**
 * Ports that Zeek's default scripts register for their analyzers, which is what fills
 * `likely_server_ports` (base/protocols/*: ftp, ssh, smtp, dns, http, krb, pop3, dce-rpc, smb, imap,
 * ldap, ssl, modbus, mysql, rdp, socks, irc, xmpp, postgresql, redis, dnp3). Approximate: it depends on
 * the Zeek version and on the scripts loaded (bare mode `-b` registers none).
 */
const LIKELY_SERVER_PORTS = new Set([
  21, 22, 25, 53, 80, 81, 88, 110, 135, 139, 143, 389, 443, 445, 502, 563, 585, 587, 614, 631, 636, 989,
  990, 992, 993, 995, 1080, 1434, 2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269, 5432, 6379, 6666, 6667,
  6668, 6669, 8000, 8080, 8888, 20000,
]);

/** `a − b` as a signed 32-bit difference (Zeek's `seq_delta`). */
function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}



/**
 * Follows one connection the way Zeek's TCP analyzer does and summarises it as Zeek's conn.log would
 * (`conn_state`, `history`). Upper-case history letters are the originator's, lower-case the
 * responder's. Zeek's originator is the sender of the first packet ("a", side 0), unless Zeek flipped
 * the roles (`^` in the history): see `originator`.
 */
export class ZeekTracker {
  /** Back to the initial values (pooled connections are reused; see connection.ts). */
  reset(): void {
    this.ep[0].reset();
    this.ep[1].reset();
    this.history = '';
    this.origSide = 0;
    this.histSeen = 0;
    this.packets = 0;
    this.startedWithSynAck = false;
    this.isPartial = false;
    this.firstSeen = 0;
    this.underflow = false;
  }

  private history = '';
  /** Which of our sides ("a" = 0, "b" = 1) is Zeek's originator. */
  private origSide: 0 | 1 = 0;
  private readonly ep: [ZeekEndpoint, ZeekEndpoint] = [new ZeekEndpoint(), new ZeekEndpoint()];
  /** Connection-wide history mask: originator bits low, responder bits << 16. [ep CheckHistory] */
  private histSeen = 0;
  private packets = 0;
  /** The connection began with a SYN-ACK and has not been flipped yet (candidate for [pr2191]). */
  private startedWithSynAck = false;
  /** Zeek's `is_partial` and `first_packet_seen` (bit 1 = originator, 2 = responder). */
  private isPartial = false;
  private firstSeen = 0;
  /** Scratch result of `relative()`: whether the sequence number lay below the endpoint's start. */
  private underflow = false;

  /** Our side ("a" = 0, "b" = 1) that Zeek calls the originator. */
  get originator(): 0 | 1 {
    return this.origSide;
  }

  observe(seg: Segment, from: 0 | 1, _classes: number, len: number): void {
    const flags = seg.flags;
    const syn = (flags & SYN) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    const ackFlag = (flags & ACK) !== 0;

    if (this.packets++ === 0) {
      this.origSide = from;
      if (syn && ackFlag) this.startedWithSynAck = true;
      // [tcp WantConnection] A connection that does not start with a bare SYN is "partial"; Zeek
      // guesses the true responder from the ports: flip if the source port is a likely server port,
      // unless the destination port is one too (then only for a non-SYN packet towards a higher port).
      if (!syn || ackFlag) {
        if (LIKELY_SERVER_PORTS.has(seg.srcPort)) {
          const flip = LIKELY_SERVER_PORTS.has(seg.dstPort) ? !syn && seg.srcPort < seg.dstPort : true;
          if (flip) this.flip(false);
        }
      }
    } else if (this.startedWithSynAck && this.packets === 2) {
      // [pr2191] A SYN-ACK followed by an ACK or data (not by a SYN or RST): no stealth scan, so the
      // SYN-ACK's receiver must be the originator.
      this.startedWithSynAck = false;
      const o = this.ep[this.origSide];
      const r = this.ep[this.origSide === 0 ? 1 : 0];
      if (!syn && !rst && (ackFlag || len > 0) && o.state === SYN_ACK_SENT && r.state === INACTIVE) this.flip(true);
    }

    const e = this.ep[from];
    const peer = this.ep[from === 0 ? 1 : 0];
    const isOrig = from === this.origSide;

    // [tsa SetPartialStatus]
    if (isOrig) {
      if ((this.firstSeen & 1) === 0) this.isPartial = !syn || ackFlag;
    } else if ((this.firstSeen & 2) === 0 && !this.isPartial) this.isPartial = !syn;

    // Sequence space used: SYN and FIN count one each; a RST's payload is not part of the stream.
    let segLen = len;
    if (syn) segLen++;
    if (fin) segLen++;
    if (rst) segLen -= len;
    const seq = seg.seq;
    const seqEnd = (seq + segLen) >>> 0;

    // [tsa init_endpoint] Set up (or re-base) the sequence numbers of the sender.
    switch (e.state) {
      case INACTIVE:
        if (syn) e.rebase(seq, seqEnd);
        // Mid-stream: pretend a SYN came just before, and do not count this packet as a repeat.
        else e.rebase((seq - 1) >>> 0, seq);
        break;
      case SYN_SENT:
      case SYN_ACK_SENT:
        if (syn && seq !== e.startSeq) e.rebase(seq, seqEnd);
        break;
      case ESTABLISHED:
      case PARTIAL:
        if (syn) e.rebase(seq, seqEnd);
        break;
      case RESET:
        if (syn && e.prevState === INACTIVE) e.rebase(seq, seqEnd);
        break;
    }

    const relSeq = this.relative(e, seq, e.lastSeq, e.seqWraps);
    const seqUnderflow = this.underflow;

    this.updateHistory(e, isOrig, flags, relSeq, len);

    // [tsa update_window] A zero window counts unless it comes with or after a RST, or after the
    // peer's FIN (the window scale does not matter: zero stays zero).
    if (seg.window === 0 && !rst && peer.state !== CLOSED && e.state !== RESET) {
      if (++e.win0Count === e.win0Thresh) {
        e.win0Thresh *= 10;
        this.add(isOrig ? 'W' : 'w');
      }
    }

    if (fin) {
      e.finCount++;
      e.finSeq = relSeq + segLen;
    }

    // [tsa] The acknowledgement, relative to the peer's sequence space.
    let relAck = 0;
    if (ackFlag) {
      if (peer.state === INACTIVE) {
        relAck = 1;
        const base = (seg.ack - 1) >>> 0;
        peer.startSeq = base;
        peer.ackSeq = base;
        peer.lastSeq = base;
      } else {
        relAck = this.relative(peer, seg.ack, peer.ackSeq, peer.ackWraps);
        if (this.underflow) relAck = 0;
        else if (!rst) {
          // A RST's ack is not trusted; an ack of 0 far ahead is more likely broken than a wrap.
          const d = seqDelta(seg.ack, peer.ackSeq);
          if (!(seg.ack === 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0) peer.updateAckSeq(seg.ack);
        }
      }
    }

    // [tsa update_last_seq] Advance the highest sequence number, or count a retransmission: a
    // segment with payload that does not go beyond what was already seen.
    const deltaLast = seqDelta(seqEnd, e.lastSeq);
    if ((syn || rst) && (deltaLast > TOO_LARGE_SEQ_DELTA || deltaLast < -TOO_LARGE_SEQ_DELTA)) {
      // untrusted jump
    } else if (fin && e.lastSeq === ((e.startSeq + 1) >>> 0)) e.updateLastSeq(seqEnd);
    else if (e.state === RESET) {
      // nothing after a RST is trusted
    } else if (deltaLast > 0) e.updateLastSeq(seqEnd);
    else if (len > 0) {
      if (++e.rxmtCount === e.rxmtThresh) {
        e.rxmtThresh *= 10;
        this.add(isOrig ? 'T' : 't');
      }
    }

    this.updateState(e, peer, from, isOrig, flags, seq, len);

    // [tsa, reas AckReceived] After the state update, so that gaps revealed by the final FIN or RST
    // are not blamed on a cleanly established connection.
    if (ackFlag) this.ackReceived(peer, relAck);

    // [tsa CheckPIA_FirstPacket]
    this.firstSeen |= isOrig ? 1 : 2;

    // [tsa, reas DataSent] Payload goes to the reassembler (if it was captured in full).
    if (len > 0 && !rst && !seqUnderflow && seg.payloadCaptured >= len) this.dataSent(e, syn ? relSeq + 1 : relSeq, len);
  }

  /** Zeek's `conn_state` and `history` for the connection as it stands. */
  summarize(): { connState: ZeekConnState; history: string } {
    if (this.packets === 0) return { connState: 'OTH', history: '' };
    const o = this.ep[this.origSide];
    const r = this.ep[this.origSide === 0 ? 1 : 0];
    return { connState: zeekConnState(o, r, this.history), history: this.history };
  }

  /**
   * Zeek's relative sequence number of `cur` in `e`'s space, counting 32-bit wraps against `last`
   * (a jump forward past 2^32 adds one, a step back across it removes one). Sets `underflow` when
   * the number lies below the start (Zeek then skips reassembly; we return it negative).
   * [tsa get_relative_seq]
   */
  private relative(e: ZeekEndpoint, cur: number, last: number, wraps: number): number {
    const d = seqDelta(cur, last);
    if (d < 0) {
      if (wraps !== 0 && cur > last) wraps--;
    } else if (d > 0) {
      if (cur < last) wraps++;
    }
    if (wraps === 0) {
      const r = seqDelta(cur, e.startSeq);
      this.underflow = r < 0;
      return r;
    }
    this.underflow = false;
    return wraps * TWO32 + cur - e.startSeq;
  }

  /**
   * [tsa update_history] One letter per kind of packet: with more than one of SYN/FIN/RST, `I`
   * (FIN+RST) or `Q`, once; a SYN `S` (or `H` with ACK), FIN `F` and RST `R` once, and again
   * whenever its sequence number differs from the last one of that kind (for a FIN, the number
   * after its payload); otherwise `D` for payload, else `A` for an ACK, once.
   */
  private updateHistory(e: ZeekEndpoint, isOrig: boolean, flags: number, rel: number, len: number): void {
    const syn = (flags & SYN) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    const n = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (n > 1) {
      if (fin && rst) this.check(H_FIN_RST, 'I', isOrig);
      else this.check(H_MULTI, 'Q', isOrig);
    } else if (n === 1) {
      if (syn) {
        const code = (flags & ACK) !== 0 ? 'H' : 'S';
        if (this.check(H_SYN, code, isOrig) && rel !== e.histLastSyn) this.add(isOrig ? code : code.toLowerCase());
        e.histLastSyn = rel;
      } else if (fin) {
        if (this.check(H_FIN, 'F', isOrig) && rel + len !== e.histLastFin) this.add(isOrig ? 'F' : 'f');
        e.histLastFin = rel + len;
      } else {
        if (this.check(H_RST, 'R', isOrig) && rel !== e.histLastRst) this.add(isOrig ? 'R' : 'r');
        e.histLastRst = rel;
      }
    } else if (len > 0) this.check(H_DATA, 'D', isOrig);
    else if ((flags & ACK) !== 0) this.check(H_ACK, 'A', isOrig);
  }

  /** Adds the letter the first time for this direction; returns whether it had been seen. [ep] */
  private check(mask: number, code: string, isOrig: boolean): boolean {
    const m = isOrig ? mask : mask << 16;
    if ((this.histSeen & m) !== 0) return true;
    this.histSeen |= m;
    this.add(isOrig ? code : code.toLowerCase());
    return false;
  }

  private add(letter: string): void {
    this.history += letter;
  }

  /**
   * Swaps originator and responder. [conn FlipRoles] appends `^`. For the late flip of a connection
   * that began with a SYN-ACK [pr2191], Zeek's history reads as if the roles had been right from the
   * start (`^` first, earlier letters in the other case), so the letters and masks are swapped too.
   */
  private flip(rewrite: boolean): void {
    this.origSide = this.origSide === 0 ? 1 : 0;
    this.firstSeen = ((this.firstSeen & 1) << 1) | ((this.firstSeen & 2) >> 1);
    this.isPartial = false;
    if (!rewrite) {
      this.add('^');
      return;
    }
    let h = '^';
    for (let i = 0; i < this.history.length; i++) {
      const c = this.history[i]!;
      const lo = c.toLowerCase();
      h += c === lo ? c.toUpperCase() : lo;
    }
    this.history = h;
    this.histSeen = ((this.histSeen & 0xffff) << 16) | (this.histSeen >>> 16);
  }

  /** Zeek's endpoint state machine for one packet from `e`. [tsa UpdateStateMachine] */
  private updateState(e: ZeekEndpoint, peer: ZeekEndpoint, from: 0 | 1, isOrig: boolean, flags: number, seq: number, len: number): void {
    const syn = (flags & SYN) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    const ack = (flags & ACK) !== 0;
    switch (e.state) {
      case INACTIVE: {
        if (syn) {
          if (isOrig) e.setState(ack ? SYN_ACK_SENT : SYN_SENT);
          else {
            if (!ack && peer.state === SYN_ACK_SENT && seq === e.startSeq) {
              // The originator's packet was a SYN-ACK and this is the SYN: they arrived reversed.
              this.isPartial = false;
              this.flip(false);
              peer.setState(ESTABLISHED);
              this.firstSeen |= 1;
            }
            if (peer.state === SYN_SENT) peer.setState(ESTABLISHED);
            e.setState(ESTABLISHED);
          }
        }
        if (fin) e.setState(CLOSED);
        if (rst) e.setState(RESET);
        if (e.state === INACTIVE) {
          // No SYN/FIN/RST. A bare ACK of the originator's SYN before the SYN-ACK does not count as
          // activity; an ACK after the peer's SYN-ACK establishes (the SYN was missed); else partial.
          const orig = this.ep[this.origSide];
          if (!isOrig && len === 0 && orig.state === SYN_SENT) {
            // nothing
          } else if (ack && peer.state === ESTABLISHED) {
            e.setState(ESTABLISHED);
            this.isPartial = false;
            this.firstSeen |= from === this.origSide ? 1 : 2;
          } else e.setState(PARTIAL);
        }
        break;
      }
      case SYN_SENT:
      case SYN_ACK_SENT:
        if (fin) e.setState(CLOSED);
        if (rst) e.setState(RESET);
        break;
      case ESTABLISHED:
      case PARTIAL:
        if (syn && e.state === PARTIAL && peer.state === INACTIVE && !ack) e.setState(SYN_SENT);
        if (fin && !rst) {
          e.setState(CLOSED);
          // A FIN then a RST from the peer, and now our FIN: that was a normal close after all.
          if (peer.state === RESET && peer.prevState === CLOSED) peer.setState(CLOSED);
        }
        if (rst) e.setState(RESET);
        break;
      case CLOSED:
        // A RST after both FINs changes nothing.
        if (rst && peer.state !== CLOSED) e.setState(RESET);
        break;
      default:
        break;
    }
  }

  /**
   * The peer acknowledged `e`'s data up to `relAck`: anything below it that `e`'s reassembler never
   * received is a content gap. [reas AckReceived, Trim, Undelivered]
   */
  private ackReceived(e: ZeekEndpoint, relAck: number): void {
    let seq = relAck;
    // The FIN's own sequence number is no data.
    if (e.finCount > 0 && e.finSeq >= 0 && seq >= e.finSeq) seq = e.finSeq - 1;
    if (seq <= e.trim) return;
    if (seq > e.reassem) this.undelivered(e, seq);
    e.trimBlocks(seq);
    e.trim = seq;
  }

  private undelivered(e: ZeekEndpoint, upTo: number): void {
    // A partial connection's first ack may point one past the faked SYN (or a keep-alive): ignore.
    if (upTo <= 2 && this.isPartial) return;
    const b = e.blocks;
    if (b !== null) {
      while (e.nBlocks > 0 && b[0]! < upTo) {
        if (b[0]! > e.reassem) {
          this.gap(e);
          e.reassem = b[0]!;
        }
        e.absorb();
      }
    }
    if (upTo > e.reassem) {
      this.gap(e);
      e.reassem = upTo;
    }
  }

  /** A content gap in `e`'s data: `G`/`g` at 1, 10, 100 … while both sides are cleanly open. [reas Gap] */
  private gap(e: ZeekEndpoint): void {
    const peer = e === this.ep[0] ? this.ep[1] : this.ep[0];
    if (!e.isClean() || !peer.isClean()) return;
    if (++e.gapCount === e.gapThresh) {
      e.gapThresh *= 10;
      this.add(e === this.ep[this.origSide] ? 'G' : 'g');
    }
  }

  /** [reas DataSent, NewBlock, BlockInserted] */
  private dataSent(e: ZeekEndpoint, relSeq: number, len: number): void {
    let lo = relSeq;
    const hi = relSeq + len;
    const acked = e.relAcked();
    if (lo < acked) {
      if (hi <= acked) return; // delivered and acknowledged already
      lo = acked;
    }
    if (hi <= e.trim) return;
    if (lo < e.trim) lo = e.trim;
    if (lo <= e.reassem) {
      if (hi > e.reassem) {
        e.reassem = hi;
        e.absorb();
      }
    } else e.addBlock(lo, hi);
  }
}
