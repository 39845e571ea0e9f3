import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { rateStorageKey } from '../../src/app/embedding-estimate.ts';
import { decodeVectorFile } from '../../src/index/vector-file.ts';
import { waitForState, withPage, type LaunchedBrowser, type Page } from './browser.ts';
import { appUrl, importFile, importFiles, jsonl, libraries, manyPapers, notices, noticeText, status } from './helpers.ts';

/**
 * Issue 19, point 5: storage full loses nothing silently. The origin's quota is set below what it already uses
 * (CDP Storage.overrideQuotaForOrigin), so every write to IndexedDB is refused, as on a full disk.
 */

async function fillStorage(page: Page, browser: LaunchedBrowser): Promise<void> {
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(appUrl()).origin, quotaSize: 1 });
}

const SITE_CORPUS = () => join(inject('siteDir'), 'corpus');

describe('issue 19: storage full loses nothing silently', () => {
  test('a library with its vectors (npm run index output) that does not fit: nothing of it is stored, and the notice says what and why', async () => {
    await withPage({}, async (page, browser) => {
      await page.goto(appUrl());
      await waitForState(page, 'ready');
      await fillStorage(page, browser);
      await importFiles(page, [
        { name: 'corpus.json', content: readFileSync(join(SITE_CORPUS(), 'corpus.json')) },
        { name: 'vectors.bin', content: readFileSync(join(SITE_CORPUS(), 'vectors.bin')) },
      ]);
      await page.waitForSelector('[data-testid="notice"][data-code="import-not-saved"]');
      const text = await noticeText(page, 'import-not-saved');
      expect(text).toMatch(/could not be saved in this browser: its 96 vectors \(.+\) could not be stored, so its papers were not stored either: Browser storage is full/);
      expect(text).not.toContain('()');
      // Searchable in this tab, listed as not saved; after a reload it is not there at all (never papers without vectors).
      await page.waitForSelector('[data-testid="corpus"][data-kind="imported"]');
      expect((await libraries(page)).map((l) => l.name)).toContain('corpus.json (not saved)');
      await page.reload();
      await waitForState(page, 'ready');
      expect((await libraries(page)).map((l) => l.name).filter((name) => name.startsWith('corpus.json'))).toEqual([]);
    });
  });

  test('a long embedding run of a library that could not be saved: the real reason first, and no promise to continue next time', async () => {
    await withPage({}, async (page, browser) => {
      await page.goto(appUrl());
      await waitForState(page, 'ready');
      // A slow rate measured earlier in this browser (per model and backend:threads), so the app asks before
      // embedding instead of measuring first.
      const { modelKey } = decodeVectorFile(new Uint8Array(readFileSync(join(SITE_CORPUS(), 'vectors.bin'))));
      const { backend, threads } = await status(page);
      await page.evaluate(([key, value]) => localStorage.setItem(key, value), [rateStorageKey(modelKey, `${backend}:${threads}`), JSON.stringify({ papersPerSecond: 0.05, costPerSecond: 0.001, measuredAt: Date.now() })] as const);
      await fillStorage(page, browser);
      await importFile(page, 'many.jsonl', jsonl(manyPapers(192)));
      await page.waitForSelector('[data-testid="long-run"]');
      expect(await notices(page)).toContain('import-not-saved');
      expect(await noticeText(page, 'import-not-saved')).toMatch(/its 192 papers \(about .+\) could not be stored: the browser's storage for this site is full \(QuotaExceededError/);
      expect(await page.getAttribute('[data-testid="long-run"]', 'data-kept')).toBe('false');
      const prompt = ((await page.textContent('[data-testid="long-run"]')) ?? '').replace(/\s+/g, ' ');
      expect(prompt).not.toMatch(/continues where it stopped/);
      expect(prompt).toMatch(/could not be saved in this browser, so closing the page loses it/);
    });
  });
});
