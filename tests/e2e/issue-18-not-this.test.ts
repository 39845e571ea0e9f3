import { describe, expect, test } from 'vitest';
import { resultIds, type Page } from './browser.ts';
import { search, sharedReadyPage } from './helpers.ts';

/**
 * Issue 18.6: "Not this" said it ranked by a counter-example ("not like …") while, with the measured defaults
 * (src/search/examples.ts, a negative weighs 0), it only left that paper out, and in Keywords mode it silently
 * switched the ranking to a hybrid search by example. It now says what it does, "Hide this paper", and does only
 * that: the other papers keep their order, in the mode chosen; "Show again" brings it back.
 */

async function settled(page: Page, hidden: string): Promise<void> {
  await page.waitForFunction((id) => (document.querySelector('[data-testid="pins"]')?.getAttribute('data-not') ?? '') === id, hidden);
  await page.waitForSelector('[data-testid="summary"][data-searching="false"]');
}

describe('issue 18: "not this" says plainly that it hides one paper', () => {
  let page: Page;
  sharedReadyPage((ready) => (page = ready));

  test('in Keywords mode, hiding the second result leaves the others in their order and the mode unchanged', async () => {
    await page.locator('[data-testid="mode-keyword"]').locator('..').click(); // the visible label
    const before = await search(page, 'neural network training', 'keyword');
    expect(before.length).toBeGreaterThan(3);
    const second = page.locator(`[data-testid="result"][data-id="${before[1]}"] [data-testid="pin-not"]`);
    expect((await second.textContent())?.trim()).toBe('Hide this paper');
    expect(await second.getAttribute('title')).toContain('the others keep their order');
    await second.click();
    await settled(page, before[1]);
    const after = await resultIds(page);
    expect(after).not.toContain(before[1]);
    expect(after.slice(0, before.length - 1)).toEqual(before.filter((id) => id !== before[1]));
    expect(await page.getAttribute('[data-testid="summary"]', 'data-mode')).toBe('keyword');
    expect(await page.textContent('[data-testid="summary"]')).toContain('Keywords');
    expect((await page.textContent('[data-testid="pins-not"]'))?.trim()).toBe('Hidden from the results');
    expect(await page.textContent('[data-testid="pins"]')).not.toMatch(/Ranked by example|not like/);
    // Shown again: the first ranking, as it was.
    await page.click('[data-testid="clear-pins"]');
    await page.waitForSelector('[data-testid="pins"]', { state: 'detached' });
    await page.waitForSelector('[data-testid="summary"][data-searching="false"]');
    expect((await resultIds(page)).slice(0, before.length)).toEqual(before);
  });

  test('in Hybrid mode too, and search still answers a new query with the paper still hidden', async () => {
    await page.locator('[data-testid="mode-hybrid"]').locator('..').click();
    const before = await search(page, 'protein structure prediction', 'hybrid');
    await page.click(`[data-testid="result"][data-id="${before[0]}"] [data-testid="pin-not"]`);
    await settled(page, before[0]);
    const after = await resultIds(page);
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(1));
    const next = await search(page, 'protein folding', 'hybrid');
    expect(next.length).toBeGreaterThan(0);
    expect(next).not.toContain(before[0]);
  });
});
