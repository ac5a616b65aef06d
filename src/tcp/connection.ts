import { ACK, FIN, RST, SYN, type Segment } from '../decode/segment.js';
import { classifySegment } from './analysis.js';
import {
  C_FAST_RETRANSMISSION, C_KEEP_ALIVE, C_KEEP_ALIVE_ACK, C_LOST_SEGMENT, C_RETRANSMISSION, C_SPURIOUS_RETRANSMISSION,
  C_ZERO_WINDOW_PROBE, C_ZERO_WINDOW_PROBE_ACK, C_OUT_OF_ORDER,
} from './classes.js';
import { Direction, WS_NOT_USED } from './direction.js';
import { EndpointState, TcpState } from './endpoint-state.js';
import { EVENT_CODE, EVENT_WIDTH, Series, type TcpEventKind } from './events.js';
import { seqAdd, seqGe, seqGt, seqRelative } from './seq.js';
import { ZeekTracker } from './zeek.js';
import { FlowKey } from './flow-key.js';
import type { StreamConsumer, StreamReassembly } from './stream-reassembly.js';


const MAX_ENCAPS = 4;
/** How the client was identified. */
export type RoleBasis = 'syn' | 'synack' | 'guess';

/** Events beyond these caps are counted, not kept (a long lossy transfer must not grow memory). */
const MAX_CONTROL_EVENTS = 64;
const MAX_OTHER_EVENTS = 512;
const SERIES_AFTER_SEGMENTS = 32;
/** Segments that carry no new data even when they carry bytes. */
const NOT_NEW_DATA = C_RETRANSMISSION | C_OUT_OF_ORDER | C_KEEP_ALIVE | C_ZERO_WINDOW_PROBE;
/** Retransmissions on a timer (RTO, tail-loss probe): what a first transmission is named for. */
const TIMER_RETRANSMISSION_EXCLUDED = C_FAST_RETRANSMISSION | C_SPURIOUS_RETRANSMISSION;

/** Ports on which the server side is presumed when the handshake was not captured. */
const SERVICE_PORTS = new Set([
  80, 443, 8080, 8443, 8000, 8008, 8888, 3000, 5000, 9000, 3306, 5432, 6379, 27017, 9200, 9300, 11211, 5672,
  9092, 2181, 6443, 2379, 1433, 1521, 389, 636, 25, 587, 465, 110, 995, 143, 993, 21, 22, 23, 53, 179, 445,
  139, 135, 88, 3389, 5900, 1883, 8883, 61616, 9090, 4222, 7000, 7001, 9042, 15672, 8081, 8082, 10250,
]);

/**
 * One TCP connection: the two directions ("a" = sender of the first frame seen, "b" = the other),
 * both endpoints' inferred states, and the notable events. Roles (client/server) are resolved from
 * the handshake or guessed from the ports.
 */
export class Connection extends FlowKey {
  readonly dirs: [Direction, Direction] = [new Direction(), new Direction()];
  readonly states: [EndpointState, EndpointState] = [new EndpointState(), new EndpointState()];
  ipVersion: 4 | 6 = 4;
  /** Which side is the client: 0 = a, 1 = b. */
  client: 0 | 1 = 0;
  roleBasis: RoleBasis = 'guess';

  firstFrame = 0;
  lastFrame = 0;
  startSec = 0;
  startNsec = 0;
  endSec = 0;
  endNsec = 0;
  lastTime = 0;

  synFrame = 0;
  synTime = 0;
  synAckFrame = 0;
  synAckTime = 0;
  /** Handshake RTT (SYN → ACK of the SYN/ACK), seconds; 0 until known. */
  initialRtt = 0;

