import { expect, inject } from 'vitest';
import { resultIds, type Page } from './browser.ts';
import type { FaultRule } from './static-server.ts';

export { closeEmbeddingWorker } from './embedding-worker.ts';

/**
 * Breaks the e2e static server on purpose, from a test file (the server runs in vitest's globalSetup process,
 * so this goes over HTTP to its control endpoints; see tests/e2e/static-server.ts). Faults act on the wire,
 * so the service worker's fetches meet them too. Rules stay until cleared: pair setFaults with
 * `afterEach(clearFaults)` (each e2e file also starts with none: tests/e2e/reset-server.ts).
 *
 *   await setFaults([{ path: 'onnx/model_quantized\\.onnx\\.gz$', fault: 'truncate', bytes: 5_000_000 }]);
 *   await setFaults([{ path: 'corpus/corpus\\.json$', fault: 'status', status: 404, times: 1 }]);
 */
export type { FaultRule };

type ControlPath = '/__faults' | '/__requests' | '/__bytes';

function controlUrl(path: ControlPath): string {
  return new URL(path, inject('baseUrl')).href;
}

async function call(method: string, path: ControlPath, body?: unknown): Promise<unknown> {
  const response = await fetch(controlUrl(path), {
    method,
    headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.trim()}`);
  return JSON.parse(text) as unknown;
}

/** Replaces the server's fault rules (the first rule whose `path` regex matches a request's URL path applies). */
export async function setFaults(rules: FaultRule[]): Promise<void> {
  await call('POST', '/__faults', { rules });
}

export async function clearFaults(): Promise<void> {
  await call('DELETE', '/__faults');
}

/** URL paths (no query) the server was asked for since the last clearRequests(), in order, repeats included. */
export async function requestedPaths(): Promise<string[]> {
  return (await call('GET', '/__requests')) as string[];
}

export async function clearRequests(): Promise<void> {
  await call('DELETE', '/__requests');
}

/** Body bytes the server sent per URL path since the last clearRequests() (it compresses nothing, as some hosts). */
export async function sentBytes(): Promise<Record<string, number>> {
  return (await call('GET', '/__bytes')) as Record<string, number>;
}

// What the fault tests read off the page: notices, engine state, and a search's fallback.

export async function waitForNotice(page: Page, code: string, timeoutMs = 120_000): Promise<void> {
  await page.waitForSelector(`[data-testid="notice"][data-code="${code}"]`, { timeout: timeoutMs });
}

export async function waitForEngine(page: Page, engine: 'ready' | 'unavailable' | 'restarting', timeoutMs = 240_000): Promise<void> {
  await page.waitForSelector(`[data-testid="status"][data-engine="${engine}"]`, { timeout: timeoutMs });
}

/** The ids ranked for `query` in the current mode, and whether meaning had to fall back to keywords. */
export async function searchWithFallback(page: Page, query: string): Promise<{ ids: string[]; fallback: string }> {
  await page.fill('[data-testid="query"]', query);
  await page.waitForFunction((q) => document.querySelector('[data-testid="summary"]')?.getAttribute('data-query') === q, query);
  return {
    ids: await resultIds(page),
    fallback: (await page.getAttribute('[data-testid="summary"]', 'data-fallback')) ?? '',
  };
}

/** No notice or error on the page shows library internals. */
export async function expectNoInternals(page: Page): Promise<void> {
  const text = await page.$$eval('[data-testid="notice"], [data-testid="error"]', (nodes) => nodes.map((n) => n.textContent ?? '').join(' '));
  expect(text).not.toMatch(/protobuf|ERROR_CODE|local_files_only|allowRemoteModels|Can't create a session|undefined/);
}

/** Picks a ranking mode the way a person does (the radio itself is visually hidden behind its label). */
export async function chooseMode(page: Page, mode: 'hybrid' | 'semantic' | 'keyword'): Promise<void> {
  await page.click(`label:has([data-testid="mode-${mode}"])`);
}

export async function embeddedCount(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-testid="status"]', 'data-embedded'));
}
