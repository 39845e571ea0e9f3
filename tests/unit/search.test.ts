import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/base/paper.ts';
import { DEFAULT_MODEL_ID, getModelSpec, MODELS } from '../../src/embedding/models.ts';
import { cosineBlendOptions } from '../../src/index/fusion.ts';
import { KeywordIndex } from '../../src/index/keyword.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { VectorMatrix } from '../../src/index/vector-matrix.ts';
import { DEFAULT_RANKING, rankingFor, SearchIndex, type RankingOptions } from '../../src/search/search.ts';

const papers: Paper[] = [
  { id: 'a', title: 'GottBERT: a German language model', abstract: 'A RoBERTa model pre-trained on German text from OSCAR.' },
  { id: 'b', title: 'Mamba: selective state spaces', abstract: 'Linear-time sequence modeling with selective state space layers.' },
  { id: 'c', title: 'Block-wise quantization of optimizers', abstract: 'Optimizer states stored in 8 bits save memory.' },
  { id: 'd', title: 'Electrocardiogram foundation model', abstract: 'A model of heart signals trained on ten million recordings.' },
  { id: 'e', title: 'Korean language understanding benchmark', abstract: 'Eight tasks for evaluating Korean models.' },
];

/** Hand-made unit vectors: paper i points mostly along axis i of a 5-d space. */
function unitRows(rows: number[][]): VectorMatrix {
  const matrix = new VectorMatrix(rows[0].length, rows.length);
  rows.forEach((row, i) => {
    const norm = Math.hypot(...row);
    matrix.setRow(
      i,
      row.map((x) => x / norm),
    );
  });
  return matrix;
}

const vectors = unitRows([
  [1, 0, 0, 0, 0.1],
  [0, 1, 0.2, 0, 0],
  [0, 0.3, 1, 0, 0],
  [0, 0, 0, 1, 0],
  [0.5, 0, 0, 0, 1],
]);
/** The shipped fusion without feedback: the fusion tests below are about fusion alone. */
const NO_FEEDBACK: RankingOptions = { ...DEFAULT_RANKING, feedback: null };
const index = new SearchIndex(papers, vectors, NO_FEEDBACK);
const q = (...v: number[]) => {
  const norm = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / norm);
};
const ids = (hits: { index: number }[]) => hits.map((h) => papers[h.index].id);

