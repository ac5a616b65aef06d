import type { ConnectionRecord, Report } from '../model/report.js';
import { hasReset, isUneventful, leftInCloseWait } from '../model/connection-facts.js';
import { wrapProse } from './wrap.js';

/**
 * interest(c) for a store view, reading its row only when nothing notable happened (most of a busy
 * capture's connections): the full rule builds objects for every connection.
 */
function quickInterest(c: ConnectionRecord): number {
  return isUneventful(c) ? Math.min(30, c.durationSec) : interest(c);
}

/**
 * The `top` records with the highest scores (ties: lower id first), without sorting them all: the
 * top-th highest score is the threshold, everything above it is in, then the first at it in id order.
 */
function topByScore(conns: readonly ConnectionRecord[], score: Float64Array, top: number): ConnectionRecord[] {
  if (top <= 0) return [];
  const threshold = Float64Array.from(score).sort()[score.length - top]!;
  const picked: number[] = [];
  for (let i = 0; i < conns.length; i++) if (score[i]! > threshold) picked.push(i);
  const byId = (x: number, y: number): number => conns[x]!.id - conns[y]!.id;
  const atThreshold: number[] = [];
  for (let i = 0; i < conns.length; i++) if (score[i] === threshold) atThreshold.push(i);
  atThreshold.sort(byId);
  for (const i of atThreshold) {
    if (picked.length >= top) break;
    picked.push(i);
  }
  return picked.map((i) => conns[i]!);
}

