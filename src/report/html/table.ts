/**
 * All connections: the first page as markup (readable without JavaScript), every row as compact
 * JSON for the script to sort, filter and page (addresses interned: 181 k rows stay a few MB).
 */
import type { ConnectionRecord, Report } from '../../model/report.js';
import { flagsOf, SHORT } from '../text.js';
import { endpointText } from './format.js';
import { filterKey } from './timeline.js';
import { html, jsonScript, type Html } from './template.js';

const FIRST_PAGE = 100;

const COLUMNS = ['id', 'client', 'server', 'packets c/s', 'bytes c/s', 'start', 'duration s', 'closed first', 'resets', 'final client/server', 'flags'] as const;

function cells(c: ConnectionRecord, start: number): (string | number)[] {
  const closer = c.closedFirstBy === null ? '-' : `${c.closedFirstBy} #${c.firstFinFrame}`;
  const first = c.resets[0];
  const resets = first === undefined ? '-' : `${first.by} #${first.frame}` + (c.resets.length > 1 ? ` +${c.resets.length - 1}` : '');
  return [
    c.id, endpointText(c.client), endpointText(c.server), `${c.packets.client}/${c.packets.server}`, `${c.payloadBytes.client}/${c.payloadBytes.server}`,
    `+${(c.startEpoch - start).toFixed(3)}`, Number(c.durationSec.toFixed(3)), closer, resets, `${SHORT[c.finalState.client]}/${SHORT[c.finalState.server]}`, flagsOf(c),
  ];
}

export function renderTable(report: Report, start: number, drawn: Set<number>): Html {
  const conns = report.connections;
  const ips: string[] = [];
  const ipIndex = new Map<string, number>();
  const intern = (ip: string): number => {
    let i = ipIndex.get(ip);
    if (i === undefined) ipIndex.set(ip, (i = ips.push(ip) - 1));
    return i;
  };
  // One row: id, client ip#, port, server ip#, port, pkts c, s, bytes c, s, start offset, duration, closer, resets, final c, s, flags, outcome key.
  const rows = conns.map((c) => {
    const v = cells(c, start);
    return [c.id, intern(c.client.ip), c.client.port, intern(c.server.ip), c.server.port, c.packets.client, c.packets.server,
      c.payloadBytes.client, c.payloadBytes.server, Number((c.startEpoch - start).toFixed(3)), v[6], v[7], v[8], v[9], v[10], c.endEpoch - start];
  });
  const first = conns.slice(0, FIRST_PAGE);
  return html`<section id="connections"><h2>All connections</h2>
<p id="table-status">${conns.length > FIRST_PAGE ? `The first ${FIRST_PAGE} of ${conns.length} connections (with JavaScript: all, paged, sortable and filterable; every one is in the JSON report).` : `${conns.length} connection(s).`}</p>
<table id="conn-table"><thead><tr>${COLUMNS.map((name, i) => html`<th data-col="${i}" scope="col">${name}</th>`)}</tr></thead>
<tbody>${first.map((c) => html`<tr data-filter="${filterKey(c)}">${cells(c, start).map((v, i) =>
    i === 0 ? html`<td><a href="#${drawn.has(c.id) ? `conn-${c.id}` : `lane-${c.id}`}">${v}</a></td>` : html`<td>${v}</td>`)}</tr>`)}</tbody></table>
<div class="pager" hidden><button type="button" id="page-prev">‹ previous</button> <span id="page-no"></span> <button type="button" id="page-next">next ›</button></div>
${jsonScript('conn-data', { ips, rows, drawn: [...drawn] })}
</section>`;
}
