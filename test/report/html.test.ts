/**
 * The HTML renderer without a browser: sections and charts present, capture strings escaped
 * wherever they land (markup, attributes, the inline JSON), the re-read of selected connections.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/pipeline/run.js';
import { readConnectionSegments } from '../../src/pipeline/segments.js';
import { connectionsToDraw, renderHtmlReport } from '../../src/report/html/page.js';
import { spanOf } from '../../src/report/html/timeline.js';
import type { Report } from '../../src/model/report.js';
import { runCli } from '../helpers/cli.js';
import { TempDir } from '../helpers/io.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

const HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\u2028</script>';

async function reportOf(path: string): Promise<Report> {
  return analyze([path]);
}

test('the slow-reader report has every section, a lane and a ladder drawn from every segment', async (t) => {
  const path = 'samples/slow-reader-zero-window.pcap';
  const report = await reportOf(path);
  const ids = connectionsToDraw(report);
  t.deepEqual(ids, [0]);
  const segments = await readConnectionSegments([path], report.connections.filter((c) => ids.includes(c.id)), {});
  const segs = segments.byConnection.get(0)!;
  const c = report.connections[0]!;
  t.is(segs.length, c.packets.client + c.packets.server, 'every segment of the connection re-read');
  t.is(segs[0]!.frame, c.firstFrame);
  t.is(segs.at(-1)!.frame, c.lastFrame);
  t.true(segs.some((s) => s.window === 0 && !s.fromClient === false), 'the client\'s zero window is among them');
  const page = renderHtmlReport(report, segments);
  for (const id of ['verdict', 'findings', 'timeline', 'details', 'sockets', 'connections', 'conn-0', 'lane-0', 'finding-1']) {
    t.true(page.includes(`id="${id}"`), id);
  }
  t.true(page.includes('every one the capture holds'));
  t.regex(page, /zero window advertised by client, frame \d+/);
  t.true((page.match(/<svg/g) ?? []).length >= 5, 'overview, timeline, ladder, time-sequence and socket charts');
  t.false(/https?:\/\//.test(page.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')), 'no URL but the SVG namespace');
});

test('standard input cannot be read again: the drawings use the kept events and say so', async (t) => {
  const report = await reportOf('samples/slow-reader-zero-window.pcap');
  const segments = await readConnectionSegments(['-'], report.connections, {});
  t.is(segments.byConnection.size, 0);
  t.regex(segments.unavailable!, /standard input/);
  const page = renderHtmlReport(report, segments);
  t.regex(page, /notable segment\(s\) the analysis kept of 101 \(standard input cannot be read a second time\)/);
});

test('capture strings never become markup: file names, finding text, addresses in the inline JSON', async (t) => {
  const report = await reportOf('samples/close-wait-leak.pcap');
  report.capture.files = [HOSTILE];
  const f = report.findings[0]!;
  f.title = HOSTILE;
  f.summary = HOSTILE;
  f.advice = [HOSTILE];
  f.wiresharkFilter = HOSTILE;
  report.connections[0] = { ...(JSON.parse(JSON.stringify(report.connections[0])) as Report['connections'][number]), client: { ip: HOSTILE, port: 1 } };
  const page = renderHtmlReport(report, { byConnection: new Map(), unavailable: null });
  // Inside a quoted attribute value `<` is only text (HTML's serialiser escapes just & and "), so
  // attribute values are taken out first; a `<` anywhere else would be markup.
  const outsideAttributes = page.replace(/="[^"]*"/g, '=""');
  t.false(outsideAttributes.includes('<img'), 'no injected element');
  t.false(outsideAttributes.includes('<script>alert'), 'no injected script');
  t.is((outsideAttributes.match(/<script/g) ?? []).length, 2, 'only the data block and the report\'s own script');
  t.is((outsideAttributes.match(/<\/script>/g) ?? []).length, 2, 'nothing closes a script element early');
  t.true(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'));
  const data = page.match(/<script type="application\/json" id="conn-data">(.*?)<\/script>/s)![1]!;
  t.true((JSON.parse(data) as { dict: string[] }).dict.includes(HOSTILE), 'the JSON block still holds the string itself');
  t.regex(page.replace(/&#39;/g, "'"), /Content-Security-Policy" content="default-src 'none'; [^"]*script-src 'sha256-[A-Za-z0-9+/=]+'/);
});

test('analyze --html and --out write the report; --html with several captures is a usage error', async (t) => {
  const file = `${tmp.path}/r.html`;
  const r = await runCli(['analyze', 'samples/close-wait-leak.pcap', '--html', file]);
  t.is(r.code, 0, r.stderr);
  t.true(readFileSync(file, 'utf8').startsWith('<!DOCTYPE html>'));
  const out = `${tmp.path}/out`;
  const o = await runCli(['analyze', 'samples/dead-peer-keepalive.pcap', '--out', out]);
  t.is(o.code, 0, o.stderr);
  t.regex(readFileSync(`${out}/dead-peer-keepalive.html`, 'utf8'), /id="conn-\d+"/);
  const bad = await runCli(['analyze', 'samples', '--html', file]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--html writes one report/);
  const stdin = await runCli(['analyze', '-', '--html', file], readFileSync('samples/close-wait-leak.pcap'));
  t.is(stdin.code, 0, stdin.stderr);
  t.regex(readFileSync(file, 'utf8'), /standard input cannot be read a second time/);
});

/** The ladder's group for one frame: its arrow colour and label. */
function ladderSegment(page: string, frame: number): { stroke: string; label: string; title: string } | undefined {
  const g = (page.match(/<g class="seg[^"]*">.*?<\/g>/g) ?? []).find((s) => s.includes(`>#${frame} `));
  if (g === undefined) return undefined;
  return { stroke: /stroke="([^"]+)"/.exec(g)![1]!, label: /class="seg-label">([^<]*)</.exec(g)![1]!, title: /<title>([^<]*)</.exec(g)![1]! };
}

