import { CorpusStore } from '../corpus/corpus-store.ts';
import { parseCorpusFile } from '../corpus/import.ts';
import { contentHash, documentText } from '../corpus/paper-id.ts';
import { CorpusFormatError, type Paper } from '../corpus/types.ts';
import { startEmbeddingWorker, Comlink, type EmbeddingClient } from '../embedding/client.ts';
import { DEFAULT_MODEL_ID } from '../embedding/models.ts';
import type { BackendRequest, LoadProgress, ModelInfo } from '../embedding/worker-api.ts';
import { resolveVectors, vectorSourceFromFile, type VectorSource } from '../index/resolve-vectors.ts';
import { decodeVectorFile } from '../index/vector-file.ts';
import type { Hit } from '../index/top-k.ts';
import { LatestOnly } from '../search/latest-only.ts';
import { SearchIndex, type SearchMode } from '../search/search.ts';
import { VectorCache } from './vector-cache.ts';
import { assetUrls } from './urls.ts';
import { isServedOffline, prepareOffline, type ByteProgress, type OfflineStatus } from './offline.ts';

/**
 * Orchestrates one page load: corpus, model (in the worker), vectors (precomputed asset, then IndexedDB,
 * then the encoder), and searches. UI-free: it reports through `onChange` so the Svelte view stays thin.
 */

export type Phase = 'loading' | 'indexing' | 'ready' | 'error';

export interface Notice {
  level: 'info' | 'warning';
  text: string;
}

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
  offline: OfflineStatus['kind'] | 'checking';
  download: LoadProgress | null;
  startup: LoadProgress | null;
  embedding: EmbeddingProgress | null;
  model: ModelInfo | null;
  storage: 'indexeddb' | 'memory' | null;
  fromPrecomputed: number;
  fromCache: number;
  embeddedNow: number;
  notices: Notice[];
}

export interface SearchOutcome {
  query: string;
  /** The corpus these hits index into (the corpus may be switched while results are on screen). */
  papers: readonly Paper[];
  mode: SearchMode;
  hits: Hit[];
  /** Query text to ranked ids, in ms (embedding included). */
  elapsedMs: number;
  /** True while indexing: only papers already embedded could be ranked semantically. */
  partial: boolean;
}

