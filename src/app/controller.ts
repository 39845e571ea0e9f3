import type { ColumnChoice } from '../corpus/import.ts';
import { documentText } from '../base/paper-id.ts';
import type { Paper } from '../base/paper.ts';
import { EmbeddingSupervisor } from '../embedding/supervisor.ts';
import type { BackendRequest } from '../embedding/worker-api.ts';
import { QuantizedMatrix } from '../index/quantized-matrix.ts';
import { KeywordIndex } from '../index/keyword.ts';
import type { LibraryMapRequest } from '../map/map-client.ts';
import type { Examples } from '../search/examples.ts';
import type { SearchMode } from '../search/search.ts';
import type { LoadedCorpus } from './bundled-corpus.ts';
import { MODEL_UNAVAILABLE_CODES, notice, type Notice } from './notices.ts';
import { BUNDLED_LIBRARY_ID, type ImportActivity, type Snapshot } from './snapshot.ts';
import { timed } from '../base/measure.ts';
import { AppState, describe } from './services/app-state.ts';
import type { AppDeps, CacheLike, LibraryStoreLike } from './services/deps.ts';
import { EngineStatus } from './services/engine-status.ts';
import { GpuSession } from './services/gpu-session.ts';
import { composeServices, type Services } from './services/compose.ts';
import { libraryNameOf, type ImportSource } from './services/import-flow.ts';
import { localCorpus } from './services/indexing-session.ts';
import type { LibraryEvent } from './services/library-events.ts';
import { OfflineCopy } from './services/offline-copy.ts';
import { OpenLibrarySlot, type OpenLibrary } from './services/open-library.ts';
import { nothingOpen, type SearchAnswer } from './services/search-dispatch.ts';

export type { AppDeps, CacheLike, LibraryStoreLike, Snapshot, ImportActivity, SearchAnswer };

/** What a library just opened shows before its own indexing reports anything (bundled, stored or published). */
const NOTHING_INDEXED_YET = { embeddedNow: 0, embedding: null, embeddingPaused: null, longRun: null, fromPrecomputed: 0, fromCache: 0 } satisfies Partial<Snapshot>;

/**
 * One page load, as a thin composition of services (src/app/services): the offline copy, the engine's status,
 * the library catalogue, imports, indexing, the published library and search. The facade owns what they
 * share: which library is open (one value, OpenLibrarySlot), the one reset every open goes through, and one
 * library change at a time. UI-free: it reports through `onChange` so the Svelte view stays thin.
 */
export class AppController {
  private readonly app: AppState;
  private readonly slot = new OpenLibrarySlot();
  private readonly offline: OfflineCopy;
  private readonly engineStatus: EngineStatus;
  private services: Services | null = null;
  /** The engine from the start of start-up (before the services), so dispose can always stop it. */
  private engine: EmbeddingSupervisor | null = null;
  /** The library change under way (import, switch, rename, delete): another one meanwhile is ignored. */
  private change: Promise<void> | null = null;
  /** Counts library opens: one whose keyword index finished after a newer open started is dropped. */
  private openings = 0;

  constructor(
    onChange: (snapshot: Snapshot) => void,
    private readonly deps: AppDeps,
  ) {
    this.app = new AppState(onChange);
    this.offline = new OfflineCopy(this.app, deps);
    this.engineStatus = new EngineStatus(this.app, () => void this.services?.catalog.refresh());
  }

  get state(): Snapshot {
    return this.app.current;
  }

  notify(next: Notice): void {
    this.app.notify(next);
  }

  dismissNotice(index: number): void {
    this.app.dismiss(index);
  }

