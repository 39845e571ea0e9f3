import { DEFAULT_MODEL_ID, getModelSpec, type RelevanceThresholds, type Standout } from '../embedding/models.ts';
import { normalizeTerm, tokenize } from '../index/keyword.ts';
import type { Hit } from '../index/top-k.ts';
import type { SearchMode } from './search.ts';

/**
 * How relevant a hit probably is, from its score: the thresholds are where the measured precision (share of
 * results that are relevant) falls under a level, per mode, on the SciFact tune half and seed-dev
 * (tools/choose-cutoff.ts; docs/quality.md "Relevance cut-off"): 'strong' from 50 % (more likely relevant than
 * not), 'good' from 20 %, 'weak' below. Semantic and hybrid scores are cosines (hybrid adds a keyword bonus of at
 * most the model's keyword weight), so their thresholds are the model's and live in its spec
 * (ModelSpec.ranking.relevance); keyword thresholds do not depend on the model and live here. Short questions score
 * lower than claims: a result may also be good by standing out of the query's background (issue 18.4, `standout`;
 * docs/quality.md "Relevance labels on short questions").
 */
export type RelevanceLabel = 'strong' | 'good' | 'weak';

/**
 * Keyword mode, in keywordStrength units. Measured by tools/choose-cutoff.ts; raw BM25 would not do: SciFact's
 * claims and corpus give scores ~5x seed-dev's, for the same precision.
 */
export const KEYWORD_RELEVANCE: RelevanceThresholds = { strong: 0.754, good: 0.595 };

export interface RelevanceContext {
  /** The model whose cosines the scores are (semantic, hybrid). Default: the shipped one. */
  modelId?: string;
  /** Keyword mode: the query text and the number of papers searched, which BM25 scores grow with. */
  query?: string;
  papers?: number;
  /** The query's background (queryBackground of its results); without it only the fixed thresholds apply. */
  background?: number | null;
  /** The score of the query's best result (queryBest); without it only the fixed thresholds apply. */
  best?: number | null;
}

/** Where a query's scores lie: its background and its best result's score, what a standout is measured against. */
export interface QueryScale {
  background: number | null;
  best: number | null;
}

/** The rank whose score is a query's background: the last of the results the app asks for (RESULT_LIMIT). */
export const BACKGROUND_RANK = 50;

/**
 * How high a query scores on papers it does not match: the score at BACKGROUND_RANK of its best-first results (the
 * last one when the library is smaller), null without results. Nonsense scores about as high on its best paper as
 * on its 50th; a question a paper answers stands out (docs/quality.md "Relevance labels on short questions").
 * It is read off the ranking the app already made: no extra pass over the vectors.
 */
export function queryBackground(hits: readonly Hit[]): number | null {
  return hits.length === 0 ? null : hits[Math.min(BACKGROUND_RANK, hits.length) - 1].score;
}

/** The score of the query's best result (hits are best-first), null without results. */
export function queryBest(hits: readonly Hit[]): number | null {
  return hits.length === 0 ? null : hits[0].score;
}

/** Both: what the searcher records before a paged answer keeps its first page. */
export function queryScale(hits: readonly Hit[]): QueryScale {
  return { background: queryBackground(hits), best: queryBest(hits) };
}

/**
 * A BM25 sum (KeywordIndex, no coordination factor) on a scale that neither the query's length nor the corpus's
 * size moves: per distinct query term, in units of the idf of a term found in one paper (MiniSearch's idf,
 * ln(1 + (N - 0.5) / 1.5)), the most a term can weigh in this corpus.
 */
export function keywordStrength(score: number, query: string, papers: number): number {
  const terms = new Set(tokenize(query).flatMap((token) => normalizeTerm(token) ?? []));
  const rarest = Math.log(1 + (Math.max(1, papers) - 0.5) / 1.5);
  return score / Math.max(1, terms.size) / rarest;
}

/** The thresholds for `mode` with `modelId`'s scores, or null when they were not measured for that model. */
export function relevanceThresholds(mode: SearchMode, modelId: string = DEFAULT_MODEL_ID): RelevanceThresholds | null {
  if (mode === 'keyword') return KEYWORD_RELEVANCE;
  return getModelSpec(modelId).ranking.relevance?.[mode] ?? null;
}

/** The score the thresholds apply to: the hit's own, or for keyword mode its keywordStrength. */
function comparable(mode: SearchMode, score: number, context: RelevanceContext): number {
  if (mode !== 'keyword') return score;
  if (context.query === undefined || context.papers === undefined) throw new Error('relevance: keyword mode needs the query and the number of papers');
  return keywordStrength(score, context.query, context.papers);
}

