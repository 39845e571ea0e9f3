import type { Paper } from '../base/paper.ts';
import { EngineUnavailableError, WorkerLostError } from '../embedding/supervisor.ts';
import type { KeywordIndex } from '../index/keyword.ts';
import { ExampleError, exampleRowOf, NOT_THIS_DEMOTES, rankExamples, type ExampleLibrary, type Examples } from './examples.ts';
import { rankParts, type RankedHit, type RankingPart, type RankingParts, type RankTimings, type SearchMode, type Vectorless } from './pipeline.ts';
import { queryScale, type QueryScale } from './relevance.ts';
import { DEFAULT_RANKING, type SearchIndex } from './search.ts';

/**
 * The one searcher: a query (and pinned examples) to an answer, over any library that offers the ranking's parts
 * (pipeline.ts): one in memory (the bundled papers, an imported library, possibly still embedding) or a published
 * one read from the site's shards. What differs between them is a property of the source (`SearchSource`): rows
 * without a vector yet, texts fetched page by page. Keywords always answer; meaning needs the query embedded and
 * the library's vectors; when either is missing, or a part fails, the answer says so and uses what works.
 */

export const RESULT_LIMIT = 50;
/** Results whose text is fetched before the first answer is shown when texts are paged; the rest follow (`rest`). */
export const FIRST_PAGE = 10;
/**
 * Longer queries are cut here (at a word), with a note: the model reads at most 512 tokens (about 2,000
 * characters) anyway, and a 240 KB query took 14.7 s (issue 19).
 */
export const MAX_QUERY_CHARS = 3000;

/** Why a search by meaning was answered with keywords instead. */
export type FallbackReason = 'model-unavailable' | 'query-failed';

/** A part of a library that can fail on its own: meaning (vectors), keywords, or the texts of the results. */
export type LibraryPart = RankingPart | 'texts';

export interface PartProblem {
  part: LibraryPart;
  /** What went wrong, for the notice (e.g. the damaged file). */
  reason: string;
}

export interface SearchOutcome {
  query: string;
  /** The papers these hits index into (the library may be switched while results are on screen). */
  papers: readonly Paper[];
  /** The mode asked for. */
  mode: SearchMode;
  hits: RankedHit[];
  /** Query text to ranked ids, in ms (embedding included). */
  elapsedMs: number;
  /** True while an import embeds and meaning alone ranked: only papers already embedded could be ranked. */
  partial: boolean;
  /** Set when meaning could not be used and the hits are keyword matches. */
  fallback: FallbackReason | null;
  /** Parts that could not answer this query (the answer uses the others); empty when all did. */
  unavailable: PartProblem[];
  /** The query's length when it was longer than MAX_QUERY_CHARS and cut; else null. */
  queryCut: number | null;
  /** Where the time went (the diagnostics panel); null for an empty query. */
  timings: QueryTimings | null;
  /**
   * The scores of the ranking's last and best results (relevance.ts queryScale), taken before a paged answer keeps
   * only its first page: what the relevance labels measure how far a result stands out from. Absent: from `hits`.
   */
  scale?: QueryScale;
  /** The papers this ranking is "more like" (and "not like"), when it is ranked by examples. */
  examples: Examples | null;
  /** Why the examples could not be used (examples.ts EXAMPLE_ERROR_CODES), when they could not. */
  exampleProblem: ExampleError | null;
  /**
   * With paged texts, the first answer carries the hits whose text is here (the first page), and `rest` resolves
   * (never rejects) to the same outcome with every hit.
   */
  rest?: Promise<SearchOutcome>;
}

/**
 * Per-query timings in ms: query embedding (the worker round trip), then ranking split as the pipeline times it:
 * cosine scoring, keywords (BM25) and fusion; and the total (which also holds what lies between, e.g. reading the
 * first page's texts). A ranking by examples is not split: its whole ranking is `scoreMs` and the other two are null.
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

/** Texts fetched on demand (a published library: a million abstracts are never all in the tab). */
export interface PagedTexts {
  /** Whether the row can be shown now (its paper, or a stand-in saying its text is unavailable). */
  shown(row: number): boolean;
  /** Reads the rows' texts; never rejects: rows that cannot be read get a stand-in, and the problem is returned. */
  load(rows: readonly number[]): Promise<string | null>;
}

/** A library as the searcher reads it. */
export interface SearchSource extends ExampleLibrary {
  papers: readonly Paper[];
  /** True when meaning can rank here now (vectors resolved or installed). */
  meaningReady(): boolean;
  /** Null when every paper's text is in memory. */
  texts: PagedTexts | null;
}

/**
 * A library in memory. Replaced as a whole on a switch, so a search never mixes two libraries. Keyword search
 * works from the moment the papers are loaded; `index` appears once vectors are resolved.
 */
