import { afterEach, describe, expect, test } from 'vitest';
import { waitForState, withPage } from '../browser.ts';
import { chooseMode, clearFaults, clearRequests, expectNoInternals, requestedPaths, searchWithFallback, setFaults, waitForEngine } from '../faults.ts';
import { appUrl, idOf, notices, openApp, status } from '../helpers.ts';

/**
 * The model cannot load on a first visit (each fault injected on the wire by the e2e server, so the service
 * worker's downloads meet it too). The app must still answer by keywords, say why in plain words (notice
 * codes), offer Retry, and recover once the network is fixed without anyone clearing site data.
 */
const GERMAN = 'a German language model';

afterEach(clearFaults);

describe('model files that cannot be loaded', () => {
  test('model fetch aborted: keywords still answer, import is disabled with a reason, Retry recovers without a reload', async () => {
    await setFaults([{ path: '\\.onnx\\.gz$', fault: 'abort' }]);
    await withPage({}, async (page) => {
      await page.goto(appUrl());
      await waitForEngine(page, 'unavailable');
      await waitForState(page, 'ready');
      expect(await notices(page)).toContain('model-unreachable');
      await expectNoInternals(page);
      const hybrid = await searchWithFallback(page, GERMAN);
      expect(hybrid.fallback).toBe('model-unavailable');
      expect(hybrid.ids[0]).toBe(idOf('GottBERT'));
      await chooseMode(page, 'keyword');
      await page.waitForSelector('[data-testid="summary"][data-mode="keyword"]');
      expect(await page.getAttribute('[data-testid="summary"]', 'data-fallback')).toBe('');
      expect(await page.isDisabled('[data-testid="import-button"]')).toBe(true);
      expect(await page.textContent('[data-testid="import-blocked"]')).toMatch(/needs the model/);

      await clearFaults();
      // A marker on the window survives anything but a reload.
      await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
      await chooseMode(page, 'hybrid');
      await page.click('[data-testid="retry-model"]');
      await waitForEngine(page, 'ready');
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      expect(await notices(page)).not.toContain('model-unreachable');
      const recovered = await searchWithFallback(page, 'German RoBERTa pretraining');
      expect(recovered.fallback).toBe('');
      expect(recovered.ids[0]).toBe(idOf('GottBERT'));
      expect(await page.isDisabled('[data-testid="import-button"]')).toBe(false);
    });
  });

  test('model truncated, then network fixed: keywords answer with "damaged", and the next visit recovers by itself', async () => {
    await setFaults([{ path: 'onnx/model_quantized\\.onnx\\.gz$', fault: 'truncate', bytes: 5_000_000 }]);
    await withPage({}, async (page) => {
      await page.goto(appUrl({ q: GERMAN }));
      await waitForEngine(page, 'unavailable');
      expect(await notices(page)).toEqual(expect.arrayContaining(['model-damaged', 'offline-unavailable']));
      expect(await page.getAttribute('[data-testid="offline"]', 'data-ready')).toBe('false');
      await expectNoInternals(page);
      const degraded = await searchWithFallback(page, GERMAN);
      expect(degraded.fallback).toBe('model-unavailable');
      expect(degraded.ids[0]).toBe(idOf('GottBERT'));

      await clearFaults();
      await clearRequests();
      await page.reload();
      await waitForEngine(page, 'ready');
      await waitForState(page, 'ready');
      // The damaged copy was not kept: the fixed file was downloaded again.
      expect((await requestedPaths()).some((path) => path.endsWith('onnx/model_quantized.onnx.gz'))).toBe(true);
      await page.waitForSelector('[data-testid="offline"][data-ready="true"]');
      expect(await notices(page)).not.toContain('model-damaged');
      const healthy = await searchWithFallback(page, 'German RoBERTa pretraining');
      expect(healthy.fallback).toBe('');
      expect(healthy.ids[0]).toBe(idOf('GottBERT'));
    });
  });

  test('wasm fetch fails: keywords answer, and the message names the download', async () => {
    await setFaults([{ path: '\\.wasm\\.gz$', fault: 'status', status: 404 }]);
    await withPage({}, async (page) => {
      await page.goto(appUrl());
      await waitForEngine(page, 'unavailable');
      expect(await notices(page)).toContain('model-unreachable');
      await expectNoInternals(page);
      const answer = await searchWithFallback(page, GERMAN);
      expect(answer.fallback).toBe('model-unavailable');
      expect(answer.ids[0]).toBe(idOf('GottBERT'));
    });
  });

  test('tokenizer JSON corrupt: the check catches it before transformers.js does, and Retry recovers', async () => {
    await setFaults([{ path: 'tokenizer\\.json$', fault: 'corrupt' }]);
    await withPage({}, async (page) => {
      await page.goto(appUrl());
      await waitForEngine(page, 'unavailable');
      expect(await notices(page)).toContain('model-damaged');
      expect(await page.textContent('[data-testid="notice"][data-code="model-damaged"]')).toMatch(/tokenizer\.json/);
      await expectNoInternals(page);
      await clearFaults();
      await page.click('[data-testid="retry-model"]');
      await waitForEngine(page, 'ready');
      expect((await status(page)).backend).toBe('wasm');
      expect((await searchWithFallback(page, 'German RoBERTa pretraining')).ids[0]).toBe(idOf('GottBERT'));
    });
  });

  test('a damaged copy in the offline cache (an older version kept it) is evicted and fetched again on the next visit', async () => {
    await withPage({}, async (page) => {
      await openApp(page);
      await page.waitForSelector('[data-testid="offline"][data-ready="true"]');
      // Every copy: the offline copy's archive and the worker's decompressed one (issue 16.5).
      const damaged = await page.evaluate(async () => {
        let longest = 0;
        for (const name of await caches.keys()) {
          const cache = await caches.open(name);
          for (const request of await cache.keys()) {
            if (!request.url.includes('model_quantized.onnx')) continue;
            const bytes = new Uint8Array(await (await cache.match(request))!.arrayBuffer());
            await cache.put(request, new Response(bytes.slice(0, 5_000_000)));
            longest = Math.max(longest, bytes.length);
          }
        }
        return longest;
      });
      expect(damaged).toBeGreaterThan(5_000_000);
      await clearRequests();
      await page.reload();
      await waitForEngine(page, 'ready');
      expect((await requestedPaths()).some((path) => path.endsWith('onnx/model_quantized.onnx.gz'))).toBe(true);
      expect(await notices(page)).not.toContain('model-damaged');
      expect((await searchWithFallback(page, 'German RoBERTa pretraining')).ids[0]).toBe(idOf('GottBERT'));
    });
  });

  test('offline first visit (the network drops after the page shell): a plain message, then it recovers online', async () => {
    await setFaults([{ path: '/(corpus|models)/|\\.wasm\\.gz$|sw\\.js$', fault: 'abort' }]);
    await withPage({}, async (page) => {
      await page.goto(appUrl());
      await waitForState(page, 'error');
      expect(await page.textContent('[data-testid="error"]')).toMatch(/offline/i);
      await expectNoInternals(page);
      await clearFaults();
      await page.reload();
      await waitForState(page, 'ready');
      await waitForEngine(page, 'ready');
      expect((await searchWithFallback(page, GERMAN)).ids[0]).toBe(idOf('GottBERT'));
    });
  });
});