  /** First FIN: side and frame; and whether the second FIN crossed the first (simultaneous close). */
  firstFinFrom: 0 | 1 | -1 = -1;
  simultaneousClose = false;
  readonly resets: { frame: number; time: number; from: 0 | 1 }[] = [];
  /** Notable segments, packed (see events.ts EVENT_WIDTH). */
  readonly eventData: number[] = [];
  /** Numbers in use in `eventData` (its capacity is kept when a pooled connection is reused). */
  eventLength = 0;
  droppedEvents = 0;
  private controlEvents = 0;
  /** The frame of the last `last-data` event (it is named once, before the first FIN or probe after it). */
  private lastDataShown = 0;
  /**
   * Advertised receive window (bytes) of each side over time, and how much of each side's data the
   * peer had acknowledged: the timeline's curves. Created on a connection's 32nd segment, so that
   * the many short connections of a busy capture cost nothing here.
   */
  series: { window: [Series, Series]; acked: [Series, Series] } | null = null;
  private segments = 0;
  readonly zeek = new ZeekTracker();

  /** Live-table bookkeeping (owned by the tracker). */
  nextInBucket: Connection | null = null;
  closedQueued = false;
  /** The byte streams and the application-layer consumer reading them (tracker.ts), when a layer is on. */
  stream: StreamReassembly | null = null;
  app: StreamConsumer | null = null;
  /** The layer's result, once written to the store before the summary (tracker.ts closeApplication); length -1: not yet. */
  appAt = 0;
  appLen = -1;
  evicted = false;

  id: number;

  constructor(id: number, seg: Segment) {
    super();
    this.id = id;
    this.start(seg);
  }

  /**
   * Makes a summarised connection new again for another 4-tuple. The tracker pools finished
   * connections: a busy capture opens thousands a second, and fresh objects for each would leave the
   * garbage collector hundreds of megabytes to sweep. Every field goes back to its initial value.
   */
  reuse(id: number, seg: Segment): void {
    this.id = id;
    this.appAt = 0;
    this.appLen = -1;
    this.dirs[0].reset();
    this.dirs[1].reset();
    this.states[0].reset();
    this.states[1].reset();
    this.lastFrame = 0;
    this.endSec = 0;
    this.endNsec = 0;
    this.lastTime = 0;
    this.synFrame = 0;
    this.synTime = 0;
    this.synAckFrame = 0;
    this.synAckTime = 0;
    this.initialRtt = 0;
    this.firstFinFrom = -1;
    this.simultaneousClose = false;
    this.resets.length = 0;
    this.eventLength = 0;
    this.droppedEvents = 0;
    this.controlEvents = 0;
    this.lastDataShown = 0;
    this.series = null;
    this.encaps = null;
    this.segments = 0;
    this.zeek.reset();
    this.nextInBucket = null;
    this.closedQueued = false;
    this.evicted = false;
    this.start(seg);
  }

  private start(seg: Segment): void {
    this.keyFromSegment(seg);
    this.ipVersion = seg.ipVersion;
    this.firstFrame = seg.frame;
    this.startSec = seg.tsSec;
    this.startNsec = seg.tsNsec;
    this.lastTime = seg.time;
    this.guessRoles();
  }

  /**
   * Whether a bare SYN from `side` opens a new connection: Wireshark starts a new tcp.stream when the
   * SYN's sequence number differs from that side's base (its ISN, or the first sequence − 1).
   */
  isNewSynFrom(side: 0 | 1, seg: Segment): boolean {
    const d = this.dirs[side];
    return (seg.flags & (SYN | ACK)) === SYN && d.wsBaseSet && seg.seq !== d.wsBase;
  }

  /** Both endpoints done (closed, in TIME_WAIT, or reset): late packets are still possible, new data is not. */
  get finished(): boolean {
    const s0 = this.states[0].state;
    const s1 = this.states[1].state;
    return (s0 === TcpState.Closed || s0 === TcpState.TimeWait) && (s1 === TcpState.Closed || s1 === TcpState.TimeWait);
  }

  /** Processes one segment of this connection; returns its class bits. */
  /** Distinct encapsulation stacks (decoder ids) its segments came in; null for plain traffic. */
  encaps: number[] | null = null;

