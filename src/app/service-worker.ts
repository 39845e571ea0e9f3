import { registerSW } from 'virtual:pwa-register';

/**
 * Registers the service worker (offline copy + cross-origin isolation, see sw.ts).
 *
 * The page that first registers it was loaded without the worker's COOP/COEP headers, so it is not
 * cross-origin isolated and onnxruntime would run single-threaded. As coi-serviceworker does, reload once
 * as soon as the worker controls the page; a session flag stops a loop where isolation cannot be had.
 * Returns true when a reload is under way (the caller should not start the app).
 */
const RELOAD_FLAG = 'paper-search:isolation-reload';
const CONTROL_TIMEOUT_MS = 10_000;

export interface ServiceWorkerStatus {
  supported: boolean;
  reloading: boolean;
}

export async function setUpServiceWorker(): Promise<ServiceWorkerStatus> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return { supported: false, reloading: false };
  try {
    registerSW({ immediate: true });
  } catch {
    return { supported: false, reloading: false };
  }
  if (window.crossOriginIsolated) {
    sessionStorage.removeItem(RELOAD_FLAG);
    return { supported: true, reloading: false };
  }
  if (sessionStorage.getItem(RELOAD_FLAG)) return { supported: true, reloading: false };
  const controlled = await waitForController(CONTROL_TIMEOUT_MS);
  if (!controlled) return { supported: true, reloading: false };
  sessionStorage.setItem(RELOAD_FLAG, '1');
  location.reload();
  return { supported: true, reloading: true };
}

function waitForController(timeoutMs: number): Promise<boolean> {
  if (navigator.serviceWorker.controller) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The page is served by the service worker (so a reload without network will work once assets are cached). */
export function isControlled(): boolean {
  return 'serviceWorker' in navigator && navigator.serviceWorker.controller !== null;
}
