import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/base/paper.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { VectorMatrix } from '../../src/index/vector-matrix.ts';
import {
  centroidDirection,
  DEFAULT_CLASSIFIER,
  ExampleError,
  exampleQueryVector,
  rankByExamples,
  rankExcluding,
  sampleBackgroundIndices,
  trainClassifier,
  type ExampleErrorCode,
  type ExampleOptions,
} from '../../src/search/examples.ts';
import { SearchIndex } from '../../src/search/search.ts';

const v = (...xs: number[]) => Float32Array.from(xs);
const unit = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs, (x) => x / n);
};
const deg = (angle: number) => v(Math.cos((angle * Math.PI) / 180), Math.sin((angle * Math.PI) / 180));

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

function errorCode(fn: () => unknown): ExampleErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ExampleError) return error.code;
    throw error;
  }
  return undefined;
}

/** Five papers on the unit circle: a 0°, b 30°, c 60°, d 90°, e 180°. Cosines are cosines of angle differences. */
const circlePapers: Paper[] = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, title: `paper ${id}`, abstract: '' }));
const circleAngles = [0, 30, 60, 90, 180];
function circleIndex(int8 = false): SearchIndex {
  const rows = new Float32Array(circleAngles.flatMap((a) => [...deg(a)]));
  // The int8 kernel needs dims % 16 == 0 for SIMD; 2 dims run the JS loop, same arithmetic.
  return new SearchIndex(circlePapers, int8 ? QuantizedMatrix.fromFloat32(2, rows) : new VectorMatrix(2, 5, rows));
}
const ids = (index: SearchIndex, hits: { index: number }[]) => hits.map((h) => index.papers[h.index].id);

describe('centroidDirection (Rocchio)', () => {
  it('is the unit mean of the positives', () => {
    expectClose(centroidDirection([v(1, 0), v(0, 1)]), [Math.SQRT1_2, Math.SQRT1_2]);
  });

  it('subtracts negativeWeight x the mean of the negatives', () => {
    // (1, 0) - 0.5 (0.6, 0.8) = (0.7, -0.4); |.| = sqrt(0.65) = 0.806226
    expectClose(centroidDirection([v(1, 0)], [v(0.6, 0.8)], 0.5), [0.868243, -0.496139]);
  });

  it('a negative turns the direction away from it', () => {
    const negative = v(0.6, 0.8);
    const dot = (a: Float32Array, b: Float32Array) => a[0] * b[0] + a[1] * b[1];
    expect(dot(centroidDirection([v(1, 0)], [negative], 0.5), negative)).toBeLessThan(dot(v(1, 0), negative));
  });
});

describe('trainClassifier (logistic regression, L2)', () => {
  // With one point per class (balanced weights), the loss depends on w only through w·p and w·n, and the
  // smallest |w| that reaches a given margin w·(p - n) is w ∝ p - n: at the optimum the direction is
  // exactly unit(p - n), whatever the L2 weight.
  it('with one positive and one background point, learns the direction p - n', () => {
    const p = unit(1.1, 1); // (0.739940, 0.672673)
    const model = trainClassifier([p], [], [v(1, 0)], { l2: 0.01, steps: 400 });
    // p - (1, 0) = (-0.260060, 0.672673), |.| = 0.721193
    expectClose(unit(...model.weights), [-0.360597, 0.932724], 3);
  });

  it('an explicit negative plays the same role as the background', () => {
    const model = trainClassifier([v(0, 1)], [v(1, 0)], [], { l2: 0.1, steps: 400 });
    expectClose(unit(...model.weights), [-Math.SQRT1_2, Math.SQRT1_2], 3);
  });

  it('ranks differently from the centroid: what sets the example apart from the library counts', () => {
    // The library is mostly about x; the example is a bit more x than y. The centroid prefers B = (0.8, 0.6),
    // closest in angle; the classifier learns that y is what distinguishes the example, and prefers A = (0.6, 0.8).
    const p = unit(1.1, 1);
    const A = v(0.6, 0.8);
    const B = v(0.8, 0.6);
    const dot = (w: ArrayLike<number>, x: Float32Array) => w[0] * x[0] + w[1] * x[1];
    const centroid = centroidDirection([p]);
    expect(dot(centroid, B)).toBeGreaterThan(dot(centroid, A));
    const { weights } = trainClassifier([p], [], [v(1, 0), v(1, 0), v(0.99, 0.141)], { l2: 0.01, steps: 300 });
    expect(dot(weights, A)).toBeGreaterThan(dot(weights, B));
  });

  it('is deterministic: the same input gives the same weights, bit for bit', () => {
    const input = [[unit(1, 2, 0, 1)], [unit(0, 0, 1, 0)], [unit(1, 0, 0, 0), unit(0, 1, 1, 0), unit(1, 1, 1, 1)]] as const;
    const first = trainClassifier(...input, { l2: 0.03, steps: 50 });
    const second = trainClassifier(...input, { l2: 0.03, steps: 50 });
    expect(second.weights).toEqual(first.weights);
    expect(second.bias).toBe(first.bias);
    expect(first.steps).toBe(50);
  });

  it('rejects an empty positive set and vectors of the wrong size', () => {
    expect(errorCode(() => trainClassifier([], [], [v(1, 0)]))).toBe('no-examples');
    expect(errorCode(() => trainClassifier([v(1, 0)], [], [v(1, 0, 0)]))).toBe('dims-mismatch');
  });
});