  /** At most MAX_ENCAPS stacks are listed: GTP-U uplink and downlink differ, more is a curiosity. */
  private noteEncap(id: number): void {
    const list = (this.encaps ??= []);
    if (list.length < MAX_ENCAPS && !list.includes(id)) list.push(id);
  }

  add(seg: Segment, from: 0 | 1): number {
    const fwd = this.dirs[from];
    const rev = this.dirs[from === 0 ? 1 : 0];
    const flags = seg.flags;
    const len = seg.payloadLength;
    this.lastFrame = seg.frame;
    this.endSec = seg.tsSec;
    this.endNsec = seg.tsNsec;
    this.lastTime = seg.time;
    if (seg.encap !== 0) this.noteEncap(seg.encap);
    fwd.packets++;
    fwd.payloadBytes += len;
    fwd.frameBytes += seg.frameLength;
    if (!fwd.baseSet) {
      fwd.baseSet = true;
      fwd.base = (flags & SYN) !== 0 ? seg.seq : seqAdd(seg.seq, -1);
    }
    if ((flags & SYN) !== 0) this.onSyn(seg, from, fwd, rev);
    else if ((flags & ACK) !== 0 && this.synAckFrame !== 0 && this.initialRtt === 0 && this.synFrame !== 0 && from === this.client) {
      this.initialRtt = seg.time - this.synTime;
    }
    this.trackWraps(fwd, seg);

    const classes = classifySegment(seg, fwd, rev, this.initialRtt);
    if (classes !== 0) fwd.countClasses(classes);
    const wasZero = fwd.windowSetBefore && fwd.prevWindow === 0;
    this.updateStates(seg, from, fwd, rev, classes);
    this.noteEvents(seg, from, fwd, rev, classes, wasZero);
    this.noteEarlierSegments(seg, from, fwd, rev, classes);
    fwd.prevWindow = seg.window;
    fwd.windowSetBefore = true;
    this.zeek.observe(seg, from, classes, len);
    return classes;
  }

  private onSyn(seg: Segment, from: 0 | 1, fwd: Direction, rev: Direction): void {
    fwd.isn = seg.seq;
    fwd.synSeen = true;
    fwd.base = seg.seq;
    fwd.wsOption = seg.windowScale;
    if (seg.mss >= 0) fwd.mss = seg.mss;
    fwd.sackPermitted = seg.sackPermitted;
    fwd.timestamps = seg.hasTimestamp;
    if ((seg.flags & ACK) === 0) {
      if (this.synFrame === 0) {
        this.synFrame = seg.frame;
        this.synTime = seg.time;
        this.client = from;
        this.roleBasis = 'syn';
      }
    } else {
      if (this.synAckFrame === 0) {
        this.synAckFrame = seg.frame;
        this.synAckTime = seg.time;
        if (this.roleBasis !== 'syn') {
          this.client = from === 0 ? 1 : 0;
          this.roleBasis = 'synack';
        }
      }
      // Window scaling is in force only when both SYNs carried the option (RFC 7323 §2.2).
      if (rev.synSeen) {
        if (fwd.wsOption >= 0 && rev.wsOption >= 0) {
          fwd.setWinScale(fwd.wsOption);
          rev.setWinScale(rev.wsOption);
        } else {
          fwd.winScale = WS_NOT_USED;
          rev.winScale = WS_NOT_USED;
        }
      }
    }
  }

  private trackWraps(fwd: Direction, seg: Segment): void {
    if ((seg.flags & RST) !== 0) return;
    const top = seqAdd(seg.seq, seg.payloadLength);
    if (!fwd.highestSeqSet || (seg.flags & SYN) !== 0) {
      fwd.highestSeq = top;
      fwd.highestSeqSet = true;
      return;
    }
    if (seqGt(top, fwd.highestSeq)) {
      if (top < fwd.highestSeq) fwd.seqWraps++;
      fwd.highestSeq = top;
    }
  }

