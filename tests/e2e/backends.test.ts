import { describe, expect, test } from 'vitest';
import { resultIds, withPage } from './browser.ts';
import { openApp, idOf, notices, noticeText, status } from './helpers.ts';

/** ?backend=webgpu on Chromium's software adapter, and the fallback to WASM where no adapter exists. */
describe('backends', () => {
  test('WebGPU runs on the SwiftShader adapter and still ranks correctly', async () => {
    await withPage({ webgpu: true }, async (page) => {
      await openApp(page, { backend: 'webgpu', q: 'a German language model' });
      expect((await status(page)).backend).toBe('webgpu');
      await page.waitForSelector('[data-testid="result"]');
      expect((await resultIds(page))[0]).toBe(idOf('GottBERT'));
      expect(await notices(page)).toEqual([]);
      // issue 16: the WebGPU build of onnxruntime is not in the offline copy; fetched for WebGPU, it is kept for offline use.
      const kept = await page.evaluate(async () => (await (await caches.open('paper-search-webgpu-runtime')).keys()).map((request) => new URL(request.url).pathname));
      expect(kept).toEqual([expect.stringMatching(/\/ort-wasm-simd-threaded\.asyncify-\w+\.wasm\.gz$/)]);
    });
  });

  test('without a WebGPU adapter, ?backend=webgpu falls back to WASM and says so', async () => {
    await withPage({}, async (page) => {
      await openApp(page, { backend: 'webgpu', q: 'a German language model' });
      expect((await status(page)).backend).toBe('wasm');
      expect(await notices(page)).toContain('webgpu-fallback');
      expect(await noticeText(page, 'webgpu-fallback')).toMatch(/adapter/);
      await page.waitForSelector('[data-testid="result"]');
      expect((await resultIds(page))[0]).toBe(idOf('GottBERT'));
    });
  });
});
