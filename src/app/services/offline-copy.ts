import { notice } from '../notices.ts';
import type { OfflineStatus } from '../offline.ts';
import type { AppState } from './app-state.ts';
import type { AppDeps } from './deps.ts';

/** The site's offline copy (service worker): registered at start-up, then watched for being cleared. */
export class OfflineCopy {
  private stopWatching: () => void = () => {};

  constructor(
    private readonly state: AppState,
    private readonly deps: Pick<AppDeps, 'prepareOffline' | 'isServedOffline' | 'watchOffline'>,
  ) {}

  /** Registers the offline copy; resolves whether model files are local, or null when the page will reload. */
  async settle(): Promise<boolean | null> {
    // A repeat visit is already served by the service worker and isolated, so nothing will reload the page:
    // load the model at once instead of waiting for the worker's registration (saves ~0.1-0.3 s).
    const servedOffline = this.deps.isServedOffline();
    const pending = this.deps.prepareOffline({
      onProgress: (progress) => this.state.update({ offlineDownload: progress }),
      onUpdate: () => this.state.notify(notice('app-updated')),
    });
    if (servedOffline) {
      void pending.then((offline) => this.apply(offline));
      return true;
    }
    const offline = await pending;
    if (offline.kind === 'reloading') return null;
    this.apply(offline);
    return offline.kind === 'ready';
  }

  stop(): void {
    this.stopWatching();
  }

  private apply(offline: OfflineStatus): void {
    if (offline.kind === 'reloading') return;
    this.state.update({ offline: offline.kind, offlineDownload: null });
    if (offline.kind === 'unavailable') {
      this.state.notify(notice('offline-unavailable', { reason: offline.reason }));
      return;
    }
    this.stopWatching = this.deps.watchOffline((ready) => {
      this.state.update({ offline: ready ? 'ready' : 'lost' });
      if (ready) this.state.withdraw('offline-lost');
      else this.state.notify(notice('offline-lost'));
    });
  }
}