  /** RFC 9293 state transitions of both endpoints, from one segment seen on the wire. */
  private updateStates(seg: Segment, from: 0 | 1, fwd: Direction, rev: Direction, classes: number): void {
    const x = this.states[from];
    const y = this.states[from === 0 ? 1 : 0];
    const flags = seg.flags;
    const f = seg.frame;
    const t = seg.time;
    if ((flags & RST) !== 0) {
      this.resets.push({ frame: f, time: t, from });
      x.set(TcpState.Closed, f, t);
      // A RST in TIME_WAIT kills it too on Linux (RFC 1337 protection is off by default).
      y.set(TcpState.Closed, f, t);
      return;
    }
    if ((flags & SYN) !== 0) {
      if ((flags & ACK) === 0) {
        if (x.state === TcpState.Unknown || x.state === TcpState.Closed) x.set(TcpState.SynSent, f, t);
      } else {
        if (x.state === TcpState.Unknown || x.state === TcpState.SynSent || x.state === TcpState.Closed) x.set(TcpState.SynReceived, f, t);
        if (y.state === TcpState.SynSent || y.state === TcpState.Unknown) y.set(TcpState.Established, f, t);
      }
    } else {
      // Any other segment means the sender considers the connection open (mid-stream captures too).
      if (x.state === TcpState.Unknown || x.state === TcpState.SynSent || x.state === TcpState.SynReceived) x.set(TcpState.Established, f, t);
      if ((flags & ACK) !== 0 && (y.state === TcpState.SynReceived || y.state === TcpState.Unknown)) y.set(TcpState.Established, f, t);
    }
    // The ACK part: does it acknowledge the receiver's FIN?
    const acksPeerFin = (flags & ACK) !== 0 && rev.finCount > 0 && seqGe(seg.ack, rev.finAckSeq);
    if (acksPeerFin) {
      // A FIN that also ACKs y's FIN takes y from FIN_WAIT_1 straight to TIME_WAIT (below).
      if (y.state === TcpState.FinWait1 && (flags & FIN) === 0) y.set(TcpState.FinWait2, f, t);
      else if (y.state === TcpState.Closing) y.set(TcpState.TimeWait, f, t);
      else if (y.state === TcpState.LastAck) y.set(TcpState.Closed, f, t);
    }
    if ((flags & FIN) !== 0) {
      const finEnd = seqAdd(seg.seq, seg.payloadLength + 1);
      if (fwd.finCount === 0 || seqGt(finEnd, fwd.finAckSeq)) fwd.finAckSeq = finEnd;
      if (fwd.finCount++ === 0) {
        fwd.firstFinFrame = f;
        fwd.firstFinTime = t;
        if (this.firstFinFrom === -1) this.firstFinFrom = from;
        else if (rev.finCount > 0 && ((flags & ACK) === 0 || !seqGe(seg.ack, rev.finAckSeq))) this.simultaneousClose = true;
      }
      // A FIN that does not ACK the peer's FIN crossed it: its sender had not yet received the peer's
      // FIN when it closed (FIN_WAIT_1), and now has: CLOSING, like its peer (RFC 9293 §3.6, Figure 13).
      if (x.state === TcpState.CloseWait) x.set(acksPeerFin || rev.finCount === 0 ? TcpState.LastAck : TcpState.Closing, f, t);
      else if (x.state === TcpState.Established || x.state === TcpState.SynReceived || x.state === TcpState.Unknown) x.set(TcpState.FinWait1, f, t);
      if (y.state === TcpState.Established || y.state === TcpState.SynReceived || y.state === TcpState.Unknown || y.state === TcpState.SynSent) y.set(TcpState.CloseWait, f, t);
      else if (y.state === TcpState.FinWait1) y.set(acksPeerFin ? TcpState.TimeWait : TcpState.Closing, f, t);
      else if (y.state === TcpState.FinWait2) y.set(TcpState.TimeWait, f, t);
    }
    if (seg.payloadLength > 0 && rev.finCount > 0 && (classes & (C_RETRANSMISSION | C_OUT_OF_ORDER)) === 0) {
      fwd.bytesAfterPeerFin += seg.payloadLength;
    }
  }

