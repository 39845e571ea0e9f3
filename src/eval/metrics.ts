/**
 * Retrieval metrics, trec_eval / pytrec_eval conventions (what BEIR and MTEB report):
 * graded relevance used as the gain (linear, not 2^rel - 1), log2(rank + 1) discount, ideal DCG from the
 * judged documents sorted by grade. A document counts as relevant when its grade is > 0.
 */

/** doc id -> graded relevance for one query. */
export type Judgements = ReadonlyMap<string, number>;

export function dcgAtK(ranking: readonly string[], judgements: Judgements, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) {
    const gain = judgements.get(ranking[i]) ?? 0;
    if (gain > 0) dcg += gain / Math.log2(i + 2);
  }
  return dcg;
}

export function ndcgAtK(ranking: readonly string[], judgements: Judgements, k: number): number {
  const ideal = [...judgements.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcgAtK(ranking, judgements, k) / idcg;
}

/** 1 / rank of the first relevant document within the top k, else 0. */
export function mrrAtK(ranking: readonly string[], judgements: Judgements, k: number): number {
  for (let i = 0; i < Math.min(k, ranking.length); i++) {
    if ((judgements.get(ranking[i]) ?? 0) > 0) return 1 / (i + 1);
  }
  return 0;
}

/** Share of the relevant documents found in the top k. */
export function recallAtK(ranking: readonly string[], judgements: Judgements, k: number): number {
  let relevant = 0;
  for (const grade of judgements.values()) if (grade > 0) relevant++;
  if (relevant === 0) return 0;
  let found = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) if ((judgements.get(ranking[i]) ?? 0) > 0) found++;
  return found / relevant;
}

export function hasRelevant(judgements: Judgements | undefined): judgements is Judgements {
  if (!judgements) return false;
  for (const grade of judgements.values()) if (grade > 0) return true;
  return false;
}

export interface QueryScores {
  'ndcg@10': number;
  'mrr@10': number;
  'recall@10': number;
  'recall@100': number;
}

export const METRIC_NAMES: readonly (keyof QueryScores)[] = ['ndcg@10', 'mrr@10', 'recall@10', 'recall@100'];

export function scoreQuery(ranking: readonly string[], judgements: Judgements): QueryScores {
  return {
    'ndcg@10': ndcgAtK(ranking, judgements, 10),
    'mrr@10': mrrAtK(ranking, judgements, 10),
    'recall@10': recallAtK(ranking, judgements, 10),
    'recall@100': recallAtK(ranking, judgements, 100),
  };
}

/** Mean of each metric over the queries (macro average, as trec_eval's "all"). */
export function meanScores(perQuery: readonly QueryScores[]): QueryScores {
  const mean = { 'ndcg@10': 0, 'mrr@10': 0, 'recall@10': 0, 'recall@100': 0 };
  if (perQuery.length === 0) return mean;
  for (const scores of perQuery) for (const name of METRIC_NAMES) mean[name] += scores[name];
  for (const name of METRIC_NAMES) mean[name] /= perQuery.length;
  return mean;
}
