import { describe, expect, test } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { withPage, waitForState } from './browser.ts';
import { embeddingWorker } from './embedding-worker.ts';
import { appUrl, cachedVectorHashes, importFile, jsonl, manyPapers, notices, search, status } from './helpers.ts';

/**
 * Issue 16.3: WebGPU where it verifiably works, on headless Chromium's SwiftShader adapter (--enable-unsafe-webgpu).
 * Faults are real: the embedding worker's script is served with a few lines in front that patch the WebGPU
 * prototypes inside the worker (results read back altered; the device captured so the test can destroy it).
 * The service worker is blocked so that Playwright's routing sees the worker script.
 */

const WORKER_SCRIPT = '**/embedding.worker-*.js';

/** Every buffer read back from the GPU (ORT's outputs) is altered: vectors that disagree with WASM's. */
const WRONG_VECTORS = `
(() => {
  const read = GPUBuffer.prototype.getMappedRange;
  GPUBuffer.prototype.getMappedRange = function (...args) {
    const range = read.apply(this, args);
    if (this.usage & GPUBufferUsage.MAP_READ) {
      const values = new Float32Array(range, 0, Math.floor(range.byteLength / 4));
      for (let i = 0; i < values.length; i++) values[i] = values[i] * ((i % 7) - 3) + 0.5;
    }
    return range;
  };
})();
`;

/** Keeps every device onnxruntime asks for, so the test can destroy it mid-import (a GPU reset, a driver crash). */
const CAPTURE_DEVICE = `
(() => {
  const request = GPUAdapter.prototype.requestDevice;
  self.__gpuDevices = [];
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await request.apply(this, args);
    self.__gpuDevices.push(device);
    return device;
  };
})();
`;

async function patchWorker(context: BrowserContext, prelude: string): Promise<void> {
  await context.route(WORKER_SCRIPT, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: prelude + (await response.text()) });
  });
}

/** The WebGPU build of onnxruntime (6.6 MB gzipped) requested by anyone on the page, workers included. */
function watchWebgpuBuild(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on('request', (request) => /asyncify/.test(request.url()) && seen.push(request.url()));
  return seen;
}

async function gpu(page: Page): Promise<{ state: string; remembered: string; documents: string; text: string }> {
  return page.$eval('[data-testid="status"]', (node) => ({
    state: node.getAttribute('data-gpu') ?? '',
    remembered: node.getAttribute('data-gpu-remembered') ?? '',
    documents: node.getAttribute('data-documents') ?? '',
    text: node.querySelector('[data-testid="backend"]')?.textContent ?? '',
  }));
}

/**
 * Fresh papers with one sentence of abstract each: real text, short enough that SwiftShader (software WebGPU)
 * and single-threaded WASM on a loaded 2-core machine get through a canary in minutes.
 */
const shortPapers = (count: number) => manyPapers(count).map((paper) => ({ title: paper.title, text: paper.text.split(/(?<=\.) /)[0] }));

/** Imports `count` fresh papers and waits until they are all embedded. */
async function importAndFinish(page: Page, name: string, count: number): Promise<void> {
  await importFile(page, name, jsonl(shortPapers(count)));
  await page.waitForSelector(`[data-testid="corpus"][data-name="${name}"]`);
  await page.waitForFunction((total) => {
    const node = document.querySelector('[data-testid="status"]');
    return node?.getAttribute('data-state') === 'ready' && Number(node.getAttribute('data-embedded')) === total;
  }, count, { timeout: 600_000 });
}

/** Records every value the page shows as its embedded count, to check it never goes backwards. */
async function recordEmbedded(page: Page): Promise<void> {
  await page.evaluate(() => {
    const node = document.querySelector('[data-testid="status"]')!;
    const seen: number[] = [];
    (window as unknown as { __embedded: number[] }).__embedded = seen;
    new MutationObserver(() => seen.push(Number(node.getAttribute('data-embedded')))).observe(node, { attributes: true, attributeFilter: ['data-embedded'] });
  });
}