/** Rows embedded but not yet written to the cache are flushed in groups this large. */
const PERSIST_EVERY = 256;
export const RESULT_LIMIT = 50;

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
    model: null,
    storage: null,
    fromPrecomputed: 0,
    fromCache: 0,
    embeddedNow: 0,
    notices: [],
  };
  private client: EmbeddingClient | null = null;
  private model: ModelInfo | null = null;
  private cache: VectorCache | null = null;
  private readonly corpusStore = CorpusStore.open();
  /** The corpus being searched. Replaced as a whole on a switch, so a search never mixes two corpora. */
  private active: ActiveCorpus | null = null;
  private readonly latest = new LatestOnly();

  constructor(private readonly onChange: (snapshot: Snapshot) => void) {}

  get state(): Snapshot {
    return this.snapshot;
  }

  private update(patch: Partial<Snapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    this.onChange(this.snapshot);
  }

  notify(notice: Notice): void {
    this.update({ notices: [...this.snapshot.notices, notice] });
  }

  dismissNotice(index: number): void {
    this.update({ notices: this.snapshot.notices.filter((_, i) => i !== index) });
  }

  async start(backend: BackendRequest): Promise<void> {
    try {
      // A repeat visit is already served by the service worker and isolated, so nothing will reload the page:
      // load the model at once instead of waiting for the worker's registration (saves ~0.1-0.3 s).
      const servedOffline = isServedOffline();
      const offlinePending = prepareOffline({
        onProgress: (progress) => this.update({ offlineDownload: progress }),
        onUpdate: () => this.notify({ level: 'info', text: 'A new version of Paper Search was installed; it is used from the next time you open the page.' }),
      });
      let filesAreLocal = servedOffline;
      if (servedOffline) {
        void offlinePending.then((offline) => this.applyOffline(offline));
      } else {
        const offline = await offlinePending;
        if (offline.kind === 'reloading') return;
        this.applyOffline(offline);
        filesAreLocal = offline.kind === 'ready';
      }
      this.client = startEmbeddingWorker();
      const [corpus, model, cache] = await Promise.all([
        timed('app:corpus', this.initialCorpus()),
        timed('app:model', this.initModel(backend, !filesAreLocal)),
        timed('app:cache-open', VectorCache.open((notice) => this.notify(notice))),
      ]);
      this.model = model;
      this.cache = cache;
      this.update({ model, storage: cache.kind });
      if (model.backend.fallbackReason) this.notify({ level: 'warning', text: `WebGPU not used: ${model.backend.fallbackReason}. Running on WASM.` });
      await this.indexCorpus(corpus).catch((error: unknown) => {
        if (corpus.kind !== 'imported') throw error;
        return this.dropImport(corpus.name, error);
      });
    } catch (error) {
      this.update({ phase: 'error', error: describe(error) });
    }
  }

  private applyOffline(offline: OfflineStatus): void {
    if (offline.kind === 'reloading') return;
    this.update({ offline: offline.kind, offlineDownload: null });
    if (offline.kind === 'unavailable') this.notify({ level: 'info', text: `Offline use is not available: ${offline.reason}. Search works while online.` });
  }

  /** The person's imported corpus if one is saved, else the bundled one with its precomputed vectors. */
  private async initialCorpus(): Promise<LoadedCorpus> {
    const saved = await this.corpusStore.load().catch(() => null);
    if (saved) return { name: saved.name, kind: 'imported', papers: saved.papers, precomputed: null };
    return loadBundledCorpus((reason) => this.notify({ level: 'info', text: `Precomputed vectors not used (${reason}); abstracts will be embedded here.` }));
  }

  /** Resolves every paper's vector (precomputed, cached, or embedded now) and makes the corpus searchable. */
  private async indexCorpus(corpus: LoadedCorpus): Promise<void> {
    const model = this.model!;
    const cache = this.cache!;
    this.update({ phase: 'loading', papers: corpus.papers, corpusName: corpus.name, corpusKind: corpus.kind, embeddedNow: 0, embedding: null });
    const hashes = corpus.papers.map(contentHash);
    const cached = await timed('app:cache-load', cache.load(model.modelKey, model.dims));
    const resolved = resolveVectors(hashes, model.modelKey, model.dims, corpus.precomputed, cached);
    const present = new Uint8Array(corpus.papers.length).fill(1);
    for (const i of resolved.missing) present[i] = 0;
    const active: ActiveCorpus = { index: new SearchIndex(corpus.papers, resolved.matrix), present, complete: resolved.missing.length === 0 };
    this.active = active;
    this.update({ fromPrecomputed: resolved.fromPrecomputed, fromCache: resolved.fromCache });
    if (!active.complete) await this.embedMissing(active, hashes, resolved.missing, model, cache);
    active.complete = true;
    this.update({ phase: 'ready', embedding: null, storage: cache.kind });
    void cache.tidy(model.modelKey, model.dims);
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
        this.notify({ level: 'warning', text: `${describe(error)}. Nothing was imported; your current papers are unchanged.` });
        return;
      }
      try {
        await this.corpusStore.save({ name: file.name, papers, savedAt: new Date().toISOString() });
      } catch (error) {
        // An older import left in storage would come back on reload instead of this one.
        await this.corpusStore.clear().catch(() => undefined);
        this.notify({ level: 'warning', text: `${file.name} could not be saved in this browser (${describe(error)}); it is searchable until you close this tab.` });
      }
      await this.indexCorpus({ name: file.name, kind: 'imported', papers, precomputed: null }).catch((error: unknown) => this.dropImport(file.name, error));
    });
  }

  /**
   * An imported corpus that was stopped (the person went back while it was indexing) or cannot be indexed is not
   * kept: a reload would otherwise meet it again. Vectors embedded so far stay cached, so importing the same
   * file again continues where it stopped.
   */
  private async dropImport(name: string, error: unknown): Promise<void> {
    await this.corpusStore.clear().catch(() => undefined);
    const stopped = (error as Error | null)?.name === 'AbortError';
    this.notify({
      level: stopped ? 'info' : 'warning',
      text: stopped
        ? `Stopped indexing ${name}; back to the bundled papers. Papers embedded so far stay cached: importing ${name} again continues where it stopped.`
        : `${name} could not be indexed (${describe(error)}); it was not kept. Back to the bundled papers.`,
    });
    await this.indexBundled();
  }

  /** Back to the bundled papers; forgets the imported corpus (its vectors stay in the cache). */
  useBundledCorpus(): Promise<void> {
    // While an import is being embedded, going back means stopping it: the stopped import lands in dropImport.
    if (this.snapshot.phase === 'indexing' && this.snapshot.corpusKind === 'imported') return this.client!.api.cancelEmbedding();
    return this.exclusively(async () => {
      await this.indexBundled();
      await this.corpusStore.clear().catch(() => undefined);
    });
  }

  private async indexBundled(): Promise<void> {
    try {
      await this.indexCorpus(await loadBundledCorpus(() => undefined));
    } catch (error) {
      this.update({ phase: 'error', error: describe(error) });
    }
  }

  /** Runs one corpus switch at a time (the UI disables the buttons too); a second request meanwhile is ignored. */
  private async exclusively(task: () => Promise<void>): Promise<void> {
    if (this.snapshot.switching || !this.model) return;
    this.update({ switching: true });
    try {
      await task();
    } finally {
      this.update({ switching: false });
    }
  }

  private initModel(backend: BackendRequest, reportDownload: boolean): Promise<ModelInfo> {
    const onProgress = (progress: LoadProgress) => this.update(progress.phase === 'download' ? { download: progress } : { startup: progress });
    // Files from the offline copy report no download; start-up is still worth a bar.
    if (!reportDownload) onProgress({ phase: 'startup', loaded: 0, total: 1 });
    return this.client!.api.init(
      { modelId: DEFAULT_MODEL_ID, modelsBaseUrl: assetUrls.modelsBase, wasmUrl: assetUrls.wasm, backend, reportDownload },
      Comlink.proxy(onProgress),
    );
  }

  private async embedMissing(active: ActiveCorpus, hashes: string[], missing: number[], model: ModelInfo, cache: VectorCache): Promise<void> {
    const papers = active.index.papers;
    this.update({ phase: 'indexing' });
    const started = performance.now();
    const pending = { hashes: [] as string[], rows: [] as Float32Array[] };
    const flush = async () => {
      if (pending.hashes.length === 0) return;
      const { hashes: batchHashes, rows } = pending;
      pending.hashes = [];
      pending.rows = [];
      await cache.append(model.modelKey, model.dims, batchHashes, concat(rows, model.dims));
    };
    const onBatch = async (progress: { done: number; total: number }, indices: number[], vectors: Float32Array) => {
      indices.forEach((local, row) => {
        const paperIndex = missing[local];
        const vector = vectors.subarray(row * model.dims, (row + 1) * model.dims);
        active.index.vectors.setRow(paperIndex, vector);
        active.present[paperIndex] = 1;
        pending.hashes.push(hashes[paperIndex]);
        pending.rows.push(vector);
      });
      const seconds = (performance.now() - started) / 1000;
      const docsPerSecond = progress.done / Math.max(seconds, 1e-3);
      this.update({
        embeddedNow: progress.done,
        embedding: { ...progress, docsPerSecond, secondsLeft: (progress.total - progress.done) / docsPerSecond },
      });
      if (pending.hashes.length >= PERSIST_EVERY) await flush();
    };
    await this.client!.api.embedDocuments(missing.map((i) => documentText(papers[i])), Comlink.proxy(onBatch));
    await flush();
  }

  /** Ranks papers for a query; resolves `undefined` when a newer search superseded this one. */
  search(query: string, mode: SearchMode): Promise<SearchOutcome | undefined> {
    return this.latest.run(async () => {
      const started = performance.now();
      const text = query.trim();
      // Everything this search reads is taken now: a corpus switch during the await below cannot mix in.
      const active = this.active;
      if (!text || !active) return { query, papers: active?.index.papers ?? [], mode, hits: [], elapsedMs: 0, partial: false };
      const { index, present } = active;
      const partial = !active.complete;
      const vector = mode === 'keyword' ? null : await this.client!.api.embedQuery(text);
      let hits = index.rank(mode, text, vector, partial ? index.papers.length : RESULT_LIMIT);
      if (partial && mode !== 'keyword') hits = hits.filter((hit) => present[hit.index] === 1);
      return { query, papers: index.papers, mode, hits: hits.slice(0, RESULT_LIMIT), elapsedMs: performance.now() - started, partial };
    });
  }

  dispose(): void {
    this.client?.terminate();
  }
}

