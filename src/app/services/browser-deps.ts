import { parseFilesInWorker, parseTextInWorker } from '../../library/import/import-client.ts';
import { spawnEmbeddingWorker } from '../../embedding/client.ts';
import { workerConfig } from '../../embedding/site-assets.ts';
import { LibraryStore } from '../../library/library-store.ts';
import { readStorageStatus, requestPersistence } from '../../library/storage-status.ts';
import { loadBundledCorpus } from '../bundled-corpus.ts';
import { browserStorage, recallRate, rememberRate } from '../embedding-estimate.ts';
import { recallGpuVerdicts, rememberGpuVerdict } from '../gpu-verdicts.ts';
import { applyUpdate, isServedOffline, prepareOffline } from '../offline.ts';
import { offlineCopyPresent, watchOfflineCopy } from '../offline-watch.ts';
import { openSitePublishedLibrary } from '../../published/open-published.ts';
import { assetUrls } from '../urls.ts';
import { VectorCache } from '../vector-cache.ts';
import type { AppDeps } from './deps.ts';
import { broadcastLibraryEvents } from './library-events.ts';

const LAST_LIBRARY_KEY = 'paper-search:last-library';

export const browserDeps = (): AppDeps => ({
  spawnWorker: spawnEmbeddingWorker,
  workerConfig,
  openLibraries: () => LibraryStore.open(),
  openCache: (notify) => VectorCache.open(notify),
  loadBundled: loadBundledCorpus,
  openPublished: () => openSitePublishedLibrary(assetUrls.publishedManifest),
  parseFiles: (files, options, onProgress) => parseFilesInWorker(files, options, onProgress),
  parseText: (text, options, onProgress) => parseTextInWorker(text, 'pasted text', options, onProgress),
  storage: { status: () => readStorageStatus(), persist: () => requestPersistence() },
  lastLibrary: localValue(LAST_LIBRARY_KEY),
  rates: {
    get: (modelKey, backend) => recallRate(browserStorage(), modelKey, backend),
    set: (modelKey, backend, rate) => void rememberRate(browserStorage(), modelKey, backend, rate),
  },
  gpuVerdicts: {
    all: () => recallGpuVerdicts(browserStorage()),
    set: (key, verdict) => void rememberGpuVerdict(browserStorage(), key, verdict),
  },
  libraryEvents: () => broadcastLibraryEvents(),
  prepareOffline,
  isServedOffline,
  applyUpdate,
  watchOffline: (onChange) => watchOfflineCopy({ check: () => offlineCopyPresent([assetUrls.modelWeights, assetUrls.wasm]), onChange }),
});

/** localStorage can be missing or refuse (private modes, quota): then nothing is remembered. */
function localValue(key: string): { get(): string | null; set(value: string): void } {
  return {
    get: () => {
      try {
        return localStorage.getItem(key);
      } catch {
        return null;
      }
    },
    set: (value) => {
      try {
        localStorage.setItem(key, value);
      } catch {
        // Remembering is a convenience; the URL still carries the library.
      }
    },
  };
}
