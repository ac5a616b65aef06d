/**
 * What the TCP stage produces per connection: the connection record (a view over the summary store,
 * record.ts) and its parts. The report model (model/report.ts) carries these records as they are;
 * their field names are part of the JSON schema.
 */
import type { ClassKey } from './classes.js';
import type { TcpEventKind } from './events.js';
import type { TcpStateName } from './endpoint-state.js';

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
