/**
 * Time from the embedding worker's death to the next answered query, in headless Chromium on the built site
 * served as GitHub Pages serves it (no COOP/COEP; isolation from the service worker). For docs/reliability.md.
 *
 *   npm run build && npx tsx tools/measure-recovery.ts [--runs 5] [--site dist]
 *
 * Each run: a ready page, the embedding worker closed from inside (self.close(), which no worker event
 * reports), then a query typed at once; the time until its results show, and whether they were by meaning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { closeEmbeddingWorker } from '../tests/e2e/embedding-worker.ts';
import { startStaticServer } from '../tests/e2e/static-server.ts';
import { parseOptions, runTool } from './cli.ts';

const BASE = '/paper-search/';

async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv, { runs: 'count', site: 'string' });
  const runs = options.runs ?? 5;
  const site = options.site ?? 'dist';
  const server = await startStaticServer(resolve(site), BASE);
  const profile = mkdtempSync(join(tmpdir(), 'recovery-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const times: number[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.baseUrl);
    await page.waitForSelector('[data-testid=status][data-state=ready][data-engine=ready]', { timeout: 300_000 });
    for (let run = 0; run < runs; run++) {
      const query = `how do I fine-tune a big model on one GPU? (${run})`;
      await closeEmbeddingWorker(page);
      const started = performance.now();
      await page.fill('[data-testid=query]', query);
      await page.waitForFunction((q) => document.querySelector('[data-testid=summary]')?.getAttribute('data-query') === q, query, { timeout: 120_000 });
      const ms = performance.now() - started;
      const fallback = await page.getAttribute('[data-testid=summary]', 'data-fallback');
      times.push(ms);
      process.stderr.write(`run ${run + 1}: ${ms.toFixed(0)} ms to the next answered query (by meaning: ${fallback === '' ? 'yes' : `no, ${fallback}`})\n`);
      await page.waitForSelector('[data-testid=status][data-engine=ready]');
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await server.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(JSON.stringify({ worker_recovery_ms_median: Math.round(sorted[Math.floor(sorted.length / 2)]), runs: times.map(Math.round) }));
}

runTool('measure-recovery', main);
