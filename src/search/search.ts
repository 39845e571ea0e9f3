import type { Paper } from '../corpus/types.ts';
import { cosineScores } from '../index/cosine.ts';
import { reciprocalRankFusion, DEFAULT_FUSION, type FusionOptions } from '../index/fusion.ts';
import { KeywordIndex } from '../index/keyword.ts';
import { topK, type Hit } from '../index/top-k.ts';
import type { VectorMatrix } from '../index/vector-matrix.ts';

/** The three ways to rank; the app, evaluation and benchmarks all go through `rankPapers`. */
export type SearchMode = 'semantic' | 'keyword' | 'hybrid';
export const SEARCH_MODES: readonly SearchMode[] = ['semantic', 'keyword', 'hybrid'];
/** The mode that measured best (docs/quality.md). */
export const DEFAULT_SEARCH_MODE: SearchMode = 'hybrid';

/** How deep each single ranking goes before fusion. */
const FUSION_DEPTH = 100;

export class SearchIndex {
  readonly keyword: KeywordIndex;
  private readonly scratch: Float32Array;

  constructor(
    readonly papers: readonly Paper[],
    readonly vectors: VectorMatrix,
    readonly fusion: FusionOptions = DEFAULT_FUSION,
  ) {
    if (vectors.count !== papers.length) throw new Error(`SearchIndex: ${papers.length} papers but ${vectors.count} vectors`);
    this.keyword = new KeywordIndex(papers);
    this.scratch = new Float32Array(papers.length);
  }

  semantic(queryVector: Float32Array, k: number): Hit[] {
    return topK(cosineScores(this.vectors, queryVector, this.scratch), k);
  }

  /**
   * Ranks papers for one query. `queryVector` is required for semantic and hybrid modes
   * (the caller embeds the query with the same encoder as the documents).
   */
  rank(mode: SearchMode, queryText: string, queryVector: Float32Array | null, k: number): Hit[] {
    if (mode === 'keyword') return this.keyword.query(queryText, k);
    if (!queryVector) throw new Error(`rank: mode "${mode}" needs the query vector`);
    if (mode === 'semantic') return this.semantic(queryVector, k);
    const depth = Math.max(k, FUSION_DEPTH);
    return reciprocalRankFusion(this.semantic(queryVector, depth), this.keyword.query(queryText, depth), this.fusion).slice(0, k);
  }
}
