import type { Paper } from '../base/paper.ts';
import { labelHits, plausibleLead, queryScale, relevanceLabel, relevanceThresholds, type RelevanceContext, type RelevanceLabel } from '../search/relevance.ts';
import type { SearchMode } from '../search/search.ts';
import { RESULT_LIMIT, type SearchOutcome } from '../search/searcher.ts';

/**
 * What the result list shows, decided apart from the view: the relevance cut (plausible results at once, the
 * weak rest one click away), the rows, each row's relevance label, and what its score means. Pure.
 */

/** When nothing is plausibly relevant, this many closest results stay in view (labelled weak). */
export const CLOSEST_WHEN_NONE = 3;

export interface ResultCut {
  /** Leading hits labelled strong or good. */
  plausible: number;
  /** Hits shown before "more": the plausible ones, or the closest few when none is. */
  shown: number;
  /** Of the plausible ones, those labelled strong. */
  strong: number;
  /** Hits held back behind "N more". */
  more: number;
}

export interface ResultRow {
  paper: Paper;
  /** The hit's score; null when the library is listed without a query. */
  score: number | null;
  /** Ranked by its words alone: the paper has no vector yet (an import still embedding; pipeline.ts). */
  wordsOnly?: true;
}

/** The mode whose score scale the hits are in (keyword matches when meaning was unavailable). */
export function scoredMode(outcome: SearchOutcome | null): SearchMode {
  return outcome ? (outcome.fallback ? 'keyword' : outcome.mode) : 'hybrid';
}

/**
 * What the relevance thresholds need: the model (cosines), for keyword scores the query and library size, and the
 * query's background and best score (measured on all its results, before a paged answer showed the first few).
 */
export function relevanceContext(outcome: SearchOutcome | null, modelId: string | undefined): RelevanceContext {
  return outcome ? { modelId, query: outcome.query, papers: outcome.papers.length, ...(outcome.scale ?? queryScale(outcome.hits)) } : {};
}

/** The label of one row's score; none for a listed library or a ranking by examples (another scale). */
export function rowRelevance(outcome: SearchOutcome | null, score: number | null, modelId: string | undefined): RelevanceLabel | null {
  if (score === null || outcome?.examples) return null;
  return relevanceLabel(scoredMode(outcome), score, relevanceContext(outcome, modelId));
}

/**
 * Plausibly relevant results (labelled strong or good by the measured thresholds) are shown at once, the weak
 * rest one click away; examples rank on another scale, so they are not cut. Null when there are no thresholds.
 */
export function resultCut(outcome: SearchOutcome | null, modelId: string | undefined): ResultCut | null {
  if (!outcome || outcome.examples) return null;
  const mode = scoredMode(outcome);
  const thresholds = relevanceThresholds(mode, modelId);
  if (!thresholds) return null;
  const labels = labelHits(mode, outcome.hits, thresholds, relevanceContext(outcome, modelId));
  const { plausible, strong } = plausibleLead(labels);
  // Nothing plausible: say so, but keep the closest few in view (labelled weak); short queries score lower than
  // the claims the thresholds were measured on, and the right paper may still be among them.
  const shown = plausible > 0 ? plausible : Math.min(CLOSEST_WHEN_NONE, labels.length);
  return { plausible, shown, strong, more: outcome.hits.length - shown };
}

export interface RowsInput {
  /** No query and no pinned examples: the library itself is listed. */
  showingCorpus: boolean;
  /** The open library's papers (a published library's: a sparse array of what was read). */
  papers: readonly Paper[];
  /** A published library is open: only its first rows are listed. */
  published: boolean;
  outcome: SearchOutcome | null;
  cut: ResultCut | null;
  /** The person asked to see the results below the cut too. */
  showWeaker: boolean;
  /** The paper is in the region chosen on the map (always true when none is chosen). */
  inRegion(id: string): boolean;
}

/**
 * The hits the list shows (the relevance cut applied unless the weaker ones were asked for), before any map
 * region. The map marks and counts exactly these, so a cluster's "6 results" are the 6 its click shows (issue 18).
 */
export function listedHits(input: Pick<RowsInput, 'showingCorpus' | 'outcome' | 'cut' | 'showWeaker'>): SearchOutcome['hits'] {
  const { outcome, cut } = input;
  if (input.showingCorpus || !outcome) return [];
  return cut && !input.showWeaker ? outcome.hits.slice(0, cut.shown) : outcome.hits;
}

export function resultRows(input: RowsInput): ResultRow[] {
  const { outcome, inRegion } = input;
  if (input.showingCorpus) {
    // A published library's papers are a sparse array of up to millions: only its first rows are listed.
    const listed = input.published ? input.papers.slice(0, RESULT_LIMIT) : input.papers;
    return listed.filter((paper) => inRegion(paper.id)).slice(0, RESULT_LIMIT).map((paper) => ({ paper, score: null }));
  }
  if (!outcome) return [];
  return listedHits(input).filter((hit) => inRegion(outcome.papers[hit.index].id)).map((hit) => ({ paper: outcome.papers[hit.index], score: hit.score, ...(hit.wordsOnly ? { wordsOnly: true as const } : {}) }));
}

/** What a row's number is, for its tooltip. */
export function scoreLabel(outcome: SearchOutcome | null): string {
  if (outcome?.fallback || outcome?.mode === 'keyword') return 'BM25 score';
  if (outcome?.mode === 'semantic') return 'cosine similarity';
  return 'cosine similarity plus a keyword bonus (hybrid)';
}
