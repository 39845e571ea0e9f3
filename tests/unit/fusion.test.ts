import { describe, expect, it } from 'vitest';
import { fuse, reciprocalRankFusion, scoreBlend } from '../../src/index/fusion.ts';

const hits = (...indices: number[]) => indices.map((index, i) => ({ index, score: 100 - i }));

describe('reciprocalRankFusion', () => {
  it('adds weight / (k + rank) from each list (hand-computed, k = 60)', () => {
    const fused = reciprocalRankFusion(hits(1, 2), hits(2, 3), { k: 60, semanticWeight: 1, keywordWeight: 1 });
    // doc 2: 1/62 + 1/61; doc 1: 1/61; doc 3: 1/62
    expect(fused.map((h) => h.index)).toEqual([2, 1, 3]);
    expect(fused[0].score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[1].score).toBeCloseTo(1 / 61, 12);
    expect(fused[2].score).toBeCloseTo(1 / 62, 12);
  });

  it('weights shift the order between the two lists', () => {
    const semanticHeavy = reciprocalRankFusion(hits(1), hits(2), { k: 10, semanticWeight: 1, keywordWeight: 0.5 });
    expect(semanticHeavy.map((h) => h.index)).toEqual([1, 2]);
    const keywordHeavy = reciprocalRankFusion(hits(1), hits(2), { k: 10, semanticWeight: 0.5, keywordWeight: 1 });
    expect(keywordHeavy.map((h) => h.index)).toEqual([2, 1]);
  });

  it('breaks exact ties by lower index, so rankings are deterministic', () => {
    expect(reciprocalRankFusion(hits(5), hits(3), { k: 60, semanticWeight: 1, keywordWeight: 1 }).map((h) => h.index)).toEqual([3, 5]);
  });

  it('passes a single list through in order when the other is empty', () => {
    expect(reciprocalRankFusion(hits(4, 2, 9), []).map((h) => h.index)).toEqual([4, 2, 9]);
  });
});

describe('scoreBlend (method: blend)', () => {
  it('sums min-max scaled scores with weights (hand-computed)', () => {
    const semantic = [
      { index: 1, score: 0.9 },
      { index: 2, score: 0.7 },
      { index: 3, score: 0.5 },
    ];
    const keyword = [
      { index: 3, score: 20 },
      { index: 2, score: 15 },
      { index: 4, score: 10 },
    ];
    // semantic scaled: 1 -> 1, 2 -> 0.5, 3 -> 0; keyword scaled: 3 -> 1, 2 -> 0.5, 4 -> 0
    // weights 1 / 0.7: doc1 1, doc2 0.5 + 0.35 = 0.85, doc3 0.7, doc4 0
    const fused = scoreBlend(semantic, keyword, { semanticWeight: 1, keywordWeight: 0.7 });
    expect(fused.map((h) => h.index)).toEqual([1, 2, 3, 4]);
    expect(fused.map((h) => h.score)).toEqual([1, expect.closeTo(0.85, 12), expect.closeTo(0.7, 12), 0]);
    // fuse dispatches on method
    expect(fuse(semantic, keyword, { k: 60, semanticWeight: 1, keywordWeight: 0.7, method: 'blend' })).toEqual(fused);
  });

  it('a list with a single hit, or all-equal scores, scales to 1', () => {
    expect(scoreBlend([{ index: 7, score: 0.3 }], [], { semanticWeight: 1, keywordWeight: 1 })).toEqual([{ index: 7, score: 1 }]);
  });

  it('fuse without a method is reciprocal rank fusion', () => {
    const options = { k: 60, semanticWeight: 1, keywordWeight: 1 };
    expect(fuse(hits(1, 2), hits(2, 3), options)).toEqual(reciprocalRankFusion(hits(1, 2), hits(2, 3), options));
  });
});
