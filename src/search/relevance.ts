import { DEFAULT_MODEL_ID, getModelSpec, type RelevanceThresholds } from '../embedding/models.ts';
import type { Hit } from '../index/top-k.ts';
import type { SearchMode } from './search.ts';

/**
 * How relevant a hit probably is, from its score alone: the thresholds are where the measured precision (share of
 * results that are relevant) crosses a level, per mode, on the SciFact tune half and seed-dev
 * (tools/choose-cutoff.ts; docs/quality.md "Relevance cut-off"). Semantic and hybrid scores are cosines (hybrid
 * adds a keyword bonus of at most the model's keyword weight), so their thresholds are the model's and live in
 * its spec (ModelSpec.ranking.relevance); BM25 scores do not depend on the model, so the keyword ones live here.
 */
export type RelevanceLabel = 'strong' | 'good' | 'weak';

/**
 * BM25 (the plain sum over query terms, DEFAULT_KEYWORD_OPTIONS). It grows with the number of query terms that
 * match, so a long query clears it more easily than a one-word one; measured over both.
 */
export const KEYWORD_RELEVANCE: RelevanceThresholds = { strong: Infinity, good: Infinity };

/** The thresholds for `mode` with `modelId`'s scores, or null when they were not measured for that model. */
export function relevanceThresholds(mode: SearchMode, modelId: string = DEFAULT_MODEL_ID): RelevanceThresholds | null {
  if (mode === 'keyword') return KEYWORD_RELEVANCE;
  return getModelSpec(modelId).ranking.relevance?.[mode] ?? null;
}

/** The label of one score; null when the model has no measured thresholds (show the score alone). */
export function relevanceLabel(mode: SearchMode, score: number, modelId?: string): RelevanceLabel | null {
  const thresholds = relevanceThresholds(mode, modelId);
  if (!thresholds) return null;
  return score >= thresholds.strong ? 'strong' : score >= thresholds.good ? 'good' : 'weak';
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
export function relevanceCut(mode: SearchMode, hits: readonly Hit[], modelId?: string): RelevanceCut {
  const thresholds = relevanceThresholds(mode, modelId);
  if (!thresholds) return { strong: hits.length, more: 0 };
  let strong = 0;
  while (strong < hits.length && hits[strong].score >= thresholds.strong) strong++;
  return { strong, more: hits.length - strong };
}
