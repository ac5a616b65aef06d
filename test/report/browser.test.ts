/**
 * Every sample's HTML report in a real browser (Debian's chromium through playwright-core): no
 * request of any kind, no console or page error, the charts drawn, and the interactions working.
 * chromium is required: without it these tests fail (CI installs it in .ci/run).
 */
import test from 'ava';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli } from '../helpers/cli.js';
import { TempDir } from '../helpers/io.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const tmp = new TempDir();
const samples = readdirSync('samples').filter((f) => /\.pcap(ng)?$/.test(f)).sort();
let browser: Browser;

test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM`);
  const out = join(tmp.path, 'out');
  const r = await runCli(['analyze', 'samples', '--out', out]);
  if (r.code !== 0) throw new Error(r.stderr);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
test.after.always(async () => {
  await browser?.close();
  tmp.cleanup();
});

interface Opened {
  page: Page;
  problems: string[];
}

async function open(path: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1250, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  const url = pathToFileURL(path).href;
  page.on('request', (req) => {
    if (req.url() !== url) problems.push(`request: ${req.url()}`);
  });
  await page.goto(url);
  return { page, problems };
}

/** The table's first page as written in the file (what a reader without JavaScript sees): cell texts per row. */
function markupRows(page: string): string[][] {
  const body = /<table id="conn-table">.*?<tbody>(.*?)<\/tbody>/s.exec(page)![1]!;
  const text = (cell: string): string => cell.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((tr) => [...tr[1]!.matchAll(/<td>(.*?)<\/td>/gs)].map((td) => text(td[1]!)));
}

for (const sample of samples) {
  const name = sample.replace(/\.(pcapng|pcap)$/, '');
  test.serial(`${name}: opens offline without errors, charts drawn, filter, sort, hover, copy and zoom work`, async (t) => {
    const { page, problems } = await open(join(tmp.path, 'out', `${name}.html`));
    for (const id of ['verdict', 'findings', 'timeline', 'details', 'sockets', 'connections']) t.true(await page.isVisible(`#${id}`), id);
    t.true(await page.locator('.timeline .lane').count() > 0, 'lanes');
    t.true(await page.locator('.timeline .lane-marks rect').count() > 0, 'lane bars');
    t.true(await page.locator('.overview path').count() > 0, 'overview areas');
    const rows = await page.locator('#conn-table tbody tr').count();
    const scripted = await Promise.all((await page.locator('#conn-table tbody tr').all()).map((tr) => tr.locator('td').allTextContents()));
    t.deepEqual(scripted, markupRows(readFileSync(join(tmp.path, 'out', `${name}.html`), 'utf8')), 'the script builds the first page from its data block exactly as the markup shows it');
    t.true(rows > 0);
    // Filter: a stream id that exists leaves its lane and row (the trailing space keeps #1 from matching #12).
    const firstId = await page.locator('#conn-table tbody tr td a').first().textContent();
    await page.fill('#filter', `#${firstId} `);
    t.is(await page.locator('#conn-table tbody tr').count(), 1);
    t.is(await page.locator('.timeline .lane:not(.hidden)').count(), 1);
    await page.fill('#filter', 'no-such-endpoint');
    t.is(await page.locator('#conn-table tbody tr').count(), 0);
    await page.fill('#filter', '');
    t.is(await page.locator('#conn-table tbody tr').count(), rows);
    // The table starts in id order; a click on the id column reverses it, another click restores it.
    const idsNow = async () => (await page.locator('#conn-table tbody tr td:first-child').allTextContents()).map(Number);
    const ascending = await idsNow();
    t.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
    await page.click('#conn-table th[data-col="0"]');
    t.deepEqual(await idsNow(), [...ascending].reverse());
    t.is(await page.getAttribute('#conn-table th[data-col="0"]', 'aria-sort'), 'descending');
    await page.click('#conn-table th[data-col="0"]');
    t.deepEqual(await idsNow(), ascending);
    // Hover a mark: the tooltip names its frame.
    const mark = page.locator('.timeline .lane-marks line.mark, .timeline .lane-marks rect').first();
    await mark.hover({ force: true });
    t.regex((await page.textContent('#tip')) ?? '', /frame/);
    // With HTTP: the request ticks hover with their frame, and each waterfall has its phase bars.
    if (await page.locator('.timeline line.http-request').count() > 0) {
      await page.locator('.timeline line.http-request').first().hover({ force: true });
      t.regex((await page.textContent('#tip')) ?? '', /^HTTP request \d+\. \S+ .* by client, frame \d+/);
    }
    for (const w of await page.locator('svg.waterfall').all()) t.true(await w.locator('rect.phase').count() > 0, 'waterfall bars');
    if (await page.locator('button.copy').count() > 0) {
      await page.click('button.copy >> nth=0');
      // The label says Copied for 1.5 s once the clipboard write resolves; wait for it rather than
      // reading once (a loaded machine resolves the write late). A locator wait, since the page's CSP
      // forbids the string evaluation page.waitForFunction polls with.
      const copied = await page.locator('button.copy').first().filter({ hasText: /^Copied$/ }).waitFor({ timeout: 10_000 })
        .then(() => true, (e: Error) => e.message);
      t.is(copied, true, 'the copy button confirms');
      const filter = await page.textContent('button.copy >> nth=0 >> xpath=preceding-sibling::*[1]');
      t.is(await page.evaluate('navigator.clipboard.readText()'), filter, 'the filter is on the clipboard');
    }
    // Zoom: drag across the left half of the overview.
    await page.locator('.overview').scrollIntoViewIfNeeded();
    const box = (await page.locator('.overview').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    t.true(Number(await page.getAttribute('.timeline', 'data-zoom')) > 1);
    t.regex((await page.textContent('#zoom-range')) ?? '', /zoomed to/);
    await page.click('#zoom-reset');
    t.is(await page.getAttribute('.timeline', 'data-zoom'), '1');
    t.deepEqual(problems, []);
    await page.close();
  });
}

test.serial('a capture named like markup shows the name as text and runs nothing', async (t) => {
  const hostile = join(tmp.path, '"><img src=x onerror=alert(1)><script>alert(2)<\\script>.pcap');
  copyFileSync('samples/close-wait-leak.pcap', hostile);
  const file = join(tmp.path, 'hostile.html');
  const r = await runCli(['analyze', hostile, '--html', file]);
  t.is(r.code, 0, r.stderr);
  const { page, problems } = await open(file);
  t.is(await page.locator('img').count(), 0);
  t.is(await page.locator('script').count(), 2);
  t.regex((await page.textContent('h1')) ?? '', /"><img src=x onerror=alert\(1\)><script>/);
  t.deepEqual(problems, []);
  await page.close();
});
