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

describe('issue 18: map labels on a phone', () => {
  test('at 390 × 844 every cluster label drawn on the map lies inside the canvas, and every cluster chip inside the map', async () => {
    await withPage({}, async (page) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(appUrl({ q: 'fine-tune a big model on one GPU' }));
      await waitForState(page, 'ready');
      await page.waitForSelector('[data-testid="summary"][data-searching="false"]');
      await page.click('[data-testid="map-panel"] summary');
      await page.waitForSelector('[data-testid="library-map"][data-state="ready"]', { timeout: 120_000 });
      // The renderer writes the boxes of the labels it drew (CSS px, relative to the canvas) once it has drawn them.
      await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="map-canvas"]')?.getAttribute('data-labels') || '[]').length > 0);
      const { labels, width, height } = await page.$eval('[data-testid="map-canvas"]', (canvas) => ({
        labels: JSON.parse(canvas.getAttribute('data-labels') ?? '[]') as { text: string; box: [number, number, number, number] }[],
        width: canvas.clientWidth,
        height: canvas.clientHeight,
      }));
      expect(width).toBeLessThanOrEqual(390);
      for (const { text, box } of labels) {
        expect(text.length, JSON.stringify(box)).toBeGreaterThan(0);
        expect(box[0], text).toBeGreaterThanOrEqual(0);
        expect(box[1], text).toBeGreaterThanOrEqual(0);
        expect(box[2], text).toBeLessThanOrEqual(width);
        expect(box[3], text).toBeLessThanOrEqual(height);
      }
      // The chips below the map name every cluster in full: none sticks out of the map or the screen, none cut.
      const section = (await page.locator('[data-testid="library-map"]').boundingBox())!;
      const chips = await page.$$eval('[data-testid="map-cluster"]', (nodes) =>
        nodes.map((node) => {
          const box = node.getBoundingClientRect();
          const words = node.querySelector('.keywords') as HTMLElement;
          return { text: node.textContent ?? '', left: box.left, right: box.right, cut: words.scrollWidth > words.clientWidth + 1 || node.scrollWidth > node.clientWidth + 1 };
        }),
      );
      expect(chips.length).toBeGreaterThan(0);
      for (const chip of chips) {
        expect(chip.left, chip.text).toBeGreaterThanOrEqual(section.x - 0.5);
        expect(chip.right, chip.text).toBeLessThanOrEqual(Math.min(390, section.x + section.width) + 0.5);
        expect(chip.cut, chip.text).toBe(false);
      }
    });
  });
});
