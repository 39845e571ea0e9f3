/// <reference lib="webworker" />
/**
 * The one service worker: the offline copy of the site, and cross-origin isolation.
 *
 * - Precaches everything a search needs (app shell, corpus, precomputed vectors, model files, onnxruntime's
 *   wasm), revisioned by sha256, so an updated model or app replaces the old copy. Each download is checked
 *   against its sha256 (Subresource Integrity): a truncated file fails the install instead of being kept,
 *   and the next visit installs again. The embedding worker checks the model files once more before use.
 * - While installing, it reports bytes downloaded to the pages (the first visit shows one download bar; the
 *   page then loads the model from this cache, so nothing is downloaded twice).
 * - Adds COOP/COEP to every response (the coi-serviceworker technique): GitHub Pages cannot send headers,
 *   and onnxruntime needs cross-origin isolation (SharedArrayBuffer) to use more than one thread.
 */
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute, setDefaultHandler } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';
import type { WorkboxPlugin } from 'workbox-core';
import { isActivateUpdateRequest, type ActivateUpdateAnswer, type PrecacheProgressMessage } from './offline-protocol.ts';

interface ManifestEntry {
  url: string;
  revision: string | null;
  /** sha256 Subresource Integrity, added at build time: a damaged download fails the install, never stays cached. */
  integrity?: string;
  /** Added at build time (vite.config.ts manifestTransforms) so progress has a total before any download. */
  bytes?: number;
}

declare const self: ServiceWorkerGlobalScope;

const manifest = self.__WB_MANIFEST as unknown as ManifestEntry[];

async function withIsolationHeaders(response: Response): Promise<Response> {
  // Opaque and error responses cannot be rewritten; they pass through unchanged.
  if (response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  // The stored body is already decoded; stale transfer headers would make the browser drop Content-Length.
  headers.delete('Content-Encoding');
  headers.delete('Transfer-Encoding');
  if (headers.has('Content-Length') || response.status !== 200) {
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
  // Without a length, transformers.js grows its download buffer chunk by chunk (6.7 s instead of 0.2 s for the
  // 34 MB model, measured). A cached body is a disk-backed blob, so its size costs nothing to learn.
  const body = await response.blob();
  headers.set('Content-Length', String(body.size));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

const isolation: WorkboxPlugin = {
  handlerWillRespond: ({ response }) => withIsolationHeaders(response),
};

/** Counts bytes as precache downloads stream into the cache and tells every page, throttled. */
function downloadProgress(totalBytes: number): WorkboxPlugin {
  let loaded = 0;
  let lastPost = 0;
  const post = async (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastPost < 200) return;
    lastPost = now;
    const message: PrecacheProgressMessage = { type: 'precache-progress', loaded, total: totalBytes };
    // The page that registered this worker is not controlled yet, hence includeUncontrolled.
    for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) client.postMessage(message);
  };
  return {
    fetchDidSucceed: async ({ response }) => {
      if (!response.body || !response.ok) return response;
      const counted = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            loaded += chunk.byteLength;
            void post(false);
            controller.enqueue(chunk);
          },
          flush() {
            void post(true);
          },
        }),
      );
      return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  };
}

addPlugins([downloadProgress(manifest.reduce((sum, entry) => sum + (entry.bytes ?? 0), 0)), isolation]);
precacheAndRoute(manifest.map(({ url, revision, integrity }) => ({ url, revision, integrity })));
cleanupOutdatedCaches();

// The benchmark page is not part of the offline app (not precached): navigations to it go to the network.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/bench\.html$/] }));
setDefaultHandler(new NetworkOnly({ plugins: [isolation] }));

// The first install takes the page at once (it reloads once for isolation, offline.ts). An update waits: a tab
// opened before a deploy keeps its version, whose hashed files (map.worker-….js, import.worker-….js) only the old
// worker's precache still holds; activating would delete them under it (issue 19). It activates when the old
// version's tabs are all closed, or when the last open tab asks (the "new version" notice's Reload).
self.addEventListener('install', () => {
  if (!self.registration.active) void self.skipWaiting();
});
self.addEventListener('message', (event) => {
  if (!isActivateUpdateRequest(event.data)) return;
  event.waitUntil(activateOnRequest(event));
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

async function activateOnRequest(event: ExtendableMessageEvent): Promise<void> {
  const asking = event.source && 'id' in event.source ? event.source.id : null;
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const otherTabs = tabs.filter((tab) => tab.id !== asking).length;
  if (otherTabs === 0) await self.skipWaiting();
  const answer: ActivateUpdateAnswer = { type: 'activate-update-answer', activated: otherTabs === 0, otherTabs };
  event.ports[0]?.postMessage(answer);
}