describe('exampleQueryVector', () => {
  it('adds the unit typed query with its weight, then normalises', () => {
    // unit((1, 0) + 0.5 (0, 1)) = (0.894427, 0.447214)
    expectClose(exampleQueryVector({ positives: [v(1, 0)], typedQuery: v(0, 2) }, { method: 'centroid', queryWeight: 0.5 }), [0.894427, 0.447214]);
  });

  it('query weight 0 ignores the typed query', () => {
    expectClose(exampleQueryVector({ positives: [v(3, 4)], typedQuery: v(0, 1) }, { method: 'centroid', queryWeight: 0 }), [0.6, 0.8]);
  });

  it('without a positive, the typed query is pushed away from the negatives', () => {
    // (0, 1) - 0.5 (1, 0) = (-0.5, 1) -> (-0.447214, 0.894427)
    expectClose(exampleQueryVector({ positives: [], negatives: [v(1, 0)], typedQuery: v(0, 1) }, { negativeWeight: 0.5 }), [-0.447214, 0.894427]);
  });

  it('the classifier direction is unit length', () => {
    const w = exampleQueryVector({ positives: [unit(1, 1)], background: [v(1, 0), v(0.9, -0.1)] }, { method: 'classifier' });
    expect(Math.hypot(...w)).toBeCloseTo(1, 6);
  });

  it('needs a positive or a typed query', () => {
    expect(errorCode(() => exampleQueryVector({ positives: [], negatives: [v(1, 0)] }))).toBe('no-examples');
    expect(errorCode(() => exampleQueryVector({ positives: [v(1, 0)], typedQuery: v(1, 0, 0) }, { queryWeight: 1 }))).toBe('dims-mismatch');
  });
});

describe('sampleBackgroundIndices', () => {
  it('takes every other row when the library is no larger than the sample', () => {
    expect(sampleBackgroundIndices(6, 10, new Set([1, 4]), 1)).toEqual([0, 2, 3, 5]);
  });

  // 1000 rows / 50: drawn one by one; 100 rows / 60: a partial shuffle of the rest. Both must behave the same.
  it.each([
    [1000, 50],
    [100, 60],
  ])('of %i rows, %i: seeded (same seed, same sample; another seed, another), distinct, sorted, examples never sampled', (count, size) => {
    const exclude = new Set([3, 50, count - 1]);
    const first = sampleBackgroundIndices(count, size, exclude, 1);
    expect(sampleBackgroundIndices(count, size, exclude, 1)).toEqual(first);
    expect(sampleBackgroundIndices(count, size, exclude, 2)).not.toEqual(first);
    expect(first).toHaveLength(size);
    expect(new Set(first).size).toBe(size);
    expect(first.every((i) => Number.isInteger(i) && i >= 0 && i < count && !exclude.has(i))).toBe(true);
    expect(first).toEqual([...first].sort((a, b) => a - b));
  });
});