describe('SearchIndex.rank semantic', () => {
  it('orders papers by cosine to the query vector', () => {
    expect(ids(index.rank('semantic', '', q(1, 0, 0, 0, 0), 5))).toEqual(['a', 'e', 'b', 'c', 'd']);
    expect(ids(index.rank('semantic', '', q(0, 1, 0.5, 0, 0), 3))).toEqual(['b', 'c', 'a']);
    expect(ids(index.rank('semantic', '', q(0, 0, 0, 0, 1), 2))).toEqual(['e', 'a']);
  });

  it('scores are the cosines, best first', () => {
    const [first, second] = index.rank('semantic', '', q(0, 0, 0, 1, 0), 2);
    expect(first).toEqual({ index: 3, score: 1 });
    expect(second.score).toBeCloseTo(0, 6);
  });

  it('the query text is ignored in semantic mode', () => {
    const v = q(0, 0, 1, 0, 0);
    expect(index.rank('semantic', 'GottBERT', v, 5)).toEqual(index.rank('semantic', '', v, 5));
  });

  it('repeated queries on the shared scratch buffer do not leak scores between queries', () => {
    const first = index.rank('semantic', '', q(1, 0, 0, 0, 0), 5);
    index.rank('semantic', '', q(0, 0, 0, 1, 0), 5);
    expect(index.rank('semantic', '', q(1, 0, 0, 0, 0), 5)).toEqual(first);
  });

  it('k limits the hits; k larger than the corpus returns every paper once', () => {
    expect(index.rank('semantic', '', q(1, 1, 1, 1, 1), 1)).toHaveLength(1);
    expect(ids(index.rank('semantic', '', q(1, 1, 1, 1, 1), 50)).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('needs the query vector in semantic and hybrid modes, with a matching number of dims', () => {
    expect(() => index.rank('semantic', 'x', null, 5)).toThrow('rank: mode "semantic" needs the query vector');
    expect(() => index.rank('hybrid', 'x', null, 5)).toThrow('rank: mode "hybrid" needs the query vector');
    expect(() => index.rank('semantic', 'x', new Float32Array(4), 5)).toThrow('query has 4 dims, index has 5');
  });

  it('refuses papers and vectors of different counts', () => {
    expect(() => new SearchIndex(papers.slice(0, 4), vectors)).toThrow('SearchIndex: 4 papers but 5 vectors');
  });
});

describe('SearchIndex.rank keyword', () => {
  it('finds the paper with an exact term from its title or abstract first', () => {
    expect(ids(index.rank('keyword', 'GottBERT', null, 5))[0]).toBe('a');
    expect(ids(index.rank('keyword', 'electrocardiogram', null, 5))).toEqual(['d']);
    expect(ids(index.rank('keyword', 'OSCAR', null, 5))).toEqual(['a']);
  });

  it('a term in several papers returns each of them; an unknown term returns nothing', () => {
    expect(ids(index.rank('keyword', 'Korean', null, 5))).toEqual(['e']);
    expect(ids(index.rank('keyword', 'language', null, 5)).sort()).toEqual(['a', 'e']);
    expect(index.rank('keyword', 'zebrafish', null, 5)).toEqual([]);
  });

  it('does not need a query vector', () => {
    expect(index.rank('keyword', 'Mamba', null, 5).map((h) => h.index)).toEqual([1]);
  });
});

describe('SearchIndex.rank hybrid', () => {
  it('contains the semantic best and the keyword best when they differ', () => {
    // The text matches only paper d (electrocardiogram); the vector points at paper b.
    const hits = ids(index.rank('hybrid', 'electrocardiogram', q(0, 1, 0, 0, 0), 5));
    expect(hits).toContain('d');
    expect(hits).toContain('b');
    // Shipped cosine blend: the keyword match adds the keyword weight (a few hundredths of cosine), so d (cosine 0)
    // passes a and e (cosine 0, no match) but not c (cosine 0.29, close to the query).
    expect(DEFAULT_RANKING.fusion.keywordWeight).toBeLessThan(0.29);
    expect(hits.slice(0, 3)).toEqual(['b', 'c', 'd']);
    // The min-max blend scales each list to [0, 1], so there the two bests take the first two places.
    const blend = new SearchIndex(papers, vectors, { fusion: { k: 60, semanticWeight: 1, keywordWeight: 0.7, method: 'blend' }, feedback: null });
    expect(ids(blend.rank('hybrid', 'electrocardiogram', q(0, 1, 0, 0, 0), 5)).slice(0, 2).sort()).toEqual(['b', 'd']);
  });

  it('a paper first in both rankings is first in the fusion', () => {
    expect(ids(index.rank('hybrid', 'GottBERT German', q(1, 0, 0, 0, 0), 3))[0]).toBe('a');
  });

  it('k limits the fused hits and every paper appears at most once', () => {
    const hits = ids(index.rank('hybrid', 'language model', q(1, 1, 1, 1, 1), 3));
    expect(hits).toHaveLength(3);
    expect(new Set(hits).size).toBe(3);
    expect(new Set(ids(index.rank('hybrid', 'language model', q(1, 1, 1, 1, 1), 10))).size).toBe(5);
  });
});

describe('ranking options: per model, from the model spec', () => {
  it("the default ranking is the shipped model's: its keyword weight and its feedback", () => {
    const spec = getModelSpec(DEFAULT_MODEL_ID).ranking;
    expect(DEFAULT_RANKING).toEqual({ fusion: cosineBlendOptions(spec.keywordWeight), feedback: spec.feedback });
    expect(new SearchIndex(papers, vectors).ranking).toBe(DEFAULT_RANKING);
  });

  it('every model has a positive keyword weight and sane feedback', () => {
    for (const id of Object.keys(MODELS)) {
      const { fusion, feedback } = rankingFor(id);
      expect(fusion.keywordWeight).toBeGreaterThan(0);
      if (feedback) {
        expect(Number.isInteger(feedback.docs) && feedback.docs > 0).toBe(true);
        expect(feedback.weight).toBeGreaterThan(0);
      }
    }
    expect(() => rankingFor('no-such-model')).toThrow('Unknown model "no-such-model"');
  });
});

describe('pseudo-relevance feedback on the query vector', () => {
  const query = q(0.4, 0.6, 0.2, 0, 0.4);
  const withFeedback = new SearchIndex(papers, vectors, { ...NO_FEEDBACK, feedback: { docs: 1, weight: 0.5 } });

  it("moves the query toward the top hits' centroid and renormalises (hand-computed)", () => {
    // Top hit for this query is b; q' = (q + 0.5 b) / |q + 0.5 b|.
    const b = vectors.row(1);
    const expected = Array.from(query, (x, d) => x + 0.5 * b[d]);
    const norm = Math.hypot(...expected);
    const moved = withFeedback.feedbackQuery(query, [{ index: 1, score: 0 }], 0.5);
    moved.forEach((x, d) => expect(x).toBeCloseTo(expected[d] / norm, 6));
    // The centroid of two hits is their mean.
    const two = withFeedback.feedbackQuery(query, [{ index: 1, score: 0 }, { index: 3, score: 0 }], 1);
    const d3 = vectors.row(3);
    const mean = Array.from(query, (x, d) => x + (b[d] + d3[d]) / 2);
    two.forEach((x, d) => expect(x).toBeCloseTo(mean[d] / Math.hypot(...mean), 6));
    expect(withFeedback.feedbackQuery(query, [], 0.5)).toEqual(query);
  });

  it('hybrid re-ranks by the moved query: a paper near the top hit passes one that is only near the query', () => {
    // No keyword matches ('zebrafish'), so hybrid ranks by cosine. Without feedback: b, e, a, c, d; c lies close
    // to b (the top hit), e does not.
    expect(ids(index.rank('hybrid', 'zebrafish', query, 5))).toEqual(['b', 'e', 'a', 'c', 'd']);
    const ranked = withFeedback.rank('hybrid', 'zebrafish', query, 5);
    expect(ids(ranked)).toEqual(['b', 'c', 'e', 'a', 'd']);
    // Scores are the cosines of the moved query: the same as scoring it directly, at most 1.
    const direct = withFeedback.semantic(withFeedback.feedbackQuery(query, index.semantic(query, 1), 0.5), 5);
    expect(ranked.map((h) => h.index)).toEqual(direct.map((h) => h.index));
    ranked.forEach((hit, i) => expect(hit.score).toBeCloseTo(direct[i].score, 6));
    expect(ranked[0].score).toBeLessThanOrEqual(1);
  });

  it('semantic mode stays one pass of plain cosines', () => {
    expect(withFeedback.rank('semantic', '', query, 5)).toEqual(index.rank('semantic', '', query, 5));
  });

  it('takes the feedback documents from the fused ranking, then fuses again with the same keyword hits', () => {
    const text = 'electrocardiogram';
    const vector = q(0, 1, 0, 0, 0);
    const searched = new SearchIndex(papers, vectors, { ...NO_FEEDBACK, feedback: { docs: 3, weight: 1 } });
    // The fused top 3 include d, the keyword match, which the semantic top 3 (b, c, a) do not.
    const first = index.rank('hybrid', text, vector, 100);
    expect(ids(first).slice(0, 3)).toEqual(['b', 'c', 'd']);
    const moved = searched.feedbackQuery(vector, first.slice(0, 3), 1);
    expect(searched.rank('hybrid', text, vector, 5)).toEqual(index.rank('hybrid', text, moved, 5));
    expect(moved[3]).toBeGreaterThan(0);
  });

  it("works on int8 vectors as on float32 (the app's form)", () => {
    const int8 = new SearchIndex(papers, QuantizedMatrix.fromFloat32(5, vectors.data, false), withFeedback.ranking);
    expect(ids(int8.rank('hybrid', 'zebrafish', query, 5))).toEqual(ids(withFeedback.rank('hybrid', 'zebrafish', query, 5)));
  });
});

describe('SearchIndex.rankTimed: where the time goes', () => {
  /**
   * A fake clock that moves 1 ms per reading, plus 10 ms per cosine scoring pass and 100 ms per keyword search
   * (the parts advance it), so each phase's total is known by hand and a time put in the wrong phase shows.
   */
  function timedIndex(ranking: RankingOptions) {
    let t = 0;
    const now = () => t++;
    class SlowKeywords extends KeywordIndex {
      override query(...args: Parameters<KeywordIndex['query']>) {
        t += 100;
        return super.query(...args);
      }
    }
    class SlowScoring extends SearchIndex {
      override semantic(queryVector: Float32Array, k: number) {
        t += 10;
        return super.semantic(queryVector, k);
      }
    }
    return { index: new SlowScoring(papers, vectors, ranking, new SlowKeywords(papers)), now };
  }
  const text = 'electrocardiogram';
  const vector = q(0.4, 0.6, 0.2, 0, 0.4);
  const FEEDBACK: RankingOptions = { ...NO_FEEDBACK, feedback: { docs: 1, weight: 0.5 } };

  it('hybrid with feedback: two scoring passes count as scoring, two fusions as fusion, one keyword search', () => {
    const { index: timed, now } = timedIndex(FEEDBACK);
    const result = timed.rankTimed('hybrid', text, vector, 5, now);
    // Readings: start 0; scoring ends 11; keywords end 112; fusion ends 113; second scoring ends 124; fusion 125.
    expect(result.timings).toEqual({ scoreMs: 22, keywordMs: 101, fusionMs: 2 });
    expect(result.hits).toEqual(new SearchIndex(papers, vectors, FEEDBACK).rank('hybrid', text, vector, 5));
  });

  it('hybrid without feedback: one of each', () => {
    const { index: timed, now } = timedIndex(NO_FEEDBACK);
    const result = timed.rankTimed('hybrid', text, vector, 5, now);
    expect(result.timings).toEqual({ scoreMs: 11, keywordMs: 101, fusionMs: 1 });
    expect(result.hits).toEqual(index.rank('hybrid', text, vector, 5));
  });

  it('semantic and keyword modes time only their own phase', () => {
    const { index: timed, now } = timedIndex(FEEDBACK);
    const semantic = timed.rankTimed('semantic', text, vector, 3, now);
    expect(semantic.timings).toEqual({ scoreMs: 11, keywordMs: 0, fusionMs: 0 });
    expect(semantic.hits).toEqual(index.rank('semantic', text, vector, 3));
    const keyword = timed.rankTimed('keyword', text, null, 3, now);
    expect(keyword.timings).toEqual({ scoreMs: 0, keywordMs: 101, fusionMs: 0 });
    expect(ids(keyword.hits)).toEqual(['d']);
  });

  it('rank returns exactly the hits of rankTimed', () => {
    const shipped = new SearchIndex(papers, vectors);
    for (const mode of ['semantic', 'keyword', 'hybrid'] as const)
      expect(shipped.rank(mode, 'language model', vector, 5)).toEqual(shipped.rankTimed(mode, 'language model', vector, 5).hits);
  });
});
