import type { Paper } from '../corpus/types.ts';
import { EngineUnavailableError, WorkerLostError } from '../embedding/supervisor.ts';
import type { KeywordIndex } from '../index/keyword.ts';
import type { Hit } from '../index/top-k.ts';
import type { SearchIndex, SearchMode } from '../search/search.ts';

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
export async function rankQuery(corpus: SearchableCorpus, embedder: QueryEmbedder, query: string, mode: SearchMode, now = () => performance.now()): Promise<SearchOutcome> {
  const started = now();
  const text = query.trim();
  const base = { query, papers: corpus.papers, mode, partial: false, fallback: null as FallbackReason | null };
  if (!text) return { ...base, hits: [], elapsedMs: 0 };
  const keywordOnly = (fallback: FallbackReason | null): SearchOutcome => ({ ...base, fallback, hits: corpus.keyword.query(text, RESULT_LIMIT), elapsedMs: now() - started });
  if (mode === 'keyword') return keywordOnly(null);
  if (!embedder.available() || !corpus.index) return keywordOnly('model-unavailable');
  let vector: Float32Array;
  try {
    vector = await embedder.embedQuery(text);
  } catch (error) {
    if (error instanceof EngineUnavailableError) return keywordOnly('model-unavailable');
    if (error instanceof WorkerLostError) return keywordOnly('query-failed');
    throw error;
  }
  const partial = !corpus.complete;
  let hits = corpus.index.rank(mode, text, vector, partial ? corpus.papers.length : RESULT_LIMIT);
  if (partial) hits = hits.filter((hit) => corpus.present[hit.index] === 1);
  return { ...base, partial, hits: hits.slice(0, RESULT_LIMIT), elapsedMs: now() - started };
}
