import { describe, expect, it } from 'vitest';
import { SyntheticCorpus, sourceNeighbours, type SyntheticOptions } from '../../src/index/compressed/synthetic.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { seededRandom as rng } from '../../src/base/random.ts';

const DIMS = 32;
const random = rng(21);
const source = new Float32Array(200 * DIMS);
for (let i = 0; i < 200; i++) {
  const v = Float32Array.from({ length: DIMS }, () => random() - 0.5 + (i % 4 === 0 ? 0.3 : 0));
  const norm = Math.hypot(...v);
  source.set(v.map((x) => x / norm), i * DIMS);
}
const options: SyntheticOptions = { seed: 1, noise: 0.02, neighbours: 6, partnerWeight: 0.25 };
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, d) => s + x * b[d], 0);

describe('SyntheticCorpus', () => {
  const corpus = new SyntheticCorpus(source, DIMS, options);

  it('makes each row from its own seed: the same whatever range is generated (sizes are prefixes)', () => {
    const all = corpus.rows(0, 60);
    const part = corpus.rows(40, 50);
    expect(Array.from(part)).toEqual(Array.from(all.subarray(40 * DIMS, 50 * DIMS)));
    const again = new SyntheticCorpus(source, DIMS, options).rows(0, 60);
    expect(Array.from(again)).toEqual(Array.from(all));
  });

  it('gives unit rows that are new points, not copies of a source vector', () => {
    const rows = corpus.rows(0, 100);
    for (let i = 0; i < 100; i++) {
      const row = rows.subarray(i * DIMS, (i + 1) * DIMS);
      expect(dot(row, row)).toBeCloseTo(1, 5);
      let best = -1;
      for (let s = 0; s < 200; s++) best = Math.max(best, dot(row, source.subarray(s * DIMS, (s + 1) * DIMS)));
      expect(best).toBeLessThan(0.995);
      expect(best).toBeGreaterThan(0.5); // but near a real one: it is a mixture of its neighbourhood
    }
  });

  it('changes with the seed', () => {
    const other = new SyntheticCorpus(source, DIMS, { ...options, seed: 2 }).rows(0, 5);
    expect(Array.from(other)).not.toEqual(Array.from(corpus.rows(0, 5)));
  });

  it('builds the int8 matrix the app would hold from the same rows', () => {
    const matrix = corpus.int8Matrix(70, 16);
    expect(matrix.count).toBe(70);
    const row = matrix.row(33);
    const float = corpus.rows(33, 34);
    expect(dot(row, float)).toBeGreaterThan(0.999);
  });

  it('refuses a source too small for the neighbour count', () => {
    expect(() => new SyntheticCorpus(source.subarray(0, 5 * DIMS), DIMS, options)).toThrow(/more than 6 source vectors/);
  });
});

describe('sourceNeighbours', () => {
  it("lists each vector's nearest others by the app's int8 cosine, best first, never itself", () => {
    const k = 5;
    const lists = sourceNeighbours(source, DIMS, k);
    const matrix = QuantizedMatrix.fromFloat32(DIMS, source);
    for (const i of [0, 17, 199]) {
      const mine = Array.from(lists.subarray(i * k, (i + 1) * k));
      expect(mine).not.toContain(i);
      const scores = Array.from(matrix.scores(source.subarray(i * DIMS, (i + 1) * DIMS)));
      const expected = scores
        .map((score, index) => ({ score, index }))
        .filter((hit) => hit.index !== i)
        .sort((a, b) => b.score - a.score || a.index - b.index)
        .slice(0, k)
        .map((hit) => hit.index);
      expect(mine).toEqual(expected);
    }
  });
});