interface ActiveCorpus {
  index: SearchIndex;
  /** 1 where a paper's vector is present; while indexing, semantic results are limited to those. */
  present: Uint8Array;
  complete: boolean;
}

interface LoadedCorpus {
  name: string;
  kind: Snapshot['corpusKind'];
  papers: Paper[];
  precomputed: VectorSource | null;
}

async function loadBundledCorpus(onVectorsUnusable: (reason: string) => void): Promise<LoadedCorpus> {
  const [papers, precomputed] = await Promise.all([
    fetchBundledPapers(),
    loadPrecomputed().catch((error: Error) => {
      onVectorsUnusable(error.message);
      return null;
    }),
  ]);
  return { name: 'bundled', kind: 'bundled', papers, precomputed };
}

async function fetchBundledPapers(): Promise<Paper[]> {
  const response = await fetch(assetUrls.corpus);
  if (!response.ok) throw new Error(`Could not load the corpus from ${assetUrls.corpus} (HTTP ${response.status}).`);
  const body = (await response.json()) as { papers?: Paper[] };
  if (!Array.isArray(body.papers)) throw new Error(`${assetUrls.corpus} has no "papers" list.`);
  return body.papers;
}

async function loadPrecomputed(): Promise<VectorSource | null> {
  const response = await fetch(assetUrls.vectors);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${assetUrls.vectors}`);
  return vectorSourceFromFile(decodeVectorFile(new Uint8Array(await response.arrayBuffer()), 'corpus/vectors.bin'));
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
