import { CorpusStore, type SavedCorpus } from '../corpus/corpus-store.ts';
import { parseCorpusFile } from '../corpus/import.ts';
import { contentHash, documentText } from '../corpus/paper-id.ts';
import { CorpusFormatError, type Paper } from '../corpus/types.ts';
import { spawnEmbeddingWorker, type WorkerHandle } from '../embedding/client.ts';
import { EmbeddingSupervisor, EngineUnavailableError, type EngineState } from '../embedding/supervisor.ts';
import type { BackendRequest, LoadAmount, LoadProgress, ModelInfo } from '../embedding/worker-api.ts';
import { KeywordIndex } from '../index/keyword.ts';
import { resolveVectors, type VectorSource } from '../index/resolve-vectors.ts';
import { LatestOnly } from '../search/latest-only.ts';
import { SearchIndex, type SearchMode } from '../search/search.ts';
import { loadBundledCorpus, type LoadedCorpus } from './bundled-corpus.ts';
import { runIndexingJob } from './indexing-job.ts';
import { addNotice, MODEL_UNAVAILABLE_CODES, modelUnavailableNotice, notice, withdrawNotices, type Notice, type NoticeCode } from './notices.ts';
import { isServedOffline, prepareOffline, type ByteProgress, type OfflineStatus } from './offline.ts';
import { offlineCopyPresent, watchOfflineCopy } from './offline-watch.ts';
import { rankQuery, type SearchableCorpus, type SearchOutcome } from './searcher.ts';
import { assetUrls, workerConfig } from './urls.ts';
import { VectorCache } from './vector-cache.ts';

/**
 * Orchestrates one page load: the corpus (searchable by keywords at once), the supervised embedding engine,
 * vectors (precomputed asset, then IndexedDB, then the engine), searches, imports and notices. UI-free: it
 * reports through `onChange` so the Svelte view stays thin. The pieces it composes live in their own modules.
 */

export type Phase = 'loading' | 'indexing' | 'ready' | 'error';
/** The embedding engine as the person sees it: `restarting` after a lost worker, `unavailable` = keywords only. */
export type EngineStatus = 'starting' | 'ready' | 'restarting' | 'unavailable';

export interface EmbeddingProgress {
  done: number;
  total: number;
  docsPerSecond: number;
  secondsLeft: number;
}

export interface Snapshot {
  phase: Phase;
  error: string | null;
  papers: readonly Paper[];
  /** "bundled" for the shipped Daily Papers corpus, else the imported file's name. */
  corpusName: string;
  corpusKind: 'bundled' | 'imported';
  /** An import or a return to the bundled papers is under way; another one waits until it is done. */
  switching: boolean;
  /** First visit: the service worker downloading the offline copy (app, model, wasm). */
  offlineDownload: ByteProgress | null;
  /** `lost`: the offline copy was ready and has gone (site data cleared) while the page is open. */
  offline: OfflineStatus['kind'] | 'checking' | 'lost';
  download: LoadAmount | null;
  startup: LoadAmount | null;
  embedding: EmbeddingProgress | null;
  engine: EngineStatus;
  /** Why the engine is unavailable, for the diagnostics panel. */
  engineDetail: string | null;
  model: ModelInfo | null;
  storage: 'indexeddb' | 'memory' | null;
  fromPrecomputed: number;
  fromCache: number;
  embeddedNow: number;
  notices: Notice[];
}

/** Rows embedded but not yet written to the cache are flushed in groups this large. */
const PERSIST_EVERY = 256;

/** What the controller is built from; tests pass fakes. */
export interface AppDeps {
  spawnWorker(): WorkerHandle;
  corpusStore: Pick<CorpusStore, 'load' | 'save' | 'clear'>;
  openCache(notify: (notice: Notice) => void): Promise<Pick<VectorCache, 'kind' | 'load' | 'append' | 'tidy'>>;
  loadBundled(onVectorsUnusable: (reason: string) => void): Promise<LoadedCorpus>;
  prepareOffline: typeof prepareOffline;
  isServedOffline(): boolean;
  watchOffline(onChange: (ready: boolean) => void): () => void;
}

export const browserDeps = (): AppDeps => ({
  spawnWorker: spawnEmbeddingWorker,
  corpusStore: CorpusStore.open(),
  openCache: (notify) => VectorCache.open(notify),
  loadBundled: loadBundledCorpus,
  prepareOffline,
  isServedOffline,
  watchOffline: (onChange) => watchOfflineCopy({ check: () => offlineCopyPresent([assetUrls.modelWeights, assetUrls.wasm]), onChange }),
});