  private noteEvents(seg: Segment, from: 0 | 1, fwd: Direction, rev: Direction, classes: number, wasZero: boolean): void {
    const flags = seg.flags;
    if ((flags & (SYN | FIN | RST)) !== 0) {
      const kind: TcpEventKind = (flags & RST) !== 0 ? 'rst' : (flags & SYN) !== 0 ? ((flags & ACK) !== 0 ? 'syn-ack' : 'syn') : 'fin';
      if (this.controlEvents < MAX_CONTROL_EVENTS) {
        this.controlEvents++;
        this.pushEvent(kind, seg, from, fwd, rev, classes);
      } else this.droppedEvents++;
    }
    let kind: TcpEventKind | null = null;
    if (classes & C_ZERO_WINDOW_PROBE) kind = 'zero-window-probe';
    else if (classes & C_ZERO_WINDOW_PROBE_ACK) kind = 'zero-window-probe-ack';
    else if ((flags & (SYN | FIN | RST)) === 0 && seg.window === 0 && !wasZero) kind = 'zero-window';
    else if (wasZero && seg.window !== 0 && (flags & (SYN | RST)) === 0) kind = 'window-open';
    else if (classes & C_KEEP_ALIVE) kind = 'keep-alive';
    else if (classes & C_KEEP_ALIVE_ACK) kind = 'keep-alive-ack';
    else if (classes & C_RETRANSMISSION) kind = 'retransmission';
    else if (classes & C_LOST_SEGMENT) kind = 'lost-segment';
    else if (seg.payloadLength > 0 && rev.finCount > 0 && fwd.bytesAfterPeerFin === seg.payloadLength) kind = 'data-after-fin';
    if (kind !== null) {
      if (this.eventLength / EVENT_WIDTH - this.controlEvents < MAX_OTHER_EVENTS) this.pushEvent(kind, seg, from, fwd, rev, classes);
      else this.droppedEvents++;
    }
    if (++this.segments < SERIES_AFTER_SEGMENTS) return;
    const s = (this.series ??= { window: [new Series(), new Series()], acked: [new Series(), new Series()] });
    if (seg.window !== fwd.prevWindow || !fwd.windowSetBefore || this.segments === SERIES_AFTER_SEGMENTS) {
      const w = s.window[from];
      if (w.take()) w.push(seg.time, fwd.scaledWindow(seg.window));
    }
    if ((flags & ACK) !== 0 && rev.baseSet) {
      const a = s.acked[from === 0 ? 1 : 0];
      if (a.take()) a.push(seg.time, seqRelative(seg.ack, rev.base));
    }
  }