test('a lost request\'s first transmission (frame 10, a first-transmission event) is drawn as plain data, not as a retransmission, and without invented flags when drawn from the events', async (t) => {
  const path = 'samples/dead-peer-keepalive.pcap';
  const report = await reportOf(path);
  t.true(report.connections[0]!.events.some((e) => e.kind === 'first-transmission' && e.frame === 10));
  const reread = renderHtmlReport(report, await readConnectionSegments([path], report.connections, {}));
  const fromEvents = renderHtmlReport(report, await readConnectionSegments(['-'], report.connections, {}));
  const original = ladderSegment(reread, 10)!;
  t.is(original.stroke, 'currentColor');
  t.is(original.label, 'PSH,ACK seq=71 ack=170 len=71 win=64512');
  t.not(ladderSegment(reread, 11)!.stroke, 'currentColor', 'its retransmission is coloured as one');
  const kept = ladderSegment(fromEvents, 10)!;
  t.is(kept.stroke, 'currentColor');
  t.is(kept.label, '? seq=71 ack=? len=71 win=?');
  t.regex(kept.title, /\(first-transmission\)$/);
  for (const page of [reread, fromEvents]) t.false(/win=-1|window -1|NaN|undefined/.test(page));
});

test('last-data events (the last data before a FIN) drawn from the events alone show unknown flags, never a window of -1', async (t) => {
  const report = await reportOf('samples/keepalive-idle-race.pcap');
  const named = report.connections.flatMap((c) => c.events.filter((e) => e.kind === 'last-data'));
  t.true(named.length > 0);
  t.true(named.every((e) => e.ack === -1 && e.window === -1 && e.len > 0));
  const page = renderHtmlReport(report, await readConnectionSegments(['-'], report.connections, {}));
  const drawn = named.map((e) => ladderSegment(page, e.frame)).filter((s) => s !== undefined);
  t.true(drawn.length > 0);
  for (const s of drawn) t.regex(s.label, /^\? seq=\d+ ack=\? len=\d+ win=\?$/);
  t.false(/win=-1|window -1|NaN|undefined/.test(page));
});

test('the table\'s data block: every connection by column, its time range to the microsecond as the lanes filter it', async (t) => {
  for (const sample of ['samples/mixed.pcapng', 'samples/http-pipelining.pcap', 'samples/keepalive-idle-race.pcap']) {
    const report = await reportOf(sample);
    const page = renderHtmlReport(report, { byConnection: new Map(), unavailable: null });
    const data = JSON.parse(page.match(/<script type="application\/json" id="conn-data">(.*?)<\/script>/s)![1]!) as
      { n: number; dict: string[]; columns: Record<string, number[]> };
    t.is(data.n, report.connections.length, sample);
    const sum = (a: number[]): number[] => a.map(((s) => (v: number) => (s += v))(0));
    const ids = sum(data.columns['id']!);
    const starts = sum(data.columns['startUs']!);
    const t0 = spanOf(report).start;
    report.connections.forEach((c, i) => {
      t.is(ids[i], c.id);
      t.true(Math.abs(starts[i]! / 1e6 - (c.startEpoch - t0)) <= 1e-6, `${sample} #${c.id} start`);
      t.true(Math.abs((starts[i]! + data.columns['spanUs']![i]!) / 1e6 - (c.endEpoch - t0)) <= 1e-6, `${sample} #${c.id} end`);
      t.is(data.dict[data.columns['serverIp']![i]!], c.server.ip);
    });
  }
});
