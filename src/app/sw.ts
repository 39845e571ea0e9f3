/// <reference lib="webworker" />
/**
 * The one service worker: offline copy of the app and cross-origin isolation.
 *
 * - App shell, corpus and precomputed vectors are precached at install (small, revisioned by workbox).
 * - The model files and onnxruntime's wasm (~60 MB) are cached on first use, cache-first: the page downloads
 *   them once with byte-level progress, and this worker keeps the copy. Downloading them a second time at
 *   install, as precaching would, doubles a first visit's bytes. The wasm's file name carries a content
 *   hash; model folders are named by model id, and a new model ships under a new id.
 * - Every response gets COOP/COEP headers (the coi-serviceworker technique), because GitHub Pages cannot
 *   send headers and onnxruntime needs cross-origin isolation (SharedArrayBuffer) to use threads.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, addPlugins } from 'workbox-precaching';
import { NavigationRoute, registerRoute, setDefaultHandler } from 'workbox-routing';
import { CacheFirst, NetworkOnly } from 'workbox-strategies';
import type { WorkboxPlugin } from 'workbox-core';
import { RUNTIME_CACHE } from './offline-assets.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

function withIsolationHeaders(response: Response): Response {
  // Opaque and error responses cannot be rewritten; they pass through unchanged.
  if (response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

const isolation: WorkboxPlugin = {
  handlerWillRespond: async ({ response }) => withIsolationHeaders(response),
};

addPlugins([isolation]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));
registerRoute(
  ({ url }) => url.origin === self.location.origin && (url.pathname.includes('/models/') || url.pathname.endsWith('.wasm')),
  new CacheFirst({ cacheName: RUNTIME_CACHE, plugins: [isolation] }),
);
setDefaultHandler(new NetworkOnly({ plugins: [isolation] }));

self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
