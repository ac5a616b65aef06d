/**
 * Findings and endpoint views: part of the JSON report (schema v1, `findings[]` and `endpoints[]`).
 * Field names are a public interface: add fields freely, never rename or remove within a version.
 *
 * Times: `startTime`/`endTime` are ISO 8601 (UTC, microseconds), `startEpoch`/`endEpoch` and every
 * `…Epoch` in `details` are epoch seconds, every `…Sec` a duration in seconds. Frame numbers are
 * Wireshark's `frame.number`, connection ids its `tcp.stream`. Per-item lists in `details` (sockets,
 * episodes, runs, resets …) keep at most 200 entries; the counts next to them are totals.
 */
import type { Side } from '../tcp/connection-record.js';
import type { TcpStateName } from '../tcp/endpoint-state.js';

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export const FINDING_KINDS = [
  'time-wait-accumulation',
  'close-wait',
  'last-ack',
  'fin-wait-2',
  'zero-window',
  'slow-reader',
  'dead-peer',
  'reset',
  'keepalive-probes',
  'retransmissions',
  'connection-close',
  'keepalive-race',
  'keepalive-timeout-mismatch',
  'truncated-body',
  'hop-by-hop-forwarded',
  'stalled-response',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Why a RST was sent, as far as the capture shows (see reset.ts for the rules). */
export type ResetCause =
  | 'refused'
  | 'after-peer-close'
  | 'after-fin-wait-2-timeout'
  | 'stale-connection'
  | 'retries-exhausted'
  | 'stall-timeout'
  | 'idle-timeout'
  | 'abortive-close'
  | 'unknown';

/** An endpoint a finding belongs to; `port` null means the whole host (many ephemeral ports). */
export interface FindingEndpoint {
  ip: string;
  port: number | null;
}

/** A compact numeric time series (epoch seconds, values). */
export interface TimeSeries {
  t: number[];
  v: number[];
}

/** min / median / max of a set of durations or intervals, in seconds. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

interface FindingBase<K extends FindingKind, D> {
  kind: K;
  severity: Severity;
  /** 1 = most likely cause of the incident; the array is sorted by it. */
  rank: number;
  title: string;
  /** One sentence with the numbers. */
  summary: string;
  /** The mechanism, in plain words. */
  explanation: string;
  /** Concrete things to change or check. */
  advice: string[];
  /** Connection ids (tcp.stream). */
  connections: number[];
  /** Evidence frames (frame.number), ascending; at most 200. */
  frames: number[];
  endpoint: FindingEndpoint | null;
  startTime: string | null;
  endTime: string | null;
  startEpoch: number | null;
  endEpoch: number | null;
  /** A Wireshark display filter that shows the evidence. */
  wiresharkFilter: string;
  details: D;
  /** Ranks of the findings that explain this one (its causes: they share connections and came first). */
  explainedBy: number[];
}

// ---------------------------------------------------------------------------------------------
// time-wait-accumulation

export interface TimeWaitDetails {
  /** The role the endpoint had on these connections. */
  role: Side;
  /** Connections of this endpoint that were closed with FINs. */
  closedConnections: number;
  /** Of those, closed first by this endpoint (crossed FINs count for both sides). */
  activeCloses: number;
  activeCloseShare: number;
  /** Closed first by the peer. */
  passiveCloses: number;
  /** TIME_WAIT sockets this endpoint entered in the capture. */
  timeWaitEntered: number;
  timeWaitSec: number;
  /** Most TIME_WAIT sockets held at one instant within the capture, and when. */
  peak: number;
  peakEpoch: number | null;
  /** Still in TIME_WAIT when the capture ended. */
  atCaptureEnd: number;
  /**
   * Active closes per second over the capture, and the TIME_WAIT count that rate sustains: rate ×
   * timeWaitSec, at most 28 232 (Linux's default ephemeral port range) per client address.
   */
  closesPerSec: number | null;
  steadyStateEstimate: number | null;
  /** TIME_WAIT sockets taken over by a new connection on the same 4-tuple (the client cycled through its ports within timeWaitSec). */
  reusedWhileInTimeWait: number;
  distinctFourTuples: number;
  /** TIME_WAIT count over the capture (step points; bucket maxima when long). */
  series: TimeSeries;
  /** The peers of these connections, most connections first (at most 10). */
  peers: { ip: string; port: number | null; connections: number }[];
}

