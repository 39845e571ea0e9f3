import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { launch, waitForState, withPage, type LaunchedBrowser, type Page } from './browser.ts';
import { BASE_PATH, SITE_CORPUS } from './global-setup.ts';
import { libraries, noticeText, notices, search, status } from './helpers.ts';
import { startStaticServer, type FaultRule, type StaticServer } from './static-server.ts';

/**
 * Issue 10: a site that publishes its library in the compressed layout (`npm run index -- --layout compressed`):
 * library.json, sign codes, int8 rows, keyword shards and text shards. Built here from the bundled papers and
 * the vectors the main build made, served as GitHub Pages serves it (sub-path, no COOP/COEP), beside the
 * main e2e site, which has the same papers in the exact layout.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const WORK = resolve(ROOT, process.env.E2E_OUT_DIR ? `${process.env.E2E_OUT_DIR}-published` : '.cache/e2e-published');
const PUBLIC = resolve(WORK, 'public');
const SITE = resolve(WORK, 'site');

function buildPublishedSite(): void {
  const vectors = resolve(inject('siteDir'), 'corpus', 'vectors.bin');
  if (!existsSync(vectors)) throw new Error(`${vectors} is missing: the main e2e build makes it`);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  // Not public/corpus: whatever a lab's `npm run index` left there is not this test's library (issue 17.4).
  cpSync(resolve(ROOT, 'public'), PUBLIC, { recursive: true, filter: (source) => resolve(source) !== resolve(ROOT, 'public', 'corpus') });
  const env = { ...process.env, BASE_PATH, NODE_ENV: 'production', PAPER_SEARCH_PUBLIC_DIR: PUBLIC };
  const run = (args: string[]) => execFileSync('npx', args, { cwd: ROOT, env, stdio: 'inherit' });
  run(['tsx', 'tools/index.ts', '--corpus', SITE_CORPUS, '--out', resolve(PUBLIC, 'corpus'), '--layout', 'compressed', '--vectors', vectors, '--name', 'Daily Papers (published)']);
  run(['vite', 'build', '--outDir', SITE, '--emptyOutDir']);
}

/** The published site's own fault and request log endpoints (tests/e2e/static-server.ts). */
async function control(server: StaticServer, method: string, path: '/__faults' | '/__requests', body?: unknown): Promise<unknown> {
  const response = await fetch(new URL(path, server.baseUrl), { method, headers: body ? { 'Content-Type': 'application/json' } : undefined, body: body ? JSON.stringify(body) : undefined });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}
const setFaults = (server: StaticServer, rules: FaultRule[]) => control(server, 'POST', '/__faults', { rules });
const clearFaults = (server: StaticServer) => control(server, 'DELETE', '/__faults');
const requested = async (server: StaticServer) => (await control(server, 'GET', '/__requests')) as string[];
const clearRequests = (server: StaticServer) => control(server, 'DELETE', '/__requests');

async function publishedState(page: Page): Promise<{ vectors: string; offline: string; missingBytes: number }> {
  return page.$eval('[data-testid="published"]', (node) => ({
    vectors: node.getAttribute('data-vectors') ?? '',
    offline: node.getAttribute('data-offline') ?? '',
    missingBytes: Number(node.getAttribute('data-missing-bytes')),
  }));
}

async function openSite(browser: LaunchedBrowser, server: StaticServer): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(server.baseUrl);
  return page;
}

/** Waits until the page is ready and the library's vectors are installed (search by meaning works). */
async function untilMeaningReady(page: Page, timeout: number): Promise<void> {
  await waitForState(page, 'ready');
  await page.waitForSelector('[data-testid="published"][data-vectors="ready"]', { timeout });
}

/** Searches and waits until every result's text has arrived (the first page shows first). */
async function searchAll(page: Page, query: string, mode?: string): Promise<string[]> {
  if (mode) await page.locator(`[data-testid="mode-${mode}"]`).locator('..').click(); // the visible label
  await search(page, query, mode);
  await page.waitForSelector('[data-testid="summary"][data-texts-pending="false"][data-searching="false"]');
  return search(page, query, mode);
}

const QUESTIONS = ['how do I fine-tune a big model on one GPU?', 'state space models as an alternative to attention', 'a German language model'];

