import { parseFilesInWorker, parseTextInWorker, type ImportProgress, type ParsedLibrary, type ParseOptions } from '../library/import/import-client.ts';
import type { ColumnChoice } from '../corpus/import.ts';
import { contentHash, documentText } from '../base/paper-id.ts';
import type { Paper } from '../base/paper.ts';
import { CorpusFormatError } from '../corpus/types.ts';
import { spawnEmbeddingWorker, type WorkerHandle } from '../embedding/client.ts';
import { EmbeddingSupervisor, EngineUnavailableError, type EngineState } from '../embedding/supervisor.ts';
import type { BackendRequest, LoadProgress, ModelInfo } from '../embedding/worker-api.ts';
import { KeywordIndex } from '../index/keyword.ts';
import { QuantizedMatrix } from '../index/quantized-matrix.ts';
import type { LibraryMapRequest } from '../map/map-client.ts';
import { resolveVectors, type VectorSource } from '../index/resolve-vectors.ts';
import { LibraryStore, uniqueName } from '../library/library-store.ts';
import { estimateImportBytes, readStorageStatus, requestPersistence, roomForImport, type PersistenceResult, type StorageStatus } from '../library/storage-status.ts';
import { LibraryError, type DeletedLibrary, type LibraryInfo, type StoredLibrary } from '../library/types.ts';
import { VectorGarbageCollector } from '../library/vector-gc.ts';
import { LatestOnly } from '../base/latest-only.ts';
import { SearchIndex, type SearchMode } from '../search/search.ts';
import { EXAMPLE_ERROR_CODES, type Examples } from '../search/examples.ts';
import { loadBundledCorpus, type LoadedCorpus } from './bundled-corpus.ts';
import { planEmbedding, type EmbeddingPlan } from './embedding-plan.ts';
import { browserStorage, embeddingCost, RateMeter, recallRate, rememberRate, type MeasuredRate } from './embedding-estimate.ts';
import { formatBytes } from './format.ts';
import { importSummaryText } from './import-summary.ts';
import { runIndexingJob } from './indexing-job.ts';
import { libraryEntries } from './library-entries.ts';
import { addNotice, MODEL_UNAVAILABLE_CODES, modelUnavailableNotice, notice, withdrawNotices, type Notice, type NoticeCode } from './notices.ts';
import { isServedOffline, prepareOffline, type OfflineStatus } from './offline.ts';
import { offlineCopyPresent, watchOfflineCopy } from './offline-watch.ts';
import { openSitePublishedLibrary } from './published/open-published.ts';
import type { PublishedLibrary } from './published/published-library.ts';
import { rankPublishedQuery } from './published/published-searcher.ts';
import { RESULT_LIMIT, rankQuery, type QueryEmbedder, type SearchableCorpus, type SearchOutcome } from './searcher.ts';
import { BUNDLED_LIBRARY_ID, initialSnapshot, type ImportActivity, type PublishedStatus, type Snapshot } from './snapshot.ts';
import { assetUrls, workerConfig } from './urls.ts';
import { VectorCache } from './vector-cache.ts';

export type { Snapshot } from './snapshot.ts';

/**
 * Orchestrates one page load: the libraries (the bundled papers and the person's own, each searchable by
 * keywords at once), the supervised embedding engine, vectors (precomputed, then IndexedDB, then the engine),
 * searches, imports and notices. UI-free: it reports through `onChange` so the Svelte view stays thin. The
 * pieces it composes live in their own modules.
 */

/** What a library just opened shows before its own indexing reports anything (bundled, stored or published). */
const NOTHING_INDEXED_YET = { embeddedNow: 0, embedding: null, embeddingPaused: null, longRun: null, fromPrecomputed: 0, fromCache: 0 } satisfies Partial<Snapshot>;

/** Rows embedded but not yet written to the cache are flushed in groups this large. */
const PERSIST_EVERY = 256;

/** The library store as the controller uses it; tests pass a LibraryStore over fake-indexeddb or memory. */
export type LibraryCatalog = Pick<LibraryStore, 'kind' | 'problem' | 'list' | 'load' | 'create' | 'rename' | 'delete' | 'referencedHashes' | 'readGcMarks' | 'writeGcMarks'>;
export type CacheLike = Pick<VectorCache, 'kind' | 'load' | 'append' | 'appendRows' | 'tidy' | 'dropVectors' | 'gcStore'>;

/** What the controller is built from; tests pass fakes. */
export interface AppDeps {
  spawnWorker(): WorkerHandle;
  openLibraries(): Promise<LibraryCatalog>;
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
  prepareOffline: typeof prepareOffline;
  isServedOffline(): boolean;
  watchOffline(onChange: (ready: boolean) => void): () => void;
}

const LAST_LIBRARY_KEY = 'paper-search:last-library';