interface ActiveCorpus extends SearchableCorpus {
  precomputed: VectorSource | null;
  /** The indexing run under way, so a retry does not start a second one. */
  indexing: Promise<void> | null;
}

export class AppController {
  private snapshot: Snapshot = {
    phase: 'loading',
    error: null,
    papers: [],
    corpusName: 'bundled',
    corpusKind: 'bundled',
    switching: false,
    offlineDownload: null,
    offline: 'checking',
    download: null,
    startup: null,
    embedding: null,
    engine: 'starting',
    engineDetail: null,
    model: null,
    storage: null,
    fromPrecomputed: 0,
    fromCache: 0,
    embeddedNow: 0,
    notices: [],
  };
  private engine: EmbeddingSupervisor | null = null;
  private cache: Awaited<ReturnType<AppDeps['openCache']>> | null = null;
  private active: ActiveCorpus | null = null;
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

  async start(backend: BackendRequest): Promise<void> {
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
      const [corpus, cache] = await Promise.all([timed('app:corpus', this.initialCorpus()), timed('app:cache-open', this.deps.openCache((n) => this.notify(n)))]);
      this.cache = cache;
      this.update({ storage: cache.kind });
      await this.index(corpus).catch((error: unknown) => {
        if (corpus.kind !== 'imported') throw error;
        return this.dropImport(corpus.name, error);
      });
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
      this.update({ engine: 'ready', model: state.model, engineDetail: null, download: null });
      this.withdraw('model-repairing', 'engine-restarting', ...MODEL_UNAVAILABLE_CODES);
      if (was === 'restarting') this.notify(notice('engine-recovered'));
      const reason = state.model.backend.fallbackReason;
      if (reason) this.notify(notice('webgpu-fallback', { reason }));
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
    if (active && !active.complete) void this.indexActive(active).catch((error: unknown) => this.update({ phase: 'error', error: describe(error) }));
  }

  /** The person's imported corpus if one is saved, else the bundled one with its precomputed vectors. */
  private async initialCorpus(): Promise<LoadedCorpus> {
    const saved = await this.deps.corpusStore.load().catch(() => null);
    if (saved) return { name: saved.name, kind: 'imported', papers: saved.papers, precomputed: null };
    return this.loadBundled();
  }

  private loadBundled(): Promise<LoadedCorpus> {
    return this.deps.loadBundled((reason) => this.notify(notice('precomputed-unused', { reason })));
  }