  /** Starts the page: `requestedLibrary` is the ?library= of the address, if any. */
  async start(backend: BackendRequest, requestedLibrary: string | null = null): Promise<void> {
    try {
      const filesAreLocal = await timed('app:offline-settle', this.offline.settle());
      if (filesAreLocal === null) return; // the page reloads itself (first visit, for isolation)
      const gpuSession = new GpuSession(backend);
      const engine = new EmbeddingSupervisor({
        spawn: this.deps.spawnWorker,
        // Files from the offline copy report no download; start-up is still worth a bar.
        // A function: a worker started again is given what was learnt since (canary verdicts, a failed GPU).
        config: () => this.deps.workerConfig(gpuSession.backend, { reportDownload: !filesAreLocal, gpuVerdicts: gpuSession.verdicts(this.deps) }),
        onState: (state) => this.engineStatus.onState(state),
        onBackend: (info) => {
          gpuSession.learn(info, this.deps);
          this.engineStatus.onBackend(info);
        },
        onProgress: (progress) => this.engineStatus.onProgress(progress),
      });
      this.engine = engine;
      if (filesAreLocal) this.app.update({ startup: { phase: 'startup', loaded: 0, total: 1 } });
      engine.start();
      // The published-library probe (corpus/library.json) goes out beside the store and cache opens, not after.
      const probe = timed('app:published-probe', this.deps.openPublished()).catch((error: unknown) => {
        this.app.notify(notice('published-unreadable', { reason: describe(error) }));
        return null;
      });
      const [store, cache] = await Promise.all([timed('app:libraries-open', this.deps.openLibraries()), timed('app:cache-open', this.deps.openCache((n) => this.app.notify(n)))]);
      if (store.problem) this.app.notify(notice('storage-unavailable', { problem: store.problem }));
      this.app.update({ storage: cache.kind });
      const published = await probe;
      const services = composeServices({ state: this.app, slot: this.slot, deps: this.deps, engine, store, cache, library: published, onLibraryEvent: (event) => void this.onLibraryEvent(event) });
      this.services = services;
      const corpus = await timed('app:corpus', services.catalog.initialCorpus(requestedLibrary));
      services.catalog.startCollector(() => this.app.current.switching || this.app.current.phase === 'indexing');
      void services.catalog.refreshStorage();
      if (corpus) await this.openLocal(services, corpus, { wait: true });
      else await this.openSiteLibrary(services);
    } catch (error) {
      this.app.update({ phase: 'error', error: describe(error) });
    }
  }

  // ---- opening a library: one reset for every kind ----

  /** Stops the work of the library being left, makes `next` the open one, and resets what the page shows. */
  private async open(services: Services, next: OpenLibrary, view: Partial<Snapshot> & { libraryId: string }): Promise<void> {
    await services.indexing.stop();
    if (this.slot.current.kind === 'published') services.published?.leave();
    this.slot.current = next;
    this.deps.lastLibrary.set(view.libraryId);
    this.app.withdraw('embedding-paused', 'indexing-failed', 'indexing-resumed');
    this.app.update({ ...view, ...NOTHING_INDEXED_YET });
  }

  /** Keywords at once, meaning once its vectors are resolved or embedded; `wait` (start-up) until indexed. */
  private async openLocal(services: Services, loaded: LoadedCorpus, { wait }: { wait: boolean }): Promise<void> {
    const ticket = ++this.openings;
    const corpus = localCorpus(loaded, await timed('app:keyword-index', KeywordIndex.build(loaded.papers)));
    if (ticket !== this.openings) return; // a later open started while the keyword index was built
    await this.open(services, { kind: 'local', corpus }, { phase: 'loading', papers: loaded.papers, libraryId: loaded.id, corpusName: loaded.name, corpusKind: loaded.kind, published: null });
    await timed('app:indexing', services.indexing.start(corpus, { wait }));
  }

  /** The site's own library: the published one when there is one, else the bundled papers. */
  private async openSiteLibrary(services: Services): Promise<void> {
    const published = services.published;
    if (!published) return this.openLocal(services, await services.catalog.loadBundled(), { wait: false });
    const library = published.library;
    await this.open(services, { kind: 'published', library }, { phase: 'loading', papers: library.searchable.book.papers, libraryId: BUNDLED_LIBRARY_ID, corpusName: library.name, corpusKind: 'bundled' });
    void services.catalog.refresh();
    await published.enter();
  }

  /** Runs one library change at a time (the UI disables the controls too); a second request meanwhile is ignored. */
  private exclusively({ needsEngine }: { needsEngine: boolean }, task: (services: Services) => Promise<void>): Promise<void> {
    const services = this.services;
    if (!services || this.app.current.switching) return Promise.resolve();
    if (needsEngine && this.app.current.engine !== 'ready') return Promise.resolve();
    this.app.update({ switching: true });
    const change = task(services).finally(() => {
      this.change = null;
      this.app.update({ switching: false, importing: null });
    });
    this.change = change.catch(() => undefined);
    return change;
  }

  // ---- libraries ----

  /** Opens another library; the one being embedded pauses and continues the next time it is opened. */
  switchLibrary(id: string): Promise<void> {
    if (id === this.app.current.libraryId) return Promise.resolve();
    return this.exclusively({ needsEngine: false }, async (services) => {
      if (id === BUNDLED_LIBRARY_ID) return this.openSiteLibrary(services);
      const corpus = await services.catalog.open(id);
      if (corpus) await this.openLocal(services, corpus, { wait: false });
    });
  }

  renameLibrary(id: string, name: string): Promise<void> {
    return this.exclusively({ needsEngine: false }, (services) => services.catalog.rename(id, name));
  }