describe('issue 16.3: WebGPU only where it verifiably works', () => {
  test('an adapter whose vectors are wrong is refused by the canary, the verdict is remembered, and search answers', async () => {
    await withPage({ webgpu: true, serviceWorkers: 'block' }, async (page, browser) => {
      await patchWorker(browser.context, WRONG_VECTORS);
      await page.goto(appUrl());
      await waitForState(page, 'ready');
      expect(await gpu(page)).toMatchObject({ state: 'untested', documents: 'wasm' });

      await importAndFinish(page, 'canary.jsonl', 40);
      const verdict = await gpu(page);
      expect(verdict).toMatchObject({ state: 'refused', documents: 'wasm', remembered: 'false' });
      // Refused either way. Which reason depends on the machine's load: SwiftShader usually returns its first batch
      // within the canary's 100 s (then the altered vectors are seen: "disagreed"); on a 2-core machine at load 25+
      // it sometimes did not ("slower", before any vector came back). Both runs were seen on 2026-12-06.
      expect(verdict.text).toMatch(/WASM, \d threads? — WebGPU (vectors disagreed \(lowest cosine -?\d\.\d{3}\)|was slower on the canary)/);
      expect((await status(page)).backend).toBe('wasm');
      expect(await notices(page)).not.toContain('webgpu-fallback'); // the default path says why in Details only
      expect((await search(page, 'a German language model')).length).toBeGreaterThan(0);

      // Next visit: the verdict for this adapter and model is remembered, no canary, no WebGPU build fetched.
      const webgpuBuild = watchWebgpuBuild(browser.context);
      await page.reload();
      await waitForState(page, 'ready');
      expect(await gpu(page)).toMatchObject({ state: 'refused', remembered: 'true', documents: 'wasm' });
      expect((await gpu(page)).text).toMatch(/(disagreed|slower) .*remembered/);
      expect(webgpuBuild).toEqual([]);
      expect((await search(page, 'a German language model')).length).toBeGreaterThan(0);
    });
  }, 900_000);

  test('a GPU that dies mid-import: the rest is embedded on WASM, nothing stored is lost or embedded twice', async () => {
    await withPage({ webgpu: true, serviceWorkers: 'block' }, async (page, browser) => {
      await patchWorker(browser.context, CAPTURE_DEVICE);
      await page.goto(appUrl({ backend: 'webgpu' }));
      await waitForState(page, 'ready');
      expect(await status(page)).toMatchObject({ backend: 'webgpu' });
      await recordEmbedded(page);
      const baseline = (await cachedVectorHashes(page)).length;
      const total = 48;
      await importFile(page, 'dying.jsonl', jsonl(shortPapers(total)));
      // The device goes as soon as the import is embedding: SwiftShader on a loaded 2-core machine can take longer
      // than the supervisor's 2-minute idle limit for a batch, so waiting for stored batches first is not reliable.
      await page.waitForSelector('[data-testid="status"][data-state="indexing"]');
      const storedBefore = (await cachedVectorHashes(page)).length;
      const worker = await embeddingWorker(page);
      const destroyed = await worker.evaluate(() => {
        const devices = (self as unknown as { __gpuDevices: { destroy(): void }[] }).__gpuDevices;
        devices.forEach((device) => device.destroy());
        return devices.length;
      });
      expect(destroyed).toBeGreaterThan(0);

      await page.waitForFunction((count) => {
        const node = document.querySelector('[data-testid="status"]');
        return node?.getAttribute('data-state') === 'ready' && Number(node.getAttribute('data-embedded')) === count;
      }, total, { timeout: 600_000 });
      expect(await status(page)).toMatchObject({ backend: 'wasm' });
      expect(await notices(page)).toContain('webgpu-fallback');
      const stored = await cachedVectorHashes(page);
      expect(storedBefore).toBeGreaterThanOrEqual(baseline);
      expect(stored.length).toBe(baseline + total); // every paper once: nothing lost, nothing embedded again
      expect(new Set(stored).size).toBe(stored.length);
      const seen = await page.evaluate(() => (window as unknown as { __embedded: number[] }).__embedded);
      expect(seen.every((value, i) => i === 0 || value >= seen[i - 1])).toBe(true);
      expect((await search(page, 'a German language model')).length).toBeGreaterThan(0);
    });
  }, 900_000);

  test('no adapter: WASM as before, no notice, no WebGPU build downloaded', async () => {
    await withPage({ serviceWorkers: 'block' }, async (page, browser) => {
      const webgpuBuild = watchWebgpuBuild(browser.context);
      await page.goto(appUrl());
      await waitForState(page, 'ready');
      await importAndFinish(page, 'no-gpu.jsonl', 12);
      expect(await status(page)).toMatchObject({ backend: 'wasm' });
      expect(await gpu(page)).toMatchObject({ state: '', documents: 'wasm' });
      expect((await gpu(page)).text).toMatch(/^WASM, \d threads?$/);
      expect(await notices(page)).not.toContain('webgpu-fallback');
      expect(webgpuBuild).toEqual([]);
      expect((await search(page, 'a German language model')).length).toBeGreaterThan(0);
    });
  }, 900_000);
});
