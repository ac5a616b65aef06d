/** What every detector receives: the records, the options, and shared analyses computed once. */
import type { CaptureRecord, ConnectionRecord } from '../model.js';
import { zeroWindowEpisodes } from './episodes.js';
import { retryRuns, type Run } from './runs.js';
import { socketIntervals, type SocketInterval } from './sockets.js';
import type { SocketState, ZeroWindowEpisode } from './types.js';

/**
 * The socket states the detectors look at (lingering CLOSE_WAIT / LAST_ACK / FIN_WAIT_2, TIME_WAIT):
 * the others are left out, which more than halves the intervals built on a large capture. The endpoint
 * view walks every state on its own (endpoints.ts).
 */
const DETECTOR_STATES: ReadonlySet<SocketState> = new Set<SocketState>(['FIN_WAIT_2', 'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK']);

export interface DetectorContext {
  readonly connections: readonly ConnectionRecord[];
  readonly capture: CaptureRecord;
  /** Epoch seconds of the capture's first and last frame. */
  readonly start: number;
  readonly end: number;
  readonly closeWaitSec: number;
  readonly timeWaitSec: number;
  readonly byId: ReadonlyMap<number, ConnectionRecord>;
  /** Zero-window episodes of every connection. */
  zeroWindows(): readonly ZeroWindowEpisode[];
  /** Retry runs of every connection. */
  runs(): readonly Run[];
  /** Socket intervals in the closing states (see DETECTOR_STATES). */
  socketIntervals(): readonly SocketInterval[];
  /** The same, for one connection (indexed: detectors must stay linear in the number of connections). */
  zeroWindowsOf(id: number): readonly ZeroWindowEpisode[];
  runsOf(id: number): readonly Run[];
  socketIntervalsOf(id: number): readonly SocketInterval[];
  /** Connections a detector has explained, so that a later one does not report them again. */
  readonly claimed: Map<string, Set<number>>;
}

export function makeContext(
  connections: readonly ConnectionRecord[], capture: CaptureRecord, start: number, end: number,
  closeWaitSec: number, timeWaitSec: number,
): DetectorContext {
  let zw: ZeroWindowEpisode[] | null = null;
  let runs: Run[] | null = null;
  let sockets: SocketInterval[] | null = null;
  let zwBy: Map<number, ZeroWindowEpisode[]> | null = null;
  let runsBy: Map<number, Run[]> | null = null;
  let socketsBy: Map<number, SocketInterval[]> | null = null;
  const zeroWindows = () => (zw ??= connections.flatMap((c) => zeroWindowEpisodes(c, end)));
  const allRuns = () => (runs ??= connections.flatMap((c) => retryRuns(c, end)));
  const allSockets = () => (sockets ??= socketIntervals(connections, timeWaitSec, DETECTOR_STATES));
  return {
    connections,
    capture,
    start,
    end,
    closeWaitSec,
    timeWaitSec,
    byId: new Map(connections.map((c) => [c.id, c])),
    zeroWindows,
    runs: allRuns,
    socketIntervals: allSockets,
    zeroWindowsOf: (id) => (zwBy ??= byConnection(zeroWindows())).get(id) ?? [],
    runsOf: (id) => (runsBy ??= byConnection(allRuns())).get(id) ?? [],
    socketIntervalsOf: (id) => (socketsBy ??= byConnection(allSockets())).get(id) ?? [],
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
