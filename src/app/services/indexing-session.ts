import { contentHash, documentText } from '../../base/paper-id.ts';
import { EngineUnavailableError, type EmbeddingSupervisor } from '../../embedding/supervisor.ts';
import type { ModelInfo } from '../../embedding/worker-api.ts';
import { KeywordIndex } from '../../index/keyword.ts';
import { resolveVectors, type VectorSource } from '../../index/resolve-vectors.ts';
import { SearchIndex } from '../../search/search.ts';
import type { LoadedCorpus } from '../bundled-corpus.ts';
import { embeddingCost, type MeasuredRate } from '../embedding-estimate.ts';
import { notice } from '../notices.ts';
import { timed } from '../../base/measure.ts';
import { describe, isAbort, type AppState } from './app-state.ts';
import type { AppDeps, CacheLike } from './deps.ts';
import { embedRun, type RunSpan } from './embed-run.ts';
import { planEmbedding, type EmbeddingPlan } from './embedding-plan.ts';
import { isUnsavedLibrary } from './keep-import.ts';
import type { LocalCorpus, OpenLibrarySlot } from './open-library.ts';

export interface IndexingParts {
  state: AppState;
  deps: Pick<AppDeps, 'rates'>;
  engine: Pick<EmbeddingSupervisor, 'whenReady' | 'embedDocuments' | 'cancelEmbedding'>;
  cache: CacheLike;
  slot: OpenLibrarySlot;
}

/** The person's answer to the long-run question; `left` when another library opened while it was asked. */
type LongRunAnswer = 'go' | 'not-now' | 'left';

/**
 * Makes the open library searchable by meaning: vectors resolved (precomputed, then cached), the missing ones
 * embedded, a long run measured and put to the person first, paused and resumed. A run for a library that is
 * no longer open stops reporting; `stop` ends it before another library opens.
 */
export class IndexingSession {
  private answerLongRun: ((answer: LongRunAnswer) => void) | null = null;

  constructor(private readonly parts: IndexingParts) {}

  /** Indexes a library just opened: with `wait`, resolves when done (start-up); else at once. */
  async start(corpus: LocalCorpus, { wait }: { wait: boolean }): Promise<void> {
    if (wait) await this.index(corpus);
    else void this.inBackground(corpus);
  }

  /** Stops the run of the library being left (its vectors so far are kept) and waits until it has stopped. */
  async stop(): Promise<void> {
    this.answerLongRun?.('left');
    // Taken now: the run may end (and clear the field) while the cancel below is on its way.
    const running = this.parts.slot.local?.indexing;
    if (!running) return;
    await this.parts.engine.cancelEmbedding().catch(() => undefined);
    await running.catch(() => undefined);
  }

  /** The engine is back (Retry): an unfinished library goes on where it stopped. */
  retry(): void {
    const corpus = this.parts.slot.local;
    if (corpus && !corpus.complete) void this.inBackground(corpus);
  }

  /** Continues embedding the open library after "not now" (the notice's Resume button). */
  resume(): void {
    const corpus = this.parts.slot.local;
    if (!corpus || corpus.complete) return;
    corpus.confirmed = true;
    this.parts.state.withdraw('embedding-paused');
    this.parts.state.update({ embeddingPaused: null });
    void this.inBackground(corpus);
  }

  /** The person's answer to "this will take about 4 h": go on here, or not now. */
  answer(go: boolean): void {
    this.answerLongRun?.(go ? 'go' : 'not-now');
  }

  private inBackground(corpus: LocalCorpus): Promise<void> {
    return this.index(corpus).catch((error: unknown) => {
      if (!this.parts.slot.isOpen(corpus) || isAbort(error)) return;
      this.parts.state.update({ phase: 'ready', embedding: null });
      this.parts.state.notify(notice('indexing-failed', { name: corpus.name, reason: describe(error) }));
    });
  }

  private index(corpus: LocalCorpus): Promise<void> {
    corpus.indexing ??= this.resolveAndEmbed(corpus).finally(() => (corpus.indexing = null));
    return corpus.indexing;
  }

  /**
   * Waits for the engine, resolves vectors (first time), embeds what is missing. An unavailable engine ends
   * this run with the library searchable by keywords (and by meaning over the vectors it has); Retry resumes.
   */
  private async resolveAndEmbed(corpus: LocalCorpus): Promise<void> {
    const { state, engine, cache, slot } = this.parts;
    let model: ModelInfo;
    try {
      model = await timed('app:engine-wait', engine.whenReady());
      if (!slot.isOpen(corpus)) return;
      if (!corpus.index) this.attachVectors(corpus, model, await timed('app:cache-load', cache.load(model.modelKey, model.dims)));
      if (!slot.isOpen(corpus)) return;
      if (!(await timed('app:embed-missing', this.embedMissing(corpus, model)))) return;
    } catch (error) {
      if (error instanceof EngineUnavailableError) {
        if (slot.isOpen(corpus)) state.update({ phase: 'ready', embedding: null });
        return;
      }
      // Only stop() cancels a run, and another library opens right after it: nothing to report.
      if (isAbort(error)) return;
      throw error;
    }
    corpus.complete = true;
    if (!slot.isOpen(corpus)) return;
    state.update({ phase: 'ready', embedding: null, storage: cache.kind });
    void cache.tidy(model.modelKey, model.dims);
  }

