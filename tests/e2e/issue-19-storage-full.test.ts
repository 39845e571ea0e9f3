import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { rateStorageKey } from '../../src/app/embedding-estimate.ts';
import { decodeVectorFile } from '../../src/index/vector-file.ts';
import { waitForState, withPage, type LaunchedBrowser, type Page } from './browser.ts';
import { appUrl, idOf, importFile, importFiles, jsonl, libraries, manyPapers, notices, noticeText, openLibrary, search, status } from './helpers.ts';

/**
 * Issue 19, point 5: storage full loses nothing silently. The origin's quota is set below what it already uses
 * (CDP Storage.overrideQuotaForOrigin), so every write to IndexedDB is refused, as on a full disk.
 */

async function fillStorage(page: Page, browser: LaunchedBrowser): Promise<void> {
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(appUrl()).origin, quotaSize: 1 });
}

/** Until the open library is searchable by meaning with all 96 vectors, from the file or the cache (none embedded here). */
async function allVectorsIn(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const node = document.querySelector('[data-testid="status"]');
    const count = (name: string) => Number(node?.getAttribute(name));
    return node?.getAttribute('data-state') === 'ready' && count('data-from-cache') + count('data-from-precomputed') + count('data-embedded') === 96;
  });
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

  test('quota just above usage: the papers and their vectors are stored together or not at all, the notice gives the real reason, nothing promises to continue, search answers', async () => {
    await withPage({}, async (page, browser) => {
      await page.goto(appUrl());
      await waitForState(page, 'ready');
      const corpus = readFileSync(join(SITE_CORPUS(), 'corpus.json'));
      const vectors = readFileSync(join(SITE_CORPUS(), 'vectors.bin'));
      // Room for about half the papers' text and none of their vectors: the write that reached this on
      // 2026-12-06 kept the papers and lost the vectors ("could not save 0.9 MB of vectors").
      const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(appUrl()).origin, quotaSize: usage + Math.round(corpus.length / 2) });
      await importFiles(page, [
        { name: 'corpus.json', content: corpus },
        { name: 'vectors.bin', content: vectors },
      ]);
      await page.waitForSelector('[data-testid="corpus"][data-kind="imported"]');
      await page.waitForSelector('[data-testid="notice"][data-code="import-summary"]');
      // Every vector came with the file: the library is searchable by meaning without embedding anything.
      await allVectorsIn(page);
      expect((await status(page)).embedded).toBe(0);
      const shown = await notices(page);
      const saved = !shown.includes('import-not-saved');
      if (!saved) {
        const text = await noticeText(page, 'import-not-saved');
        // The real reason (the browser's own), never an empty one, and that nothing of it was kept.
        expect(text).toMatch(/could not be saved in this browser: .*(storage|quota|full)/i);
        expect(text).not.toContain('()');
        expect(text).toContain('Nothing of it was kept');
      }
      // Nothing promises to continue later: all 96 vectors came with the file, nothing waits to be embedded.
      expect(shown).not.toContain('indexing-resumed');
      expect(shown).not.toContain('embedding-paused');
      expect(await page.$('[data-testid="long-run"]')).toBeNull();
      console.info(`quota just above usage: the library was ${saved ? 'stored whole' : 'not stored at all'}`);
      // Search answers, by meaning too.
      expect((await search(page, 'a German language model', 'hybrid'))[0]).toBe(idOf('GottBERT'));
      expect(await page.getAttribute('[data-testid="summary"]', 'data-fallback')).toBe('');

      // After a reload: either the library with every vector (nothing to embed), or no library at all.
      await page.reload();
      await waitForState(page, 'ready');
      const kept = (await libraries(page)).filter((library) => library.name.startsWith('corpus.json'));
      if (!saved) {
        expect(kept).toEqual([]);
        return;
      }
      expect(kept).toHaveLength(1);
      await openLibrary(page, kept[0].id);
      await allVectorsIn(page);
      expect((await status(page)).embedded).toBe(0); // nothing embedded again: the vectors were stored with the papers
      expect((await search(page, 'a German language model', 'hybrid'))[0]).toBe(idOf('GottBERT'));
    });
  });
});
