/**
 * Where a repeat visit's time goes (issue 16.5): one first visit of a built site, then `--reloads` reloads with
 * everything cached; for each, the page's and the embedding worker's performance measures (`app:*`, `worker:*`)
 * on one clock (ms since the reload's navigation start) and the moment the status said ready.
 *
 *   npx tsx tools/trace-repeat-visit.ts [--reloads 3] <site dir built with BASE_PATH=/paper-search/>
 *
 * Not a benchmark (tools/bench-first-visit.ts is): it attributes time, it does not compare builds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Worker } from 'playwright-core';
import { startStaticServer } from '../tests/e2e/static-server.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './bench-browser.ts';
import { parseCommandLine } from './cli.ts';

interface Span {
  name: string;
  start: number;
  end: number;
}

const LONG = 600_000;

async function spansOf(target: { evaluate: Worker['evaluate'] }): Promise<{ origin: number; spans: Span[] }> {
  return target.evaluate(() => ({
    origin: performance.timeOrigin,
    spans: performance.getEntriesByType('measure').map((m) => ({ name: m.name, start: m.startTime, end: m.startTime + m.duration })),
  }));
}

async function main(argv: readonly string[]): Promise<void> {
  const { options, positionals } = parseCommandLine(argv, { reloads: 'count' }, true);
  const dir = resolve(positionals[0] ?? '.cache/e2e-site');
  const server = await startStaticServer(dir, '/paper-search/');
  const profile = mkdtempSync(join(tmpdir(), 'trace-repeat-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.baseUrl);
    console.error('first visit…');
    await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: LONG });
    await page.waitForSelector('[data-testid="offline"][data-ready="true"]', { timeout: LONG });
    for (let i = 0; i < (options.reloads ?? 3); i++) {
      const workers: Worker[] = [];
      const onWorker = (worker: Worker) => workers.push(worker);
      page.on('worker', onWorker);
      await page.reload();
      await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: LONG });
      console.error(`reload ${i + 1} ready`);
      const readyAt = await page.evaluate(() => performance.now());
      page.off('worker', onWorker);
      const main = await spansOf(page);
      const rows: Span[] = main.spans.map((s) => ({ ...s, name: `page ${s.name}` }));
      for (const worker of workers) {
        // A worker that ended (or never answers) is skipped: its spans are lost, not the run.
        const seen = await Promise.race([spansOf(worker), new Promise<null>((r) => setTimeout(() => r(null), 5_000))]).catch(() => null);
        if (!seen) continue;
        const shift = seen.origin - main.origin;
        rows.push(...seen.spans.map((s) => ({ name: `worker ${s.name}`, start: s.start + shift, end: s.end + shift })));
      }
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return { responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd };
      });
      console.log(`reload ${i + 1}: status ready at ${readyAt.toFixed(0)} ms (load ${loadavg()[0].toFixed(2)}); DOMContentLoaded ${nav.domContentLoaded.toFixed(0)}, load ${nav.load.toFixed(0)}`);
      for (const row of rows.sort((a, b) => a.start - b.start)) console.log(`  ${row.start.toFixed(0).padStart(6)} → ${row.end.toFixed(0).padStart(6)}  (${(row.end - row.start).toFixed(0).padStart(5)} ms)  ${row.name}`);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await server.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