describe('rankByExamples', () => {
  const none = { positive: [], negative: [] };

  it('ranks by the centroid of the examples and leaves the examples out', () => {
    const index = circleIndex();
    // b 30° and d 90° -> centroid at 60°: c (cos 0°) = 1, a (cos 60°) = 0.5, e (cos 120°) = -0.5
    const hits = rankByExamples(index, { ...none, positive: ['b', 'd'] }, null, 10, { method: 'centroid' });
    expect(ids(index, hits)).toEqual(['c', 'a', 'e']);
    expectClose(
      hits.map((h) => h.score),
      [1, 0.5, -0.5],
    );
  });

  it('returns k hits that are not examples, even when the examples rank first', () => {
    const index = circleIndex();
    // One example, b at 30°: a and c tie (cos 30°), the lower index first, then d (cos 60°).
    expect(ids(index, rankByExamples(index, { ...none, positive: ['b'] }, null, 2, { method: 'centroid' }))).toEqual(['a', 'c']);
    expect(ids(index, rankByExamples(index, { ...none, positive: ['b'] }, null, 3, { method: 'centroid' }))).toEqual(['a', 'c', 'd']);
  });

  it('"not this" pushes the ranking away from the negative', () => {
    const index = circleIndex();
    // c alone (60°): b and d tie at cos 30°. With a (0°) as a negative, weight 0.5: (cos 60° - 0.5, sin 60°) = (0, 0.866),
    // i.e. 90°: d (cos 0°) first, then b (cos 60°), e (cos 90° = 0); a itself is left out.
    expect(ids(index, rankByExamples(index, { ...none, positive: ['c'] }, null, 2, { method: 'centroid' }))).toEqual(['b', 'd']);
    const hits = rankByExamples(index, { positive: ['c'], negative: ['a'] }, null, 10, { method: 'centroid', negativeWeight: 0.5 });
    expect(ids(index, hits)).toEqual(['d', 'b', 'e']);
  });

  it('combines with the typed query', () => {
    const index = circleIndex();
    // a (0°) + 0.5 x (0, 1) -> 26.57°: b (3.4° away), c (33.4°), d (63.4°), e
    const hits = rankByExamples(index, { ...none, positive: ['a'] }, { text: '', vector: v(0, 1) }, 10, { method: 'centroid', queryWeight: 0.5 });
    expect(ids(index, hits)).toEqual(['b', 'c', 'd', 'e']);
  });

  it('ranks int8 document vectors the same way', () => {
    const index = circleIndex(true);
    expect(ids(index, rankByExamples(index, { ...none, positive: ['b', 'd'] }, null, 10, { method: 'centroid' }))).toEqual(['c', 'a', 'e']);
  });

  it('the classifier is trained on the examples against the rest of the library', () => {
    // 4-D library: most papers are about axis 1 (x); the example P = unit(1, 1) mixes x and y. X = unit(0.3, 1) is
    // mostly y, Y = unit(1, 0.5) mostly x. The centroid (P itself) prefers Y (cos 0.949 vs 0.880). With a strong
    // L2 penalty the classifier tends to w ∝ P - mean(background) (the first gradient step from w = 0, where the
    // balanced bias gives both classes the same residual 1/2). The background is the six other papers, mean
    // ≈ (0.863, 0.234, 0, 0); P - mean ≈ (-0.156, 0.473): X scores 0.41, Y 0.07, so X comes first.
    const rows = [unit(1, 1, 0, 0), unit(0.3, 1, 0, 0), unit(1, 0.5, 0, 0), unit(1, 0, 0.05, 0), unit(1, 0, 0, 0.05), unit(1, 0, -0.05, 0), unit(1, 0, 0, -0.05)];
    const papers: Paper[] = ['P', 'X', 'Y', 'x1', 'x2', 'x3', 'x4'].map((id) => ({ id, title: id, abstract: '' }));
    const index = new SearchIndex(papers, new VectorMatrix(4, rows.length, new Float32Array(rows.flatMap((r) => [...r]))));
    const top = (options: Partial<ExampleOptions>) => ids(index, rankByExamples(index, { ...none, positive: ['P'] }, null, 2, options));
    expect(top({ method: 'centroid' })).toEqual(['Y', 'X']);
    expect(top({ method: 'classifier', classifier: { ...DEFAULT_CLASSIFIER, l2: 1 } })).toEqual(['X', 'Y']);
  });

  it('names every unknown paper id', () => {
    const index = circleIndex();
    let error: unknown;
    try {
      rankByExamples(index, { positive: ['a', 'zz'], negative: ['yy'] }, null, 3);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ExampleError);
    expect((error as ExampleError).code).toBe('unknown-example');
    expect((error as ExampleError).details).toContain('zz');
    expect((error as ExampleError).details).toContain('yy');
  });

  it('refuses an example that has no vector yet (an all-zero row while indexing)', () => {
    const rows = new Float32Array([1, 0, 0, 0, 0, 1]); // row 1 not embedded yet
    const index = new SearchIndex(circlePapers.slice(0, 3), new VectorMatrix(2, 3, rows));
    expect(errorCode(() => rankByExamples(index, { positive: ['b'], negative: [] }, null, 2))).toBe('not-embedded');
    expect(ids(index, rankByExamples(index, { positive: ['c'], negative: [] }, null, 2, { method: 'centroid' }))[0]).toBe('a');
  });

  it('with no example and no typed query says so', () => {
    expect(errorCode(() => rankByExamples(circleIndex(), none, null, 3))).toBe('no-examples');
  });
});

describe('rankExcluding', () => {
  it('gives the k best rows outside the excluded set, in the order rank gives them', () => {
    const index = circleIndex();
    const query = deg(0); // a, b, c, d, e by angle
    expect(ids(index, rankExcluding(index, 'semantic', '', query, 2, new Set([0, 1])))).toEqual(['c', 'd']);
    expect(ids(index, rankExcluding(index, 'semantic', '', query, 2, new Set([2])))).toEqual(['a', 'b']);
    expect(ids(index, rankExcluding(index, 'semantic', '', query, 10, new Set([4])))).toEqual(['a', 'b', 'c', 'd']);
  });
});
