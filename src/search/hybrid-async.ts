import { fuse } from '../index/fusion.ts';
import type { Hit } from '../index/top-k.ts';
import { feedbackVector } from './feedback.ts';
import { FUSION_DEPTH, type RankingOptions, type SearchMode } from './search.ts';

/**
 * The ranking of SearchIndex.rank (search.ts) over parts that answer asynchronously: a published library's
 * compressed vector index in a worker, its static keyword shards fetched per term, its rows read from OPFS.
 * Same steps, same fusion and feedback functions, so the two paths rank alike (docs/performance.md measures it).
 */
export interface AsyncRankingParts {
  /** The `depth` rows closest to `vector` by cosine (exactly rescored). */
  semantic(vector: Float32Array, depth: number): Promise<Hit[]>;
  /** BM25 hits for `text`. */
  keyword(text: string, depth: number): Promise<Hit[]>;
  /** The stored vectors of `rows` (dequantised), for feedback. */
  rows(rows: readonly number[]): Promise<Float32Array[]>;
}

/** Where one query's time went, in ms (the Details panel). Keywords overlap scoring: they are fetched meanwhile. */
export interface AsyncRankTimings {
  scoreMs: number;
  keywordMs: number;
  fusionMs: number;
}

export async function rankAsync(
  parts: AsyncRankingParts,
  ranking: RankingOptions,
  mode: SearchMode,
  text: string,
  vector: Float32Array | null,
  k: number,
  now: () => number = () => performance.now(),
): Promise<{ hits: Hit[]; timings: AsyncRankTimings }> {
  const started = now();
  if (mode === 'keyword') {
    const hits = await parts.keyword(text, k);
    return { hits, timings: { scoreMs: 0, keywordMs: now() - started, fusionMs: 0 } };
  }
  if (!vector) throw new Error(`rankAsync: mode "${mode}" needs the query vector`);
  if (mode === 'semantic') {
    const hits = await parts.semantic(vector, k);
    return { hits, timings: { scoreMs: now() - started, keywordMs: 0, fusionMs: 0 } };
  }
  const depth = Math.max(k, FUSION_DEPTH);
  let keywordMs = 0;
  const keywordHits = parts.keyword(text, depth).then((hits) => {
    keywordMs = now() - started;
    return hits;
  });
  const semanticHits = await parts.semantic(vector, depth);
  const scoreMs = now() - started;
  const keyword = await keywordHits;
  const fusionStarted = now();
  let fused = fuse(semanticHits, keyword, ranking.fusion);
  const { feedback } = ranking;
  if (feedback && fused.length > 0) {
    const top = fused.slice(0, feedback.docs).map((hit) => hit.index);
    const moved = feedbackVector(vector, await parts.rows(top), feedback.weight);
    fused = fuse(await parts.semantic(moved, depth), keyword, ranking.fusion);
  }
  return { hits: fused.slice(0, k), timings: { scoreMs, keywordMs, fusionMs: now() - fusionStarted } };
}