  /** Makes a corpus searchable: keywords at once, meaning once its vectors are resolved (or embedded). */
  private async index(corpus: LoadedCorpus): Promise<void> {
    const active: ActiveCorpus = {
      papers: corpus.papers,
      keyword: new KeywordIndex(corpus.papers),
      index: null,
      present: new Uint8Array(corpus.papers.length),
      complete: false,
      precomputed: corpus.precomputed,
      indexing: null,
    };
    this.active = active;
    this.update({ phase: 'loading', papers: corpus.papers, corpusName: corpus.name, corpusKind: corpus.kind, embeddedNow: 0, embedding: null, fromPrecomputed: 0, fromCache: 0 });
    await this.indexActive(active);
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
      const missing = [...active.present.keys()].filter((i) => active.present[i] === 0);
      if (missing.length > 0) await this.embedMissing(active, model, missing);
    } catch (error) {
      if (!(error instanceof EngineUnavailableError)) throw error;
      if (this.active === active) this.update({ phase: 'ready', embedding: null });
      return;
    }
    active.complete = true;
    this.update({ phase: 'ready', embedding: null, storage: this.cache!.kind });
    void this.cache!.tidy(model.modelKey, model.dims);
  }

  private attachVectors(active: ActiveCorpus, model: ModelInfo, cached: VectorSource | null): void {
    const resolved = resolveVectors(active.papers.map(contentHash), model.modelKey, model.dims, active.precomputed, cached);
    active.present.fill(1);
    for (const i of resolved.missing) active.present[i] = 0;
    active.index = new SearchIndex(active.papers, resolved.matrix, undefined, active.keyword);
    this.update({ fromPrecomputed: resolved.fromPrecomputed, fromCache: resolved.fromCache });
  }

  private async embedMissing(active: ActiveCorpus, model: ModelInfo, missing: number[]): Promise<void> {
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
    try {
      await runIndexingJob({
        engine: this.engine!,
        missing,
        textOf: (i) => documentText(active.papers[i]),
        onRows: async (positions, vectors) => {
          positions.forEach((position, row) => {
            const vector = vectors.subarray(row * model.dims, (row + 1) * model.dims);
            index.vectors.setRow(position, vector);
            active.present[position] = 1;
            pending.hashes.push(contentHash(active.papers[position]));
            pending.rows.push(vector);
          });
          if (pending.hashes.length >= PERSIST_EVERY) await flush();
        },
        onProgress: (progress) => this.update({ embeddedNow: embeddedBefore + progress.done, embedding: progress }),
        onResume: (done, total) => this.notify(notice('indexing-resumed', { done, total })),
      });
    } finally {
      // What was embedded is kept even when the run stops (cancelled, engine lost): a later run skips it.
      await flush();
    }
  }

  /**
   * Replaces the corpus with a file the person chose. A file that does not parse changes nothing: the
   * message names the line, and the papers they had stay searchable.
   */
  importFile(file: File): Promise<void> {
    return this.exclusively(async () => {
      let papers: Paper[];
      try {
        papers = parseCorpusFile(file.name, await file.text());
        if (papers.length === 0) throw new CorpusFormatError(file.name, 1, 'expected at least one paper, found none');
      } catch (error) {
        this.notify(notice('import-rejected', { problem: describe(error) }));
        return;
      }
      const saved: SavedCorpus = { name: file.name, papers, savedAt: new Date().toISOString() };
      try {
        await this.deps.corpusStore.save(saved);
      } catch (error) {
        // An older import left in storage would come back on reload instead of this one.
        await this.deps.corpusStore.clear().catch(() => undefined);
        this.notify(notice('import-not-saved', { name: file.name, reason: describe(error) }));
      }
      await this.index({ name: file.name, kind: 'imported', papers, precomputed: null }).catch((error: unknown) => this.dropImport(file.name, error));
    });
  }

  /**
   * An imported corpus that was stopped (the person went back while it was indexing) or cannot be indexed is not
   * kept: a reload would otherwise meet it again. Vectors embedded so far stay cached, so importing the same
   * file again continues where it stopped.
   */
  private async dropImport(name: string, error: unknown): Promise<void> {
    await this.deps.corpusStore.clear().catch(() => undefined);
    const stopped = (error as Error | null)?.name === 'AbortError';
    this.notify(stopped ? notice('import-stopped', { name }) : notice('import-failed', { name, reason: describe(error) }));
    await this.indexBundled();
  }

  /** Back to the bundled papers; forgets the imported corpus (its vectors stay in the cache). */
  useBundledCorpus(): Promise<void> {
    // While an import is being embedded, going back means stopping it: the stopped import lands in dropImport.
    if (this.snapshot.phase === 'indexing' && this.snapshot.corpusKind === 'imported') return this.engine!.cancelEmbedding();
    return this.exclusively(async () => {
      await this.indexBundled();
      await this.deps.corpusStore.clear().catch(() => undefined);
    });
  }

  private async indexBundled(): Promise<void> {
    try {
      await this.index(await this.loadBundled());
    } catch (error) {
      this.update({ phase: 'error', error: describe(error) });
    }
  }

  /** Runs one corpus switch at a time (the UI disables the buttons too); a second request meanwhile is ignored. */
  private async exclusively(task: () => Promise<void>): Promise<void> {
    if (this.snapshot.switching || this.snapshot.engine !== 'ready') return;
    this.update({ switching: true });
    try {
      await task();
    } finally {
      this.update({ switching: false });
    }
  }

  /** Ranks papers for a query; resolves `undefined` when a newer search superseded this one. */
  search(query: string, mode: SearchMode): Promise<SearchOutcome | undefined> {
    return this.latest.run(async () => {
      // Everything this search reads is taken now: a corpus switch during the await below cannot mix in.
      const active = this.active;
      if (!active) return { query, papers: [], mode, hits: [], elapsedMs: 0, partial: false, fallback: null };
      const engine = this.engine!;
      const outcome = await rankQuery(active, { embedQuery: (text) => engine.embedQuery(text), available: () => engine.state.kind !== 'unavailable' }, query, mode);
      if (outcome.fallback === 'query-failed') this.notify(notice('query-failed'));
      return outcome;
    });
  }

  dispose(): void {
    this.stopWatching();
    this.engine?.dispose();
  }
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
