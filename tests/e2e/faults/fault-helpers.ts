import { expect } from 'vitest';
import { resultIds, type Page } from '../browser.ts';
export { importFile, jsonl, manyPapers } from '../helpers.ts';

/** What the fault tests read off the page: notice codes, engine state, and a search's fallback. */

export { notices as noticeCodes } from '../helpers.ts';

export async function waitForNotice(page: Page, code: string, timeoutMs = 120_000): Promise<void> {
  await page.waitForSelector(`[data-testid="notice"][data-code="${code}"]`, { timeout: timeoutMs });
}

export async function waitForEngine(page: Page, engine: 'ready' | 'unavailable' | 'restarting', timeoutMs = 240_000): Promise<void> {
  await page.waitForSelector(`[data-testid="status"][data-engine="${engine}"]`, { timeout: timeoutMs });
}

/** The ids ranked for `query` in the current mode, and whether meaning had to fall back to keywords. */
export async function searchWithFallback(page: Page, query: string): Promise<{ ids: string[]; fallback: string }> {
  await page.fill('[data-testid="query"]', query);
  await page.waitForFunction((q) => document.querySelector('[data-testid="summary"]')?.getAttribute('data-query') === q, query);
  return {
    ids: await resultIds(page),
    fallback: (await page.getAttribute('[data-testid="summary"]', 'data-fallback')) ?? '',
  };
}

/** No notice or error on the page shows library internals. */
export async function expectNoInternals(page: Page): Promise<void> {
  const text = await page.$$eval('[data-testid="notice"], [data-testid="error"]', (nodes) => nodes.map((n) => n.textContent ?? '').join(' '));
  expect(text).not.toMatch(/protobuf|ERROR_CODE|local_files_only|allowRemoteModels|Can't create a session|undefined/);
}

export { closeEmbeddingWorker } from '../embedding-worker.ts';

/** Picks a ranking mode the way a person does (the radio itself is visually hidden behind its label). */
export async function chooseMode(page: Page, mode: 'hybrid' | 'semantic' | 'keyword'): Promise<void> {
  await page.click(`label:has([data-testid="mode-${mode}"])`);
}

export async function embeddedCount(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-testid="status"]', 'data-embedded'));
}