  /** Deletes a stored library and the vectors only it used; if it is open, the site's own library opens first. */
  deleteLibrary(id: string): Promise<void> {
    if (id === BUNDLED_LIBRARY_ID) return Promise.resolve();
    return this.exclusively({ needsEngine: false }, async (services) => {
      if (this.slot.local?.id === id) await this.openSiteLibrary(services);
      await services.catalog.delete(id);
    });
  }

  /** Another tab deleted a library: if it is open here, its work stops and the site's own library opens. */
  private async onLibraryEvent(event: LibraryEvent): Promise<void> {
    while (this.change) await this.change; // a change under way here ends first
    if (this.slot.local?.id === event.id) {
      await this.exclusively({ needsEngine: false }, async (services) => {
        await this.openSiteLibrary(services);
        this.app.notify(notice('library-deleted-elsewhere', { name: event.name }));
      });
    }
    await this.services?.catalog.refresh();
  }

  /** Re-reads the picker's list (after an import, rename or delete, or in another tab's wake). */
  async refreshLibraries(): Promise<void> {
    await this.services?.catalog.refresh();
  }

  /** The papers of a library, for export: the open one from memory, others from storage. */
  async papersOf(id: string): Promise<{ name: string; papers: readonly Paper[] } | null> {
    return (await this.services?.catalog.papersOf(id)) ?? null;
  }

  /**
   * What the library map is computed from: the open library's vectors, once every paper has one (a map of a
   * half-embedded library would move under the person's eyes); null before that.
   */
  mapInput(): LibraryMapRequest | null {
    const corpus = this.slot.local;
    const model = this.app.current.model;
    if (!corpus?.index || !corpus.complete || !model || !(corpus.index.vectors instanceof QuantizedMatrix)) return null;
    return { modelKey: model.modelKey, hashes: corpus.hashes, rows: corpus.index.vectors.int8Rows(), texts: (row) => documentText(corpus.papers[row]) };
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
    const pending = this.services?.imports.takePending();
    return pending ? this.importFrom(pending, columns) : Promise.resolve();
  }

  cancelColumns(): void {
    this.services?.imports.takePending();
  }

  private importFrom(source: ImportSource, columns?: ColumnChoice): Promise<void> {
    return this.exclusively({ needsEngine: true }, async (services) => {
      const model = this.app.current.model;
      if (!model) return;
      const result = await services.imports.run(source, model, columns);
      if (result.kind !== 'opened') return;
      await this.openLocal(services, result.corpus, { wait: false });
      await services.catalog.refresh();
      void services.imports.askToPersist();
    });
  }

  // ---- indexing ----

  /** Tries the model again (the Retry button): no page reload; indexing continues once it is ready. */
  retryModel(): void {
    const services = this.services;
    if (this.app.current.engine !== 'unavailable' || !services) return;
    this.app.withdraw(...MODEL_UNAVAILABLE_CODES);
    services.engine.retry();
    services.indexing.retry();
  }

  /** The person asked for the new version (the app-updated notice): reload into it, or say which tabs hold it back. */
  async reloadForUpdate(): Promise<void> {
    const outcome = await this.deps.applyUpdate?.();
    if (outcome?.kind === 'other-tabs') this.app.notify(notice('update-other-tabs', { count: outcome.count }));
  }

  /** The person's answer to "this will take about 4 h": go on here, or not now. */
  answerLongRunQuestion(go: boolean): void {
    this.services?.indexing.answer(go);
  }

  /** Continues embedding the open library after "not now" (the notice's Resume button). */
  resumeEmbedding(): void {
    this.services?.indexing.resume();
  }

  // ---- search ----

  /** Ranks papers for a query; resolves `undefined` when a newer search superseded this one. */
  search(query: string, mode: SearchMode, examples: Examples | null = null): Promise<SearchAnswer | undefined> {
    return this.services?.search.search(query, mode, examples) ?? Promise.resolve(nothingOpen(query, mode, examples));
  }

  // ---- the site's published library ----

  /** The Retry of 'published-vectors-failed'. */
  retryPublishedVectors(): void {
    this.services?.published?.retryVectors();
  }

  /** "Make this library available offline": downloads what is missing, with progress; the button again resumes. */
  async makePublishedAvailableOffline(): Promise<void> {
    await this.services?.published?.makeAvailableOffline();
  }

  cancelOfflineDownload(): void {
    this.services?.published?.cancelOfflineDownload();
  }

  dispose(): void {
    this.services?.published?.dispose();
    this.services?.stopListening();
    this.services?.catalog.stop();
    this.offline.stop();
    this.engine?.dispose();
  }
}