export interface SearchableCorpus {
  papers: readonly Paper[];
  keyword: KeywordIndex;
  index: SearchIndex | null;
  /** 1 where a paper's vector is present (while an import embeds, the others are zero rows). */
  present: Uint8Array;
  complete: boolean;
}

/** A library in memory as a search source; built per query (cheap), so it reads the corpus as it is now. */
export function memorySource(corpus: SearchableCorpus): SearchSource {
  const { index, present } = corpus;
  const keywordsOnly: RankingParts = { semantic: () => [], keyword: (text, depth) => corpus.keyword.query(text, depth), rows: () => [] };
  let vectorless: Vectorless | null = null;
  if (!corpus.complete) {
    let count = 0;
    for (let i = 0; i < present.length; i++) count += present[i] === 1 ? 0 : 1;
    vectorless = { count, lacks: (row) => present[row] !== 1 };
  }
  return {
    papers: corpus.papers,
    count: corpus.papers.length,
    parts: index?.parts ?? keywordsOnly,
    ranking: index?.ranking ?? DEFAULT_RANKING,
    rowOf: (id) => (index ? exampleRowOf(index, id) : undefined),
    vectorless,
    meaningReady: () => index !== null,
    texts: null,
  };
}

/** The answer to an empty page (no library open yet). */
export function emptyOutcome(query: string, mode: SearchMode, papers: readonly Paper[] = []): SearchOutcome {
  return { query, papers, mode, hits: [], elapsedMs: 0, partial: false, fallback: null, unavailable: [], queryCut: null, timings: null, examples: null, exampleProblem: null };
}

/** The query as ranked: trimmed, and cut at a word before MAX_QUERY_CHARS. */
export function cutQuery(query: string): { text: string; cutFrom: number | null } {
  const text = query.trim();
  if (text.length <= MAX_QUERY_CHARS) return { text, cutFrom: null };
  const head = text.slice(0, MAX_QUERY_CHARS);
  const atWord = head.replace(/\s+\S*$/, '');
  return { text: atWord.length > 0 ? atWord : head, cutFrom: text.length };
}

/** How a person reads each part's name. */
const PART_NAMES: Record<LibraryPart, string> = { meaning: 'search by meaning', keywords: 'keyword search', texts: 'the text of some results' };

