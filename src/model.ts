/**
 * The report model: what `analyze` produces and what `--json` writes. Field names are a public,
 * versioned interface (schemaVersion); add fields freely, never rename or remove within a version.
 */
import type { CaptureProblem } from './capture/errors.js';
import type { ClassKey } from './tcp/classes.js';
import type { TcpEventKind } from './tcp/events.js';
import type { TcpStateName } from './tcp/endpoint-state.js';
import type { DecodeStatusName } from './decode/status.js';
import type { EncapsulationSummary } from './decode/decoder.js';
import type { EndpointView, Finding } from './findings/types.js';

export const SCHEMA_VERSION = 1;

export type Side = 'client' | 'server';

export interface Endpoint {
  ip: string;
  port: number;
}

export interface PerSide<T> {
  client: T;
  server: T;
}

export interface StateChangeRecord {
  state: TcpStateName;
  /** Frame that caused it; null for a timer (TIME_WAIT expiry). */
  frame: number | null;
  /** Epoch seconds. */
  time: number;
}

export interface EventRecord {
  kind: TcpEventKind;
  frame: number;
  /** Epoch seconds. */
  time: number;
  by: Side;
  /** Relative sequence number, payload length, relative ACK (-1 without ACK), window in bytes. */
  seq: number;
  len: number;
  ack: number;
  window: number;
  /** Segment classes of that frame (absent when none). */
  classes?: ClassKey[];
}

export interface SeriesRecord {
  /** Epoch seconds and values, downsampled to at most 256 points. */
  t: number[];
  v: number[];
}

export interface ConnectionRecord {
  /** Equals Wireshark's tcp.stream. */
  id: number;
  ipVersion: 4 | 6;
  client: Endpoint;
  server: Endpoint;
  roleGuessed: boolean;
  /** How the client was identified: its SYN, the SYN/ACK it received, or a port guess. */
  roleBasis: 'syn' | 'synack' | 'guess';
  firstFrame: number;
  lastFrame: number;
  startTime: string;
  endTime: string;
  /** The same two instants as epoch seconds. */
  startEpoch: number;
  endEpoch: number;
  durationSec: number;
  packets: PerSide<number>;
  payloadBytes: PerSide<number>;
  /** Unique payload bytes (highest sequence sent, retransmissions not counted twice). */
  uniqueBytes: PerSide<number>;
  closedFirstBy: Side | 'both' | null;
  firstFinFrame: number | null;
  finFrames: PerSide<number | null>;
  /** The first FIN or RST, whichever came first. */
  firstClose: { by: Side; kind: 'FIN' | 'RST'; frame: number } | null;
  resets: { frame: number; by: Side; time: number }[];
  finalState: PerSide<TcpStateName>;
  states: PerSide<StateChangeRecord[]>;
  handshake: { synFrame: number | null; synAckFrame: number | null; rttMs: number | null };
  windowScale: PerSide<number | null>;
  mss: PerSide<number | null>;
  seqWraps: PerSide<number>;
  /** Payload sent after the peer's FIN (half-close traffic), retransmissions excluded. */
  bytesAfterPeerFin: PerSide<number>;
  /** Frames sent by that side, per segment class. */
  analysis: PerSide<Partial<Record<ClassKey, number>>>;
  events: EventRecord[];
  eventsDropped: number;
  /** Present for connections of 32 segments or more. */
  series: { window: PerSide<SeriesRecord>; acked: PerSide<SeriesRecord> } | null;
  /** Packets that arrived after the connection had been summarised (counted in packets, not analysed). */
  latePackets: number;
  /** Dropped from the live table before its end (memory bound): later packets start a new id. */
  evicted: boolean;
  /** Zeek's conn.log view; `originator` says whose letters are upper case. */
  zeek: { connState: string; history: string; originator: Side };
  /**
   * The encapsulations its segments were found in, one entry per distinct stack, layers outermost
   * first joined by " / " ("vxlan vni 42", "mpls label 16 / mpls label 17"); [] for plain traffic.
   */
  tunnel: string[];
}

export interface CaptureRecord {
  files: string[];
  frames: number;
  packets: number;
  tcpSegments: number;
  firstTime: string | null;
  lastTime: string | null;
  /** The same instants as epoch seconds with nine decimals (tshark's frame.time_epoch form). */
  firstEpoch: string | null;
  lastEpoch: string | null;
  durationSec: number | null;
  decode: Record<DecodeStatusName, number>;
  /** Tunnels and overlays unwrapped: frames per kind, IP fragment reassembly, frames nested too deep. */
  encapsulation: EncapsulationSummary;
  problems: CaptureProblem[];
}

export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  generator: { name: 'tcp-postmortem'; version: string };
  capture: CaptureRecord;
  connections: ConnectionRecord[];
  /** Live-table statistics: connections evicted to bound memory, peak live connections. */
  tracking: { connections: number; peakLive: number; evicted: number; maxLive: number; latePackets: number };
  /** Ranked: the most likely cause of the incident first. */
  findings: Finding[];
  /** What `ss -tan` would have shown per endpoint over the capture (hosts first, busiest ports next). */
  endpoints: EndpointView[];
}