  /**
   * The plain segments a later one made notable (events.ts: first-transmission, last-data), then
   * this segment's part in that bookkeeping. Numbers only: no allocation per segment.
   */
  private noteEarlierSegments(seg: Segment, from: 0 | 1, fwd: Direction, rev: Direction, classes: number): void {
    const len = seg.payloadLength;
    if (len > 0 && (classes & C_RETRANSMISSION) !== 0 && (classes & TIMER_RETRANSMISSION_EXCLUDED) === 0) {
      if (fwd.lastDataFrame !== 0 && seg.seq === fwd.lastDataSeq && fwd.originalShown !== fwd.lastDataFrame) {
        fwd.originalShown = fwd.lastDataFrame;
        this.insertEvent('first-transmission', fwd.lastDataFrame, fwd.lastDataTime, from, seqRelative(fwd.lastDataSeq, fwd.base), fwd.lastDataLen);
      } else if (fwd.headFrame !== 0 && seg.seq === fwd.headSeq && fwd.originalShown !== fwd.headFrame) {
        fwd.originalShown = fwd.headFrame;
        this.insertEvent('first-transmission', fwd.headFrame, fwd.headTime, from, seqRelative(fwd.headSeq, fwd.base), fwd.headLen);
      }
    }
    if (len > 0 && (classes & NOT_NEW_DATA) === 0 && (seg.flags & (SYN | RST)) === 0) {
      fwd.lastDataSeq = seg.seq;
      fwd.lastDataLen = len;
      fwd.lastDataFrame = seg.frame;
      fwd.lastDataTime = seg.time;
      // Everything before it acknowledged: an RTO would resend this one first.
      if (!rev.lastAckSet || seg.seq === rev.lastAck || fwd.headFrame === 0) {
        fwd.headSeq = seg.seq;
        fwd.headLen = len;
        fwd.headFrame = seg.frame;
        fwd.headTime = seg.time;
      }
    }
    // Named after this segment's own data counted: a FIN that carries data is itself the last data
    // (no idle time before it, and it is an event already).
    const firstFin = (seg.flags & FIN) !== 0 && fwd.finCount === 1 && fwd.firstFinFrame === seg.frame;
    if (firstFin || (classes & C_KEEP_ALIVE) !== 0) {
      const d0 = this.dirs[0];
      const d1 = this.dirs[1];
      const by: 0 | 1 = d1.lastDataFrame > d0.lastDataFrame ? 1 : 0;
      const d = by === 0 ? d0 : d1;
      if (d.lastDataFrame !== 0 && d.lastDataFrame !== this.lastDataShown && d.lastDataFrame !== seg.frame) {
        this.lastDataShown = d.lastDataFrame;
        this.insertEvent('last-data', d.lastDataFrame, d.lastDataTime, by, seqRelative(d.lastDataSeq, d.base), d.lastDataLen);
      }
    }
  }

  /** An event for an earlier frame, placed in frame order (it is rarely more than a few events back). */
  private insertEvent(kind: TcpEventKind, frame: number, time: number, from: 0 | 1, relSeq: number, len: number): void {
    if (this.eventLength / EVENT_WIDTH - this.controlEvents >= MAX_OTHER_EVENTS) {
      this.droppedEvents++;
      return;
    }
    const e = this.eventData;
    let at = this.eventLength;
    while (at > 0 && e[at - EVENT_WIDTH + 1]! > frame) at -= EVENT_WIDTH;
    for (let k = this.eventLength - 1; k >= at; k--) e[k + EVENT_WIDTH] = e[k]!;
    e[at] = EVENT_CODE.get(kind)!;
    e[at + 1] = frame;
    e[at + 2] = time;
    e[at + 3] = from;
    e[at + 4] = relSeq;
    e[at + 5] = len;
    e[at + 6] = -1;
    e[at + 7] = -1;
    e[at + 8] = 0;
    this.eventLength += EVENT_WIDTH;
  }

  private pushEvent(kind: TcpEventKind, seg: Segment, from: 0 | 1, fwd: Direction, rev: Direction, classes: number): void {
    const e = this.eventData;
    const n = this.eventLength;
    e[n] = EVENT_CODE.get(kind)!;
    e[n + 1] = seg.frame;
    e[n + 2] = seg.time;
    e[n + 3] = from;
    e[n + 4] = seqRelative(seg.seq, fwd.base);
    e[n + 5] = seg.payloadLength;
    e[n + 6] = (seg.flags & ACK) !== 0 && rev.baseSet ? seqRelative(seg.ack, rev.base) : -1;
    e[n + 7] = (seg.flags & SYN) !== 0 ? seg.window : fwd.scaledWindow(seg.window);
    e[n + 8] = classes;
    this.eventLength = n + EVENT_WIDTH;
  }

  /** Port heuristic for captures that begin after the handshake (cf. Zeek's likely-server ports). */
  private guessRoles(): void {
    const aService = SERVICE_PORTS.has(this.aPort) || this.aPort < 1024;
    const bService = SERVICE_PORTS.has(this.bPort) || this.bPort < 1024;
    if (aService !== bService) this.client = aService ? 1 : 0;
    else this.client = this.aPort < this.bPort ? 1 : 0;
    this.roleBasis = 'guess';
  }
}
