import type { Hit } from './top-k.ts';

/**
 * Reciprocal rank fusion: each ranking contributes weight / (k + rank). Robust to the very different score
 * scales of BM25 and cosine, which is why it is the default way to combine them.
 */
export interface FusionOptions {
  k: number;
  semanticWeight: number;
  keywordWeight: number;
}

export const DEFAULT_FUSION: FusionOptions = { k: 60, semanticWeight: 1, keywordWeight: 1 };

export function reciprocalRankFusion(semantic: readonly Hit[], keyword: readonly Hit[], options: FusionOptions = DEFAULT_FUSION): Hit[] {
  const fused = new Map<number, number>();
  const add = (hits: readonly Hit[], weight: number) =>
    hits.forEach((hit, rank) => fused.set(hit.index, (fused.get(hit.index) ?? 0) + weight / (options.k + rank + 1)));
  add(semantic, options.semanticWeight);
  add(keyword, options.keywordWeight);
  return [...fused].map(([index, score]) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
}
