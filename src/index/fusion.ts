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
   * 'cosine-blend': semanticWeight x (cosine - the list's lowest cosine) + keywordWeight x min-max scaled keyword
   * score (missing from a list: 0 there); `k` is unused. The cosine is not rescaled per query, so a cosine gap
   * means the same in every query, and keywordWeight is the most cosine a keyword match can add.
   */
  method?: 'rrf' | 'blend' | 'cosine-blend';
}

/**
 * Best on the tuning half of SciFact train with bge-small-en-v1.5 (tools/tune.ts fusion; docs/quality.md):
 * the cosine blend, where the best keyword match adds 0.065 to the cosine. Per-query min-max scaling of the
 * cosines (the 'blend') stretches a small cosine range and shrinks a wide one, so a confident semantic winner
 * could be overturned by a partial keyword match; raw cosines keep that margin. `k` only matters for 'rrf'.
 */
export const DEFAULT_FUSION: FusionOptions = { k: 60, semanticWeight: 1, keywordWeight: 0.065, method: 'cosine-blend' };

/** Combines the two rankings by `options.method`: the one entry point the search uses. */
export function fuse(semantic: readonly Hit[], keyword: readonly Hit[], options: FusionOptions = DEFAULT_FUSION): Hit[] {
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
 * Raw cosine plus a min-max scaled keyword bonus (see FusionOptions.method). Cosines are shifted by the list's
 * lowest so that a document only the keyword list found starts from 0, as in the min-max blend; the shift is the
 * same for every document of the query, so it never reorders the semantic list.
 */
export function cosineBlend(semantic: readonly Hit[], keyword: readonly Hit[], options: Pick<FusionOptions, 'semanticWeight' | 'keywordWeight'>): Hit[] {
  const fused = new Map<number, number>();
  let min = Infinity;
  for (const hit of semantic) min = Math.min(min, hit.score);
  for (const hit of semantic) fused.set(hit.index, options.semanticWeight * (hit.score - min));
  addMinMax(fused, keyword, options.keywordWeight);
  return ranked(fused);
}
