/**
 * All connections: the first page as markup (readable without JavaScript), every row as compact
 * column-wise JSON for the script to sort, filter and page. On the 181 k-connection benchmark the
 * rows were four fifths of the file as one array per row; by column, with addresses and the short
 * texts (closer, final states, flags, outcome) as indexes into one dictionary and the columns that
 * grow from row to row (ids, start times, client ports, frame numbers) as differences, they take a
 * fraction of that, and are faster to write and to parse.
 */
import type { ConnectionRecord, Report } from '../../model/report.js';
import { abandonedAttempts, finalStates, flagsOf } from '../text.js';
import { endpointText } from './format.js';
import { outcomeOf } from './outcome.js';
import { filterKey } from './timeline.js';
import { html, jsonScriptText, safeJson, type Html } from './template.js';

const FIRST_PAGE = 100;

const COLUMNS = ['id', 'client', 'server', 'packets c/s', 'bytes c/s', 'start', 'duration s', 'closed first', 'resets', 'final client/server', 'flags'] as const;

/**
 * The data block's columns (the script in assets.ts reads them by name; the block names its `delta` ones). `text` columns
 * hold dictionary indexes; `delta` columns hold each row's difference from the row before (the first
 * row: its value), so the script takes running sums. A frame column repeats the previous row's frame
 * where a row has none (its `…By` text is `-`), which keeps the differences small.
 */
const TABLE_COLUMNS = {
  id: 'delta', clientIp: 'text', clientPort: 'delta', serverIp: 'text', serverPort: 'plain',
  packetsClient: 'plain', packetsServer: 'plain', bytesClient: 'plain', bytesServer: 'plain',
  startUs: 'delta', spanUs: 'plain', durationMs: 'plain', closedBy: 'text', closedFrame: 'delta',
  resetBy: 'text', resetFrame: 'delta', resetsMore: 'plain', final: 'text', flags: 'text', outcome: 'text',
} as const;
type Column = keyof typeof TABLE_COLUMNS;

/**
 * Times as the table has them, shared by the first page and the data block: the start and the span
 * (start to last frame) in whole microseconds, what the time-range filter compares as the timeline's
 * lanes do; the duration column in whole milliseconds, as shown.
 */
const startUsOf = (c: ConnectionRecord, start: number): number => Math.round((c.startEpoch - start) * 1e6);
const spanUsOf = (c: ConnectionRecord): number => Math.round((c.endEpoch - c.startEpoch) * 1e6);
const durationMsOf = (c: ConnectionRecord): number => Math.round(c.durationSec * 1000);
/** The closer as the table names it: its side and FIN frame, '-' when none (or, never seen, no frame). */
const closerOf = (c: ConnectionRecord): string => (c.closedFirstBy === null || c.firstFinFrame === null ? '-' : c.closedFirstBy);

function cells(c: ConnectionRecord, start: number, abandoned: ReadonlySet<number>): (string | number)[] {
  const first = c.resets[0];
  return [
    c.id, endpointText(c.client), endpointText(c.server), `${c.packets.client}/${c.packets.server}`, `${c.payloadBytes.client}/${c.payloadBytes.server}`,
    `+${(startUsOf(c, start) / 1e6).toFixed(3)}`, durationMsOf(c) / 1000, closerOf(c) === '-' ? '-' : `${c.closedFirstBy} #${c.firstFinFrame}`,
    first === undefined ? '-' : `${first.by} #${first.frame}` + (c.resets.length > 1 ? ` +${c.resets.length - 1}` : ''), finalStates(c, abandoned), flagsOf(c),
  ];
}

/**
 * The column-wise data block as JSON text: `{ n, dict, delta: [names], columns: { name: [numbers] }, drawn }`
 * (see TABLE_COLUMNS). Columns are typed arrays written with join(): growing 19 plain arrays of 181 k
 * numbers and serialising them cost four times as much.
 */
