/// <reference lib="webworker" />
/**
 * The WebGPU build of onnxruntime (asyncify, 6.6 MB gzipped) is not part of the service worker's offline copy:
 * most visitors never need it (issue 16). When WebGPU is used, the worker keeps the downloaded file in a Cache
 * Storage cache of its own, so WebGPU works offline too. One file at a time: a new deploy's file replaces the old.
 */
export const WEBGPU_RUNTIME_CACHE = 'paper-search-webgpu-runtime';

/**
 * A fetch (for fetchVerified) that answers from the kept copy, or downloads and keeps it. `cache: 'reload'`
 * (fetchVerified's repair after a damaged copy, which it has evicted) always goes to the network.
 */
export async function keptFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = String(input instanceof Request ? input.url : input);
  const cache = typeof caches === 'undefined' ? null : await caches.open(WEBGPU_RUNTIME_CACHE).catch(() => null);
  if (cache && init?.cache !== 'reload') {
    const kept = await cache.match(url);
    if (kept) return kept;
  }
  const response = await fetch(url, init);
  if (!cache || !response.ok) return response;
  const copy = response.clone();
  try {
    for (const old of await cache.keys()) if (old.url !== url) await cache.delete(old);
    await cache.put(url, response);
  } catch {
    // Storage full or refused: WebGPU still runs, only not offline.
  }
  return copy;
}