/** The label of one hit's score; null when the model has no measured thresholds (show the score alone). */
export function relevanceLabel(mode: SearchMode, score: number, context: RelevanceContext = {}): RelevanceLabel | null {
  const thresholds = relevanceThresholds(mode, context.modelId);
  if (!thresholds) return null;
  return relevanceLabelWith(thresholds, comparable(mode, score, context), scaleFor(mode, thresholds, context));
}

/**
 * The labels of one query's best-first `hits` under `thresholds`: the model's (resultCut in src/app/result-rows.ts)
 * or a candidate that tools/choose-cutoff.ts tries. The scale is the context's, else the hits' own.
 */
export function labelHits(mode: SearchMode, hits: readonly Hit[], thresholds: RelevanceThresholds, context: RelevanceContext = {}): RelevanceLabel[] {
  const scale = scaleFor(mode, thresholds, { ...queryScale(hits), ...context });
  return hits.map((hit) => relevanceLabelWith(thresholds, comparable(mode, hit.score, context), scale));
}

/** How many leading labels are plausible (strong or good), and how many of those are strong. */
export function plausibleLead(labels: readonly RelevanceLabel[]): { plausible: number; strong: number } {
  let plausible = 0;
  while (plausible < labels.length && labels[plausible] !== 'weak') plausible++;
  return { plausible, strong: labels.slice(0, plausible).filter((label) => label === 'strong').length };
}

const NO_SCALE: QueryScale = { background: null, best: null };

/** The query's scale in the units the thresholds compare; only a standout reads it, so without one it is not worked out. */
function scaleFor(mode: SearchMode, thresholds: RelevanceThresholds, context: RelevanceContext): QueryScale {
  if (!thresholds.standout) return NO_SCALE;
  const onScale = (x: number | null | undefined) => (x === undefined || x === null ? null : comparable(mode, x, context));
  return { background: onScale(context.background), best: onScale(context.best) };
}

/**
 * The rule itself, for given thresholds (tools/choose-cutoff.ts tries candidates through it): strong from
 * `strong`, good from `good` or when the value stands out of the query's background, weak below.
 */
export function relevanceLabelWith(thresholds: RelevanceThresholds, value: number, scale: QueryScale): RelevanceLabel {
  if (value >= thresholds.strong) return 'strong';
  if (value >= thresholds.good) return 'good';
  return standsOut(thresholds, value, scale) ? 'good' : 'weak';
}

/**
 * Below `good`, a hit still counts as good when it scores at least the floor, close enough to the query's best
 * result, and its standing (its score plus a weight times how far it stands above the query's background) reaches
 * the level: the lower it scores, the further it must stand out. Without `near` a long claim's many middling
 * results would all stand out; semantic mode measured so (docs/quality.md "Relevance labels on short questions").
 */
function standsOut(thresholds: RelevanceThresholds, value: number, { background, best }: QueryScale): boolean {
  const standout = thresholds.standout;
  if (!standout || background === null || best === null) return false;
  return value >= standout.min && value >= best - standout.near && standing(standout, value, background) >= standout.level;
}

/** A score plus `weight` times its distance above the background: what a standout's level is compared with. */
export function standing(standout: Standout, value: number, background: number): number {
  return value + standout.weight * (value - background);
}

export interface RelevanceCut {
  /** The leading hits that are strong matches: shown at once. */
  strong: number;
  /** The rest, one click away. */
  more: number;
}

/**
 * Splits best-first hits into the strong matches and the rest ("12 strong matches · 30 more"). A query that
 * matches nothing well (nonsense, or a topic the papers do not cover) gets 0 strong. Without measured thresholds
 * for the model nothing is held back.
 */
export function relevanceCut(mode: SearchMode, hits: readonly Hit[], context: RelevanceContext = {}): RelevanceCut {
  const thresholds = relevanceThresholds(mode, context.modelId);
  if (!thresholds) return { strong: hits.length, more: 0 };
  // Scores are best-first and `strong` is a fixed level, so the strong hits are the leading ones.
  const { strong } = plausibleLead(labelHits(mode, hits, thresholds, context));
  return { strong, more: hits.length - strong };
}

/** The one-line summary of the labelled results, in plain words: "3 strong matches", "1 strong and 2 good matches". */
export function matchSummary(strong: number, good: number): string {
  const noun = strong + good === 1 ? 'match' : 'matches';
  if (strong > 0 && good > 0) return `${strong} strong and ${good} good ${noun}`;
  return strong > 0 ? `${strong} strong ${noun}` : `${good} good ${noun}`;
}