function tableJson(conns: readonly ConnectionRecord[], start: number, abandoned: ReadonlySet<number>, drawn: ReadonlySet<number>): string {
  const n = conns.length;
  const dict: string[] = [];
  const index = new Map<string, number>();
  const word = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = dict.push(s) - 1));
    return i;
  };
  const columns = Object.fromEntries(Object.keys(TABLE_COLUMNS).map((k) => [k, new Float64Array(n)])) as Record<Column, Float64Array>;
  for (let i = 0; i < n; i++) {
    const c = conns[i]!;
    columns.id[i] = c.id;
    columns.clientIp[i] = word(c.client.ip);
    columns.clientPort[i] = c.client.port;
    columns.serverIp[i] = word(c.server.ip);
    columns.serverPort[i] = c.server.port;
    columns.packetsClient[i] = c.packets.client;
    columns.packetsServer[i] = c.packets.server;
    columns.bytesClient[i] = c.payloadBytes.client;
    columns.bytesServer[i] = c.payloadBytes.server;
    columns.startUs[i] = startUsOf(c, start);
    columns.spanUs[i] = spanUsOf(c);
    columns.durationMs[i] = durationMsOf(c);
    const closer = closerOf(c);
    columns.closedBy[i] = word(closer);
    // A row without a frame repeats the row before's: a difference of 0.
    columns.closedFrame[i] = closer !== '-' ? c.firstFinFrame! : i > 0 ? columns.closedFrame[i - 1]! : 0;
    const reset = c.resets[0];
    columns.resetBy[i] = word(reset?.by ?? '-');
    columns.resetFrame[i] = reset !== undefined ? reset.frame : i > 0 ? columns.resetFrame[i - 1]! : 0;
    columns.resetsMore[i] = Math.max(0, c.resets.length - 1);
    columns.final[i] = word(finalStates(c, abandoned));
    columns.flags[i] = word(flagsOf(c));
    columns.outcome[i] = word(outcomeOf(c));
  }
  const deltas = (Object.keys(TABLE_COLUMNS) as Column[]).filter((k) => TABLE_COLUMNS[k] === 'delta');
  for (const k of deltas) {
    const a = columns[k];
    for (let i = n - 1; i > 0; i--) a[i] = a[i]! - a[i - 1]!;
  }
  // Only numbers besides the dictionary: the dictionary (capture strings) goes through the escaping serialiser.
  const body = (Object.keys(columns) as Column[]).map((k) => `"${k}":[${columns[k].join(',')}]`).join(',');
  return `{"n":${n},"dict":${safeJson(dict)},"delta":${safeJson(deltas)},"columns":{${body}},"drawn":[${[...drawn].join(',')}]}`;
}

export function renderTable(report: Report, start: number, drawn: Set<number>): Html {
  const conns = report.connections;
  const abandoned = abandonedAttempts(report);
  const first = conns.slice(0, FIRST_PAGE);
  return html`<section id="connections"><h2>All connections</h2>
<p id="table-status">${conns.length > FIRST_PAGE ? `The first ${FIRST_PAGE} of ${conns.length} connections (with JavaScript: all, paged, sortable and filterable; every one is in the JSON report).` : `${conns.length} connection(s).`}</p>
<table id="conn-table"><thead><tr>${COLUMNS.map((name, i) => html`<th data-col="${i}" scope="col">${name}</th>`)}</tr></thead>
<tbody>${first.map((c) => html`<tr data-filter="${filterKey(c)}">${cells(c, start, abandoned).map((v, i) =>
    i === 0 ? html`<td><a href="#${drawn.has(c.id) ? `conn-${c.id}` : `lane-${c.id}`}">${v}</a></td>` : html`<td>${v}</td>`)}</tr>`)}</tbody></table>
<div class="pager" hidden><button type="button" id="page-prev">‹ previous</button> <span id="page-no"></span> <button type="button" id="page-next">next ›</button></div>
${jsonScriptText('conn-data', tableJson(conns, start, abandoned, drawn))}
</section>`;
}
