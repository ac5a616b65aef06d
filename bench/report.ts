/**
 * The HTML report on the benchmark capture (issue 13): its size, what writing it adds to the
 * analysis (`analyze --html` against `analyze`, from the same interleaved rounds), and the time until
 * it is interactive in Chromium — from navigation until the load event has fired and a typed filter
 * has narrowed the connection table to one row (the page's script is then running its handlers).
 * Targets: at most 25 MB, writing at most half the analysis time (ratio ≤ 1.5), interactive within 3 s.
 */
import { existsSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { CommandResult } from './commands.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Milliseconds from navigation to a working filter, median of `rounds` fresh pages. */
async function timeToInteractive(path: string, rounds: number): Promise<number | null> {
  if (!existsSync(CHROMIUM)) return null;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const page = await browser.newPage({ viewport: { width: 1250, height: 900 } });
      const started = performance.now();
      await page.goto(pathToFileURL(path).href, { waitUntil: 'load', timeout: 120_000 });
      const firstId = await page.locator('#conn-table tbody tr td a').first().textContent();
      await page.fill('#filter', `#${firstId} `);
      await page.locator('#conn-table tbody tr').nth(1).waitFor({ state: 'detached', timeout: 120_000 });
      times.push(performance.now() - started);
      await page.close();
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    await browser.close();
  }
}

export async function reportFigures(htmlPath: string, analyze: CommandResult, withHtml: CommandResult, rounds: number): Promise<string> {
  const mb = statSync(htmlPath).size / 1e6;
  const ratio = withHtml.seconds / analyze.seconds;
  const tti = await timeToInteractive(htmlPath, rounds);
  return `\nHTML report (analyze --html, same rounds):\n` +
    `  size ${mb.toFixed(1)} MB (target <= 25 MB: ${mb <= 25 ? 'met' : 'NOT met'}); ` +
    `writing it: ${withHtml.seconds.toFixed(2)} s against ${analyze.seconds.toFixed(2)} s, ${ratio.toFixed(2)}× (target <= 1.5×: ${ratio <= 1.5 ? 'met' : 'NOT met'})\n` +
    (tti === null ? `  time to interactive: not measured (no chromium at ${CHROMIUM})\n`
      : `  time to interactive in Chromium (load + a filter applied), median of ${rounds}: ${(tti / 1000).toFixed(2)} s (target <= 3 s: ${tti <= 3000 ? 'met' : 'NOT met'})\n`);
}
