import { describe, expect, test } from 'vitest';
import { resultIds, waitForState, withPage, type Page } from './browser.ts';
import { appUrl, noticeText, notices, sharedReadyPage } from './helpers.ts';

/**
 * Issue 18.6 on the built site: the keyboard, a pasted list of titles, and the first screen of a phone.
 */

const focusedResult = (page: Page) => page.evaluate(() => (document.activeElement?.getAttribute('data-testid') === 'result' ? document.activeElement.getAttribute('data-id') : `not a result: ${document.activeElement?.tagName}`));

async function waitForAnswer(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="summary"][data-searching="false"]');
}

describe('issue 18: keyboard', () => {
  let page: Page;
  sharedReadyPage((ready) => (page = ready));

  test('j/k are letters in the search box, arrows leave it; from the results j/k move, m keeps the focus on the results, Esc clears the words and then the examples', async () => {
    await page.click('[data-testid="query"]');
    await page.keyboard.type('state space models');
    await page.waitForSelector('[data-testid="summary"][data-query="state space models"][data-searching="false"]');
    // In the box, j is a letter.
    await page.keyboard.press('j');
    expect(await page.inputValue('[data-testid="query"]')).toBe('state space modelsj');
    await page.keyboard.press('Backspace');
    await page.waitForSelector('[data-testid="summary"][data-query="state space models"][data-searching="false"]');
    await page.click('[data-testid="show-weaker"]').catch(() => undefined); // a second result, whatever the cut
    const ranked = await resultIds(page);
    await page.focus('[data-testid="query"]');
    await page.keyboard.press('ArrowDown');
    expect(await focusedResult(page)).toBe(ranked[0]);
    await page.keyboard.press('j');
    expect(await focusedResult(page)).toBe(ranked[1]);
    await page.keyboard.press('k');
    expect(await focusedResult(page)).toBe(ranked[0]);
    // m: ranked by that paper; the focus stays on the results (the first of its neighbours), not the page body.
    await page.keyboard.press('m');
    await page.waitForSelector(`[data-testid="pins"][data-like="${ranked[0]}"]`);
    await waitForAnswer(page);
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'result');
    const neighbours = await resultIds(page);
    expect(await focusedResult(page)).toBe(neighbours[0]);
    await page.keyboard.press('j');
    expect(await focusedResult(page)).toBe(neighbours[1]);
    // Esc: first the words (the example stays pinned)...
    await page.keyboard.press('Escape');
    expect(await page.inputValue('[data-testid="query"]')).toBe('');
    expect(await page.getAttribute('[data-testid="pins"]', 'data-like')).toBe(ranked[0]);
    // ...then, on a second Esc, the pinned examples.
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="pins"]', { state: 'detached' });
    expect(new URL(page.url()).searchParams.get('like')).toBeNull();
  });
});

describe('issue 18: a pasted list of titles', () => {
  test('imports as title-only papers, says search by meaning uses the titles, and leaves no progress bar; a refused paste leaves none either', async () => {
    await withPage({}, async (page) => {
      await page.goto(appUrl());
      await waitForState(page, 'ready');
      await page.click('[data-testid="paste-button"]');
      await page.fill('[data-testid="paste-text"]', '{"title": "A broken JSON line"\n');
      await page.click('[data-testid="paste-import"]');
      await page.waitForSelector('[data-testid="notice"][data-code="import-rejected"]');
      expect(await page.$('[data-testid="import-progress"]')).toBeNull();
      await page.click('[data-testid="paste-button"]');
      await page.fill('[data-testid="paste-text"]', 'Attention Is All You Need\n2. Deep Residual Learning for Image Recognition\n- Protein structure prediction with AlphaFold\n');
      await page.click('[data-testid="paste-import"]');
      await page.waitForSelector('[data-testid="notice"][data-code="import-summary"]');
      expect(await noticeText(page, 'import-summary')).toContain('3 papers (titles only, no abstracts: search by meaning uses the titles)');
      expect(await notices(page)).not.toContain('import-rejected');
      await waitForState(page, 'ready');
      expect(await page.$('[data-testid="import-progress"]')).toBeNull();
      expect(await page.getAttribute('[data-testid="corpus"]', 'data-name')).toBe('Pasted list');
      await page.fill('[data-testid="query"]', 'residual networks for images');
      await page.waitForSelector('[data-testid="summary"][data-query="residual networks for images"][data-searching="false"]');
      expect(await page.textContent('[data-testid="result"] h2')).toContain('Deep Residual Learning');
    });
  });
});

describe('issue 18: the first screen of a phone (390 x 844)', () => {
  test('the first result starts in the first screen and its title uses the full width; library management is one line until opened', async () => {
    await withPage({}, async (page) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(appUrl({ q: 'cheaper fine-tuning of big models' }));
      await waitForState(page, 'ready');
      await page.waitForSelector('[data-testid="summary"][data-searching="false"]');
      const layout = await page.evaluate(() => {
        const result = document.querySelector('[data-testid="result"]')!;
        const title = result.querySelector('h2')!.getBoundingClientRect();
        const card = result.getBoundingClientRect();
        return { top: card.top, titleWidth: title.width, cardWidth: card.width, importVisible: (document.querySelector('[data-testid="import-button"]') as HTMLElement).checkVisibility() };
      });
      expect(layout.top).toBeLessThan(844 - 200); // the title and its first lines are on screen
      expect(layout.titleWidth).toBeGreaterThan(layout.cardWidth * 0.8); // not squeezed beside the match label
      expect(layout.importVisible).toBe(false);
      await page.click('[data-testid="library-summary"]');
      expect(await page.isVisible('[data-testid="import-button"]')).toBe(true);
    });
  });
});