/** How much a connection deserves a row when there are too many to show. */
export function interest(c: ConnectionRecord): number {
  const a = c.analysis;
  const sum = (k: keyof typeof a.client) => (a.client[k] ?? 0) + (a.server[k] ?? 0);
  let score = 0;
  score += c.resets.length * 50;
  score += (sum('zeroWindow') > 0 ? 80 : 0) + sum('zeroWindowProbe') * 5;
  score += Math.min(100, sum('retransmission') * 3);
  const open = ['CLOSE_WAIT', 'FIN_WAIT_2', 'LAST_ACK', 'FIN_WAIT_1', 'CLOSING'];
  if (open.includes(c.finalState.client) || open.includes(c.finalState.server)) score += 60;
  score += Math.min(30, c.durationSec);
  return score;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function endpoint(e: { ip: string; port: number }): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

const SHORT: Record<string, string> = {
  UNKNOWN: '?', SYN_SENT: 'SYN_SENT', SYN_RECEIVED: 'SYN_RCVD', ESTABLISHED: 'ESTAB', FIN_WAIT_1: 'FIN_WAIT1',
  FIN_WAIT_2: 'FIN_WAIT2', CLOSING: 'CLOSING', TIME_WAIT: 'TIME_WAIT', CLOSE_WAIT: 'CLOSE_WAIT', LAST_ACK: 'LAST_ACK',
  CLOSED: 'CLOSED',
};

/** Ids of the connection attempts their sender gave up (endpoints[].abandoned): no longer SYN_SENT. */
export function abandonedAttempts(report: Report): ReadonlySet<number> {
  return new Set(report.endpoints.flatMap((e) => e.abandoned));
}

/** "SYN_SENT/?" for an attempt still open at the end, "abandoned/?" for one its sender gave up. */
export function finalStates(c: ConnectionRecord, abandoned: ReadonlySet<number>): string {
  const client = c.finalState.client === 'SYN_SENT' && abandoned.has(c.id) ? 'abandoned' : SHORT[c.finalState.client];
  return `${client}/${SHORT[c.finalState.server]}`;
}

/** Flags column: R reset, Z zero window, P probes, T retransmissions, K keep-alives, ? roles guessed. */
export function flagsOf(c: ConnectionRecord): string {
  const { client, server } = c.analysis;
  const any = (k: keyof typeof client): boolean => (client[k] ?? 0) + (server[k] ?? 0) > 0;
  // Concatenated, not joined from an array: the HTML table asks this of every connection.
  return (c.resets.length > 0 ? 'R' : '') + (any('zeroWindow') ? 'Z' : '') + (any('zeroWindowProbe') ? 'P' : '') +
    (any('retransmission') ? 'T' : '') + (any('keepAlive') ? 'K' : '') + (c.roleGuessed ? '?' : '');
}

/** Narrower terminals get the compact table. */
const WIDE_TABLE = 120;

/**
 * The terminal connection table (like `tshark -z conv,tcp`, plus states, closer and resets); `width`
 * is the terminal's (0: unknown, the full table).
 */
export function renderConnectionTable(report: Report, top: number, width = 0): string {
  const conns = report.connections;
  let shown = conns;
  if (conns.length > top) {
    // Each score once (a comparator calling interest() scored every connection ~35 times).
    const score = new Float64Array(conns.length);
    for (let i = 0; i < conns.length; i++) score[i] = quickInterest(conns[i]!);
    shown = topByScore(conns, score, top).sort((x, y) => x.id - y.id);
  }
  const lines: string[] = [];
  const abandoned = abandonedAttempts(report);
  // Under 120 columns the packet and byte counts go (they are in the JSON): what a row is for is who
  // closed, who reset and where each side was left.
  const compact = width > 0 && width < WIDE_TABLE;
  const counts = (pk: string, by: string) => (compact ? '' : `${lpad(pk, 13)} ${lpad(by, 19)} `);
  const ep = compact ? 22 : 26;
  lines.push(`${lpad('id', 5)}  ${pad('client', ep)} ${pad('server', ep)} ${counts('pkts c/s', 'bytes c/s')}${lpad('dur s', 8)}  ${pad('closed first', 13)}${pad('resets', 15)}${pad('final client/server', 22)}flags`);
  for (const c of shown) {
    const closer = c.closedFirstBy === null ? '-' : `${c.closedFirstBy} #${c.firstFinFrame}`;
    const first = c.resets[0];
    const resets = first === undefined ? '-' : `${first.by[0]}#${first.frame}` + (c.resets.length > 1 ? ` +${c.resets.length - 1}` : '');
    lines.push(
      `${lpad(String(c.id), 5)}  ${pad(endpoint(c.client), ep)} ${pad(endpoint(c.server), ep)} ` +
      counts(`${c.packets.client}/${c.packets.server}`, `${c.payloadBytes.client}/${c.payloadBytes.server}`) +
      `${lpad(c.durationSec.toFixed(3), 8)}  ${pad(closer, 13)}${pad(resets, 15)}` +
      `${pad(finalStates(c, abandoned), 22)}${flagsOf(c)}`,
    );
  }
  let byClient = 0;
  let byServer = 0;
  let both = 0;
  let withRst = 0;
  let halfOpen = 0;
  for (const c of conns) {
    const closer = c.closedFirstBy;
    if (closer === 'client') byClient++;
    else if (closer === 'server') byServer++;
    else if (closer === 'both') both++;
    if (hasReset(c)) withRst++;
    if (leftInCloseWait(c)) halfOpen++;
  }
  // The CLOSE_WAIT total says the same as the close-wait findings: sockets held half-closed too long,
  // and of those, how many were still so when the capture ended.
  const heldTooLong = new Set(report.findings.filter((f) => f.kind === 'close-wait').flatMap((f) => f.connections)).size;
  const closeWait = heldTooLong > 0 || halfOpen > 0
    ? `held in CLOSE_WAIT too long ${heldTooLong} (still at capture end ${halfOpen})`
    : 'none held in CLOSE_WAIT';
  lines.push(wrapProse('',
    `${conns.length} connection(s)${shown.length < conns.length ? `, ${shown.length} most notable shown (--top)` : ''}: ` +
    `closed first by client ${byClient}, by server ${byServer}, simultaneously ${both}; with RST ${withRst}; ${closeWait}.`, width, '  '),
  );
  lines.push(wrapProse('flags: ', 'R reset  Z zero window  P zero-window probes  T retransmissions  K keep-alives  ? client guessed from ports', width));
  return lines.join('\n') + '\n';
}