export const browserDeps = (): AppDeps => ({
  spawnWorker: spawnEmbeddingWorker,
  openLibraries: () => LibraryStore.open(),
  openCache: (notify) => VectorCache.open(notify),
  loadBundled: loadBundledCorpus,
  openPublished: openSitePublishedLibrary,
  parseFiles: (files, options, onProgress) => parseFilesInWorker(files, options, onProgress),
  parseText: (text, options, onProgress) => parseTextInWorker(text, 'pasted text', options, onProgress),
  storage: { status: () => readStorageStatus(), persist: () => requestPersistence() },
  lastLibrary: localValue(LAST_LIBRARY_KEY),
  rates: {
    get: (modelKey, backend) => recallRate(browserStorage(), modelKey, backend),
    set: (modelKey, backend, rate) => void rememberRate(browserStorage(), modelKey, backend, rate),
  },
  prepareOffline,
  isServedOffline,
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

interface ActiveCorpus extends SearchableCorpus {
  id: string;
  name: string;
  hashes: readonly string[];
  precomputed: VectorSource | null;
  /** The indexing run under way, so a retry does not start a second one. */
  indexing: Promise<void> | null;
  /** The person said go (or not yet asked): a resumed run does not ask again. */
  confirmed: boolean;
}

/** What an import reads: chosen or dropped files, or pasted text. */
type ImportSource = { kind: 'files'; files: readonly File[]; name: string } | { kind: 'text'; text: string; name: string };

export class AppController {
  private snapshot: Snapshot = initialSnapshot();
  private engine: EmbeddingSupervisor | null = null;
  private cache: CacheLike | null = null;
  private libraries: LibraryCatalog | null = null;
  private collector: VectorGarbageCollector | null = null;
  private active: ActiveCorpus | null = null;
  /** The site's published library, if it has one: it takes the bundled papers' place in the picker. */
  private published: PublishedLibrary | null = null;
  /** True while the published library is the one open (then `active` is null). */
  private publishedOpen = false;
  private publishedInstall: Promise<void> | null = null;
  private offlineDownload: AbortController | null = null;
  /** Content hashes of the bundled papers once loaded: kept by garbage collection whatever is open. */
  private bundledHashes: readonly string[] = [];
  private bundledCount = 0;
  /** An import waiting for the person to choose CSV columns. */
  private pendingImport: ImportSource | null = null;
  private answerLongRun: ((go: boolean) => void) | null = null;
  private persistenceAsked = false;
  private readonly latest = new LatestOnly();
  private stopWatching: () => void = () => {};

  constructor(
    private readonly onChange: (snapshot: Snapshot) => void,
    private readonly deps: AppDeps = browserDeps(),
  ) {}

  get state(): Snapshot {
    return this.snapshot;
  }

  private update(patch: Partial<Snapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    this.onChange(this.snapshot);
  }

  notify(next: Notice): void {
    this.update({ notices: addNotice(this.snapshot.notices, next) });
  }

  private withdraw(...codes: NoticeCode[]): void {
    this.update({ notices: withdrawNotices(this.snapshot.notices, ...codes) });
  }

  dismissNotice(index: number): void {
    this.update({ notices: this.snapshot.notices.filter((_, i) => i !== index) });
  }

  /** Starts the page: `requestedLibrary` is the ?library= of the address, if any. */
  async start(backend: BackendRequest, requestedLibrary: string | null = null): Promise<void> {
    try {
      const filesAreLocal = await this.settleOffline();
      if (filesAreLocal === null) return; // the page reloads itself (first visit, for isolation)
      this.engine = new EmbeddingSupervisor({
        spawn: this.deps.spawnWorker,
        // Files from the offline copy report no download; start-up is still worth a bar.
        config: workerConfig(backend, { reportDownload: !filesAreLocal }),
        onState: (state) => this.onEngineState(state),
        onProgress: (progress) => this.onLoadProgress(progress),
      });
      if (filesAreLocal) this.update({ startup: { phase: 'startup', loaded: 0, total: 1 } });
      this.engine.start();
      const [libraries, cache] = await Promise.all([timed('app:libraries-open', this.deps.openLibraries()), timed('app:cache-open', this.deps.openCache((n) => this.notify(n)))]);
      this.libraries = libraries;
      this.cache = cache;
      if (libraries.problem) this.notify(notice('storage-unavailable', { problem: libraries.problem }));
      this.update({ storage: cache.kind });
      this.published = await this.deps.openPublished().catch((error: unknown) => {
        this.notify(notice('published-unreadable', { reason: describe(error) }));
        return null;
      });
      if (this.published) this.bundledCount = this.published.count;
      const corpus = await timed('app:corpus', this.initialCorpus(requestedLibrary));
      this.startCollector();
      void this.refreshStorage();
      if (corpus) await this.activate(corpus);
      else await this.activatePublished();
    } catch (error) {
      this.update({ phase: 'error', error: describe(error) });
    }
  }

  /** Registers the offline copy; resolves whether model files are local, or null when the page will reload. */
  private async settleOffline(): Promise<boolean | null> {
    // A repeat visit is already served by the service worker and isolated, so nothing will reload the page:
    // load the model at once instead of waiting for the worker's registration (saves ~0.1-0.3 s).
    const servedOffline = this.deps.isServedOffline();
    const pending = this.deps.prepareOffline({
      onProgress: (progress) => this.update({ offlineDownload: progress }),
      onUpdate: () => this.notify(notice('app-updated')),
    });
    if (servedOffline) {
      void pending.then((offline) => this.applyOffline(offline));
      return true;
    }
    const offline = await pending;
    if (offline.kind === 'reloading') return null;
    this.applyOffline(offline);
    return offline.kind === 'ready';
  }

  private applyOffline(offline: OfflineStatus): void {
    if (offline.kind === 'reloading') return;
    this.update({ offline: offline.kind, offlineDownload: null });
    if (offline.kind === 'unavailable') {
      this.notify(notice('offline-unavailable', { reason: offline.reason }));
      return;
    }
    this.stopWatching = this.deps.watchOffline((ready) => {
      this.update({ offline: ready ? 'ready' : 'lost' });
      if (ready) this.withdraw('offline-lost');
      else this.notify(notice('offline-lost'));
    });
  }

  private onEngineState(state: EngineState): void {
    const was = this.snapshot.engine;
    if (state.kind === 'starting') {
      const restarting = state.restart > 0;
      this.update({ engine: restarting ? 'restarting' : 'starting', engineDetail: state.after ? `worker ${state.after}` : null });
      if (restarting) this.notify(notice('engine-restarting'));
    } else if (state.kind === 'ready') {
      this.update({ engine: 'ready', model: state.model, engineDetail: null, download: null, startup: null });
      this.withdraw('model-repairing', 'engine-restarting', ...MODEL_UNAVAILABLE_CODES);
      if (was === 'restarting') this.notify(notice('engine-recovered'));
      const reason = state.model.backend.fallbackReason;
      if (reason) this.notify(notice('webgpu-fallback', { reason }));
      void this.refreshLibraries();
    } else {
      this.update({ engine: 'unavailable', engineDetail: `${state.failure.code}: ${state.failure.detail}`, download: null, startup: null });
      this.withdraw('model-repairing', 'engine-restarting', 'engine-recovered');
      this.notify(modelUnavailableNotice(state.failure));
    }
  }

  private onLoadProgress(progress: LoadProgress): void {
    if (progress.phase === 'repair') this.notify(notice('model-repairing'));
    else this.update(progress.phase === 'download' ? { download: progress } : { startup: progress });
  }

  /** Tries the model again (the Retry button): no page reload; indexing continues once it is ready. */
  retryModel(): void {
    if (this.snapshot.engine !== 'unavailable' || !this.engine) return;
    this.withdraw(...MODEL_UNAVAILABLE_CODES);
    this.engine.retry();
    const active = this.active;
    if (active && !active.complete) void this.indexInBackground(active);
  }

  // ---- libraries ----

  /**
   * The library to open: the address's, else the one open last time, else the newest stored one (a person
   * upgrading from one saved import keeps seeing it), else the bundled papers.
   */
  private async initialCorpus(requested: string | null): Promise<LoadedCorpus | null> {
    const stored = await this.libraries!.list().catch(() => [] as LibraryInfo[]);
    const wanted = requested ?? this.deps.lastLibrary.get() ?? stored[0]?.id ?? BUNDLED_LIBRARY_ID;
    if (wanted !== BUNDLED_LIBRARY_ID) {
      const library = await this.libraries!.load(wanted).catch(() => null);
      if (library) {
        // For the picker's count and garbage collection (a published library's vectors are not in the cache).
        if (!this.published) void this.loadBundled().catch(() => undefined);
        return storedCorpus(library);
      }
      if (requested) this.notify(notice('library-missing'));
    }
    return this.published ? null : this.loadBundled();
  }

  /** Opens the site's own library: the published one when there is one, else the bundled papers. */
  private async openSiteLibrary(): Promise<void> {
    if (this.published) await this.activatePublished();
    else await this.activate(await this.loadBundled(), { wait: false });
  }

  private async loadBundled(): Promise<LoadedCorpus> {
    const corpus = await this.deps.loadBundled((reason) => this.notify(notice('precomputed-unused', { reason })));
    const hashes = corpus.papers.map(contentHash);
    this.bundledHashes = hashes;
    this.bundledCount = corpus.papers.length;
    return { ...corpus, hashes };
  }

  /** Re-reads the picker's list (after an import, rename or delete, or in another tab's wake). */
  async refreshLibraries(): Promise<void> {
    if (!this.libraries) return;
    const stored = await this.libraries.list().catch(() => [] as LibraryInfo[]);
    const entries = libraryEntries(stored, this.bundledCount, this.snapshot.model?.dims ?? null, this.published?.name);
    const active = this.active;
    // A library that could not be saved is still open: it stays in the picker for this tab.
    if (active && !entries.some((entry) => entry.id === active.id)) entries.push({ id: active.id, name: `${active.name} (not saved)`, kind: 'imported', paperCount: active.papers.length, bytesOnDisk: null });
    this.update({ libraries: entries });
  }

  private async refreshStorage(): Promise<void> {
    const status = await this.deps.storage.status().catch(() => null);
    if (status) this.update({ storageInfo: status });
  }

  /** Opens another library; the one being embedded pauses and continues the next time it is opened. */
  switchLibrary(id: string): Promise<void> {
    if (id === this.snapshot.libraryId) return Promise.resolve();
    return this.exclusively({ needsEngine: false }, async () => {
      if (id === BUNDLED_LIBRARY_ID) {
        await this.openSiteLibrary();
        return;
      }
      const library = await this.libraries!.load(id).catch((error: unknown) => {
        this.notify(notice('library-failed', { action: 'open this library', reason: describe(error) }));
        return null;
      });
      if (!library) {
        if (this.snapshot.notices.every((n) => n.code !== 'library-failed')) this.notify(notice('library-missing'));
        await this.refreshLibraries();
        return;
      }
      await this.activate(storedCorpus(library), { wait: false });
    });
  }

  renameLibrary(id: string, name: string): Promise<void> {
    return this.exclusively({ needsEngine: false }, async () => {
      try {
        const info = await this.libraries!.rename(id, name);
        if (this.active?.id === id) {
          this.active.name = info.name;
          this.update({ corpusName: info.name });
        }
      } catch (error) {
        this.notify(notice('library-failed', { action: 'rename the library', reason: libraryReason(error) }));
      }
      await this.refreshLibraries();
    });
  }

  /**
   * Deletes a stored library and, at once, the vectors no other library (nor the bundled papers) uses. If it
   * is open, the bundled papers open first. Without a model (unavailable), the scheduled sweep removes them.
   */
  deleteLibrary(id: string): Promise<void> {
    if (id === BUNDLED_LIBRARY_ID) return Promise.resolve();
    return this.exclusively({ needsEngine: false }, async () => {
      if (this.active?.id === id) await this.openSiteLibrary();
      let deleted: DeletedLibrary | null;
      try {
        deleted = await this.libraries!.delete(id);
      } catch (error) {
        this.notify(notice('library-failed', { action: 'delete the library', reason: libraryReason(error) }));
        return;
      }
      const model = this.snapshot.model;
      let vectors = 0;
      if (deleted && model) {
        vectors = await this.cache!.dropVectors(model.modelKey, model.dims, deleted.hashes, () => this.referencedHashes()).catch(() => 0);
      }
      const name = deleted?.info?.name ?? 'the library';
      this.notify(notice('library-deleted', { name, papers: deleted?.info?.paperCount ?? 0, vectors }));
      await this.refreshLibraries();
      void this.refreshStorage();
    });
  }

  /** Every hash some library uses: the stored ones, the bundled papers and what is open in this tab. */
  private async referencedHashes(): Promise<Set<string>> {
    const referenced = await this.libraries!.referencedHashes();
    for (const hash of this.bundledHashes) referenced.add(hash);
    for (const hash of this.active?.hashes ?? []) referenced.add(hash);
    return referenced;
  }

  /**
   * What the library map is computed from: the open library's vectors, once every paper has one (a map of a
   * half-embedded library would move under the person's eyes); null before that.
   */
  mapInput(): LibraryMapRequest | null {
    const active = this.active;
    const model = this.snapshot.model;
    if (!active?.index || !active.complete || !model || !(active.index.vectors instanceof QuantizedMatrix)) return null;
    return { modelKey: model.modelKey, hashes: active.hashes, rows: active.index.vectors.int8Rows(), texts: (row) => documentText(active.papers[row]) };
  }

  /** The papers of a library, for export: the open one from memory, others from storage. */
  async papersOf(id: string): Promise<{ name: string; papers: readonly Paper[] } | null> {
    if (this.active?.id === id) return { name: this.active.name, papers: this.active.papers };
    // A published library is the site's files; it is never all in the tab, so it is not exported from here.
    if (id === BUNDLED_LIBRARY_ID && this.published) return null;
    if (id === BUNDLED_LIBRARY_ID) return { name: 'daily-papers', papers: (await this.loadBundled()).papers };
    const library = await this.libraries?.load(id).catch(() => null);
    return library ? { name: library.info.name, papers: library.papers } : null;
  }

  private startCollector(): void {
    const cache = this.cache!;
    this.collector = new VectorGarbageCollector({
      store: cache.gcStore(),
      libraries: this.libraries!,
      model: () => (this.snapshot.model ? { modelKey: this.snapshot.model.modelKey, dims: this.snapshot.model.dims } : null),
      // Never beside an import or an embedding run: their vectors are referenced, but a sweep would still
      // compete with them for the store's queue.
      busy: () => this.snapshot.switching || this.snapshot.phase === 'indexing',
      extraReferenced: () => [...this.bundledHashes, ...(this.active?.hashes ?? [])],
      onSwept: () => void this.refreshStorage(),
      onError: (error) => console.warn('vector garbage collection failed', error),
    });
    this.collector.start();
  }

  // ---- imports ----

  /** Imports chosen or dropped files as a new library (a library export, or what `npm run index` wrote). */
  importFiles(files: readonly File[]): Promise<void> {
    if (files.length === 0) return Promise.resolve();
    return this.importFrom({ kind: 'files', files, name: libraryNameOf(files) });
  }

  /** Imports a pasted list as a new library. */
  importText(text: string): Promise<void> {
    return this.importFrom({ kind: 'text', text, name: 'Pasted list' });
  }

  /** The person chose the title/abstract columns of an ambiguous CSV/TSV: the import goes on with them. */
  answerColumns(columns: ColumnChoice): Promise<void> {
    const pending = this.pendingImport;
    this.pendingImport = null;
    this.update({ columnQuestion: null });
    return pending ? this.importFrom(pending, columns) : Promise.resolve();
  }

  cancelColumns(): void {
    this.pendingImport = null;
    this.update({ columnQuestion: null });
  }

  /**
   * Parses in a worker (the page never freezes), says what was read, keeps the papers as a named library and
   * opens it. A file that does not parse changes nothing: the message names the file and line, and the papers
   * on screen stay searchable.
   */
  private importFrom(source: ImportSource, columns?: ColumnChoice): Promise<void> {
    return this.exclusively({ needsEngine: true }, async () => {
      const model = this.snapshot.model!;
      const options: ParseOptions = { expectedModel: { modelKey: model.modelKey, dims: model.dims }, ...(columns ? { columns } : {}) };
      // The worker's progress messages can arrive after its answer: once parsing has ended they must not bring
      // the bar back (issue 18: a failed paste left "Importing Pasted list · 0 B of 249 B" on screen).
      let parsing = true;
      const onProgress = (progress: ImportProgress) => {
        if (parsing) this.update({ importing: { name: source.name, ...progress } });
      };
      this.update({ importing: { name: source.name, stage: 'reading', done: 0, total: 1 }, columnQuestion: null });
      let parsed: ParsedLibrary;
      try {
        parsed = await (source.kind === 'files' ? this.deps.parseFiles(source.files, options, onProgress) : this.deps.parseText(source.text, options, onProgress)).finally(() => (parsing = false));
        if (parsed.papers.length === 0) throw new CorpusFormatError(source.name, 1, 'expected at least one paper, found none', 'empty');
      } catch (error) {
        this.update({ importing: null });
        if (error instanceof CorpusFormatError && error.code === 'ambiguous-columns' && error.details) {
          this.pendingImport = source;
          this.update({ columnQuestion: { file: error.file, headers: error.details.headers, candidates: error.details.candidates } });
          return;
        }
        this.notify(notice('import-rejected', { problem: describe(error) }));
        return;
      }
      this.withdraw('import-rejected');
      await this.warnIfStorageTight(parsed, model.dims);
      this.update({ importing: { name: source.name, stage: 'saving', done: 0, total: 1 } });
      const { id, name } = await this.keepLibrary(source.name, parsed);
      if (parsed.vectors) await this.cache!.appendRows(parsed.vectors.modelKey, parsed.vectors.dims, parsed.vectors.hashes, parsed.vectors.rows);
      this.notify(notice('import-summary', { summary: importSummaryText(name, parsed) }));
      this.update({ importing: null });
      await this.activate({ id, name, kind: 'imported', papers: parsed.papers, hashes: parsed.hashes, precomputed: parsed.vectors }, { wait: false });
      await this.refreshLibraries();
      void this.askToPersist();
    });
  }

  /** Says so before the library is written when the browser's quota will not hold it, not after a write fails. */
  private async warnIfStorageTight(parsed: ParsedLibrary, dims: number): Promise<void> {
    const status = await this.deps.storage.status().catch(() => null);
    if (!status) return;
    this.update({ storageInfo: status });
    const textBytes = parsed.papers.reduce((sum, paper) => sum + paper.title.length + paper.abstract.length, 0);
    const room = roomForImport(status, estimateImportBytes(parsed.papers.length, textBytes, dims));
    if (!room.ok) this.notify(notice('storage-tight', { needed: formatBytes(room.neededBytes), available: formatBytes(Math.max(0, room.availableBytes)) }));
  }

  /** Stores the library; when storage refuses, it stays open for this tab under a temporary id. */
  private async keepLibrary(wanted: string, parsed: ParsedLibrary): Promise<{ id: string; name: string }> {
    const existing = (await this.libraries!.list().catch(() => [] as LibraryInfo[])).map((info) => info.name);
    const name = uniqueName(existing, wanted);
    try {
      const info = await this.libraries!.create(name, parsed.papers, parsed.hashes, parsed.format);
      return { id: info.id, name: info.name };
    } catch (error) {
      this.notify(notice('import-not-saved', { name, reason: libraryReason(error) }));
      return { id: `unsaved-${Date.now().toString(36)}`, name };
    }
  }

  /** Asks the browser, once, to keep the person's libraries through storage pressure, and says what it answered. */
  private async askToPersist(): Promise<void> {
    if (this.persistenceAsked || this.libraries?.kind !== 'indexeddb') return;
    this.persistenceAsked = true;
    const result = await this.deps.storage.persist().catch((): PersistenceResult => 'unsupported');
    if (result === 'granted') this.notify(notice('storage-persisted'));
    else if (result === 'denied') this.notify(notice('storage-not-persisted'));
    void this.refreshStorage();
  }

  // ---- indexing ----

  /**
   * Makes a corpus the one searched: keywords at once, meaning once its vectors are resolved (or embedded).
   * With `wait`, resolves when indexing is done (start-up); else when the corpus is on screen.
   */
  private async activate(corpus: LoadedCorpus, { wait = true } = {}): Promise<void> {
    await this.stopIndexing();
    const active: ActiveCorpus = {
      id: corpus.id,
      name: corpus.name,
      papers: corpus.papers,
      hashes: corpus.hashes ?? corpus.papers.map(contentHash),
      keyword: new KeywordIndex(corpus.papers),
      index: null,
      present: new Uint8Array(corpus.papers.length),
      complete: false,
      precomputed: corpus.precomputed,
      indexing: null,
      confirmed: false,
    };
    this.active = active;
    this.leavePublished();
    this.deps.lastLibrary.set(corpus.id);
    this.withdraw('embedding-paused', 'indexing-failed', 'indexing-resumed');
    this.update({
      phase: 'loading',
      papers: corpus.papers,
      libraryId: corpus.id,
      corpusName: corpus.name,
      corpusKind: corpus.kind,
      ...NOTHING_INDEXED_YET,
    });
    if (wait) await this.indexActive(active);
    else void this.indexInBackground(active);
  }

  /** Stops the run of the corpus being left (its vectors so far are kept) and waits until it has stopped. */
  private async stopIndexing(): Promise<void> {
    const active = this.active;
    this.answerLongRun?.(false);
    if (!active?.indexing) return;
    await this.engine?.cancelEmbedding().catch(() => undefined);
    await active.indexing.catch(() => undefined);
  }

  private indexInBackground(active: ActiveCorpus): Promise<void> {
    return this.indexActive(active).catch((error: unknown) => {
      if (this.active !== active || isAbort(error)) return;
      this.update({ phase: 'ready', embedding: null });
      this.notify(notice('indexing-failed', { name: active.name, reason: describe(error) }));
    });
  }

  private indexActive(active: ActiveCorpus): Promise<void> {
    active.indexing ??= this.resolveAndEmbed(active).finally(() => (active.indexing = null));
    return active.indexing;
  }

  /**
   * Waits for the engine, resolves vectors (first time), embeds what is missing. An unavailable engine ends
   * this run with the corpus searchable by keywords (and by meaning over the vectors it has); Retry resumes.
   */
  private async resolveAndEmbed(active: ActiveCorpus): Promise<void> {
    let model: ModelInfo;
    try {
      model = await this.engine!.whenReady();
      if (this.active !== active) return;
      if (!active.index) this.attachVectors(active, model, await timed('app:cache-load', this.cache!.load(model.modelKey, model.dims)));
      if (this.active !== active) return;
      if (!(await this.embedMissing(active, model))) return;
    } catch (error) {
      if (error instanceof EngineUnavailableError) {
        if (this.active === active) this.update({ phase: 'ready', embedding: null });
        return;
      }
      if (isAbort(error) && this.active !== active) return;
      throw error;
    }
    active.complete = true;
    if (this.active !== active) return;
    this.update({ phase: 'ready', embedding: null, storage: this.cache!.kind });
    void this.cache!.tidy(model.modelKey, model.dims);
  }

  private attachVectors(active: ActiveCorpus, model: ModelInfo, cached: VectorSource | null): void {
    const resolved = resolveVectors(active.hashes, model.modelKey, model.dims, active.precomputed, cached);
    active.present.fill(1);
    for (const i of resolved.missing) active.present[i] = 0;
    active.index = new SearchIndex(active.papers, resolved.matrix, undefined, active.keyword);
    this.update({ fromPrecomputed: resolved.fromPrecomputed, fromCache: resolved.fromCache });
  }

  private missingOf(active: ActiveCorpus): number[] {
    const missing: number[] = [];
    active.present.forEach((present, i) => present === 0 && missing.push(i));
    return missing;
  }

  /**
   * Embeds what is missing; a long run is measured and put to the person first (embedding-plan.ts). Resolves
   * false when the person said not now (the corpus stays searchable over what it has).
   */
  private async embedMissing(active: ActiveCorpus, model: ModelInfo): Promise<boolean> {
    let missing = this.missingOf(active);
    if (missing.length === 0) return true;
    // One progress bar over the whole run, the measuring sample included.
    const overall = { before: 0, total: missing.length, costAfter: 0 };
    const backend = `${model.backend.used}:${model.backend.threads}`;
    const remember = (rate: MeasuredRate | null) => rate && this.deps.rates.set(model.modelKey, backend, rate);
    const costOf = (positions: number[]) => positions.reduce((sum, i) => sum + embeddingCost(documentText(active.papers[i])), 0);
    let plan: EmbeddingPlan = active.confirmed ? { kind: 'go' } : planEmbedding(missing.length, costOf(missing), this.deps.rates.get(model.modelKey, backend));
    if (plan.kind === 'measure-first') {
      overall.costAfter = costOf(missing.slice(plan.sample));
      const measured = await this.embedRun(active, model, missing.slice(0, plan.sample), overall);
      overall.costAfter = 0;
      remember(measured);
      missing = this.missingOf(active);
      overall.before = overall.total - missing.length;
      if (missing.length === 0) return true;
      plan = planEmbedding(missing.length, costOf(missing), measured ?? this.deps.rates.get(model.modelKey, backend));
      if (plan.kind === 'measure-first') plan = { kind: 'go' }; // no rate could be measured: do not loop
    }
    if (plan.kind === 'ask' && !(await this.askLongRun(active, missing.length, plan.seconds, plan.docsPerSecond))) {
      const total = active.papers.length;
      const done = total - missing.length;
      this.update({ phase: 'ready', embedding: null, embeddingPaused: { done, total } });
      this.notify(notice('embedding-paused', { name: active.name, done, total }));
      return false;
    }
    active.confirmed = true;
    remember(await this.embedRun(active, model, missing, overall));
    return true;
  }

  private askLongRun(active: ActiveCorpus, count: number, seconds: number, docsPerSecond: number): Promise<boolean> {
    this.update({ phase: 'ready', embedding: null, longRun: { library: active.name, count, seconds, docsPerSecond } });
    return new Promise<boolean>((resolve) => {
      this.answerLongRun = (go) => {
        this.answerLongRun = null;
        this.update({ longRun: null });
        resolve(go && this.active === active);
      };
    });
  }

  /** The person's answer to "this will take about 4 h": go on here, or not now. */
  answerLongRunQuestion(go: boolean): void {
    this.answerLongRun?.(go);
  }

  /** Continues embedding the open library after "not now" (the notice's Resume button). */
  resumeEmbedding(): void {
    const active = this.active;
    if (!active || active.complete) return;
    active.confirmed = true;
    this.withdraw('embedding-paused');
    this.update({ embeddingPaused: null });
    void this.indexInBackground(active);
  }

  /** Embeds `positions` of the corpus, keeping what is done; resolves the measured rate (null if unknown). */
  /** `overall`: papers done before this run and in all, and the cost of what follows it, for one progress bar. */
  private async embedRun(active: ActiveCorpus, model: ModelInfo, positions: number[], overall: { before: number; total: number; costAfter: number }): Promise<MeasuredRate | null> {
    const cache = this.cache!;
    const index = active.index!;
    this.update({ phase: 'indexing' });
    const pending = { hashes: [] as string[], rows: [] as Float32Array[] };
    const flush = async () => {
      if (pending.hashes.length === 0) return;
      const { hashes, rows } = pending;
      pending.hashes = [];
      pending.rows = [];
      await cache.append(model.modelKey, model.dims, hashes, concat(rows, model.dims));
    };
    const embeddedBefore = this.snapshot.embeddedNow;
    // Rates in embedding-cost units: papers/s falls as a run goes on (the encoder embeds short texts first).
    const meter = new RateMeter();
    const costs = new Map(positions.map((position) => [position, embeddingCost(documentText(active.papers[position]))]));
    const totalCost = [...costs.values()].reduce((sum, cost) => sum + cost, 0);
    let costDone = 0;
    try {
      await runIndexingJob({
        engine: this.engine!,
        missing: positions,
        textOf: (i) => documentText(active.papers[i]),
        onRows: async (rowPositions, vectors) => {
          rowPositions.forEach((position, row) => {
            const vector = vectors.subarray(row * model.dims, (row + 1) * model.dims);
            index.vectors.setRow(position, vector);
            active.present[position] = 1;
            pending.hashes.push(active.hashes[position]);
            pending.rows.push(vector);
            costDone += costs.get(position) ?? 0;
          });
          if (pending.hashes.length >= PERSIST_EVERY) await flush();
        },
        onProgress: (progress) => {
          meter.record(progress.done, costDone);
          const secondsLeft = meter.secondsLeft(totalCost - costDone + overall.costAfter) ?? progress.secondsLeft;
          const docsPerSecond = meter.papersPerSecond() ?? progress.docsPerSecond;
          const done = overall.before + progress.done;
          if (this.active === active) this.update({ embeddedNow: embeddedBefore + progress.done, embedding: { done, total: overall.total, docsPerSecond, secondsLeft } });
        },
        onResume: (done, total) => this.notify(notice('indexing-resumed', { done, total })),
      });
    } finally {
      // What was embedded is kept even when the run stops (cancelled, engine lost): a later run skips it.
      await flush();
    }
    return meter.rate();
  }

  /** Runs one library change at a time (the UI disables the controls too); a second request meanwhile is ignored. */
  private async exclusively({ needsEngine }: { needsEngine: boolean }, task: () => Promise<void>): Promise<void> {
    if (this.snapshot.switching || !this.libraries) return;
    if (needsEngine && this.snapshot.engine !== 'ready') return;
    this.update({ switching: true });
    try {
      await task();
    } finally {
      this.update({ switching: false, importing: null });
    }
  }

  /** Ranks papers for a query; resolves `undefined` when a newer search superseded this one. */
  search(query: string, mode: SearchMode, examples: Examples | null = null): Promise<SearchOutcome | undefined> {
    return this.latest.run(async () => {
      // Everything this search reads is taken now: a corpus switch during the await below cannot mix in.
      const active = this.active;
      const published = this.publishedOpen ? this.published : null;
      if (!active && !published) return { query, papers: [], mode, hits: [], elapsedMs: 0, partial: false, fallback: null, timings: null, examples: null, exampleProblem: null };
      const engine = this.engine!;
      const embedder: QueryEmbedder = { embedQuery: (text) => engine.embedQuery(text), available: () => engine.state.kind !== 'unavailable' };
      const outcome = published
        ? await rankPublishedQuery(published.searchable, { ...embedder, available: () => embedder.available() && this.snapshot.published?.vectors === 'ready' }, query, mode, examples)
        : await rankQuery(active!, embedder, query, mode, examples);
      if (outcome.fallback === 'query-failed') this.notify(notice('query-failed'));
      if (outcome.exampleProblem) this.notify(notice('examples-unusable', { reason: EXAMPLE_ERROR_CODES[outcome.exampleProblem.code] }));
      else this.withdraw('examples-unusable');
      return outcome;
    });
  }

  // ---- the site's published library ----

  /** Opens the published library: keywords at once (shards fetched per term), meaning once its vectors are here. */
  private async activatePublished(): Promise<void> {
    const published = this.published!;
    await this.stopIndexing();
    this.active = null;
    this.publishedOpen = true;
    this.deps.lastLibrary.set(BUNDLED_LIBRARY_ID);
    this.withdraw('embedding-paused', 'indexing-failed', 'indexing-resumed');
    // The first papers are what the page lists before a query.
    const first = Array.from({ length: Math.min(RESULT_LIMIT, published.count) }, (_, row) => row);
    await published.searchable.book.load(first).catch((error: unknown) => console.warn('could not read the first papers', error));
    this.update({
      phase: 'ready',
      papers: published.searchable.book.papers,
      libraryId: BUNDLED_LIBRARY_ID,
      corpusName: published.name,
      corpusKind: 'bundled',
      ...NOTHING_INDEXED_YET,
      published: { count: published.count, vectors: 'downloading', vectorDownload: null, offline: null, offlineDownload: null },
    });
    void this.refreshLibraries();
    void this.installPublishedVectors();
    void this.refreshPublishedOffline();
  }

  /** Another library opens: the published one's offline download stops (it resumes where it was, later). */
  private leavePublished(): void {
    if (!this.publishedOpen) return;
    this.publishedOpen = false;
    this.offlineDownload?.abort();
    this.update({ published: null });
  }

  private updatePublished(patch: Partial<PublishedStatus>): void {
    const current = this.snapshot.published;
    if (this.publishedOpen && current) this.update({ published: { ...current, ...patch } });
  }

  private installPublishedVectors(): Promise<void> {
    this.publishedInstall ??= this.runPublishedInstall().finally(() => (this.publishedInstall = null));
    return this.publishedInstall;
  }

  private async runPublishedInstall(): Promise<void> {
    const published = this.published!;
    this.updatePublished({ vectors: 'downloading', vectorDownload: null });
    try {
      await published.installVectors((progress) => this.updatePublished({ vectorDownload: progress }));
    } catch (error) {
      this.updatePublished({ vectors: 'failed', vectorDownload: null });
      if (this.publishedOpen) this.notify(notice('published-vectors-failed', { reason: describe(error) }));
      return;
    }
    this.withdraw('published-vectors-failed');
    // Queries are embedded by this app's model: vectors of another cannot be compared with them.
    const model = await this.engine!.whenReady().catch(() => null);
    if (model && model.modelKey !== published.modelKey) {
      this.updatePublished({ vectors: 'wrong-model', vectorDownload: null });
      this.notify(notice('published-wrong-model', { library: published.modelKey, model: model.modelKey }));
      return;
    }
    this.updatePublished({ vectors: 'ready', vectorDownload: null });
    if (this.publishedOpen) this.update({ fromPrecomputed: published.count });
    void this.refreshPublishedOffline();
  }

  /** The Retry of 'published-vectors-failed'. */
  retryPublishedVectors(): void {
    if (!this.publishedOpen || this.snapshot.published?.vectors !== 'failed') return;
    this.withdraw('published-vectors-failed');
    void this.installPublishedVectors();
  }

  private async refreshPublishedOffline(): Promise<void> {
    const state = await this.published?.offlineState().catch(() => null);
    if (state) this.updatePublished({ offline: state });
  }

  /** "Make this library available offline": downloads what is missing, with progress; the button again resumes. */
  async makePublishedAvailableOffline(): Promise<void> {
    const published = this.published;
    if (!published || !this.publishedOpen || this.offlineDownload) return;
    const abort = new AbortController();
    this.offlineDownload = abort;
    this.withdraw('published-offline-failed');
    this.updatePublished({ offlineDownload: { loaded: 0, total: this.snapshot.published?.offline?.missingBytes ?? 0 } });
    try {
      const ended = await published.downloadForOffline((progress) => this.updatePublished({ offlineDownload: progress }), abort.signal);
      if (ended === 'complete') this.notify(notice('published-offline-ready'));
    } catch (error) {
      this.notify(notice('published-offline-failed', { reason: describe(error) }));
    } finally {
      this.offlineDownload = null;
      this.updatePublished({ offlineDownload: null });
      await this.refreshPublishedOffline();
    }
  }

  cancelOfflineDownload(): void {
    this.offlineDownload?.abort();
  }

  dispose(): void {
    this.published?.dispose();
    this.stopWatching();
    this.collector?.stop();
    this.engine?.dispose();
  }
}

function storedCorpus(library: StoredLibrary): LoadedCorpus {
  return { id: library.info.id, name: library.info.name, kind: 'imported', papers: library.papers, hashes: library.hashes, precomputed: null };
}

/** A library is named after its file; `npm run index` output after the file that is not the vectors. */
function libraryNameOf(files: readonly File[]): string {
  const named = files.find((file) => !/\.bin$/i.test(file.name)) ?? files[0];
  return named.name;
}

function concat(rows: Float32Array[], dims: number): Float32Array {
  const out = new Float32Array(rows.length * dims);
  rows.forEach((row, i) => out.set(row, i * dims));
  return out;
}

/** Marks how long each start-up step took (Performance panel, and `npm run bench`). */
async function timed<T>(name: string, work: Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work;
  } finally {
    performance.measure(name, { start, end: performance.now() });
  }
}

function isAbort(error: unknown): boolean {
  return (error as Error | null)?.name === 'AbortError';
}

function libraryReason(error: unknown): string {
  return error instanceof LibraryError ? error.detail : describe(error);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type { ImportActivity };
