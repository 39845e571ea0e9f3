import { parseFilesInWorker, parseTextInWorker, type ImportProgress, type ParsedLibrary, type ParseOptions } from '../../library/import/import-client.ts';
import { spawnEmbeddingWorker, type WorkerHandle } from '../../embedding/client.ts';
import type { GpuVerdict } from '../../embedding/worker-api.ts';
import { LibraryStore } from '../../library/library-store.ts';
import { readStorageStatus, requestPersistence, type PersistenceResult, type StorageStatus } from '../../library/storage-status.ts';
import { loadBundledCorpus, type LoadedCorpus } from '../bundled-corpus.ts';
import { browserStorage, recallRate, rememberRate, type MeasuredRate } from '../embedding-estimate.ts';
import { recallGpuVerdicts, rememberGpuVerdict } from '../gpu-verdicts.ts';
import type { Notice } from '../notices.ts';
import { applyUpdate, isServedOffline, prepareOffline } from '../offline.ts';
import { offlineCopyPresent, watchOfflineCopy } from '../offline-watch.ts';
import { openSitePublishedLibrary } from '../../published/open-published.ts';
import type { PublishedLibrary } from '../../published/published-library.ts';
import { assetUrls } from '../urls.ts';
import { VectorCache } from '../vector-cache.ts';
import { broadcastLibraryEvents, type LibraryEvents } from './library-events.ts';

/** The library store as the controller uses it; tests pass a LibraryStore over fake-indexeddb or memory. */
export type LibraryStoreLike = Pick<LibraryStore, 'kind' | 'problem' | 'list' | 'load' | 'create' | 'rename' | 'delete' | 'referencedHashes' | 'readGcMarks' | 'writeGcMarks'>;
export type CacheLike = Pick<VectorCache, 'kind' | 'load' | 'append' | 'appendRows' | 'keepRows' | 'tidy' | 'dropVectors' | 'gcStore'>;

/** What the controller is built from: the browser's parts (browserDeps) or, in tests, fakes. */
export interface AppDeps {
  spawnWorker(): WorkerHandle;
  openLibraries(): Promise<LibraryStoreLike>;
  openCache(notify: (notice: Notice) => void): Promise<CacheLike>;
  loadBundled(onVectorsUnusable: (reason: string) => void): Promise<LoadedCorpus>;
  /** The site's published library (corpus/library.json), or null when the site ships its papers whole. */
  openPublished(): Promise<PublishedLibrary | null>;
  parseFiles(files: readonly File[], options: ParseOptions, onProgress: (progress: ImportProgress) => void): Promise<ParsedLibrary>;
  parseText(text: string, options: ParseOptions, onProgress: (progress: ImportProgress) => void): Promise<ParsedLibrary>;
  storage: { status(): Promise<StorageStatus>; persist(): Promise<PersistenceResult> };
  /** The library the person had open last (for a visit without ?library=). */
  lastLibrary: { get(): string | null; set(id: string): void };
  /** Measured embedding rates, remembered per model and backend (embedding-estimate.ts). */
  rates: { get(modelKey: string, backend: string): MeasuredRate | null; set(modelKey: string, backend: string, rate: MeasuredRate): void };
  /** WebGPU canary verdicts, remembered per adapter and model (gpu-verdicts.ts), so the canary runs once. */
  gpuVerdicts: { all(): Record<string, GpuVerdict>; set(key: string, verdict: GpuVerdict): void };
  /** What other tabs of the site say about the libraries (a deletion). */
  libraryEvents(): LibraryEvents;
  prepareOffline: typeof prepareOffline;
  isServedOffline(): boolean;
  /** Switches to a new version that is waiting (offline.ts); absent in tests that have no service worker. */
  applyUpdate?: typeof applyUpdate;
  watchOffline(onChange: (ready: boolean) => void): () => void;
}

const LAST_LIBRARY_KEY = 'paper-search:last-library';

export const browserDeps = (): AppDeps => ({
  spawnWorker: spawnEmbeddingWorker,
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