// ---------------------------------------------------------------------------------------------
// close-wait, last-ack, fin-wait-2: one lingering socket each

export type LingerEnd = 'fin' | 'ack' | 'rst' | 'capture-end';

export interface LingeringSocket {
  connection: number;
  /** The side of the connection that held the socket. */
  side: Side;
  ip: string;
  port: number;
  peer: { ip: string; port: number };
  /** Frame and time the state was entered. */
  fromFrame: number;
  fromEpoch: number;
  /** Frame that ended it (null at capture end) and when. */
  toFrame: number | null;
  toEpoch: number;
  /** Duration; a lower bound when `ended` is 'capture-end'. */
  durationSec: number;
  ended: LingerEnd;
  /** Who sent the RST when ended by one. */
  resetBy: Side | null;
}

export interface CloseWaitSocket extends LingeringSocket {
  /** The peer's FIN that put this side in CLOSE_WAIT, and this side's ACK of it. */
  peerFinFrame: number;
  finAckFrame: number | null;
  /** The peer's matching FIN_WAIT_2: from which frame, for how long, and how it ended. */
  peerFinWait2: { fromFrame: number; durationSec: number; ended: LingerEnd } | null;
}

export interface CloseWaitDetails {
  role: Side;
  thresholdSec: number;
  count: number;
  stillOpenAtEnd: number;
  endedByFin: number;
  endedByRst: number;
  durationSec: Spread;
  /** Most sockets in CLOSE_WAIT at the same time. */
  peakConcurrent: number;
  sockets: CloseWaitSocket[];
}

export interface LastAckDetails {
  role: Side;
  thresholdSec: number;
  count: number;
  stillOpenAtEnd: number;
  durationSec: Spread;
  /** FIN retransmissions sent while in LAST_ACK. */
  finRetransmissions: number;
  sockets: (LingeringSocket & { finFrame: number; finRetransmissionFrames: number[] })[];
}

export interface FinWait2Details {
  role: Side;
  thresholdSec: number;
  count: number;
  stillOpenAtEnd: number;
  durationSec: Spread;
  /** Payload bytes the peer sent after this side's FIN (half-close in use). */
  peerBytesAfterFin: number;
  sockets: (LingeringSocket & { finFrame: number; peerBytesAfterFin: number })[];
}

// ---------------------------------------------------------------------------------------------
// zero-window

export type ZeroWindowEnd = 'window-open' | 'rst' | 'fin' | 'capture-end';

export interface PersistProbe {
  frame: number;
  epoch: number;
  /** '0-byte': Linux style, at next-seq − 1 (Wireshark calls it Keep-Alive); '1-byte': classic RFC 9293 probe. */
  style: '0-byte' | '1-byte';
  /** Frame of the receiver's answer (a zero-window ACK), if one was seen before the next probe. */
  answerFrame: number | null;
}

export interface ZeroWindowEpisode {
  connection: number;
  /** The side that advertised the zero window. */
  receiver: Side;
  receiverEndpoint: { ip: string; port: number };
  senderEndpoint: { ip: string; port: number };
  startFrame: number;
  startEpoch: number;
  /** Frame that ended it (window update, RST, FIN) or null at capture end. */
  endFrame: number | null;
  endEpoch: number;
  durationSec: number;
  ended: ZeroWindowEnd;
  endedBy: Side | null;
  /** The receiver's window once reopened (bytes), when it reopened. */
  reopenedWindow: number | null;
  /** Payload bytes the receiver had acknowledged when it closed its window. */
  bytesReceivedBefore: number;
  /** The sender still had data queued: it probes only when it has (at least 1 byte; more is not visible). */
  senderHadDataWaiting: boolean;
  /** Payload bytes the sender had sent but that were not yet acknowledged when the window closed (when known). */
  bytesInFlight: number | null;
  probes: PersistProbe[];
  probeStyle: '0-byte' | '1-byte' | 'mixed' | 'none';
  /** Intervals: first from the zero-window advertisement to probe 1, then probe to probe. */
  probeIntervalsSec: number[];
  exponentialBackoff: boolean;
  /** Median ratio of consecutive probe intervals (2 = doubling), null with fewer than 2 intervals. */
  backoffFactor: number | null;
  zeroWindowFrames: number[];
}

