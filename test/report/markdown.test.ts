/** The Markdown summary: its parts in order, and capture strings that cannot add markup, links or table cells. */
import test from 'ava';
import { analyze } from '../../src/pipeline/run.js';
import { renderMarkdown } from '../../src/report/markdown.js';

test('verdict, ranked findings with frames and filter, key connections', async (t) => {
  const report = await analyze(['samples/close-wait-leak.pcap']);
  const md = renderMarkdown(report);
  const verdict = md.indexOf('## Verdict');
  const findings = md.indexOf('## Findings');
  const key = md.indexOf('## Key connections');
  t.true(verdict > 0 && findings > verdict && key > findings, md);
  t.regex(md, /### 1\. \[WARNING\] /);
  t.true(md.includes(`Wireshark: \` ${report.findings[0]!.wiresharkFilter} \``));
  t.regex(md, new RegExp(`Evidence frames: ${report.findings[0]!.frames[0]}, `));
  t.is(md.split('\n').filter((l: string) => /^\| \d+ \|/.test(l)).length, report.findings[0]!.connections.length);
});

test('capture strings are escaped: no link, image, HTML or extra table cell', async (t) => {
  const report = await analyze(['samples/close-wait-leak.pcap']);
  report.capture.files = ['![x](http://evil/) <script>alert(1)</script> [a](b) |'];
  report.findings[0]!.title = '*bold* <img src=x onerror=alert(1)>';
  report.findings[0]!.wiresharkFilter = 'tcp.port == 1 `x`';
  const md = renderMarkdown(report);
  t.false(md.includes('<script'));
  t.false(md.includes('<img'));
  t.false(md.includes('](http'));
  t.true(md.includes('\\*bold\\*'));
  t.true(md.includes('`` tcp.port == 1 `x` ``'), 'a code span fenced longer than the backticks inside');
});
