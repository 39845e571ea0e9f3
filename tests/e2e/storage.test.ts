import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launch, resultIds, waitForState, withPage, type LaunchedBrowser, type Page } from './browser.ts';
import { appUrl, idOf, importFile, jsonl, notices, noticeText, openApp, openLibrary, search, startLargeImport, status } from './helpers.ts';

/** A corpus the person brings: kept across reloads, embedded once, and a bad file loses nothing. */
const MY_PAPERS = [
  { title: 'Sourdough fermentation kinetics', text: 'We measure how wild yeast and lactic acid bacteria leaven bread dough over 48 hours at different temperatures, and model the rise of the loaf.' },
  { title: 'Glacier retreat in the Alps', text: 'Satellite imagery from 1985 to 2020 shows alpine glaciers losing mass at an accelerating rate, driven by summer warming and reduced snowfall.' },
  { title: 'Protein folding with deep learning', text: 'A neural network predicts three-dimensional protein structures from amino acid sequences with accuracy close to experimental methods.' },
];

async function importMyPapers(page: Page): Promise<void> {
  await importFile(page, 'my-papers.jsonl', jsonl(MY_PAPERS));
  await page.waitForSelector('[data-testid="corpus"][data-kind="imported"]');
  await waitForState(page, 'ready');
}

/** The top result's title for a query about bread, which only the first imported paper is about. */
async function breadQueryTopTitle(page: Page): Promise<string | null> {
  await search(page, 'how is bread made to rise?');
  return page.textContent('[data-testid="result"] h2');
}

/** Overwrites every vector shard in the app's IndexedDB with garbage, as a broken write or old version might. */
async function corruptVectorShards(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('paper-search-vectors');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('vectors', 'readwrite');
          const store = tx.objectStore('vectors');
          let corrupted = 0;
          store.openCursor().onsuccess = (event) => {
            const cursor = (event.target as IDBRequest<IDBCursorWithValue | null>).result;
            if (!cursor) return;
            if (String(cursor.key).includes('|shard|')) {
              cursor.update({ hashes: 'not a list', data: 42 });
              corrupted++;
            }
            cursor.continue();
          };
          tx.oncomplete = () => resolve(corrupted);
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

describe('importing your own papers', () => {
  let browser: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launch();
    page = await browser.context.newPage();
    await openApp(page);
  });
  afterAll(() => browser.close());

  test('a malformed file is rejected with its line, and the bundled papers stay searchable', async () => {
    const broken = jsonl(MY_PAPERS.slice(0, 2)) + '{"title": "half a line"\n';
    await importFile(page, 'broken.jsonl', broken);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="notice"]').length > 0);
    expect(await notices(page)).toContain('import-rejected');
    expect(await noticeText(page, 'import-rejected')).toMatch(/broken\.jsonl:3: /);
    expect(await page.getAttribute('[data-testid="corpus"]', 'data-kind')).toBe('bundled');
    expect((await search(page, 'a German language model'))[0]).toBe(idOf('GottBERT'));
  });

  test('a good file is embedded in the browser and searched by meaning', async () => {
    await importFile(page, 'my-papers.jsonl', jsonl(MY_PAPERS));
    await page.waitForSelector('[data-testid="corpus"][data-kind="imported"][data-name="my-papers.jsonl"]');
    await waitForState(page, 'ready');
    expect((await status(page)).embedded).toBe(3);
    const ids = await search(page, 'how is bread made to rise?');
    expect(ids).toHaveLength(3);
    expect(await page.textContent('[data-testid="result"] h2')).toBe('Sourdough fermentation kinetics');
  });

  test('after a reload the imported papers are still there, and nothing is embedded again', async () => {
    await page.reload();
    await waitForState(page, 'ready');
    expect(await page.getAttribute('[data-testid="corpus"]', 'data-name')).toBe('my-papers.jsonl');
    expect((await status(page)).embedded).toBe(0);
    await search(page, 'melting ice in mountains');
    expect(await page.textContent('[data-testid="result"] h2')).toBe('Glacier retreat in the Alps');
  });

  test('re-importing the file with one abstract edited embeds exactly that one', async () => {
    const edited = MY_PAPERS.map((paper, i) => (i === 1 ? { ...paper, text: paper.text + ' Ice cores confirm the trend.' } : paper));
    await importFile(page, 'my-papers.jsonl', jsonl(edited));
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.getAttribute('data-state') !== 'ready');
    await waitForState(page, 'ready');
    expect((await status(page)).embedded).toBe(1);
    await search(page, 'ice cores and glaciers');
    expect(await page.textContent('[data-testid="result"] h2')).toBe('Glacier retreat in the Alps');
  });

  test('going back to the bundled papers works', async () => {
    await openLibrary(page, 'bundled');
    await waitForState(page, 'ready');
    expect((await search(page, 'a German language model'))[0]).toBe(idOf('GottBERT'));
    expect((await resultIds(page)).length).toBeGreaterThan(3);
  });
});

