/** Cache that holds the model files and the wasm once the page has used them (see sw.ts). */
export const RUNTIME_CACHE = 'paper-search-runtime-v1';

/**
 * True when every file the app needs to start offline is in a cache: precached shell and corpus (checked by
 * the caller through workbox) plus these runtime-cached files.
 */
export async function allCached(urls: readonly string[]): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  const hits = await Promise.all(urls.map((url) => caches.match(url)));
  return hits.every((hit) => hit !== undefined);
}
