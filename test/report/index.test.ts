/** `--out` writes index.html: a row per capture of the run, its verdict, links to four files that exist. */
import test from 'ava';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { TempDir } from '../helpers/io.js';

const tmp = new TempDir();
test.after.always(() => tmp.cleanup());

test('analyze samples --out writes index.html linking every capture\'s four reports, with its verdict', async (t) => {
  const out = join(tmp.path, 'reports');
  const r = await runCli(['analyze', 'samples', '--out', out]);
  t.is(r.code, 0, r.stderr);
  const names = readdirSync('samples').filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => f.replace(/\.(pcapng|pcap)$/, '')).sort();
  const index = readFileSync(join(out, 'index.html'), 'utf8');
  const rows = [...index.matchAll(/<tr class="[^"]*"><td><a href="([^"]+)\.html">/g)].map((m) => decodeURIComponent(m[1]!));
  t.deepEqual(rows, names);
  for (const href of index.matchAll(/href="([^"]+)"/g)) t.true(existsSync(join(out, decodeURIComponent(href[1]!))), href[1]!);
  t.is(index.match(/href="/g)!.length, names.length * 5);
  const report = JSON.parse(readFileSync(join(out, 'slow-reader-zero-window.json'), 'utf8')) as { incidents: { headline: string }[] };
  const escaped = report.incidents[0]!.headline.replace(/'/g, '&#39;');
  t.true(index.includes(escaped), 'the top incident\'s headline is the verdict');
  t.regex(r.stderr, new RegExp(`wrote .*index\\.html \\(${names.length} capture\\(s\\)\\)`));
  t.false(index.includes('<script'), 'no script');
});

test('a capture named like markup is a text row and an encoded link', async (t) => {
  const dir = join(tmp.path, 'hostile');
  mkdirSync(dir);
  copyFileSync('samples/close-wait-leak.pcap', join(dir, '"><img src=x onerror=alert(1)>.pcap'));
  const out = join(tmp.path, 'hostile-out');
  const r = await runCli(['analyze', dir, '--out', out]);
  t.is(r.code, 0, r.stderr);
  const index = readFileSync(join(out, 'index.html'), 'utf8');
  t.false(index.replace(/="[^"]*"/g, '=""').includes('<img'));
  t.true(index.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
  t.true(index.includes(`href="${encodeURIComponent('"><img src=x onerror=alert(1)>.html')}"`));
});

test('the README\'s report screenshot exists and stays small', (t) => {
  const readme = readFileSync('README.md', 'utf8');
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+\.png)\)/g)].map((m) => m[1]!);
  t.true(images.length > 0, 'README shows a screenshot');
  for (const image of images) {
    const png = readFileSync(image);
    t.is(png.subarray(1, 4).toString('latin1'), 'PNG', image);
    t.true(png.length < 400 * 1024, `${image}: ${png.length} bytes`);
  }
});
