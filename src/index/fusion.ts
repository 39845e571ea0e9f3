import type { Hit } from './top-k.ts';

/**
 * Two ways to combine the semantic and keyword rankings: reciprocal rank fusion (each ranking contributes
 * weight / (k + rank), blind to scores) and a blend of min-max scaled scores, which also uses how far apart
 * the scores are. Both were tuned on half of SciFact train; the blend measured better (docs/quality.md).
 */
export interface FusionOptions {
  k: number;
  semanticWeight: number;
  keywordWeight: number;
  /**
   * 'rrf' (when omitted): reciprocal rank fusion. 'blend': weighted sum of each list's scores min-max scaled to
   * [0, 1] within that list (a document missing from a list gets 0 there); `k` is unused.
   */
  method?: 'rrf' | 'blend';
}

/**
 * Best on the tuning half of SciFact train with bge-small-en-v1.5 (tools/tune.ts fusion; docs/quality.md):
 * the score blend with keyword at 0.7 of semantic, BM25 being the weaker ranker. `k` only matters for 'rrf'.
 */
export const DEFAULT_FUSION: FusionOptions = { k: 60, semanticWeight: 1, keywordWeight: 0.7, method: 'blend' };

/** Combines the two rankings by `options.method`: the one entry point the search uses. */
export function fuse(semantic: readonly Hit[], keyword: readonly Hit[], options: FusionOptions = DEFAULT_FUSION): Hit[] {
  return options.method === 'blend' ? scoreBlend(semantic, keyword, options) : reciprocalRankFusion(semantic, keyword, options);
}

export function reciprocalRankFusion(semantic: readonly Hit[], keyword: readonly Hit[], options: Pick<FusionOptions, 'k' | 'semanticWeight' | 'keywordWeight'> = { k: 60, semanticWeight: 1, keywordWeight: 1 }): Hit[] {
  const fused = new Map<number, number>();
  const add = (hits: readonly Hit[], weight: number) =>
    hits.forEach((hit, rank) => fused.set(hit.index, (fused.get(hit.index) ?? 0) + weight / (options.k + rank + 1)));
  add(semantic, options.semanticWeight);
  add(keyword, options.keywordWeight);
  return [...fused].map(([index, score]) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
}

/** Min-max scaled score blend (see FusionOptions.method). */
export function scoreBlend(semantic: readonly Hit[], keyword: readonly Hit[], options: Pick<FusionOptions, 'semanticWeight' | 'keywordWeight'>): Hit[] {
  const fused = new Map<number, number>();
  const add = (hits: readonly Hit[], weight: number) => {
    if (hits.length === 0) return;
    let min = Infinity;
    let max = -Infinity;
    for (const hit of hits) {
      min = Math.min(min, hit.score);
      max = Math.max(max, hit.score);
    }
    // A single hit (or all equal) scales to 1: it is the best this list has.
    const range = max - min;
    for (const hit of hits) fused.set(hit.index, (fused.get(hit.index) ?? 0) + weight * (range > 0 ? (hit.score - min) / range : 1));
  };
  add(semantic, options.semanticWeight);
  add(keyword, options.keywordWeight);
  return [...fused].map(([index, score]) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
}