describe('a library published with the site (compressed layout)', () => {
  let server: StaticServer;

  beforeAll(async () => {
    if (!process.env.E2E_SKIP_BUILD || !existsSync(SITE)) buildPublishedSite();
    server = await startStaticServer(SITE, BASE_PATH);
  }, 900_000);

  afterAll(async () => {
    await server?.close();
  });

  test('opens in the bundled papers\' place, installs its vectors once, and ranks as the exact layout does', async () => {
    const exact: string[][] = [];
    await withPage({}, async (page) => {
      await page.goto(inject('baseUrl'));
      await waitForState(page, 'ready');
      for (const question of QUESTIONS) exact.push((await search(page, question, 'hybrid')).slice(0, 3));
    });
    await clearRequests(server);
    const browser = await launch();
    try {
      const page = await openSite(browser, server);
      await untilMeaningReady(page, 120_000);
      expect((await libraries(page))[0]).toEqual({ id: 'bundled', name: 'Daily Papers (published)', count: 96 });
      expect(await page.$('[data-testid="export-library"]')).toBeNull();
      expect(await page.$('[data-testid="map-panel"]')).toBeNull();
      for (const [i, question] of QUESTIONS.entries()) {
        const ids = await searchAll(page, question, 'hybrid');
        expect(await page.$eval('[data-testid="summary"]', (node) => node.getAttribute('data-fallback'))).toBe('');
        expect(ids.slice(0, 3)).toEqual(exact[i]);
      }
      // Every result shows its title and abstract, read from the text shards.
      const titles = await page.$$eval('[data-testid="result"] h2', (nodes) => nodes.map((node) => node.textContent?.trim() ?? ''));
      expect(titles.every((title) => title.length > 0)).toBe(true);
      const first = await requested(server);
      expect(first.filter((path) => path.includes('/corpus/codes/')).length).toBe(1);
      expect(first.filter((path) => path.includes('/corpus/rows/')).length).toBe(1);
      expect(first.some((path) => path.includes('/corpus/keyword/'))).toBe(true);
      expect(first.some((path) => path.includes('/corpus/text/'))).toBe(true);
      // A reload opens the installed copy: no vector file is downloaded again, and meaning answers.
      await clearRequests(server);
      await page.reload();
      await untilMeaningReady(page, 30_000);
      await searchAll(page, QUESTIONS[0], 'semantic');
      const again = await requested(server);
      expect(again.filter((path) => /\/corpus\/(codes|rows)\//.test(path))).toEqual([]);
      expect((await status(page)).fromPrecomputed).toBe(96);
    } finally {
      await browser.close();
    }
  });

  test('"make this library available offline" says its size first, shows progress, and then works with the network off', async () => {
    const browser = await launch();
    try {
      const page = await openSite(browser, server);
      await untilMeaningReady(page, 120_000);
      await page.waitForSelector('[data-testid="offline-download"]');
      const before = await publishedState(page);
      expect(before.offline).toBe('partial');
      expect(before.missingBytes).toBeGreaterThan(0);
      expect(await page.textContent('[data-testid="offline-download"]')).toMatch(/available offline \(\d[\d.,]* (B|KB|MB|kB)\)/);
      await page.click('[data-testid="offline-download"]');
      await page.waitForSelector('[data-testid="published"][data-offline="complete"]', { timeout: 120_000 });
      expect(await notices(page)).toContain('published-offline-ready');
      // The app itself is in the service worker's precache; the library's files in Cache Storage and OPFS.
      await page.waitForSelector('[data-testid="status"][data-offline="ready"]', { timeout: 120_000 }).catch(() => undefined);
      await browser.context.setOffline(true);
      await page.reload();
      await untilMeaningReady(page, 30_000);
      for (const question of QUESTIONS) {
        const ids = await searchAll(page, question, 'hybrid');
        expect(ids.length).toBeGreaterThan(0);
        expect(await page.$eval('[data-testid="summary"]', (node) => node.getAttribute('data-fallback'))).toBe('');
      }
      expect(await notices(page)).not.toContain('published-vectors-failed');
    } finally {
      await browser.context.setOffline(false).catch(() => undefined);
      await browser.close();
    }
  });

  test('a failed vector download leaves keyword search answering; Retry after the network is back makes meaning work', async () => {
    await setFaults(server, [{ path: '/corpus/rows/', fault: 'status', status: 503 }]);
    const browser = await launch();
    try {
      const page = await openSite(browser, server);
      await waitForState(page, 'ready');
      await page.waitForSelector('[data-testid="notice"][data-code="published-vectors-failed"]', { timeout: 120_000 });
      expect(await noticeText(page, 'published-vectors-failed')).toMatch(/rows\//);
      const ids = await searchAll(page, 'state space models', 'hybrid');
      expect(ids.length).toBeGreaterThan(0);
      expect(await page.$eval('[data-testid="summary"]', (node) => node.getAttribute('data-fallback'))).toBe('model-unavailable');
      await clearFaults(server);
      await page.click('[data-testid="retry-published-vectors"]');
      await page.waitForSelector('[data-testid="published"][data-vectors="ready"]', { timeout: 120_000 });
      expect(await notices(page)).not.toContain('published-vectors-failed');
      await searchAll(page, 'state space models as an alternative to attention', 'hybrid');
      expect(await page.$eval('[data-testid="summary"]', (node) => node.getAttribute('data-fallback'))).toBe('');
    } finally {
      await clearFaults(server);
      await browser.close();
    }
  });

  test('issue 19: damaged text and keyword shards: every answer belongs to its query, names the part that failed, and settles', async () => {
    await setFaults(server, [
      { path: '/corpus/text/', fault: 'corrupt' },
      { path: '/corpus/keyword/', fault: 'corrupt' },
    ]);
    const browser = await launch();
    try {
      const page = await openSite(browser, server);
      await untilMeaningReady(page, 120_000);
      // Hybrid: meaning answers without keywords; the results show "text unavailable"; the summary settles.
      const first = await searchAll(page, 'state space models as an alternative to attention', 'hybrid');
      expect(first.length).toBeGreaterThan(0);
      expect(await page.$eval('[data-testid="summary"]', (node) => node.getAttribute('data-fallback'))).toBe('');
      expect(await page.textContent('[data-testid="result"] h2')).toMatch(/Text unavailable/);
      const notice = await noticeText(page, 'part-unavailable');
      expect(notice).toMatch(/keyword search/);
      expect(notice).toMatch(/the text of some results/);
      expect(await notices(page)).not.toContain('query-failed');
      // A new query in Meaning mode replaces the list: nothing of the previous answer stays.
      const second = await searchAll(page, 'E2F histone acetylation Tip60 chromatin late G1', 'semantic');
      expect(await page.$eval('[data-testid="summary"]', (node) => node.getAttribute('data-query'))).toBe('E2F histone acetylation Tip60 chromatin late G1');
      expect(second).not.toEqual(first);
      // Keywords mode answers by meaning when the keyword shards cannot be read.
      const byWords = await searchAll(page, 'German language model', 'keyword');
      expect(byWords.length).toBeGreaterThan(0);
      expect(await noticeText(page, 'part-unavailable')).toMatch(/keyword search/);
    } finally {
      await clearFaults(server);
      await browser.close();
    }
  });
});
