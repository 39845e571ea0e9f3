import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launch, resultIds, waitForState, withPage, type LaunchedBrowser, type Page } from './browser.ts';
import { openApp, idOf, notices, search, status } from './helpers.ts';

/**
 * The product's promise, in a real headless Chromium against the built site served from a sub-path:
 * a first visit answers questions, a reload embeds nothing, and an offline reload still answers.
 */
describe('first visit, reload and offline', () => {
  let browser: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch();
    page = await browser.context.newPage();
    await openApp(page, { q: 'a German language model' });
  });
  afterAll(() => browser.close());

  test('?q= runs that search on load and ranks GottBERT first', async () => {
    await page.waitForSelector('[data-testid="result"]');
    expect((await resultIds(page))[0]).toBe(idOf('GottBERT'));
  });

  test('the service worker makes the page cross-origin isolated, so onnxruntime runs threaded', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const s = await status(page);
    expect(s.backend).toBe('wasm');
    expect(s.threads).toBeGreaterThan(1);
  });

  test.each([
    ['8-bit optimizer states to save memory', '8-bit Optimizers via Block-wise Quantization'],
    ['a foundation model for electrocardiograms', 'An Electrocardiogram Foundation Model'],
    ['Korean language understanding benchmark', 'KLUE'],
  ])('"%s" finds the paper titled like "%s" first', async (query, title) => {
    const ids = await search(page, query);
    expect(ids[0]).toBe(idOf(title));
  });

  test('each mode ranks; the URL keeps the query and the mode', async () => {
    for (const mode of ['semantic', 'keyword', 'hybrid'] as const) {
      await page.locator(`[data-testid="mode-${mode}"]`).locator('..').click(); // the visible label, as a person clicks it
      const ids = await search(page, 'German RoBERTa', mode);
      expect(ids[0]).toBe(idOf('GottBERT'));
      const url = new URL(page.url());
      expect(url.searchParams.get('q')).toBe('German RoBERTa');
      expect(url.searchParams.get('mode') ?? 'hybrid').toBe(mode);
    }
  });

  test('nonsense and very long queries are answered, not crashed on', async () => {
    expect((await search(page, '🙂🙂🙂 asdkjh qwe')).length).toBeGreaterThan(0);
    const long = 'parameter efficient fine-tuning of large language models on a single GPU '.repeat(50);
    expect((await search(page, long.trim())).length).toBeGreaterThan(0);
    expect((await status(page)).state).toBe('ready');
  });

  test('reload embeds 0 abstracts', async () => {
    await page.reload();
    await waitForState(page, 'ready');
    expect((await status(page)).embedded).toBe(0);
  });

  test('the UI says when it is ready for offline use, and an offline reload still answers', async () => {
    await page.waitForSelector('[data-testid="offline"][data-ready="true"]', { timeout: 60_000 });
    await browser.context.setOffline(true);
    try {
      await openApp(page, { q: 'a German language model' });
      await page.waitForSelector('[data-testid="result"]');
      expect((await resultIds(page))[0]).toBe(idOf('GottBERT'));
      expect(await notices(page)).toEqual([]);
    } finally {
      await browser.context.setOffline(false);
    }
  });
});

describe('without a service worker', () => {
  test('an offline reload fails, so the offline test above really depends on the service worker', async () => {
    await withPage({ serviceWorkers: 'block' }, async (page, browser) => {
      await openApp(page);
      await browser.context.setOffline(true);
      await expect(page.reload()).rejects.toThrow();
    });
  });
});
