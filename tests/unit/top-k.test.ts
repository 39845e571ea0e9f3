import { describe, expect, it } from 'vitest';
import { topK, type Hit } from '../../src/index/top-k.ts';
import { seededRandom as rng } from '../../src/base/random.ts';


/** Reference: full sort, best score first, ties by lower index. */
function reference(scores: ArrayLike<number>, k: number): Hit[] {
  return Array.from(scores, (score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, Math.max(0, k));
}

describe('topK', () => {
  it('equals a full sort\'s first k on random data (300 seeds, n up to 500, k from 0 to n + 5)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = rng(seed);
      const n = Math.floor(random() * 500);
      const scores = Float32Array.from({ length: n }, () => random() * 2 - 1);
      const k = Math.floor(random() * (n + 6));
      expect(topK(scores, k), `seed ${seed}, n ${n}, k ${k}`).toEqual(reference(scores, k));
    }
  });

  it('equals a full sort with many ties (scores drawn from 5 values), ties ordered by lower index', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = rng(seed);
      const n = 1 + Math.floor(random() * 200);
      const scores = Array.from({ length: n }, () => Math.floor(random() * 5) / 4);
      const k = 1 + Math.floor(random() * n);
      expect(topK(scores, k), `seed ${seed}`).toEqual(reference(scores, k));
    }
  });

  it('all-equal scores return the first k indices in order', () => {
    expect(topK(new Float32Array(10).fill(0.5), 4).map((h) => h.index)).toEqual([0, 1, 2, 3]);
  });

  it('k > n returns all n, best first; k = 0 or negative returns nothing; empty input returns nothing', () => {
    expect(topK([0.1, 0.9, 0.5], 10)).toEqual([
      { index: 1, score: 0.9 },
      { index: 2, score: 0.5 },
      { index: 0, score: 0.1 },
    ]);
    expect(topK([0.1, 0.9], 0)).toEqual([]);
    expect(topK([0.1, 0.9], -3)).toEqual([]);
    expect(topK([], 5)).toEqual([]);
    expect(topK([0.3, 0.1], Infinity).map((h) => h.index)).toEqual([0, 1]);
  });

  it('handles negative scores, -0 and infinities like a full sort', () => {
    const scores = [-1, 0, -0, Infinity, -Infinity, 3, Infinity];
    expect(topK(scores, 7)).toEqual(reference(scores, 7));
    expect(topK(scores, 3).map((h) => h.index)).toEqual([3, 6, 5]);
  });

  it('is deterministic: the same input gives the same ranking, independent of earlier calls', () => {
    const random = rng(7);
    const scores = Float32Array.from({ length: 1000 }, () => Math.round(random() * 20) / 20);
    const first = topK(scores, 50);
    expect(topK(scores, 50)).toEqual(first);
    expect(topK(Float32Array.from(scores), 50)).toEqual(first);
  });

  it('count limits the scan to the first count scores (a reused, larger buffer)', () => {
    const buffer = new Float32Array([0.1, 0.2, 0.3, 0.9, 0.8]);
    expect(topK(buffer, 2, 3).map((h) => h.index)).toEqual([2, 1]);
  });

  it('regression: count larger than the scores is clamped instead of reading past the end', () => {
    expect(topK([0.2, 0.4], 5, 10)).toEqual([
      { index: 1, score: 0.4 },
      { index: 0, score: 0.2 },
    ]);
  });

  it('regression: a fractional k is floored and NaN k returns nothing (heap size and fill loop agree)', () => {
    const scores = [0.5, 0.1, 0.9, 0.3];
    expect(topK(scores, 2.5)).toEqual(reference(scores, 2));
    expect(topK(scores, NaN)).toEqual([]);
  });
});
