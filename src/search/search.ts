import type { Paper } from '../corpus/types.ts';
import { cosineScores } from '../index/cosine.ts';
import { fuse, DEFAULT_FUSION, type FusionOptions } from '../index/fusion.ts';
import { DEFAULT_KEYWORD_OPTIONS, KeywordIndex, type KeywordOptions } from '../index/keyword.ts';
import { QuantizedMatrix } from '../index/quantized-matrix.ts';
import { topK, type Hit } from '../index/top-k.ts';
import type { VectorMatrix } from '../index/vector-matrix.ts';

/**
 * Document vectors: float32 (exact; evaluation's reference) or int8 (the app's, 4x smaller and scored by a SIMD
 * kernel; ranking loss measured in docs/performance.md).
 */
export type DocumentVectors = VectorMatrix | QuantizedMatrix;

/** The three ways to rank; the app, evaluation and benchmarks all go through `SearchIndex.rank`. */
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
    readonly vectors: DocumentVectors,
    readonly fusion: FusionOptions = DEFAULT_FUSION,
    /** Options for a new keyword index, or one already built over the same papers (the app builds it first). */
    keyword: KeywordOptions | KeywordIndex = DEFAULT_KEYWORD_OPTIONS,
  ) {
    if (vectors.count !== papers.length) throw new Error(`SearchIndex: ${papers.length} papers but ${vectors.count} vectors`);
    this.keyword = keyword instanceof KeywordIndex ? keyword : new KeywordIndex(papers, keyword);
    // The quantized matrix owns its score buffer; only the float32 path needs scratch.
    this.scratch = vectors instanceof QuantizedMatrix ? new Float32Array(0) : new Float32Array(papers.length);
  }

  semantic(queryVector: Float32Array, k: number): Hit[] {
    const scores = this.vectors instanceof QuantizedMatrix ? this.vectors.scores(queryVector) : cosineScores(this.vectors, queryVector, this.scratch);
    return topK(scores, k);
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
    return fuse(this.semantic(queryVector, depth), this.keyword.query(queryText, depth), this.fusion).slice(0, k);
  }
}
