import { describe, expect, it } from 'vitest';
import { cosineBlend, cosineBlendOptions, fuse, reciprocalRankFusion, scoreBlend } from '../../src/index/fusion.ts';

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

describe('cosineBlend (method: cosine-blend)', () => {
  const semantic = [
    { index: 1, score: 0.8 },
    { index: 2, score: 0.78 },
    { index: 3, score: 0.6 },
  ];
  const keyword = [
    { index: 2, score: 10 },
    { index: 4, score: 6 },
    { index: 1, score: 2 },
  ];

  it('adds the min-max scaled keyword score to the cosine (hand-computed)', () => {
    // keyword scaled: doc2 1, doc4 0.5, doc1 0; doc4 is not in the semantic list, so it starts from the lowest cosine, 0.6
    // keyword weight 0.1: doc2 0.78 + 0.1 = 0.88, doc1 0.8, doc4 0.6 + 0.05 = 0.65, doc3 0.6
    const fused = cosineBlend(semantic, keyword, { semanticWeight: 1, keywordWeight: 0.1 });
    expect(fused.map((h) => h.index)).toEqual([2, 1, 4, 3]);
    expect(fused.map((h) => h.score)).toEqual([expect.closeTo(0.88, 12), expect.closeTo(0.8, 12), expect.closeTo(0.65, 12), expect.closeTo(0.6, 12)]);
    // keyword weight 0.01 adds at most 0.01 cosine: not enough to close doc1's 0.02 lead
    const small = cosineBlend(semantic, keyword, { semanticWeight: 1, keywordWeight: 0.01 });
    expect(small.map((h) => h.index)).toEqual([1, 2, 4, 3]);
    expect(small[0].score).toBeCloseTo(0.8, 12);
    expect(small[1].score).toBeCloseTo(0.79, 12);
  });

  it('keeps a wide cosine lead that the min-max blend would give away', () => {
    // Semantic is sure of doc 1 (0.07 ahead, a third of the list's range); keyword prefers doc 2.
    const sem = [
      { index: 1, score: 0.72 },
      { index: 2, score: 0.65 },
      { index: 3, score: 0.5 },
    ];
    const key = [
      { index: 2, score: 12 },
      { index: 1, score: 5 },
      { index: 3, score: 2 },
    ];
    // min-max: doc1 1 + 0.7 * 0.3 = 1.21, doc2 (0.15 / 0.22) + 0.7 = 1.38 -> doc 2 first
    expect(scoreBlend(sem, key, { semanticWeight: 1, keywordWeight: 0.7 })[0].index).toBe(2);
    // cosine blend: doc1 0.72 + 0.065 * 0.3 = 0.7395, doc2 0.65 + 0.065 = 0.715 -> doc 1 first
    const fused = cosineBlend(sem, key, { semanticWeight: 1, keywordWeight: 0.065 });
    expect(fused.map((h) => h.index)).toEqual([1, 2, 3]);
    expect(fused[0].score).toBeCloseTo(0.7395, 12);
    expect(fused[1].score).toBeCloseTo(0.715, 12);
  });

  it('ranks by cosine differences only: shifting every cosine shifts every score and keeps the order', () => {
    const shifted = semantic.map((h) => ({ ...h, score: h.score - 0.5 }));
    const a = cosineBlend(semantic, keyword, { semanticWeight: 1, keywordWeight: 0.1 });
    const b = cosineBlend(shifted, keyword, { semanticWeight: 1, keywordWeight: 0.1 });
    expect(b.map((h) => h.index)).toEqual(a.map((h) => h.index));
    b.forEach((h, i) => expect(h.score).toBeCloseTo(a[i].score - 0.5, 12));
  });

  it('scores are cosines plus at most the keyword weight, so one threshold means the same in every query', () => {
    for (const hit of cosineBlend(semantic, keyword, { semanticWeight: 1, keywordWeight: 0.1 })) {
      const cosine = semantic.find((h) => h.index === hit.index)?.score ?? 0.6;
      expect(hit.score).toBeGreaterThanOrEqual(cosine - 1e-12);
      expect(hit.score).toBeLessThanOrEqual(cosine + 0.1 + 1e-12);
    }
  });

  it('passes either list through alone; keyword-only documents start from 0 cosine', () => {
    expect(cosineBlend(semantic, [], { semanticWeight: 1, keywordWeight: 0.1 }).map((h) => h.index)).toEqual([1, 2, 3]);
    expect(cosineBlend([], keyword, { semanticWeight: 1, keywordWeight: 0.1 }).map((h) => h.index)).toEqual([2, 4, 1]);
  });

  it('fuse dispatches on method; cosineBlendOptions sets the keyword weight of a cosine blend', () => {
    const options = cosineBlendOptions(0.1);
    expect(options).toEqual({ k: 60, semanticWeight: 1, keywordWeight: 0.1, method: 'cosine-blend' });
    expect(fuse(semantic, keyword, options)).toEqual(cosineBlend(semantic, keyword, options));
  });
});
