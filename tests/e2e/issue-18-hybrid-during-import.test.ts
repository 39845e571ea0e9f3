import { describe, expect, test } from 'vitest';
import type { Page } from './browser.ts';
import { importFile, jsonl, manyPapers, search, sharedReadyPage, status } from './helpers.ts';

/**
 * Issue 18.1 end to end: a library too big to embed at once is imported; the app measures a sample and asks
 * ("about N min"); the person says "Not now", so most papers have no vector yet (a moment of an import that
 * holds still). Hybrid, the default, still puts the paper Keywords ranks first in its top 3, and each result
 * ranked by its words alone is marked as such on its card.
 */
const COUNT = 3000;
const PAPERS = manyPapers(COUNT);

describe('issue 18: hybrid is never worse than keywords during an import', () => {
  let page: Page;
  sharedReadyPage((ready) => (page = ready));

  test("while most papers wait for their vector, the paper Keywords ranks first is in Hybrid's top 3", async () => {
    await importFile(page, 'big-library.jsonl', jsonl(PAPERS));
    await page.waitForSelector('[data-testid="corpus"][data-kind="imported"]');
    await page.click('[data-testid="long-run-later"]', { timeout: 600_000 });
    await page.waitForSelector('[data-testid="notice"][data-code="embedding-paused"]');
    const embedded = (await status(page)).embedded;
    expect(embedded).toBeGreaterThan(0);
    expect(embedded).toBeLessThan(COUNT);
    // Titles repeat across variants; the variant number makes one paper the clear keyword winner.
    for (const variant of [7, 1234, 2999]) {
      const query = `${PAPERS[variant].title.replace(/ \(variant \d+\)$/, '')} variant ${variant}`;
      await page.locator('[data-testid="mode-keyword"]').locator('..').click(); // the visible label
      const byWords = await search(page, query, 'keyword');
      expect(byWords.length).toBeGreaterThan(0);
      // Keywords rank every paper by its words: no card is singled out.
      expect(await page.locator('[data-testid="words-only"]').count()).toBe(0);
      await page.locator('[data-testid="mode-hybrid"]').locator('..').click();
      const hybrid = await search(page, query, 'hybrid');
      expect(await page.getAttribute('[data-testid="summary"]', 'data-fallback')).toBe('');
      expect(hybrid.slice(0, 3), query).toContain(byWords[0]);
      // A marked card is one meaning could not place, and then the summary says papers are ranked by their words
      // (the summary speaks of every hit, also those below the cut, so it may say so with no card marked in view).
      await page.waitForSelector('[data-testid="summary"][data-searching="false"]');
      const marks = await page.locator('[data-testid="words-only"]').count();
      const summary = (await page.textContent('[data-testid="summary"]')) ?? '';
      if (marks > 0) expect(summary, query).toContain('ranked by their words');
    }
    // A title shared by many variants, nearly all still without a vector: those cards are marked, one by one.
    await search(page, PAPERS[1234].title.replace(/ \(variant \d+\)$/, ''), 'hybrid');
    await page.waitForSelector('[data-testid="summary"][data-searching="false"]');
    const marked = page.locator('[data-testid="result"] [data-testid="words-only"]');
    expect(await marked.count()).toBeGreaterThan(0);
    expect(await marked.first().textContent()).toBe('Ranked by its words; not embedded yet');
    // Measuring the sample embeds 64 papers first: minutes on a busy machine.
  }, 900_000);
});
