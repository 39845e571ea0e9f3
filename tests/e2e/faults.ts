import { inject } from 'vitest';
import type { FaultRule } from './static-server.ts';

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
