/**
 * Keeps the "Ready for offline use" claim true. The offline copy can vanish while the page is open (site data
 * cleared, storage evicted), so it is checked again whenever the tab regains focus or comes back into view,
 * and at a slow interval; a lost copy withdraws the claim, a restored one (after an update) brings it back.
 */

export interface OfflineWatchOptions {
  /** True when the service worker is active and its cache still holds the files a search needs. */
  check(): Promise<boolean>;
  onChange(ready: boolean): void;
  /** Where focus / visibilitychange events arrive (window and document in the page). */
  events?: { window: EventTarget; document: EventTarget };
  intervalMs?: number;
}

export const OFFLINE_RECHECK_MS = 30_000;

export function watchOfflineCopy(options: OfflineWatchOptions): () => void {
  let last: boolean | null = null;
  let checking = false;
  let stopped = false;
  const recheck = async () => {
    if (checking) return;
    checking = true;
    try {
      const ready = await options.check().catch(() => false);
      if (ready !== last && !stopped) {
        last = ready;
        options.onChange(ready);
      }
    } finally {
      checking = false;
    }
  };
  const events = options.events ?? { window: self, document: self.document };
  const onVisible = () => void recheck();
  events.window.addEventListener('focus', onVisible);
  events.window.addEventListener('online', onVisible);
  events.document.addEventListener('visibilitychange', onVisible);
  const timer = setInterval(onVisible, options.intervalMs ?? OFFLINE_RECHECK_MS);
  void recheck();
  return () => {
    stopped = true;
    clearInterval(timer);
    events.window.removeEventListener('focus', onVisible);
    events.window.removeEventListener('online', onVisible);
    events.document.removeEventListener('visibilitychange', onVisible);
  };
}

/** The real check: an active service worker, and its cache answers for the page, the model and the wasm. */
export async function offlineCopyPresent(urls: readonly string[]): Promise<boolean> {
  if (!('serviceWorker' in navigator) || typeof caches === 'undefined') return false;
  const registration = await navigator.serviceWorker.getRegistration();
  if (!registration?.active) return false;
  for (const url of urls) {
    // Precache keys carry a ?__WB_REVISION__ parameter.
    if (!(await caches.match(url, { ignoreSearch: true }))) return false;
  }
  return true;
}
