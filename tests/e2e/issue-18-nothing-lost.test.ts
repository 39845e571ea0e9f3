import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launch, waitForState, type LaunchedBrowser } from './browser.ts';
import { appUrl, importFiles, jsonl, manyPapers, status } from './helpers.ts';

/**
 * Issue 18: nothing embedded is lost. The tab is closed in the middle of embedding an import; reopened, the
 * library comes back with at least as many vectors from the cache as the page counted before it closed (each
 * batch is stored before it is counted; before the fix, rows waited in memory for a group of 256).
 */
describe('issue 18: closing the tab mid-run loses at most the batch in flight', () => {
  let browser: LaunchedBrowser;

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser.close();
  });

  test('the count shown before closing is what comes back from the cache', async () => {
    const page = await browser.context.newPage();
    await page.goto(appUrl());
    await waitForState(page, 'ready');
    await importFiles(page, [{ name: 'mid-run.jsonl', content: jsonl(manyPapers(192)) }]);
    await page.waitForSelector('[data-testid="corpus"][data-name="mid-run.jsonl"]');
    // Some batches counted, the run not over.
    await page.waitForFunction(() => {
      const node = document.querySelector('[data-testid="status"]');
      return node?.getAttribute('data-state') === 'indexing' && Number(node.getAttribute('data-embedded')) >= 32;
    }, undefined, { timeout: 240_000 });
    const shown = (await status(page)).embedded;
    await page.close(); // the tab goes: the worker with it, mid-batch

    const reopened = await browser.context.newPage();
    await reopened.goto(appUrl()); // the library open last opens again
    await reopened.waitForSelector('[data-testid="corpus"][data-name="mid-run.jsonl"]');
    await reopened.waitForFunction(() => document.querySelector('[data-testid="status"]')?.getAttribute('data-state') !== 'loading', undefined, { timeout: 240_000 });
    const back = await status(reopened);
    expect(shown).toBeGreaterThanOrEqual(32);
    expect(back.fromCache).toBeGreaterThanOrEqual(shown);
    expect(back.fromCache).toBeLessThan(192);
  });
});