/** A persist probe without an answer, and why where the capture tells (unanswered-probes.ts). */
export interface UnansweredProbe {
  connection: number;
  frame: number;
  epoch: number;
  reason: 'rate-limited' | 'answered-later' | 'peer-unreachable' | 'peer-answers-elsewhere' | 'connection-silent' | 'capture-end';
  evidence: string;
}

export interface ZeroWindowDetails {
  /** True for the one line that folds brief, recovered zero windows together. */
  transient: boolean;
  /** Episodes shorter than this that reopened count as transient. */
  transientBelowSec: number;
  episodes: ZeroWindowEpisode[];
  /** The persist probes of these episodes that got no answer, with the reason (at most 200). */
  unansweredProbes: UnansweredProbe[];
  totalStallSec: number;
  longestSec: number;
}

// ---------------------------------------------------------------------------------------------
// slow-reader

/** One connection on which the reader stopped reading. */
export interface SlowReaderInstance {
  connection: number;
  readerEndpoint: { ip: string; port: number };
  senderEndpoint: { ip: string; port: number };
  /** The window before it shrank, and its lowest value (bytes). */
  peakWindow: number;
  peakWindowEpoch: number;
  minWindow: number;
  /** Bytes the reader acknowledged while its window shrank, and by how much the window shrank. */
  ackedDuringShrink: number;
  windowShrink: number;
  /** ackedDuringShrink − windowShrink, floored at 0: what the application read in that time (estimate). */
  readDuringShrink: number;
  /** When the window reached zero (null if it did not). */
  zeroFrame: number | null;
  zeroEpoch: number | null;
  /** How long the window stayed zero (to its reopening, RST, FIN or capture end). */
  zeroDurationSec: number | null;
  /** How long the window stayed at its low when it did not reach zero. */
  lowDurationSec: number | null;
  /** Estimated bytes in the reader's receive queue (Recv-Q) over time: window shrink since the peak; a lower bound. */
  recvQueue: TimeSeries;
  maxRecvQueue: number;
  /** Segments the sender sent that filled the advertised window (tcp.analysis.window_full). */
  senderWindowFull: number;
  /** Evidence frames of this instance. */
  frames: number[];
}

export interface SlowReaderDetails {
  /** The side whose application did not read. */
  reader: Side;
  count: number;
  maxRecvQueue: number;
  /** Most severe first (longest zero window), at most 100. */
  instances: SlowReaderInstance[];
}

// ---------------------------------------------------------------------------------------------
// dead-peer

export type DeadPeerMode = 'data' | 'syn' | 'keep-alive';
export type RunEnd = 'rst-from-peer' | 'rst-from-sender' | 'fin' | 'capture-end' | 'gave-up';

export interface UnansweredRun {
  connection: number;
  mode: DeadPeerMode;
  sender: Side;
  senderEndpoint: { ip: string; port: number };
  peerEndpoint: { ip: string; port: number };
  /** Relative sequence number and length of the segment sent again and again. */
  seq: number;
  len: number;
  /** Every transmission of it that the capture shows: its first transmission (when known), then the retransmissions (or probes). */
  frames: number[];
  firstEpoch: number;
  lastEpoch: number;
  /**
   * The first transmission of the segment (data: the original request or data segment; syn: the
   * first SYN), null when the capture does not show it (keep-alive runs have none).
   */
  firstTransmission: { frame: number; epoch: number } | null;
  /** First transmission → first retry (null without it). */
  firstIntervalSec: number | null;
  /**
   * keep-alive: the idle period the probes ended (keepalive-idle.ts): the last data before them, the
   * first probe after it (it may be an answered one before this run) and the time between — the
   * keep-alive time, apart from the probe interval in intervalsSec. null in the other modes, or
   * when the capture does not show data before the probes.
   */
  keepaliveIdle: { lastDataFrame: number; probeFrame: number; idleSec: number } | null;
  /** data: the first retry was a tail-loss probe (RFC 8985): its interval does not fit the timer's doubling after it. */
  tailLossProbe: boolean;
  /** Retransmissions (or probes) in the run. */
  count: number;
  spanSec: number;
  /** Every interval between the transmissions in `frames`. */
  intervalsSec: number[];
  /** The retransmission timer's backoff: `intervalsSec` without the tail-loss probe's interval; what exponentialBackoff and backoffFactor describe. */
  backoffIntervalsSec: number[];
  exponentialBackoff: boolean;
  backoffFactor: number | null;
  after: RunEnd;
  afterFrame: number | null;
  /** Time from the last retransmission to what came after (or to the capture end). */
  afterSec: number;
}

