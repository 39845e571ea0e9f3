import type { Qrels, Query } from '../corpus/beir.ts';
import type { SearchIndex, SearchMode } from '../search/search.ts';
import { hasRelevant, meanScores, scoreQuery, type QueryScores } from './metrics.ts';

/** Rankings are cut here: deep enough for Recall@100. */
export const EVAL_DEPTH = 100;

/** Queries that have at least one relevant judgement in this split (the others are skipped, BEIR style). */
export function judgedQueries(queries: readonly Query[], qrels: Qrels): Query[] {
  return queries.filter((query) => hasRelevant(qrels.get(query.id)));
}

/** Doc ids ranked by the app's SearchIndex for each query (vectors are needed for semantic and hybrid). */
export function rankQueries(
  index: SearchIndex,
  mode: SearchMode,
  queries: readonly Query[],
  queryVectors: readonly Float32Array[] | null,
  depth = EVAL_DEPTH,
): string[][] {
  return queries.map((query, i) => index.rank(mode, query.text, queryVectors?.[i] ?? null, depth).map((hit) => index.papers[hit.index].id));
}

export function scoreRankings(queries: readonly Query[], rankings: readonly string[][], qrels: Qrels): QueryScores {
  return meanScores(queries.map((query, i) => scoreQuery(rankings[i], qrels.get(query.id) ?? new Map())));
}

/**
 * A fixed, content-derived split of the queries into two halves (tune on one, report on the other):
 * ordered by id (numeric when ids are numbers), alternating, so it never depends on file order or chance.
 */
export function splitHalves<T extends { id: string }>(items: readonly T[]): { tune: T[]; heldOut: T[] } {
  const byId = [...items].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  return { tune: byId.filter((_, i) => i % 2 === 0), heldOut: byId.filter((_, i) => i % 2 === 1) };
}
