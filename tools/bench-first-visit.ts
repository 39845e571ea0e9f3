/**
 * What a first visit costs on a static host that compresses nothing and sends no COOP/COEP headers (issue 16):
 * the body bytes the server sends until a question is answered by meaning AND the page says it is ready for
 * offline use, per file, and the time from navigation to that first answer by meaning. Then the repeat visit:
 * reloads to status ready (`ready_repeat_ms`, the page's own `app:ready` mark; `ready_repeat_polled_ms`, the
 * driver's clock as measured before that mark existed) and the bytes they cost.
 *
 *   npx tsx tools/bench-first-visit.ts [--runs 3] [--json] <site dir> [<site dir> …]
 *
 * Each site is a build made with BASE_PATH=/paper-search/ (e.g. .cache/e2e-site). Sites are measured in turn,
 * `--runs` times each, alternating, so that a before/after pair shares the machine's load. Served by
 * tests/e2e/static-server.ts (the e2e tests' GitHub Pages stand-in), which counts what it sends.
 * Not a test: it asserts nothing about speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startStaticServer } from '../tests/e2e/static-server.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './bench-browser.ts';
import { parseCommandLine } from './cli.ts';
import { median, round } from './stats.ts';

const QUESTION = 'a German language model';
const LONG = 600_000;

export interface FirstVisit {
  /** Body bytes sent until the first answer by meaning and "ready for offline use". */
  bytes: number;
  /** Per URL path below the base. */
  files: Record<string, number>;
  /** Navigation to the first answer by meaning (hybrid ranking, no keyword fallback). */
  firstAnswerMs: number;
  /** Reloads with everything cached: navigation to the page's own `app:ready` mark (status first says ready). */
  repeatMs: number[];
  /** The same reloads timed as before 2026-12-06 evening: Node's clock from reload() to Playwright seeing the status (polls every 500 ms after the first 270). */
  repeatPolledMs: number[];
  /** Body bytes those reloads cost together. */
  repeatBytes: number;
}

const total = (files: Map<string, number>) => [...files.values()].reduce((sum, bytes) => sum + bytes, 0);

async function answeredByMeaning(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="status"][data-engine="ready"]', { timeout: LONG });
  await page.waitForFunction(
    (q) => {
      const summary = document.querySelector('[data-testid="summary"]');
      const answered = summary?.getAttribute('data-query') === q && summary.getAttribute('data-searching') === 'false';
      return answered && summary.getAttribute('data-mode') === 'hybrid' && summary.getAttribute('data-fallback') === '' && document.querySelector('[data-testid="result"]') !== null;
    },
    QUESTION,
    { timeout: LONG },
  );
}

/** The page's `app:ready` mark: ms from the navigation's start to the status first saying ready. */
async function readyMark(page: Page): Promise<number> {
  const at = await page.evaluate(() => performance.getEntriesByName('app:ready', 'mark')[0]?.startTime ?? null);
  if (at === null) throw new Error('the page set no app:ready mark: built before issue 16.5\'s mark? (src/app/services/app-state.ts)');
  return at;
}

/**
 * `count` reloads of `page` with everything cached, each until the status says ready: timed by the page's
 * `app:ready` mark (`markMs`), and on the driver's clock as before that mark existed (`polledMs`).
 */
export async function timeReloads(page: Page, count: number): Promise<{ markMs: number[]; polledMs: number[] }> {
  const markMs: number[] = [];
  const polledMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await page.reload();
    await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: LONG });
    polledMs.push(performance.now() - started);
    markMs.push(await readyMark(page));
  }
  return { markMs, polledMs };
}

/** One first visit (fresh profile) of the site in `dir`, served under `basePath`, then `repeats` reloads. */
export async function measureFirstVisit(dir: string, basePath = '/paper-search/', repeats = 3): Promise<FirstVisit> {
  const server = await startStaticServer(dir, basePath);
  const profile = mkdtempSync(join(tmpdir(), 'first-visit-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const started = performance.now();
    await page.goto(`${server.baseUrl}?q=${encodeURIComponent(QUESTION)}`);
    await answeredByMeaning(page);
    const firstAnswerMs = performance.now() - started;
    await page.waitForSelector('[data-testid="offline"][data-ready="true"]', { timeout: LONG });
    const files = server.bodyBytes();
    const { markMs: repeatMs, polledMs: repeatPolledMs } = await timeReloads(page, repeats);
    const repeatBytes = total(server.bodyBytes()) - total(files);
    const perFile = Object.fromEntries([...files].sort((a, b) => b[1] - a[1]).map(([path, bytes]) => [path.slice(basePath.length), bytes]));
    return { bytes: total(files), files: perFile, firstAnswerMs, repeatMs, repeatPolledMs, repeatBytes };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await server.close();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const { options, positionals } = parseCommandLine(argv, { runs: 'count', json: 'boolean' }, true);
  const runs = options.runs ?? 3;
  const sites = positionals.map((dir) => resolve(dir));
  if (sites.length === 0) throw new Error('name at least one built site folder (built with BASE_PATH=/paper-search/)');
  const visits = new Map<string, FirstVisit[]>(sites.map((site) => [site, []]));
  for (let run = 0; run < runs; run++) {
    for (const site of sites) {
      const visit = await measureFirstVisit(site);
      visits.get(site)!.push(visit);
      console.error(`${site} run ${run + 1}: ${(visit.bytes / 1e6).toFixed(2)} MB, first answer ${visit.firstAnswerMs.toFixed(0)} ms, repeat ${visit.repeatMs.map((ms) => ms.toFixed(0)).join(' / ')} ms (polled ${visit.repeatPolledMs.map((ms) => ms.toFixed(0)).join(' / ')}) (${visit.repeatBytes} B); load ${loadavg()[0].toFixed(2)}`);
    }
  }
  const result = Object.fromEntries(
    [...visits].map(([site, list]) => [
      site,
      {
        first_visit_bytes_plain: median(list.map((v) => v.bytes)),
        first_answer_ms: round(median(list.map((v) => v.firstAnswerMs))),
        first_answer_ms_runs: list.map((v) => round(v.firstAnswerMs)),
        ready_repeat_ms: round(median(list.flatMap((v) => v.repeatMs))),
        ready_repeat_polled_ms: round(median(list.flatMap((v) => v.repeatPolledMs))),
        repeat_visit_bytes: median(list.map((v) => v.repeatBytes)),
        files: list[0].files,
      },
    ]),
  );
  console.log(options.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
