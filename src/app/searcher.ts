import type { Paper } from '../base/paper.ts';
import { EngineUnavailableError, WorkerLostError } from '../embedding/supervisor.ts';
import type { KeywordIndex } from '../index/keyword.ts';
import type { Hit } from '../index/top-k.ts';
import type { RankTimings, SearchIndex, SearchMode } from '../search/search.ts';
import { ExampleError, rankByExamples, type Examples } from '../search/examples.ts';

export const RESULT_LIMIT = 50;

/**
 * The corpus being searched. Replaced as a whole on a switch, so a search never mixes two corpora. Keyword
 * search works from the moment the papers are loaded; `index` appears once vectors are resolved.
 */
export interface SearchableCorpus {
  papers: readonly Paper[];
  keyword: KeywordIndex;
  index: SearchIndex | null;
  /** 1 where a paper's vector is present; while indexing, semantic results are limited to those. */
  present: Uint8Array;
  complete: boolean;
}

/** Why a search by meaning was answered with keywords instead. */
export type FallbackReason = 'model-unavailable' | 'query-failed';

export interface SearchOutcome {
  query: string;
  /** The corpus these hits index into (the corpus may be switched while results are on screen). */
  papers: readonly Paper[];
  /** The mode asked for. */
  mode: SearchMode;
  hits: Hit[];
  /** Query text to ranked ids, in ms (embedding included). */
  elapsedMs: number;
  /** True while indexing: only papers already embedded could be ranked semantically. */
  partial: boolean;
  /** Set when meaning could not be used and the hits are keyword matches. */
  fallback: FallbackReason | null;
  /** Where the time went (the diagnostics panel); null for an empty query. */
  timings: QueryTimings | null;
  /** The papers this ranking is "more like" (and "not like"), when it is ranked by examples. */
  examples: Examples | null;
  /** Why the examples could not be used (examples.ts EXAMPLE_ERROR_CODES), when they could not. */
  exampleProblem: ExampleError | null;
  /**
   * A published library's texts are fetched on demand: the first answer carries the hits whose text is loaded
   * (the first page), and `rest` resolves to the same outcome with every hit.
   */
  rest?: Promise<SearchOutcome>;
}

/**
 * Per-query timings in ms: query embedding (the worker round trip), then ranking split as SearchIndex.rankTimed
 * times it: cosine scoring, keywords (BM25) and fusion; and the total (which also holds what lies between, e.g.
 * dropping papers not embedded yet). A ranking by examples is not split: its whole ranking is `scoreMs` and the
 * other two are null.
 */
export interface QueryTimings {
  embedMs: number;
  scoreMs: number;
  keywordMs: number | null;
  fusionMs: number | null;
  totalMs: number;
}

export interface QueryEmbedder {
  embedQuery(text: string): Promise<Float32Array>;
  /** False when the engine is known to be unavailable: do not wait for it. */
  available(): boolean;
}

/**
 * Ranks one query. Keywords need nothing but the papers. Meaning and hybrid need the query embedded; if the
 * engine is unavailable or fails even after its retry, the answer is the keyword ranking, marked as such.
 */
