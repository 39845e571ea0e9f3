import { registerSW } from 'virtual:pwa-register';
import type { ByteProgress } from '../base/progress.ts';
import { isActivateUpdateAnswer, isPrecacheProgress, type ActivateUpdateAnswer, type ActivateUpdateRequest } from './offline-protocol.ts';

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

const RELOAD_FLAG = 'paper-search:isolation-reload';

/** This page came through the service worker with its isolation headers: no reload will follow. */
export function isServedOffline(): boolean {
  return 'serviceWorker' in navigator && navigator.serviceWorker.controller !== null && crossOriginIsolated;
}

export interface OfflineCallbacks {
  /** Bytes of the offline copy downloaded so far (first visit only). */
  onProgress: (progress: ByteProgress) => void;
  /** A new version is installed and waiting while this page runs the old one (never a forced takeover or reload). */
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
    registration = await register();
  } catch (error) {
    return { kind: 'unavailable', reason: `the service worker could not be registered (${(error as Error).message})` };
  }
  if (!navigator.serviceWorker.controller) {
    const installed = await waitForControl(registration);
    if (!installed.ok) return { kind: 'unavailable', reason: installed.reason };
  }
  watchForUpdate(registration, callbacks.onUpdate);
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

function register(): Promise<ServiceWorkerRegistration> {
  return new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error(`no answer within ${REGISTER_TIMEOUT_MS / 1000} s`)), REGISTER_TIMEOUT_MS);
    registerSW({
      immediate: true,
      // Without this, vite-plugin-pwa reloads the page when an update activates, losing work in progress. An
      // update activates only when the last tab asks for it (applyUpdate), and that tab reloads itself.
      onNeedReload: () => undefined,
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

/** Calls `onUpdate` once a new version is installed and waiting (now, or when the browser finds one later). */
function watchForUpdate(registration: ServiceWorkerRegistration, onUpdate: () => void): void {
  let told = false;
  const tell = () => {
    if (told || !registration.waiting || !navigator.serviceWorker.controller) return;
    told = true;
    onUpdate();
  };
  tell();
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => worker.state === 'installed' && tell());
  });
}

export type UpdateOutcome = { kind: 'none' } | { kind: 'reloading' } | { kind: 'other-tabs'; count: number };

/**
 * The person asked for the new version: the waiting worker takes over if this is the last tab of the old one
 * (then this page reloads into the new version), else it says how many other tabs must be closed first.
 */
export async function applyUpdate(): Promise<UpdateOutcome> {
  const registration = await navigator.serviceWorker?.getRegistration();
  const waiting = registration?.waiting;
  if (!waiting) return { kind: 'none' };
  const channel = new MessageChannel();
  const answered = new Promise<ActivateUpdateAnswer>((resolve) => {
    channel.port1.onmessage = (event) => isActivateUpdateAnswer(event.data) && resolve(event.data);
  });
  const taken = new Promise<void>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }));
  const request: ActivateUpdateRequest = { type: 'activate-update' };
  waiting.postMessage(request, [channel.port2]);
  const answer = await answered;
  channel.port1.close();
  if (!answer.activated) return { kind: 'other-tabs', count: answer.otherTabs };
  await taken;
  location.reload();
  return { kind: 'reloading' };
}
