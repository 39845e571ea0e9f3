import { expect } from 'vitest';
import type { Page } from '../browser.ts';
import { PAPERS } from '../helpers.ts';

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
    ids: await page.$$eval('[data-testid="result"]', (nodes) => nodes.map((n) => n.getAttribute('data-id') ?? '')),
    fallback: (await page.getAttribute('[data-testid="summary"]', 'data-fallback')) ?? '',
  };
}

/** No notice or error on the page shows library internals. */
export async function expectNoInternals(page: Page): Promise<void> {
  const text = await page.$$eval('[data-testid="notice"], [data-testid="error"]', (nodes) => nodes.map((n) => n.textContent ?? '').join(' '));
  expect(text).not.toMatch(/protobuf|ERROR_CODE|local_files_only|allowRemoteModels|Can't create a session|undefined/);
}

/**
 * The embedding worker's Playwright handle: the newest worker named "embedding". onnxruntime's thread pool
 * runs in workers loaded from the same script, so the URL alone does not tell them apart.
 */
export async function embeddingWorker(page: Page) {
  // Thread-pool workers block in Atomics.wait and never answer an evaluation: ask all at once, briefly.
  const nameOf = (worker: ReturnType<Page['workers']>[number]) =>
    Promise.race([worker.evaluate(() => (self as unknown as { name: string }).name).catch(() => ''), new Promise<string>((r) => setTimeout(() => r(''), 10_000))]);
  const workers = page.workers();
  const names = await Promise.all(workers.map(nameOf));
  const named = workers.filter((_, i) => names[i] === 'embedding');
  if (named.length === 0) throw new Error('no embedding worker on the page');
  return named[named.length - 1];
}

/** Closes the embedding worker from inside, as a crash in onnxruntime would end it: no event reaches the page. */
export async function closeEmbeddingWorker(page: Page): Promise<void> {
  const worker = await embeddingWorker(page);
  // The evaluation never returns: the worker is gone before it can answer.
  void worker.evaluate(() => (self as unknown as { close(): void }).close()).catch(() => undefined);
}

/** Picks a ranking mode the way a person does (the radio itself is visually hidden behind its label). */
export async function chooseMode(page: Page, mode: 'hybrid' | 'semantic' | 'keyword'): Promise<void> {
  await page.click(`label:has([data-testid="mode-${mode}"])`);
}

/** 192 distinct papers from the bundled ones (sentences reordered), so nothing is cached or precomputed. */
export function manyPapers(count = 192): Array<{ title: string; text: string }> {
  return Array.from({ length: count }, (_, i) => {
    const paper = PAPERS[i % PAPERS.length];
    const sentences = paper.abstract.split(/(?<=\.) /);
    return { title: `${paper.title} (variant ${i})`, text: (i % 2 ? sentences.reverse() : sentences.slice(1).concat(sentences[0])).join(' ') };
  });
}

export const jsonl = (rows: object[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';

export async function importFile(page: Page, name: string, content: string): Promise<void> {
  await page.setInputFiles('[data-testid="import"]', { name, mimeType: 'application/octet-stream', buffer: Buffer.from(content) });
}

export async function embeddedCount(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-testid="status"]', 'data-embedded'));
}
