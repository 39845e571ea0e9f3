import type { ImportProgress, ParsedLibrary, ParseOptions } from '../../library/import/import-client.ts';
import type { WorkerHandle } from '../../embedding/client.ts';
import type { BackendRequest, GpuVerdict, WorkerConfig } from '../../embedding/worker-api.ts';
import type { LibraryStore } from '../../library/library-store.ts';
import type { PersistenceResult, StorageStatus } from '../../library/storage-status.ts';
import type { LoadedCorpus } from '../bundled-corpus.ts';
import type { MeasuredRate } from '../embedding-estimate.ts';
import type { Notice } from '../notices.ts';
import type { applyUpdate, prepareOffline } from '../offline.ts';
import type { PublishedLibrary } from '../../published/published-library.ts';
import type { VectorCache } from '../vector-cache.ts';
import type { LibraryEvents } from './library-events.ts';

/** The library store as the controller uses it; tests pass a LibraryStore over fake-indexeddb or memory. */
export type LibraryStoreLike = Pick<LibraryStore, 'kind' | 'problem' | 'list' | 'load' | 'create' | 'rename' | 'delete' | 'referencedHashes' | 'readGcMarks' | 'writeGcMarks'>;
export type CacheLike = Pick<VectorCache, 'kind' | 'load' | 'append' | 'appendRows' | 'keepRows' | 'tidy' | 'dropVectors' | 'gcStore'>;

/** What the controller is built from: the browser's parts (browser-deps.ts) or, in tests, fakes. Types only, so
 * the controller's module graph reaches neither the service worker's plugin nor the site's file list. */
export interface AppDeps {
  spawnWorker(): WorkerHandle;
  /** The embedding worker's configuration for this site (site-assets.ts); `extra` overrides. */
  workerConfig(backend: BackendRequest, extra?: Partial<WorkerConfig>): WorkerConfig;
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