/** The parts that failed, with why, for the notice: "keyword search (s00001.bin: …)". */
export function describeParts(problems: readonly PartProblem[]): string {
  return problems.map((problem) => `${PART_NAMES[problem.part]} (${problem.reason})`).join('; ');
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Why embedding the query failed, as a fallback reason; other errors are programming errors and propagate. */
function fallbackFor(error: unknown): FallbackReason {
  if (error instanceof EngineUnavailableError) return 'model-unavailable';
  if (error instanceof WorkerLostError) return 'query-failed';
  throw error;
}

interface QueryVector {
  vector: Float32Array | null;
  /** Why there is no vector, when meaning was wanted and cannot answer. */
  fallback: FallbackReason | null;
}

async function queryVector(source: SearchSource, embedder: QueryEmbedder, text: string): Promise<QueryVector> {
  if (!text) return { vector: null, fallback: null };
  if (!embedder.available() || !source.meaningReady()) return { vector: null, fallback: 'model-unavailable' };
  try {
    return { vector: await embedder.embedQuery(text), fallback: null };
  } catch (error) {
    return { vector: null, fallback: fallbackFor(error) };
  }
}

/**
 * Ranks one query (and examples) over a library. Keywords need nothing but the papers. Meaning and hybrid need
 * the query embedded; if the engine or the library's vectors are unavailable, or embedding fails even after its
 * retry, the answer is the keyword ranking, marked as such. A part that fails (a damaged keyword shard, the
 * vectors' worker) is named in `unavailable`, and the answer comes from the parts that work.
 */
export async function searchLibrary(
  source: SearchSource,
  embedder: QueryEmbedder,
  query: string,
  mode: SearchMode,
  examples: Examples | null = null,
  now: () => number = () => performance.now(),
): Promise<SearchOutcome> {
  const started = now();
  const { text, cutFrom } = cutQuery(query);
  // Papers marked "not this" only leave the list while they weigh nothing (NOT_THIS_DEMOTES): alone, they do not
  // turn a typed search into a search by example, so every other paper keeps its place, in every mode.
  const usingExamples = !!examples && examples.positive.length + (NOT_THIS_DEMOTES ? examples.negative.length : 0) > 0;
  const hidden = new Set((examples?.negative ?? []).map((id) => source.rowOf(id)).filter((row): row is number => row !== undefined));
  if (!text && !usingExamples) return emptyOutcome(query, mode, source.papers);
  const unavailable: PartProblem[] = [];
  const onPartFailure = (part: RankingPart, error: unknown) => {
    if (!unavailable.some((problem) => problem.part === part)) unavailable.push({ part, reason: describe(error) });
  };
  const failed = (part: LibraryPart) => unavailable.some((problem) => problem.part === part);

  const noVector: QueryVector = { vector: null, fallback: null };
  let { vector, fallback } = mode !== 'keyword' || usingExamples ? await queryVector(source, embedder, text) : noVector;
  const embedEnded = vector || fallback ? now() : started;

  const rankText = async (rankMode: SearchMode) => {
    const ranked = await rankParts(source.parts, source.ranking, { mode: rankMode, text, vector: rankMode === 'keyword' ? null : vector, k: RESULT_LIMIT + hidden.size, vectorless: source.vectorless, onPartFailure }, now);
    return { ...ranked, hits: ranked.hits.filter((hit) => !hidden.has(hit.index)).slice(0, RESULT_LIMIT), rankMode };
  };
  /** `timings` null: ranked in one step (examples), timed as a whole in `scoreMs`. */
  let ranked: { hits: RankedHit[]; timings: RankTimings | null; rankMode: SearchMode | 'examples' } | null = null;
  let exampleProblem: ExampleError | null = null;
  if (usingExamples) {
    const rankStarted = now();
    try {
      if (!source.meaningReady()) throw new ExampleError('not-embedded', "the library's vectors are not here yet");
      const hits = await rankExamples(source, examples, vector ? { text, vector } : null, RESULT_LIMIT, {}, onPartFailure);
      ranked = { hits, timings: { scoreMs: now() - rankStarted, keywordMs: 0, fusionMs: 0 }, rankMode: 'examples' };
    } catch (error) {
      if (!(error instanceof ExampleError)) throw error;
      exampleProblem = error;
    }
  }
  if (!ranked) {
    const textMode = vector ? (usingExamples && mode === 'keyword' ? 'hybrid' : mode) : 'keyword';
    ranked = text ? await rankText(textMode) : { hits: [], timings: null, rankMode: 'keyword' };
    // Meaning failed as a part: keywords answer. Keywords failed in Keywords mode: meaning answers, if it can.
    if (ranked.rankMode === 'semantic' && failed('meaning')) ranked = await rankText('keyword');
    else if (ranked.rankMode === 'keyword' && failed('keywords') && mode === 'keyword') {
      const meaning = await queryVector(source, embedder, text);
      vector = meaning.vector;
      if (vector) ranked = await rankText('semantic');
    }
  }
  const byExamples = ranked.rankMode === 'examples';
  if (byExamples || mode === 'keyword') fallback = null;
  else if (text && (ranked.rankMode === 'keyword' || failed('meaning'))) fallback ??= failed('meaning') ? 'query-failed' : 'model-unavailable';

  const { hits, timings } = ranked;
  const partial = !!source.vectorless && source.vectorless.count > 0 && (ranked.rankMode === 'semantic' || byExamples);
  const outcome = (shown: RankedHit[], at: number, problems: PartProblem[]): SearchOutcome => ({
    query,
    papers: source.papers,
    mode,
    hits: shown,
    scale: queryScale(hits),
    elapsedMs: at - started,
    partial,
    fallback,
    unavailable: problems,
    queryCut: cutFrom,
    examples: byExamples ? examples : null,
    exampleProblem,
    timings: {
      embedMs: embedEnded - started,
      scoreMs: timings?.scoreMs ?? 0,
      keywordMs: byExamples ? null : (timings?.keywordMs ?? 0),
      fusionMs: byExamples ? null : (timings?.fusionMs ?? 0),
      totalMs: at - started,
    },
  });

  const texts = source.texts;
  if (!texts) return outcome(hits, now(), unavailable);
  return pagedAnswer(texts, hits, unavailable, now, outcome);
}

/**
 * With paged texts, the first answer waits for the first page's texts only; `rest` brings the others. Rows whose
 * text cannot be read are shown with a stand-in and the texts are named as unavailable, so the answer settles.
 */
async function pagedAnswer(
  texts: PagedTexts,
  hits: RankedHit[],
  unavailable: PartProblem[],
  now: () => number,
  outcome: (shown: RankedHit[], at: number, problems: PartProblem[]) => SearchOutcome,
): Promise<SearchOutcome> {
  const withTexts = (problem: string | null) => (problem ? [...unavailable, { part: 'texts' as const, reason: problem }] : unavailable);
  const firstProblem = await texts.load(hits.slice(0, FIRST_PAGE).map((hit) => hit.index));
  const done = now();
  const first = outcome(hits.filter((hit) => texts.shown(hit.index)), done, withTexts(firstProblem));
  if (first.hits.length === hits.length) return first;
  const rest = texts
    .load(hits.map((hit) => hit.index))
    .catch((error: unknown) => describe(error))
    .then((problem) => outcome(hits.filter((hit) => texts.shown(hit.index)), done, withTexts(problem ?? firstProblem)));
  return { ...first, rest };
}