export interface DeadPeerDetails {
  mode: DeadPeerMode;
  runs: UnansweredRun[];
  retransmissions: number;
  longestSpanSec: number;
}

// ---------------------------------------------------------------------------------------------
// reset

export type ResetTrigger = 'syn' | 'handshake' | 'data' | 'keep-alive' | 'fin' | 'retransmission' | 'zero-window-probe' | 'none' | 'unknown';

export interface ResetInfo {
  connection: number;
  frame: number;
  epoch: number;
  by: Side;
  from: { ip: string; port: number };
  to: { ip: string; port: number };
  cause: ResetCause;
  /** The segment the RST answered (or the situation), when identifiable. */
  trigger: ResetTrigger;
  triggerFrame: number | null;
  /** after-peer-close: seconds from this side's FIN to the peer's segment that drew the RST (the race window). */
  afterOwnFinSec: number | null;
  /**
   * after-fin-wait-2-timeout (and after-peer-close): seconds from the peer's ACK of this side's FIN
   * (this side entered FIN_WAIT_2) to the RST — an upper bound of this side's FIN_WAIT_2 timeout.
   */
  finWait2Sec: number | null;
  /** stall-timeout: how long the zero-window stall had lasted when the RST came. */
  stallSec: number | null;
  /** Seconds without any segment we can place before the RST; an upper bound unless `quietExact`. */
  quietSec: number | null;
  quietExact: boolean;
  /** A further RST from a side that had already reset this connection. */
  followUp: boolean;
  /** One line of evidence, with frames. */
  evidence: string;
}

export interface ResetDetails {
  cause: ResetCause;
  count: number;
  /** RSTs that were the first from their side on their connection (the rest are follow-ups). */
  firstResets: number;
  bySide: { client: number; server: number };
  /** The server endpoint (ip:port; host for `refused`) whose connections these are: a finding never spans two. */
  server: FindingEndpoint;
  /**
   * after-fin-wait-2-timeout: the FIN_WAIT_2 timeout inferred (net.ipv4.tcp_fin_timeout on Linux):
   * the shortest FIN_WAIT_2 → RST time (an upper bound), the spread, and on how many of the resets
   * it was measured. null for other causes.
   */
  finWait2Timeout: { estimateSec: number; spreadSec: Spread; measured: number; of: number } | null;
  /**
   * after-peer-close: the idle time after which the closing side closes, inferred from its idle closes
   * on every connection of this server it closed first (last data → its FIN, at least 50 ms): the
   * median, on how many it agrees within 10 % (or 50 ms), and the spread. null for other causes or
   * fewer than 2 such closes.
   */
  idleClose: { estimateSec: number; agreeing: number; of: number; spreadSec: Spread } | null;
  resets: ResetInfo[];
}

// ---------------------------------------------------------------------------------------------
// keepalive-probes

export interface KeepaliveDetails {
  /** The side that sent the probes. */
  role: Side;
  probes: number;
  answered: number;
  connections: number;
  /** Intervals between consecutive probes on the same connection. */
  intervalsSec: number[];
  medianIntervalSec: number | null;
  /** Keep-alive idle time, last data → first probe after it (median over every idle period shown; null: none is). */
  idleSec: number | null;
  /**
   * Median interval after an answered probe (the idle time again) and after an unanswered one (the
   * probe interval); intervals with new data in between count as neither.
   */
  repeatIntervalSec: number | null;
  retryIntervalSec: number | null;
  perConnection: {
    connection: number; frames: number[]; answered: number; intervalsSec: number[];
    repeatIntervalsSec: number[]; retryIntervalsSec: number[];
    /** Each idle period that ended in a probe: its last data frame, the first probe after it, the time between. */
    idlePeriods: { lastDataFrame: number; probeFrame: number; idleSec: number }[];
  }[];
}

