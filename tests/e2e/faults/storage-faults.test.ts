import { describe, expect, test } from 'vitest';
import { waitForState, withPage } from '../browser.ts';
import { embeddedCount, searchWithFallback, waitForNotice } from '../faults.ts';
import { appUrl, idOf, importFile, jsonl, manyPapers, notices, openApp, search } from '../helpers.ts';

/** Storage taken away or shared while the app runs. (IndexedDB missing, over quota, corrupt: storage.test.ts.) */
describe('storage under the app', () => {
  test('site data cleared while open: the offline claim is withdrawn, and search still answers', async () => {
    await withPage({}, async (page, browser) => {
      await openApp(page);
      await page.waitForSelector('[data-testid="offline"][data-ready="true"]');
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Storage.clearDataForOrigin', { origin: new URL(appUrl()).origin, storageTypes: 'all' });
      expect(await page.evaluate(async () => (await caches.keys()).length)).toBe(0);
      // The claim is re-checked when the tab regains focus.
      await page.evaluate(() => window.dispatchEvent(new Event('focus')));
      await waitForNotice(page, 'offline-lost');
      expect(await page.getAttribute('[data-testid="offline"]', 'data-ready')).toBe('false');
      expect(await page.textContent('[data-testid="offline"]')).not.toMatch(/Ready for offline use/);
      const answer = await searchWithFallback(page, 'German RoBERTa pretraining');
      expect(answer.fallback).toBe('');
      expect(answer.ids[0]).toBe(idOf('GottBERT'));
    });
  });

  test('two tabs at once: an import in one, searches in the other; no corrupt cache, no lost vectors', async () => {
    const rows = manyPapers(96);
    await withPage({}, async (tabA, browser) => {
      await openApp(tabA);
      const tabB = await browser.context.newPage();
      await openApp(tabB);
      await importFile(tabA, 'shared.jsonl', jsonl(rows));
      await tabA.waitForSelector('[data-testid="status"][data-state="indexing"]');
      // Tab B keeps answering from the bundled papers while A embeds and writes the cache.
      for (const query of ['a German language model', 'German RoBERTa pretraining']) {
        expect((await search(tabB, query))[0]).toBe(idOf('GottBERT'));
      }
      await waitForState(tabA, 'ready');
      expect(await embeddedCount(tabA)).toBe(rows.length);
      // A third tab opens the imported library: every vector A wrote is there and readable.
      const tabC = await browser.context.newPage();
      await openApp(tabC);
      expect(await tabC.getAttribute('[data-testid="corpus"]', 'data-name')).toBe('shared.jsonl');
      expect(await embeddedCount(tabC)).toBe(0);
      expect(await notices(tabC)).not.toContain('vectors-discarded');
      // Tab B, reloaded, sees the same library and embeds nothing either.
      await tabB.reload();
      await waitForState(tabB, 'ready');
      expect(await embeddedCount(tabB)).toBe(0);
      expect((await searchWithFallback(tabB, 'a pure German language model (variant 2)')).fallback).toBe('');
    });
  });
});