export async function rankQuery(
  corpus: SearchableCorpus,
  embedder: QueryEmbedder,
  query: string,
  mode: SearchMode,
  examples: Examples | null = null,
  now = () => performance.now(),
): Promise<SearchOutcome> {
  const started = now();
  const text = query.trim();
  const base = { query, papers: corpus.papers, mode, partial: false, fallback: null as FallbackReason | null, examples: null as Examples | null, exampleProblem: null as ExampleError | null };
  if (examples && examples.positive.length + examples.negative.length > 0) return rankLikeExamples(corpus, embedder, text, { ...base, examples }, examples, now, started);
  if (!text) return { ...base, hits: [], elapsedMs: 0, timings: null };
  const finish = (rest: Pick<SearchOutcome, 'hits' | 'fallback' | 'partial'>, embedMs: number, ranked: RankTimings, done: number): SearchOutcome => {
    const totalMs = done - started;
    return { ...base, ...rest, elapsedMs: totalMs, timings: { embedMs, ...ranked, totalMs } };
  };
  // Timings reuse clock readings: the end of the embedding is the start of the keyword search.
  const keywordOnly = (fallback: FallbackReason | null, embedEnded = started): SearchOutcome => {
    const hits = corpus.keyword.query(text, RESULT_LIMIT);
    const done = now();
    return finish({ hits, fallback, partial: false }, embedEnded - started, { scoreMs: 0, keywordMs: done - embedEnded, fusionMs: 0 }, done);
  };
  if (mode === 'keyword') return keywordOnly(null);
  if (!embedder.available() || !corpus.index) return keywordOnly('model-unavailable');
  let vector: Float32Array;
  try {
    vector = await embedder.embedQuery(text);
  } catch (error) {
    if (error instanceof EngineUnavailableError) return keywordOnly('model-unavailable', now());
    if (error instanceof WorkerLostError) return keywordOnly('query-failed', now());
    throw error;
  }
  const embedEnded = now();
  const partial = !corpus.complete;
  const ranked = corpus.index.rankTimed(mode, text, vector, partial ? corpus.papers.length : RESULT_LIMIT, now);
  const hits = partial ? ranked.hits.filter((hit) => corpus.present[hit.index] === 1) : ranked.hits;
  return finish({ partial, hits: hits.slice(0, RESULT_LIMIT), fallback: null }, embedEnded - started, ranked.timings, now());
}

/**
 * "More like this" and pinned examples: ranked by the examples' direction (examples.ts), with the typed query
 * folded in when there is one. The examples' vectors are the library's own, so this works even without the
 * model (then without the typed query). Examples that cannot be used are reported, and the plain query answers.
 */
async function rankLikeExamples(
  corpus: SearchableCorpus,
  embedder: QueryEmbedder,
  text: string,
  base: Omit<SearchOutcome, 'hits' | 'elapsedMs' | 'timings'>,
  examples: Examples,
  now: () => number,
  started: number,
): Promise<SearchOutcome> {
  const finish = (hits: SearchOutcome['hits'], embedMs: number, rankStarted: number, problem: ExampleError | null = null): SearchOutcome => {
    const done = now();
    return { ...base, hits, exampleProblem: problem, elapsedMs: done - started, timings: { embedMs, scoreMs: done - rankStarted, keywordMs: null, fusionMs: null, totalMs: done - started } };
  };
  if (!corpus.index) return finish(text ? corpus.keyword.query(text, RESULT_LIMIT) : [], 0, now(), new ExampleError('not-embedded', 'the library is still loading'));
  let typed: { text: string; vector: Float32Array } | null = null;
  if (text && embedder.available()) {
    try {
      typed = { text, vector: await embedder.embedQuery(text) };
    } catch (error) {
      if (!(error instanceof EngineUnavailableError) && !(error instanceof WorkerLostError)) throw error;
    }
  }
  const rankStarted = now();
  const embedMs = rankStarted - started;
  try {
    const hits = rankByExamples(corpus.index, examples, typed, corpus.complete ? RESULT_LIMIT : corpus.papers.length);
    // While indexing, papers without a vector yet score 0 and would fill the list: only the embedded ones rank.
    return finish(corpus.complete ? hits : hits.filter((hit) => corpus.present[hit.index] === 1).slice(0, RESULT_LIMIT), embedMs, rankStarted);
  } catch (error) {
    if (!(error instanceof ExampleError)) throw error;
    const hits = typed ? corpus.index.rank(base.mode === 'keyword' ? 'hybrid' : base.mode, text, typed.vector, RESULT_LIMIT) : text ? corpus.keyword.query(text, RESULT_LIMIT) : [];
    return finish(hits, embedMs, rankStarted, error);
  }
}
