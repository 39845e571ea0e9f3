import { describe, expect, it } from 'vitest';
import { dcgAtK, hasRelevant, meanScores, mrrAtK, ndcgAtK, recallAtK, scoreQuery } from '../../src/eval/metrics.ts';
import { splitHalves } from '../../src/eval/evaluate.ts';

const j = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('dcg / ndcg (linear gain, log2(rank+1) discount)', () => {
  it('hand-computed graded case', () => {
    // ranking: a(2) x(0) b(1) -> DCG = 2/log2(2) + 1/log2(4) = 2 + 0.5 = 2.5
    // ideal:   a(2) b(1)      -> IDCG = 2 + 1/log2(3) = 2.6309297535714578
    const judgements = j({ a: 2, b: 1 });
    expect(dcgAtK(['a', 'x', 'b'], judgements, 10)).toBeCloseTo(2.5, 12);
    expect(ndcgAtK(['a', 'x', 'b'], judgements, 10)).toBeCloseTo(2.5 / (2 + 1 / Math.log2(3)), 12);
    expect(ndcgAtK(['a', 'x', 'b'], judgements, 10)).toBeCloseTo(0.950234, 6);
  });

  it('is 1 for the ideal ranking and 0 when nothing relevant is retrieved', () => {
    const judgements = j({ a: 2, b: 1, c: 1 });
    expect(ndcgAtK(['a', 'b', 'c', 'z'], judgements, 10)).toBeCloseTo(1, 12);
    expect(ndcgAtK(['c', 'b', 'a'], judgements, 10)).toBeLessThan(1);
    expect(ndcgAtK(['x', 'y'], judgements, 10)).toBe(0);
  });

  it('cuts at k, both in DCG and in the ideal DCG', () => {
    // 3 relevant, k=2; ranking x a b: DCG@2 = 1/log2(3) = 0.6309; IDCG@2 = 1 + 0.6309
    const judgements = j({ a: 1, b: 1, c: 1 });
    expect(ndcgAtK(['x', 'a', 'b'], judgements, 2)).toBeCloseTo(0.6309297535714578 / 1.6309297535714578, 12);
  });

  it('treats grade 0 judgements as not relevant', () => {
    const judgements = j({ a: 0, b: 1 });
    expect(ndcgAtK(['a', 'b'], judgements, 10)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(hasRelevant(j({ a: 0 }))).toBe(false);
    expect(hasRelevant(undefined)).toBe(false);
  });
});

describe('mrr@k', () => {
  it('is 1/rank of the first relevant document within k', () => {
    const judgements = j({ c: 1, d: 2 });
    expect(mrrAtK(['a', 'b', 'c', 'd'], judgements, 10)).toBeCloseTo(1 / 3, 12);
    expect(mrrAtK(['a', 'b', 'c'], judgements, 2)).toBe(0);
    expect(mrrAtK(['d'], judgements, 10)).toBe(1);
  });
});

describe('recall@k', () => {
  it('is the share of relevant documents in the top k', () => {
    const judgements = j({ a: 1, b: 1, c: 2, d: 1 });
    expect(recallAtK(['a', 'x', 'c', 'y'], judgements, 10)).toBe(0.5);
    expect(recallAtK(['x', 'a', 'c'], judgements, 2)).toBe(0.25);
    expect(recallAtK([], judgements, 100)).toBe(0);
  });
});

describe('aggregation', () => {
  it('macro-averages per-query scores', () => {
    const q1 = scoreQuery(['a'], j({ a: 1 })); // all 1
    const q2 = scoreQuery(['x', 'a'], j({ a: 1, b: 1 })); // ndcg = (1/log2 3) / (1 + 1/log2 3), mrr 0.5, recall 0.5
    const mean = meanScores([q1, q2]);
    expect(mean['mrr@10']).toBeCloseTo(0.75, 12);
    expect(mean['recall@10']).toBeCloseTo(0.75, 12);
    expect(mean['ndcg@10']).toBeCloseTo((1 + 0.6309297535714578 / 1.6309297535714578) / 2, 12);
    expect(meanScores([])['ndcg@10']).toBe(0);
  });
});

describe('splitHalves', () => {
  it('splits by numeric id order, alternating, independent of input order', () => {
    const items = ['10', '2', '1', '3', '20'].map((id) => ({ id }));
    const { tune, heldOut } = splitHalves(items);
    expect(tune.map((q) => q.id)).toEqual(['1', '3', '20']);
    expect(heldOut.map((q) => q.id)).toEqual(['2', '10']);
    expect(splitHalves([...items].reverse())).toEqual({ tune, heldOut });
  });
});