describe('when browser storage fails, search still works and says why', () => {
  test('IndexedDB missing (as in some private modes): correct results from memory, with a notice', async () => {
    await withPage({}, async (page) => {
      await page.addInitScript(() => {
        // What a browser without IndexedDB exposes to the page.
        Object.defineProperty(window, 'indexedDB', { value: undefined });
      });
      await openApp(page, { q: 'a German language model' });
      expect((await status(page)).storage).toBe('memory');
      expect(await notices(page)).toContain('storage-unavailable');
      await page.waitForSelector('[data-testid="result"]');
      expect((await resultIds(page))[0]).toBe(idOf('GottBERT'));
      await importMyPapers(page);
      expect(await breadQueryTopTitle(page)).toBe('Sourdough fermentation kinetics');
    });
  });

  test('storage over quota: vectors stay in memory, results stay correct, the notice says storage is full', async () => {
    await withPage({}, async (page, browser) => {
      await openApp(page);
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(appUrl()).origin, quotaSize: 1 });
      await importMyPapers(page);
      expect(await notices(page)).toContain('storage-fallback');
      expect(await noticeText(page, 'storage-fallback')).toMatch(/full/);
      expect((await status(page)).storage).toBe('memory');
      expect(await breadQueryTopTitle(page)).toBe('Sourdough fermentation kinetics');
    });
  });

  test('a corrupt cache entry is discarded and re-embedded, never used', async () => {
    await withPage({}, async (page) => {
      await openApp(page);
      await importMyPapers(page);
      expect(await corruptVectorShards(page)).toBeGreaterThan(0);
      await page.reload();
      await waitForState(page, 'ready');
      expect(await notices(page)).toContain('vectors-discarded');
      expect((await status(page)).embedded).toBe(3);
      expect(await breadQueryTopTitle(page)).toBe('Sourdough fermentation kinetics');
    });
  });
});

describe('while a large import is being embedded', () => {
  test('opening the bundled papers pauses the embedding; the import is kept and continues where it stopped', async () => {
    await withPage({}, async (page) => {
      await openApp(page);
      const rows = await startLargeImport(page);
      const many = await page.getAttribute('[data-testid="corpus"]', 'data-library');
      await openLibrary(page, 'bundled');
      await waitForState(page, 'ready');
      expect((await search(page, 'a German language model'))[0]).toBe(idOf('GottBERT'));
      await openLibrary(page, many!);
      await waitForState(page, 'ready');
      const resumed = await status(page);
      // What was embedded before the switch came from the cache; only the rest was embedded now.
      expect(resumed.fromCache).toBeGreaterThan(0);
      expect(resumed.fromCache + resumed.embedded).toBe(rows.length);
    });
  });

  test('the page stays usable: typing searches the papers embedded so far', async () => {
    await withPage({}, async (page) => {
      await openApp(page);
      const rows = await startLargeImport(page);
      await search(page, 'German RoBERTa');
      const during = await page.$eval('[data-testid="status"]', (n) => ({ state: n.getAttribute('data-state'), embedded: Number(n.getAttribute('data-embedded')) }));
      expect(during.state).toBe('indexing');
      expect(during.embedded).toBeLessThan(rows.length);
      expect(await page.textContent('[data-testid="summary"]')).toMatch(/still indexing/);
      await waitForState(page, 'ready');
      expect((await status(page)).embedded).toBe(rows.length);
      // How long the main thread is blocked while a 100,000-record file is read, parsed and hashed is measured by
      // `npm run bench -- --json` (import_longest_task_ms), not asserted here.
    });
  });
});
