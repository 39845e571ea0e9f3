import { EngineUnavailableError, WorkerLostError } from '../../embedding/supervisor.ts';
import type { Hit } from '../../index/top-k.ts';
import { ExampleError, exampleQueryVector, type Examples } from '../../search/examples.ts';
import { rankAsync, type AsyncRankingParts } from '../../search/hybrid-async.ts';
import type { RankingOptions, SearchMode } from '../../search/search.ts';
import { RESULT_LIMIT, type FallbackReason, type QueryEmbedder, type SearchOutcome } from '../searcher.ts';
import type { PaperBook } from './paper-book.ts';

/** Results whose text is fetched before the first answer is shown; the rest follow (SearchOutcome.rest). */
export const FIRST_PAGE = 10;

/** A published library as a search reads it: parts that answer asynchronously, and the papers read so far. */
export interface PublishedSearchable {
  ranking: RankingOptions;
  parts: AsyncRankingParts;
  book: PaperBook;
  /** False until this browser holds the library's codes and rows: meaning then answers with keywords. */
  semanticReady(): boolean;
}

/**
 * Ranks one query over a published library, as rankQuery (../searcher.ts) does over one in memory: keywords
 * always work, meaning and hybrid need the query embedded and the vectors installed, and either missing gives
 * the keyword ranking, marked as such. Only the first page's text is awaited; `rest` brings the others.
 */
export async function rankPublishedQuery(
  corpus: PublishedSearchable,
  embedder: QueryEmbedder,
  query: string,
  mode: SearchMode,
  examples: Examples | null = null,
  now = () => performance.now(),
): Promise<SearchOutcome> {
  const started = now();
  const text = query.trim();
  const base = { query, papers: corpus.book.papers, mode, partial: false, examples: null as Examples | null, exampleProblem: null as ExampleError | null };
  const usingExamples = !!examples && examples.positive.length + examples.negative.length > 0;
  if (!text && !usingExamples) return { ...base, hits: [], elapsedMs: 0, fallback: null, timings: null };

  let fallback: FallbackReason | null = null;
  let vector: Float32Array | null = null;
  const wantsMeaning = mode !== 'keyword' || usingExamples;
  if (wantsMeaning && text) {
    if (!embedder.available() || !corpus.semanticReady()) fallback = 'model-unavailable';
    else {
      try {
        vector = await embedder.embedQuery(text);
      } catch (error) {
        if (error instanceof EngineUnavailableError) fallback = 'model-unavailable';
        else if (error instanceof WorkerLostError) fallback = 'query-failed';
        else throw error;
      }
    }
  }
  const embedEnded = now();
  let hits: Hit[];
  let exampleProblem: ExampleError | null = null;
  let scoreMs: number;
  let split: { keywordMs: number; fusionMs: number; scoreMs: number } | null = null;
  const ranked = async (rankMode: SearchMode): Promise<Hit[]> => {
    if (!text) return [];
    const result = await rankAsync(corpus.parts, corpus.ranking, rankMode, text, vector, RESULT_LIMIT, now);
    split = result.timings;
    return result.hits;
  };
  if (usingExamples && corpus.semanticReady()) {
    try {
      hits = await rankByPublishedExamples(corpus, examples!, vector);
      base.examples = examples;
    } catch (error) {
      if (!(error instanceof ExampleError)) throw error;
      exampleProblem = error;
      hits = await ranked(vector ? (mode === 'keyword' ? 'hybrid' : mode) : 'keyword');
    }
    scoreMs = now() - embedEnded;
  } else {
    if (usingExamples) exampleProblem = new ExampleError('not-embedded', 'the library\'s vectors are still downloading');
    hits = await ranked(vector ? mode : 'keyword');
    if (mode !== 'keyword' && !vector && text) fallback ??= 'model-unavailable';
    scoreMs = now() - embedEnded;
  }
  await corpus.book.load(hits.slice(0, FIRST_PAGE).map((hit) => hit.index));
  const done = now();
  const outcome = (shownHits: Hit[], at: number): SearchOutcome => ({
    ...base,
    exampleProblem,
    fallback,
    hits: shownHits,
    elapsedMs: at - started,
    // Examples rank in one step, so only a typed query's ranking is split (as ../searcher.ts does).
    timings: split && !base.examples ? { embedMs: embedEnded - started, ...split, totalMs: at - started } : { embedMs: embedEnded - started, scoreMs, keywordMs: null, fusionMs: null, totalMs: at - started },
  });
  const first = outcome(hits.filter((hit) => corpus.book.has(hit.index)), done);
  if (first.hits.length === hits.length) return first;
  return { ...first, rest: corpus.book.load(hits.map((hit) => hit.index)).then(() => outcome(hits, done)) };
}

/**
 * "More like this" over a published library: the examples' stored vectors (read by row; a pinned paper is known
 * by id only once its text was read here) give the direction, as examples.ts does in memory; "not this" hides.
 */
async function rankByPublishedExamples(corpus: PublishedSearchable, examples: Examples, typed: Float32Array | null): Promise<Hit[]> {
  const rowsOf = (ids: readonly string[]) => ids.map((id) => corpus.book.rowOf(id));
  const positive = rowsOf(examples.positive);
  const negative = rowsOf(examples.negative);
  const unknown = [...examples.positive, ...examples.negative].filter((_, i) => [...positive, ...negative][i] === undefined);
  if (unknown.length > 0) throw new ExampleError('unknown-example', unknown.join(', '));
  const positives = await corpus.parts.rows(positive as number[]);
  const direction = exampleQueryVector({ positives, negatives: [], typedQuery: typed });
  const hidden = new Set(negative as number[]);
  const hits = await corpus.parts.semantic(direction, RESULT_LIMIT + hidden.size);
  return hits.filter((hit) => !hidden.has(hit.index)).slice(0, RESULT_LIMIT);
}
