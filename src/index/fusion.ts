import type { Hit } from './top-k.ts';

/**
 * Three ways to combine the semantic and keyword rankings: reciprocal rank fusion (each ranking contributes
 * weight / (k + rank), blind to scores), a blend of min-max scaled scores, which also uses how far apart the
 * scores are, and a cosine blend that keeps the semantic score as the raw cosine and adds the min-max scaled
 * keyword score as a bounded bonus. All were tuned on half of SciFact train; the cosine blend measured best
 * (docs/quality.md).
 */
export interface FusionOptions {
  k: number;
  semanticWeight: number;
  keywordWeight: number;
  /**
   * 'rrf' (when omitted): reciprocal rank fusion. 'blend': weighted sum of each list's scores min-max scaled to
   * [0, 1] within that list (a document missing from a list gets 0 there); `k` is unused.
   * 'cosine-blend': semanticWeight x cosine + keywordWeight x min-max scaled keyword score (a document missing
   * from the keyword list gets 0 there; one missing from the semantic list gets the list's lowest cosine); `k` is
   * unused. The cosine is not rescaled per query, so a cosine gap means the same in every query, the score reads
   * as a cosine (src/search/relevance.ts sets its thresholds in those units), and keywordWeight is the most cosine
   * a keyword match can add.
   */
  method?: 'rrf' | 'blend' | 'cosine-blend';
}

/**
 * The cosine blend measured best on the tuning half of SciFact train (tools/tune.ts fusion; docs/quality.md).
 * Per-query min-max scaling of the cosines (the 'blend') stretches a small cosine range and shrinks a wide one,
 * so a confident semantic winner could be overturned by a partial keyword match; raw cosines keep that margin.
 * The keyword weight is in cosine units, so it is the model's (ModelSpec.ranking.keywordWeight, used by
 * src/search/search.ts rankingFor). `k` only matters for 'rrf'.
 */
export function cosineBlendOptions(keywordWeight: number): FusionOptions {
  return { k: 60, semanticWeight: 1, keywordWeight, method: 'cosine-blend' };
}

/** Combines the two rankings by `options.method`: the one entry point the search uses. */
export function fuse(semantic: readonly Hit[], keyword: readonly Hit[], options: FusionOptions): Hit[] {
  if (options.method === 'blend') return scoreBlend(semantic, keyword, options);
  if (options.method === 'cosine-blend') return cosineBlend(semantic, keyword, options);
  return reciprocalRankFusion(semantic, keyword, options);
}

export function reciprocalRankFusion(semantic: readonly Hit[], keyword: readonly Hit[], options: Pick<FusionOptions, 'k' | 'semanticWeight' | 'keywordWeight'> = { k: 60, semanticWeight: 1, keywordWeight: 1 }): Hit[] {
  const fused = new Map<number, number>();
  const add = (hits: readonly Hit[], weight: number) =>
    hits.forEach((hit, rank) => fused.set(hit.index, (fused.get(hit.index) ?? 0) + weight / (options.k + rank + 1)));
  add(semantic, options.semanticWeight);
  add(keyword, options.keywordWeight);
  return [...fused].map(([index, score]) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
}

/** Adds weight x each hit's min-max scaled score; a single hit (or all equal) scales to 1: it is the best this list has. */
function addMinMax(fused: Map<number, number>, hits: readonly Hit[], weight: number): void {
  if (hits.length === 0) return;
  let min = Infinity;
  let max = -Infinity;
  for (const hit of hits) {
    min = Math.min(min, hit.score);
    max = Math.max(max, hit.score);
  }
  const range = max - min;
  for (const hit of hits) fused.set(hit.index, (fused.get(hit.index) ?? 0) + weight * (range > 0 ? (hit.score - min) / range : 1));
}

const ranked = (fused: Map<number, number>): Hit[] =>
  [...fused].map(([index, score]) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);

/** Min-max scaled score blend (see FusionOptions.method). */
export function scoreBlend(semantic: readonly Hit[], keyword: readonly Hit[], options: Pick<FusionOptions, 'semanticWeight' | 'keywordWeight'>): Hit[] {
  const fused = new Map<number, number>();
  addMinMax(fused, semantic, options.semanticWeight);
  addMinMax(fused, keyword, options.keywordWeight);
  return ranked(fused);
}

/**
 * Raw cosine plus a min-max scaled keyword bonus (see FusionOptions.method). A document only the keyword list
 * found starts from the list's lowest cosine: its own is at most that, as it did not make the semantic list.
 * (Until 2026-11-26 every cosine was shifted down by that lowest one; the same shift for every document of a
 * query, so the ranking is the same, but the score was no longer a cosine a threshold could be set on.)
 */
export function cosineBlend(semantic: readonly Hit[], keyword: readonly Hit[], options: Pick<FusionOptions, 'semanticWeight' | 'keywordWeight'>): Hit[] {
  const fused = new Map<number, number>();
  let min = semantic.length > 0 ? Infinity : 0;
  for (const hit of semantic) min = Math.min(min, hit.score);
  for (const hit of semantic) fused.set(hit.index, options.semanticWeight * hit.score);
  for (const hit of keyword) if (!fused.has(hit.index)) fused.set(hit.index, options.semanticWeight * min);
  addMinMax(fused, keyword, options.keywordWeight);
  return ranked(fused);
}