  private attachVectors(corpus: LocalCorpus, model: ModelInfo, cached: VectorSource | null): void {
    const resolved = resolveVectors(corpus.hashes, model.modelKey, model.dims, corpus.precomputed, cached);
    corpus.present.fill(1);
    for (const i of resolved.missing) corpus.present[i] = 0;
    corpus.index = new SearchIndex(corpus.papers, resolved.matrix, undefined, corpus.keyword);
    this.parts.state.update({ fromPrecomputed: resolved.fromPrecomputed, fromCache: resolved.fromCache });
  }

  /**
   * Embeds what is missing; a long run is measured and put to the person first (embedding-plan.ts). Resolves
   * false when the person said not now, or left (the library stays searchable over what it has).
   */
  private async embedMissing(corpus: LocalCorpus, model: ModelInfo): Promise<boolean> {
    const { state, deps } = this.parts;
    let missing = missingOf(corpus);
    if (missing.length === 0) return true;
    // One progress bar over the whole run, the measuring sample included.
    const span: RunSpan = { before: 0, total: missing.length, costAfter: 0 };
    const backend = rateBackend(model);
    const remembered = () => deps.rates.get(model.modelKey, backend);
    const costOf = (positions: number[]) => positions.reduce((sum, i) => sum + embeddingCost(documentText(corpus.papers[i])), 0);
    let plan: EmbeddingPlan = corpus.confirmed ? { kind: 'go' } : planEmbedding(missing.length, costOf(missing), remembered());
    if (plan.kind === 'measure-first') {
      span.costAfter = costOf(missing.slice(plan.sample));
      const measured = await this.run(corpus, model, missing.slice(0, plan.sample), span);
      span.costAfter = 0;
      missing = missingOf(corpus);
      span.before = span.total - missing.length;
      if (missing.length === 0) return true;
      plan = planEmbedding(missing.length, costOf(missing), measured ?? remembered());
      if (plan.kind === 'measure-first') plan = { kind: 'go' }; // no rate could be measured: do not loop
    }
    if (plan.kind === 'ask') {
      const answer = await this.askLongRun(corpus, missing.length, plan.seconds, plan.docsPerSecond);
      if (answer === 'left') return false;
      if (answer === 'not-now') {
        const total = corpus.papers.length;
        const done = total - missing.length;
        state.update({ phase: 'ready', embedding: null, embeddingPaused: { done, total } });
        state.notify(notice('embedding-paused', { name: corpus.name, done, total }));
        return false;
      }
    }
    corpus.confirmed = true;
    await this.run(corpus, model, missing, span);
    return true;
  }

  /** Only a library kept in this browser, with its vectors, can continue "next time". */
  private keptHere(corpus: LocalCorpus): boolean {
    return !isUnsavedLibrary(corpus.id) && this.parts.cache.kind === 'indexeddb';
  }

  private askLongRun(corpus: LocalCorpus, count: number, seconds: number, docsPerSecond: number): Promise<LongRunAnswer> {
    this.parts.state.update({ phase: 'ready', embedding: null, longRun: { library: corpus.name, count, seconds, docsPerSecond, kept: this.keptHere(corpus) } });
    return new Promise<LongRunAnswer>((resolve) => {
      this.answerLongRun = (answer) => {
        this.answerLongRun = null;
        this.parts.state.update({ longRun: null });
        resolve(this.parts.slot.isOpen(corpus) ? answer : 'left');
      };
    });
  }

  /** One embedding run over `positions`; the rate it measures is remembered as this browser's, batch by batch. */
  private run(corpus: LocalCorpus, model: ModelInfo, positions: number[], span: RunSpan): Promise<MeasuredRate | null> {
    const { state, deps, engine, cache, slot } = this.parts;
    const index = corpus.index;
    if (!index) throw new Error('embedding needs the library index (attachVectors first)');
    const backend = rateBackend(model);
    const embeddedBefore = state.current.embeddedNow;
    state.update({ phase: 'indexing' });
    return embedRun(
      {
        engine,
        cache,
        model,
        corpus,
        index,
        onProgress: (stored, embedding) => slot.isOpen(corpus) && state.update({ embeddedNow: embeddedBefore + stored, embedding }),
        onRate: (rate) => deps.rates.set(model.modelKey, backend, rate),
        onResume: (done, total) => state.notify(notice('indexing-resumed', { done, total })),
      },
      positions,
      span,
    );
  }
}

/**
 * A library's state before indexing: keywords at once, vectors once resolved. The page passes a keyword index
 * built in slices (`KeywordIndex.build`: no long task on a big import).
 */
export function localCorpus(loaded: LoadedCorpus, keyword = new KeywordIndex(loaded.papers)): LocalCorpus {
  return {
    id: loaded.id,
    name: loaded.name,
    papers: loaded.papers,
    hashes: loaded.hashes ?? loaded.papers.map(contentHash),
    keyword,
    index: null,
    present: new Uint8Array(loaded.papers.length),
    complete: false,
    precomputed: loaded.precomputed,
    indexing: null,
    confirmed: false,
  };
}

/** Rates are remembered per backend that embeds documents (WebGPU adopted by the canary differs several-fold). */
function rateBackend(model: ModelInfo): string {
  const { documents, threads } = model.backend;
  return documents === 'webgpu' ? 'webgpu:0' : `wasm:${threads}`;
}

function missingOf(corpus: LocalCorpus): number[] {
  const missing: number[] = [];
  corpus.present.forEach((present, i) => present === 0 && missing.push(i));
  return missing;
}