// ---------------------------------------------------------------------------------------------
// retransmissions

export interface RetransmissionDetails {
  sender: FindingEndpoint;
  receiver: FindingEndpoint;
  connections: number;
  /** Packets the sender sent, and how many were retransmissions (any kind) / fast / spurious. */
  packets: number;
  retransmissions: number;
  fastRetransmissions: number;
  spuriousRetransmissions: number;
  rate: number;
  /** Gaps in the sender's sequence numbers: segments not captured (capture loss or loss upstream of the capture point). */
  lostSegments: number;
  /** Duplicate ACKs the receiver sent. */
  duplicateAcks: number;
  /** Longest time a segment was retransmitted before the connection moved on (RTO stall), with its frames. */
  longestStallSec: number;
  longestStallFrames: number[];
  /** Retransmissions already reported under dead-peer and not counted here. */
  excludedDeadPeer: number;
  perConnection: { connection: number; packets: number; retransmissions: number; rate: number }[];
}

// ---------------------------------------------------------------------------------------------
// HTTP findings (from connections[].http). `request` is "METHOD target" as sent, control characters
// as \xNN.

interface ConnectionCloseDetails {
  server: FindingEndpoint;
  /** Connections on which every request asked to close and the server closed first. */
  connections: number;
  /** The server's HTTP connections that were closed (by either side). */
  closedConnections: number;
  requests: number;
  requestsPerConnection: number;
  /** How the requests asked: a `Connection: close` header, or HTTP/1.0 without keep-alive. */
  reasons: ('connection-close' | 'http/1.0')[];
  /** Client hosts, most connections first (at most 10). */
  clients: { ip: string; connections: number }[];
}

export interface KeepaliveRace {
  connection: number;
  request: string;
  /** The server's idle-close FIN, the request that raced it, the server's RST. */
  serverFinFrame: number;
  serverFinEpoch: number;
  requestFrame: number;
  requestEpoch: number;
  rstFrame: number;
  rstEpoch: number;
  /** Idle time on the connection before the racing request (since the previous response). */
  idleSec: number | null;
  /** Request first byte − server FIN (negative: the request crossed the FIN on the wire). */
  finToRequestSec: number;
  /** Its position on the connection (trans_depth). */
  requestNumber: number;
}

interface KeepaliveRaceDetails {
  server: FindingEndpoint;
  count: number;
  medianIdleSec: number | null;
  medianFinToRequestSec: number;
  races: KeepaliveRace[];
}

/** One idle close of the server: last byte of its last response → its FIN. */
export interface IdleClose {
  connection: number;
  lastResponseFrame: number;
  finFrame: number;
  idleSec: number;
}

/** A reuse of a kept-alive connection after an idle time at or above the server's timeout. */
export interface LateReuse {
  connection: number;
  requestFrame: number;
  requestEpoch: number;
  idleSec: number;
  /** The server's RST frame when the reuse raced its FIN (keepalive-race), else null. */
  reset: number | null;
}

interface KeepaliveTimeoutMismatchDetails {
  server: FindingEndpoint;
  /** The timeout the comparison used: the inferred one when most idle closes agree, else the advertised one. */
  serverIdleTimeoutSec: number;
  /** Median idle close (null with fewer than 2), how many idle closes, how many agree with it (±max(50 ms, 10 %)). */
  inferredIdleCloseSec: number | null;
  idleCloses: number;
  idleClosesAgreeing: number;
  idleCloseSec: Spread | null;
  /** Smallest `Keep-Alive: timeout=` the server sent, seconds. */
  advertisedTimeoutSec: number | null;
  /** Requests sent on a kept-alive connection (after a previous transaction), late ones, late ones reset. */
  reuses: number;
  lateReuses: number;
  lateReusesReset: number;
  /** Idle times of the late reuses: the client's pool kept connections at least this long. */
  clientIdleSec: Spread;
  closes: IdleClose[];
  late: LateReuse[];
}

