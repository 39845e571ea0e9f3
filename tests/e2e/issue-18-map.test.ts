import { describe, expect, test } from 'vitest';
import { waitForState, withPage } from './browser.ts';
import { appUrl } from './helpers.ts';

/**
 * Issue 18.5 on the built site: opening, panning, brushing and clicking the map throws nothing, and a cluster's
 * "N results" are the N results its click leaves in the list.
 */
describe('issue 18: the map', () => {
  test('no uncaught error while opening, panning, brushing and clicking; chip counts agree with the list', async () => {
    await withPage({}, async (page) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        // The one expected failed request: corpus/library.json, probed on start (404: no published library).
        if (message.type() === 'error' && !message.text().includes('status of 404')) errors.push(`console: ${message.text()}`);
      });
      await page.goto(appUrl({ q: 'fine-tune a big model on one GPU' }));
      await waitForState(page, 'ready');
      await page.waitForSelector('[data-testid="summary"][data-searching="false"]');
      await page.click('[data-testid="map-panel"] summary');
      await page.waitForSelector('[data-testid="library-map"][data-state="ready"]', { timeout: 120_000 });
      const box = (await page.locator('[data-testid="map-canvas"]').boundingBox())!;
      const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const;
      // Pan.
      await page.mouse.move(...at(0.5, 0.5));
      await page.mouse.down();
      await page.mouse.move(...at(0.6, 0.6), { steps: 5 });
      await page.mouse.up();
      // Brush a region with Shift held.
      await page.keyboard.down('Shift');
      await page.mouse.move(...at(0.2, 0.2));
      await page.mouse.down();
      await page.mouse.move(...at(0.8, 0.8), { steps: 5 });
      await page.mouse.up();
      await page.keyboard.up('Shift');
      // Click somewhere, then reset the view.
      await page.mouse.click(...at(0.5, 0.5));
      const clear = await page.$('[data-testid="map-clear"]');
      if (clear) await clear.click();

      // Every chip's "· N results" is what its click leaves in the list.
      const chips = await page.$$eval('[data-testid="map-cluster"]', (nodes) => nodes.map((node) => ({ id: node.getAttribute('data-cluster')!, text: node.textContent ?? '' })));
      const counted = chips.map((chip) => ({ id: chip.id, results: Number(/· (\d+) results?/.exec(chip.text)?.[1] ?? 0) }));
      expect(counted.some((chip) => chip.results > 0)).toBe(true);
      for (const chip of counted) {
        await page.click(`[data-testid="map-cluster"][data-cluster="${chip.id}"]`);
        await page.waitForSelector('[data-testid="map-selection"]');
        expect(await page.$$eval('[data-testid="result"]', (nodes) => nodes.length), `cluster ${chip.id}`).toBe(chip.results);
        await page.click('[data-testid="map-clear"]');
      }
      // Distinct colours: no more clusters than the palette's ten.
      expect(chips.length).toBeLessThanOrEqual(10);
      expect(errors).toEqual([]);
    });
  });
});
