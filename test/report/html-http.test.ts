/**
 * HTTP in the HTML report: the waterfall of each drawn connection (phases from the HTTP layer's
 * frames, who closed), request/response marks on the timeline lanes, and hostile targets as text.
 */
import test from 'ava';
import { analyze } from '../../src/pipeline/run.js';
import { readConnectionSegments } from '../../src/pipeline/segments.js';
import { connectionsToDraw, renderHtmlReport } from '../../src/report/html/page.js';
import { httpOf } from '../../src/model/http.js';
import type { Report } from '../../src/model/report.js';

const SAMPLE = 'samples/keepalive-idle-race.pcap';

async function page(report: Report): Promise<string> {
  const ids = connectionsToDraw(report);
  return renderHtmlReport(report, await readConnectionSegments([SAMPLE], report.connections.filter((c) => ids.includes(c.id)), {}));
}

/** The markup of one drawn connection's article. */
function article(html: string, id: number): string {
  const from = html.indexOf(`<article class="conn" id="conn-${id}">`);
  return html.slice(from, html.indexOf('</article>', from));
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

test('each drawn HTTP connection has a waterfall: one send bar per request, the unanswered request and who closed', async (t) => {
  const report = await analyze([SAMPLE]);
  const html = await page(report);
  const drawn = connectionsToDraw(report);
  t.true(drawn.length > 0);
  for (const id of drawn) {
    const c = report.connections.find((x) => x.id === id)!;
    const h = httpOf(c)!;
    t.truthy(h, `#${id} has HTTP`);
    const a = article(html, id);
    t.is(count(a, /class="waterfall"/g), 1, `#${id} waterfall`);
    t.is(count(a, /class="phase phase-send"/g), h.transactions.filter((x) => x.request !== null).length, `#${id} send bars`);
    t.is(count(a, /class="phase phase-download"/g), h.transactions.filter((x) => x.response !== null).length, `#${id} download bars`);
    t.is(count(a, /class="phase phase-connect"/g), 1, `#${id} connect`);
    t.regex(a, new RegExp(`closed by ${c.firstClose!.by} \\(${c.firstClose!.kind} #${c.firstClose!.frame}`));
  }
  // Connection 1: the second request raced the server's idle FIN and was never answered (RST 25).
  const one = article(html, 1);
  t.is(count(one, /class="phase phase-unanswered"/g), 1);
  t.regex(one, /request sent: GET \/c2\/r2, frames 24–24/);
  t.regex(one, /closed by server \(FIN #23, idle\)/);
  t.regex(one, /no response in [\d.]+ ms/, 'the wait of the raced request ends at the RST, not before the request');
});

test('timeline lanes carry a tick per request and response, with the frame in the hover text', async (t) => {
  const report = await analyze([SAMPLE]);
  const html = await page(report);
  const timeline = html.slice(html.indexOf('<section id="timeline">'), html.indexOf('<section id="details">'));
  const requests = report.connections.reduce((n, c) => n + (httpOf(c)?.transactions.filter((x) => x.request !== null).length ?? 0), 0);
  const responses = report.connections.reduce((n, c) => n + (httpOf(c)?.transactions.filter((x) => x.response !== null).length ?? 0), 0);
  t.is(requests, 12);
  t.is(count(timeline, /class="mark http-request"/g), requests);
  t.is(count(timeline, /class="mark http-response"/g), responses);
  t.regex(timeline, /HTTP request 2\. GET \/c2\/r2 by client, frame 24, \+/);
  t.regex(timeline, /HTTP response 200 to 1\. GET \/c1\/r1 by server, frame 8, /);
  t.regex(timeline, /HTTP request \(upper half\)/, 'legend');
  // Without HTTP, no HTTP legend.
  const tcpOnly = await analyze([SAMPLE], { http: false });
  t.notRegex(await page(tcpOnly), /HTTP request \(upper half\)|class="waterfall"/);
});

test('a hostile request target is text in the waterfall and on the lanes, control characters escaped', async (t) => {
  const report = await analyze([SAMPLE]);
  const hostile = '/<script>alert(1)</script>"><img src=x onerror=alert(2)>\x1b[2J';
  report.connections = report.connections.map((c) => {
    const plain = JSON.parse(JSON.stringify(c)) as Report['connections'][number] & { http: { transactions: { target: string }[] } };
    for (const x of plain.http.transactions) x.target = hostile;
    return plain;
  });
  const html = await page(report);
  const outside = html.replace(/="[^"]*"/g, '=""');
  t.false(outside.includes('<img'));
  t.is(count(outside, /<script/g), 2);
  t.false(html.includes('\x1b'), 'no raw escape character');
  // In a text node a quote needs no escape (the SVG serialiser leaves it), in escape-html's output it is &quot;.
  t.regex(html, /GET \/&lt;script&gt;alert\(1\)&lt;\/script&gt;("|&quot;)&gt;&lt;img src=x onerror=alert\(2\)&gt;\\x1b\[2J/);
});
