import { describe, expect, it } from 'vitest';
import { cosine, cosineScores } from '../../src/index/cosine.ts';
import { VectorMatrix } from '../../src/index/vector-matrix.ts';
import { seededRandom as rng } from '../../src/base/random.ts';


function unit(random: () => number, dims: number): Float32Array {
  const v = Float32Array.from({ length: dims }, () => random() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** Naive reference: cosine of the query with each row, in float64, norms computed explicitly. */
function naive(rows: Float32Array[], query: Float32Array): number[] {
  return rows.map((row) => {
    let dot = 0;
    let nr = 0;
    let nq = 0;
    for (let d = 0; d < row.length; d++) {
      dot += row[d] * query[d];
      nr += row[d] * row[d];
      nq += query[d] * query[d];
    }
    return dot / Math.sqrt(nr * nq);
  });
}

describe('cosineScores', () => {
  it('equals a naive cosine on random unit vectors (50 seeds, 384 dims)', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = rng(seed);
      const count = 1 + Math.floor(random() * 60);
      const rows = Array.from({ length: count }, () => unit(random, 384));
      const matrix = new VectorMatrix(384, count);
      rows.forEach((row, i) => matrix.setRow(i, row));
      const query = unit(random, 384);
      const scores = cosineScores(matrix, query);
      expect(scores).toHaveLength(count);
      naive(rows, query).forEach((expected, i) => expect(scores[i]).toBeCloseTo(expected, 5));
    }
  });

  it('hand-made 2-d vectors: same direction 1, orthogonal 0, opposite -1', () => {
    const matrix = new VectorMatrix(2, 4, new Float32Array([1, 0, 0, 1, -1, 0, Math.SQRT1_2, Math.SQRT1_2]));
    expect(Array.from(cosineScores(matrix, new Float32Array([1, 0])))).toEqual([1, 0, -1, Math.fround(Math.SQRT1_2)]);
  });

  it('writes into and returns the given output buffer, overwriting every row', () => {
    const matrix = new VectorMatrix(2, 2, new Float32Array([1, 0, 0, 1]));
    const out = new Float32Array([9, 9]);
    expect(cosineScores(matrix, new Float32Array([0, 1]), out)).toBe(out);
    expect(Array.from(out)).toEqual([0, 1]);
  });

  it('a query with a different number of dims throws, naming both', () => {
    const matrix = new VectorMatrix(384, 3);
    expect(() => cosineScores(matrix, new Float32Array(768))).toThrow('cosineScores: query has 768 dims, index has 384');
    expect(() => cosineScores(matrix, new Float32Array(0))).toThrow('query has 0 dims');
  });

  it('an empty matrix gives no scores', () => {
    expect(cosineScores(new VectorMatrix(4, 0), new Float32Array(4))).toHaveLength(0);
  });
});

describe('cosine (any norm)', () => {
  it('is scale-invariant and matches the naive reference', () => {
    const random = rng(3);
    const a = Float32Array.from({ length: 16 }, () => random() - 0.5);
    const b = Float32Array.from({ length: 16 }, () => random() - 0.5);
    const expected = naive([a], b)[0];
    expect(cosine(a, b)).toBeCloseTo(expected, 6);
    expect(cosine(a.map((x) => x * 7), b.map((x) => x * 0.01))).toBeCloseTo(expected, 5);
  });

  it('a zero vector gives 0, not NaN', () => {
    expect(cosine([0, 0], [1, 0])).toBe(0);
  });
});