/** What TCP showed during an HTTP wait or before a cut (http-tcp-cause.ts). */
export interface HttpTcpCause {
  kind: 'zero-window' | 'dead-peer';
  /** First frame of the zero window / of the unanswered run, and how long it lasted. */
  frame: number;
  sec: number;
  /** The RST that ended it, if one did. */
  endedByRstFrame: number | null;
}

export interface TruncatedBody {
  connection: number;
  request: string;
  status: number | null;
  responseFrame: number;
  framing: 'content-length' | 'chunked';
  /** Content-Length (null for chunked), body bytes delivered (bytes lost by the capture count as delivered in the check, not here). */
  declared: number | null;
  delivered: number;
  endedBy: Side;
  endedHow: 'fin' | 'rst';
  endFrame: number | null;
  endEpoch: number;
  tcpCause: HttpTcpCause | null;
}

interface TruncatedBodyDetails {
  server: FindingEndpoint;
  count: number;
  responses: TruncatedBody[];
}

export interface ForwardedHeader {
  name: string;
  value: string;
  /** 'request': client → proxy copied to proxy → upstream; 'response': upstream's copied to the client. */
  direction: 'request' | 'response';
}

export interface HopByHopPair {
  request: string;
  /** The client leg (proxy as server) and the upstream leg (proxy as client). */
  inbound: { connection: number; requestFrame: number; responseFrame: number | null };
  outbound: { connection: number; requestFrame: number; responseFrame: number | null };
  headers: ForwardedHeader[];
  /** Inbound request → outbound request: how long the proxy held it. */
  heldSec: number;
  /** Inbound request → the first byte of the proxy's response. */
  hungSec: number | null;
  /** When held at least --stall-sec: the upstream FIN (previous upstream connection) it was forwarded after. */
  upstreamFinFrame: number | null;
}

interface HopByHopDetails {
  proxy: FindingEndpoint;
  upstream: FindingEndpoint;
  pairs: number;
  /** "Name: value" of the headers copied. */
  headers: string[];
  heldRequests: number;
  waitedForUpstreamClose: number;
  requests: HopByHopPair[];
}

type StallReason =
  | 'proxy-waiting-for-upstream-close'
  | 'proxy-held-request'
  | 'zero-window'
  | 'dead-peer'
  | 'server-slow'
  | 'closed-unanswered'
  | 'unanswered-at-capture-end';

export interface StalledRequest {
  connection: number;
  request: string;
  requestFrame: number;
  requestEpoch: number;
  responseFrame: number | null;
  /** Request's last byte → response's first byte (or the connection's / capture's end). */
  waitSec: number;
  answered: boolean;
  reason: StallReason;
  tcpCause: HttpTcpCause | null;
  /** Proxy cases: the frame the proxy forwarded it upstream, and the upstream FIN it waited for. */
  forwardedFrame: number | null;
  upstreamFinFrame: number | null;
}

interface StalledResponseDetails {
  server: FindingEndpoint;
  stallSec: number;
  count: number;
  answered: number;
  longestWaitSec: number;
  reasons: StallReason[];
  requests: StalledRequest[];
}

// ---------------------------------------------------------------------------------------------

export type TimeWaitFinding = FindingBase<'time-wait-accumulation', TimeWaitDetails>;
export type CloseWaitFinding = FindingBase<'close-wait', CloseWaitDetails>;
export type LastAckFinding = FindingBase<'last-ack', LastAckDetails>;
export type FinWait2Finding = FindingBase<'fin-wait-2', FinWait2Details>;
export type ZeroWindowFinding = FindingBase<'zero-window', ZeroWindowDetails>;
export type SlowReaderFinding = FindingBase<'slow-reader', SlowReaderDetails>;
export type DeadPeerFinding = FindingBase<'dead-peer', DeadPeerDetails>;
export type ResetFinding = FindingBase<'reset', ResetDetails>;
export type KeepaliveFinding = FindingBase<'keepalive-probes', KeepaliveDetails>;
export type RetransmissionsFinding = FindingBase<'retransmissions', RetransmissionDetails>;
export type ConnectionCloseFinding = FindingBase<'connection-close', ConnectionCloseDetails>;
export type KeepaliveRaceFinding = FindingBase<'keepalive-race', KeepaliveRaceDetails>;
export type KeepaliveTimeoutMismatchFinding = FindingBase<'keepalive-timeout-mismatch', KeepaliveTimeoutMismatchDetails>;
export type TruncatedBodyFinding = FindingBase<'truncated-body', TruncatedBodyDetails>;
export type HopByHopFinding = FindingBase<'hop-by-hop-forwarded', HopByHopDetails>;
export type StalledResponseFinding = FindingBase<'stalled-response', StalledResponseDetails>;

