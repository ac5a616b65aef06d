/** What every detector receives: the records, the options, and shared analyses computed once. */
import type { ConnectionRecord } from '../tcp/connection-record.js';
import type { CaptureBounds } from './types.js';
import { TCP_STATE_NAMES } from '../tcp/endpoint-state.js';
import { C_KEEP_ALIVE, C_RETRANSMISSION, C_ZERO_WINDOW, C_ZERO_WINDOW_PROBE } from '../tcp/classes.js';
import { zeroWindowEpisodes } from './episodes.js';
import { retryRuns, type Run } from './runs.js';
import { intervalAt, type SocketInterval } from './sockets.js';
import { connectionFacts, socketTable, type ConnectionFacts, type SocketTable } from './socket-table.js';
import type { SocketState, ZeroWindowEpisode } from './types.js';

/**
 * The socket states whose intervals `socketIntervalsOf` hands out as objects (lingering CLOSE_WAIT /
 * LAST_ACK / FIN_WAIT_2, TIME_WAIT); the flat table (`sockets()`) holds every state.
 */
const DETECTOR_STATES: readonly SocketState[] = ['FIN_WAIT_2', 'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK'];
const DETECTOR_CODES: ReadonlySet<number> = new Set(DETECTOR_STATES.map((st) => TCP_STATE_NAMES.indexOf(st)));

export interface DetectorContext {
  readonly connections: readonly ConnectionRecord[];
  readonly capture: CaptureBounds;
  /** Epoch seconds of the capture's first and last frame. */
  readonly start: number;
  readonly end: number;
  readonly closeWaitSec: number;
  readonly timeWaitSec: number;
  /** A request without a response's first byte for longer than this is stalled (stalled-response). */
  readonly stallSec: number;
  /** A connection by id (its position, for the engine's records: no map is built then). */
  byId: { get(id: number): ConnectionRecord | undefined };
  /** Zero-window episodes of every connection. */
  zeroWindows(): readonly ZeroWindowEpisode[];
  /** Retry runs of every connection. */
  runs(): readonly Run[];
  /** Every socket interval of the capture, flat (socket-table.ts). */
  sockets(): SocketTable;
  /** Class bits and RSTs per socket: all that the detectors which run before the table read. */
  facts(): ConnectionFacts;
  /** Hands over a table built elsewhere (a helper thread) for the detectors that need intervals. */
  provideSockets(t: SocketTable): void;
  /** The same, for one connection (indexed: detectors must stay linear in the number of connections). */
  zeroWindowsOf(id: number): readonly ZeroWindowEpisode[];
  runsOf(id: number): readonly Run[];
  /** One connection's socket intervals in the closing states (see DETECTOR_STATES), as objects. */
  socketIntervalsOf(id: number): readonly SocketInterval[];
  /** The position of connection `id` in `connections` (-1 when absent). */
  indexOf(id: number): number;
  /** Connections a detector has explained, so that a later one does not report them again. */
  readonly claimed: Map<string, Set<number>>;
}

export function makeContext(
  connections: readonly ConnectionRecord[], capture: CaptureBounds, start: number, end: number,
  closeWaitSec: number, timeWaitSec: number, stallSec: number, provided: SocketTable | null = null,
): DetectorContext {
  let zw: ZeroWindowEpisode[] | null = null;
  let runs: Run[] | null = null;
  let zwBy: Map<number, ZeroWindowEpisode[]> | null = null;
  let runsBy: Map<number, Run[]> | null = null;
  let table: SocketTable | null = provided;
  const sockets = () => (table ??= socketTable(connections, timeWaitSec));
  let lightFacts: ConnectionFacts | null = null;
  const facts = (): ConnectionFacts => table ?? (lightFacts ??= connectionFacts(connections));
  let indexById: Map<number, number> | null = null;
  const indexOf = (id: number): number => {
    if (connections[id]?.id === id) return id; // the engine's records are in id order
    indexById ??= new Map(connections.map((c, i) => [c.id, i]));
    return indexById.get(id) ?? -1;
  };
  // Only connections whose frames carry the classes an episode or a run is made of are read.
  const withClasses = (mask: number): ConnectionRecord[] => {
    const t = facts();
    return connections.filter((_, i) => ((t.classBits[2 * i]! | t.classBits[2 * i + 1]!) & mask) !== 0);
  };
  const zeroWindows = () => (zw ??= withClasses(C_ZERO_WINDOW | C_ZERO_WINDOW_PROBE).flatMap((c) => zeroWindowEpisodes(c, end)));
  const allRuns = () => (runs ??= withClasses(C_RETRANSMISSION | C_KEEP_ALIVE).flatMap((c) => retryRuns(c, end)));
  const byId = { get: (id: number): ConnectionRecord | undefined => connections[indexOf(id)] };
  const socketIntervalsOf = (id: number): SocketInterval[] => {
    const i = indexOf(id);
    if (i < 0) return [];
    const t = sockets();
    const out: SocketInterval[] = [];
    // Only the closing states become objects (each one recomputes its frames from the record).
    for (let k = t.begin[2 * i]!; k < t.end[2 * i + 1]!; k++) {
      if (DETECTOR_CODES.has(t.state[k]!)) out.push(intervalAt(t, k, connections));
    }
    return out;
  };
  return {
    connections,
    capture,
    start,
    end,
    closeWaitSec,
    timeWaitSec,
    stallSec,
    byId,
    zeroWindows,
    runs: allRuns,
    sockets,
    facts,
    provideSockets: (t: SocketTable) => {
      table = t;
      lightFacts = null; // the table has the same facts
    },
    zeroWindowsOf: (id) => (zwBy ??= byConnection(zeroWindows())).get(id) ?? [],
    runsOf: (id) => (runsBy ??= byConnection(allRuns())).get(id) ?? [],
    socketIntervalsOf,
    indexOf,
    claimed: new Map(),
  };
}

export function claim(ctx: DetectorContext, what: string, ids: Iterable<number>): void {
  let s = ctx.claimed.get(what);
  if (s === undefined) ctx.claimed.set(what, (s = new Set()));
  for (const id of ids) s.add(id);
}

export function isClaimed(ctx: DetectorContext, what: string, id: number): boolean {
  return ctx.claimed.get(what)?.has(id) ?? false;
}

function byConnection<T extends { connection: number }>(items: readonly T[]): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const x of items) {
    const l = m.get(x.connection);
    if (l === undefined) m.set(x.connection, [x]);
    else l.push(x);
  }
  return m;
}
