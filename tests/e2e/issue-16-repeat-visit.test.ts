import { afterEach, describe, expect, test } from 'vitest';
import { waitForState, withPage, type Page } from './browser.ts';
import { clearFaults, clearRequests, requestedPaths, searchWithFallback, waitForEngine } from './faults.ts';
import { idOf, notices, openApp } from './helpers.ts';

/**
 * Issue 16.5: a repeat visit reads the model's and onnxruntime's decompressed, verified bytes (kept by the
 * embedding worker in Cache Storage) instead of decompressing the archives again, and still never runs a
 * damaged model: a kept copy is hashed again, and one that does not match is dropped and rebuilt.
 */
const KEPT = 'paper-search-verified-files';

afterEach(clearFaults);

/** Path and length of every kept copy. */
function keptCopies(page: Page): Promise<{ path: string; bytes: number }[]> {
  return page.evaluate(async (name) => {
    if (!(await caches.has(name))) return [];
    const cache = await caches.open(name);
    const out: { path: string; bytes: number }[] = [];
    for (const request of await cache.keys()) out.push({ path: new URL(request.url).pathname, bytes: (await (await cache.match(request))!.arrayBuffer()).byteLength });
    return out;
  }, KEPT);
}

describe('repeat visit (issue 16.5)', () => {
  test('the model and wasm are kept decompressed; a kept model altered on disk is dropped, never run, and rebuilt', async () => {
    await withPage({}, async (page) => {
      await openApp(page);
      await page.waitForSelector('[data-testid="offline"][data-ready="true"]');
      // The copies are written after the model is ready, in the background.
      await expect.poll(async () => (await keptCopies(page)).map((c) => c.path.split('/').pop()).sort(), { timeout: 60_000 }).toEqual(['model_quantized.onnx', 'ort-wasm-simd-threaded.wasm']);
      const model = (await keptCopies(page)).find((c) => c.path.endsWith('.onnx'))!;
      expect(model.bytes).toBeGreaterThan(30_000_000); // the decompressed model, not the 24 MB archive

      // Same length, one byte changed: only the sha256 can tell.
      await page.evaluate(async (name) => {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
          if (!request.url.includes('model_quantized.onnx')) continue;
          const bytes = new Uint8Array(await (await cache.match(request))!.arrayBuffer());
          bytes[bytes.length >> 1] ^= 0xff;
          await cache.put(request, new Response(bytes));
        }
      }, KEPT);
      await clearRequests();
      await page.reload();
      await waitForEngine(page, 'ready');
      await waitForState(page, 'ready');
      expect(await notices(page)).not.toContain('model-damaged');
      const answer = await searchWithFallback(page, 'German RoBERTa pretraining');
      expect(answer.fallback).toBe('');
      expect(answer.ids[0]).toBe(idOf('GottBERT'));
      // Rebuilt from the offline copy's archive, not downloaded again.
      expect((await requestedPaths()).some((path) => path.endsWith('.onnx.gz'))).toBe(false);
      const sha = await page.evaluate(async (name) => {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
          if (!request.url.includes('model_quantized.onnx')) continue;
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await (await cache.match(request))!.arrayBuffer()));
          return { key: new URL(request.url).searchParams.get('sha256'), actual: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
        }
        return null;
      }, KEPT);
      expect(sha?.actual).toBe(sha?.key);
    });
  });
});