/** One finding; `kind` discriminates `details`. */
export type Finding =
  | TimeWaitFinding
  | CloseWaitFinding
  | LastAckFinding
  | FinWait2Finding
  | ZeroWindowFinding
  | SlowReaderFinding
  | DeadPeerFinding
  | ResetFinding
  | KeepaliveFinding
  | RetransmissionsFinding
  | ConnectionCloseFinding
  | KeepaliveRaceFinding
  | KeepaliveTimeoutMismatchFinding
  | TruncatedBodyFinding
  | HopByHopFinding
  | StalledResponseFinding;

/** A finding as a detector returns it, before ranking. */
export type UnrankedFinding = Finding extends infer F ? (F extends unknown ? Omit<F, 'rank' | 'explainedBy'> : never) : never;

// ---------------------------------------------------------------------------------------------
// endpoints

/** Socket states `ss -tan` would list (CLOSED and UNKNOWN sockets are not listed). */
export type SocketState = Exclude<TcpStateName, 'CLOSED' | 'UNKNOWN'>;
export type StateCounts = Partial<Record<SocketState, number>>;

/**
 * What `ss -tan` would have shown for one endpoint over the capture, rebuilt from both sides' state
 * changes and TIME_WAIT expiry.
 */
export interface EndpointView {
  ip: string;
  /** null: every socket of the host. */
  port: number | null;
  scope: 'port' | 'host';
  /** The role(s) its sockets had. */
  role: Side | 'both';
  connections: number;
  /** Connections this endpoint closed first (FIN), the peer closed first, or that were reset. */
  closedFirst: number;
  peerClosedFirst: number;
  resetsSent: number;
  resetsReceived: number;
  /**
   * Socket counts per state over time: `t` are the instants where a count changed (epoch s) and
   * `counts[state][i]` the count from t[i] on. When there are more than 256 changes, each point is a
   * time bucket and holds the maximum of that bucket (`bucketed` true).
   */
  series: { t: number[]; counts: Partial<Record<SocketState, number[]>>; bucketed: boolean };
  /** Highest count per state and when it was first reached. */
  peak: Partial<Record<SocketState, { count: number; epoch: number }>>;
  /** Counts when the capture ended. */
  atEnd: StateCounts;
  /**
   * Connection attempts of this endpoint's client sockets that their sender gave up during the
   * capture (SYNs repeated, then none for longer than the retransmission timer waits: socket-table.ts):
   * their SYN_SENT ended then, so they are not in `atEnd`. Connection ids.
   */
  abandoned: number[];
  /** Counts at the instant asked for (`at`), with the connections in each state. */
  at: { epoch: number; time: string; counts: StateCounts; connections: Partial<Record<SocketState, number[]>> } | null;
}

/** What the detectors need of the capture: its first and last instant (epoch seconds, tshark's form). */
export interface CaptureBounds {
  firstEpoch: string | null;
  lastEpoch: string | null;
}

/**
 * Findings that tell one story (incidents.ts): a cause chain, or one server endpoint in one time
 * window. The findings stay the evidence; `findings` holds their ranks, the most likely cause first.
 */
export interface Incident {
  /** 1, 2, …: in the order of their best-ranked finding. */
  id: number;
  /** One line with the numbers. */
  headline: string;
  severity: Severity;
  endpoints: FindingEndpoint[];
  startEpoch: number | null;
  endEpoch: number | null;
  /** Ranks of its findings, ascending. */
  findings: number[];
  /** The frames to open first (at most 20, ascending). */
  keyFrames: number[];
}
