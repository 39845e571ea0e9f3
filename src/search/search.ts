import type { Paper } from '../base/paper.ts';
import { DEFAULT_MODEL_ID, getModelSpec } from '../embedding/models.ts';
import { cosineScores } from '../index/cosine.ts';
import { cosineBlendOptions } from '../index/fusion.ts';
import { DEFAULT_KEYWORD_OPTIONS, KeywordIndex, type KeywordOptions } from '../index/keyword.ts';
import { QuantizedMatrix } from '../index/quantized-matrix.ts';
import { topK, type Hit } from '../index/top-k.ts';
import { feedbackVector } from './feedback.ts';
import { rankParts, type RankingOptions, type RankingParts, type SearchMode, type TimedRanking } from './pipeline.ts';
import { settledNow } from './sync-or-async.ts';
import type { VectorMatrix } from '../index/vector-matrix.ts';

/**
 * Document vectors: float32 (exact; evaluation's reference) or int8 (the app's, 4x smaller and scored by a SIMD
 * kernel; ranking loss measured in docs/performance.md).
 */
export type DocumentVectors = VectorMatrix | QuantizedMatrix;

export type { FeedbackOptions, RankingOptions, RankTimings, SearchMode, TimedRanking } from './pipeline.ts';
export { FUSION_DEPTH } from './pipeline.ts';
export const SEARCH_MODES: readonly SearchMode[] = ['semantic', 'keyword', 'hybrid'];
/** The mode that measured best (docs/quality.md). */
export const DEFAULT_SEARCH_MODE: SearchMode = 'hybrid';

/** How `modelId`'s vectors are ranked: the fusion weight and feedback kept in its spec (src/embedding/models.ts). */
export function rankingFor(modelId: string = DEFAULT_MODEL_ID): RankingOptions {
  const { keywordWeight, feedback } = getModelSpec(modelId).ranking;
  return { fusion: cosineBlendOptions(keywordWeight), feedback };
}

export const DEFAULT_RANKING: RankingOptions = rankingFor(DEFAULT_MODEL_ID);

export class SearchIndex {
  readonly keyword: KeywordIndex;
  private readonly scratch: Float32Array;
  /** This index as the ranking pipeline reads it (pipeline.ts): every part answers at once. */
  readonly parts: RankingParts;

  constructor(
    readonly papers: readonly Paper[],
    readonly vectors: DocumentVectors,
    readonly ranking: RankingOptions = DEFAULT_RANKING,
    /** Options for a new keyword index, or one already built over the same papers (the app builds it first). */
    keyword: KeywordOptions | KeywordIndex = DEFAULT_KEYWORD_OPTIONS,
  ) {
    if (vectors.count !== papers.length) throw new Error(`SearchIndex: ${papers.length} papers but ${vectors.count} vectors`);
    this.keyword = keyword instanceof KeywordIndex ? keyword : new KeywordIndex(papers, keyword);
    // The quantized matrix owns its score buffer; only the float32 path needs scratch.
    this.scratch = vectors instanceof QuantizedMatrix ? new Float32Array(0) : new Float32Array(papers.length);
    this.parts = {
      semantic: (vector, depth) => this.semantic(vector, depth),
      keyword: (text, depth) => this.keyword.query(text, depth),
      rows: (rows) => rows.map((row) => this.vectors.row(row)),
    };
  }

  /** One scoring pass: the k papers closest to `queryVector` by cosine. */
  semantic(queryVector: Float32Array, k: number): Hit[] {
    const scores = this.vectors instanceof QuantizedMatrix ? this.vectors.scores(queryVector) : cosineScores(this.vectors, queryVector, this.scratch);
    return topK(scores, k);
  }

  /** Rocchio feedback (feedback.ts) toward the `top` hits' vectors. */
  feedbackQuery(queryVector: Float32Array, top: readonly Hit[], weight: number): Float32Array {
    return feedbackVector(queryVector, top.map((hit) => this.vectors.row(hit.index)), weight);
  }

  /**
   * Ranks papers for one query. `queryVector` is required for semantic and hybrid modes
   * (the caller embeds the query with the same encoder as the documents). Hybrid with feedback scores twice:
   * fuse, move the query vector toward the top fused hits, score the corpus again and fuse again with the same
   * keyword hits (docs/quality.md "Ranking variants"). Semantic mode stays one pass of plain cosines: at the
   * hybrid's setting, feedback did not help it on the tuning half.
   */
  rank(mode: SearchMode, queryText: string, queryVector: Float32Array | null, k: number): Hit[] {
    return this.rankTimed(mode, queryText, queryVector, k).hits;
  }

  /**
   * `rank` with where its time went (the diagnostics panel): cosine scoring, keyword search and fusion. Feedback's
   * second pass is split the same way: moving the query vector and scoring again count as scoring, the second
   * fusion as fusion. `now` is injectable so tests can drive a fake clock.
   */
  rankTimed(mode: SearchMode, queryText: string, queryVector: Float32Array | null, k: number, now: () => number = () => performance.now()): TimedRanking {
    return settledNow(rankParts(this.parts, this.ranking, { mode, text: queryText, vector: queryVector, k }, now), 'SearchIndex.rank');
  }
}
