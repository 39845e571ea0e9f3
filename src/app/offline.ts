import { registerSW } from 'virtual:pwa-register';
import { isPrecacheProgress } from './offline-protocol.ts';

/**
 * Installs the service worker (offline copy + cross-origin isolation, see sw.ts) before the app loads its model.
 *
 * First visit: the worker downloads everything once, reporting bytes; when it takes control the page reloads
 * once (the coi-serviceworker technique: only a page loaded through the worker gets its COOP/COEP headers,
 * which onnxruntime's threads need), and the reloaded page reads the model from the offline copy.
 * A session flag stops a reload loop where isolation cannot be had. If the worker cannot be installed
 * (unsupported, blocked, storage full), the app runs online only and says so.
 */
export type OfflineStatus =
  | { kind: 'ready' }
  | { kind: 'reloading' }
  | { kind: 'unavailable'; reason: string };

export interface ByteProgress {
  loaded: number;
  total: number;
}

const RELOAD_FLAG = 'paper-search:isolation-reload';

/** This page came through the service worker with its isolation headers: no reload will follow. */
export function isServedOffline(): boolean {
  return 'serviceWorker' in navigator && navigator.serviceWorker.controller !== null && crossOriginIsolated;
}

export interface OfflineCallbacks {
  /** Bytes of the offline copy downloaded so far (first visit only). */
  onProgress: (progress: ByteProgress) => void;
  /** A new version was installed while this page is open; it is used from the next page load (no forced reload). */
  onUpdate: () => void;
}

export async function prepareOffline(callbacks: OfflineCallbacks): Promise<OfflineStatus> {
  let settled = false;
  try {
    return await settle(callbacks, (progress) => !settled && callbacks.onProgress(progress));
  } finally {
    // Later messages come from installing an update in the background, which is not this page's download.
    settled = true;
  }
}

async function settle(callbacks: OfflineCallbacks, onProgress: (progress: ByteProgress) => void): Promise<OfflineStatus> {
  // The dev server builds no service worker (vite-plugin-pwa devOptions are off); it sends COOP/COEP itself.
  if (!import.meta.env.PROD) return { kind: 'unavailable', reason: 'the development server has no service worker' };
  if (!('serviceWorker' in navigator)) return { kind: 'unavailable', reason: 'this browser has no service workers (or they are blocked)' };
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (isPrecacheProgress(event.data)) onProgress({ loaded: event.data.loaded, total: event.data.total });
  });
  let registration: ServiceWorkerRegistration;
  try {
    registration = await register(callbacks.onUpdate);
  } catch (error) {
    return { kind: 'unavailable', reason: `the service worker could not be registered (${(error as Error).message})` };
  }
  if (!navigator.serviceWorker.controller) {
    const installed = await waitForControl(registration);
    if (!installed.ok) return { kind: 'unavailable', reason: installed.reason };
  }
  if (crossOriginIsolated) {
    sessionStorage.removeItem(RELOAD_FLAG);
    return { kind: 'ready' };
  }
  if (sessionStorage.getItem(RELOAD_FLAG)) {
    // Reloaded once already and still not isolated: run single-threaded rather than reload forever.
    return navigator.serviceWorker.controller ? { kind: 'ready' } : { kind: 'unavailable', reason: 'the service worker did not take control of the page' };
  }
  sessionStorage.setItem(RELOAD_FLAG, '1');
  location.reload();
  return { kind: 'reloading' };
}

/** Registration answers within seconds; a browser that never answers must not keep the app from starting. */
const REGISTER_TIMEOUT_MS = 15_000;

function register(onUpdate: () => void): Promise<ServiceWorkerRegistration> {
  return new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error(`no answer within ${REGISTER_TIMEOUT_MS / 1000} s`)), REGISTER_TIMEOUT_MS);
    registerSW({
      immediate: true,
      // Without this, vite-plugin-pwa reloads the page when an update activates, losing work in progress.
      onNeedReload: onUpdate,
      onRegisteredSW: (_url, registration) => (registration ? resolve(registration) : reject(new Error('no registration'))),
      onRegisterError: (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
    });
  });
}

/** Resolves when the worker controls this page, or with the reason it never will (install failed). */
function waitForControl(registration: ServiceWorkerRegistration): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve({ ok: true }), { once: true });
    const worker = registration.installing ?? registration.waiting;
    if (!worker) {
      // Active but not controlling: a hard reload bypassed it. A normal reload puts the page under it.
      if (registration.active) resolve({ ok: true });
      return;
    }
    worker.addEventListener('statechange', () => {
      if (worker.state === 'redundant') {
        // Install fails when a download is incomplete or damaged (each file is checked against its sha256) or
        // when storage refuses it; the next visit installs again.
        resolve({ ok: false, reason: 'the offline copy could not be downloaded and saved completely; it is tried again on your next visit' });
      }
    });
  });
}
