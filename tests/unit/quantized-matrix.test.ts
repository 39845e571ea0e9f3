import { describe, expect, it } from 'vitest';
import { cosineScores } from '../../src/index/cosine.ts';
import { QuantizedMatrix, quantizeInto, quantizeRows } from '../../src/index/quantized-matrix.ts';
import { topK } from '../../src/index/top-k.ts';
import { VectorMatrix } from '../../src/index/vector-matrix.ts';
import { gaussian, seededRandom as rng } from '../../src/base/random.ts';



function normalize(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/**
 * Embedding-like data: sentence encoders put all texts in a narrow cone (pairwise cosines ~0.4-0.8 for bge),
 * with topical clusters inside it. That makes near-ties common, which is where quantization can reorder results.
 */
function embeddingLike(count: number, dims: number, seed: number): { vectors: Float32Array; queries: Float32Array[] } {
  const random = rng(seed);
  const noise = (scale: number) => Float32Array.from({ length: dims }, () => gaussian(random) * scale);
  const common = normalize(noise(1));
  const topics = Array.from({ length: 40 }, () => normalize(noise(1)));
  const sample = () => {
    const topic = topics[Math.floor(random() * topics.length)];
    const extra = noise(0.04);
    return normalize(common.map((c, d) => 0.7 * c + 0.5 * topic[d] + extra[d] + (d === 0 ? 0.3 : 0)));
  };
  const vectors = new Float32Array(count * dims);
  for (let i = 0; i < count; i++) vectors.set(sample(), i * dims);
  return { vectors, queries: Array.from({ length: 30 }, sample) };
}

describe('quantizeInto', () => {
  it('maps the largest magnitude to +-127 and keeps every value within half a step', () => {
    const v = Float32Array.from([0.5, -1, 0.25, 0.003, 0]);
    const out = new Int8Array(5);
    const scale = quantizeInto(v, out, 0);
    expect(scale).toBeCloseTo(1 / 127, 7);
    expect(Array.from(out)).toEqual([64, -127, 32, 0, 0]);
    v.forEach((x, d) => expect(Math.abs(out[d] * scale - x)).toBeLessThanOrEqual(scale / 2 + 1e-9));
  });

  it('gives a zero vector scale 0 and zero values (no NaN)', () => {
    const out = new Int8Array(3).fill(9);
    expect(quantizeInto(new Float32Array(3), out, 0)).toBe(0);
    expect(Array.from(out)).toEqual([0, 0, 0]);
  });
});

describe('QuantizedMatrix', () => {
  const dims = 384;
  const { vectors, queries } = embeddingLike(3000, dims, 7);

  it('runs the WebAssembly SIMD kernel here, and it scores bit-identically to the JS loop', () => {
    const wasm = QuantizedMatrix.fromFloat32(dims, vectors, true);
    const js = QuantizedMatrix.fromFloat32(dims, vectors, false);
    expect(wasm.simd).toBe(true);
    expect(js.simd).toBe(false);
    for (const query of queries.slice(0, 5)) expect(Array.from(wasm.scores(query))).toEqual(Array.from(js.scores(query)));
  });

  it('scores within 0.01 of exact cosine and keeps >= 95% of the exact top 10', () => {
    const exact = new VectorMatrix(dims, 3000, vectors);
    const quantized = QuantizedMatrix.fromFloat32(dims, vectors);
    let kept = 0;
    for (const query of queries) {
      const want = cosineScores(exact, query);
      const got = quantized.scores(query);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
      expect(worst).toBeLessThan(0.01);
      const wantTop = new Set(topK(want, 10).map((h) => h.index));
      kept += topK(got, 10).filter((h) => wantTop.has(h.index)).length;
    }
    expect(kept / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('grows when appending past its capacity, keeping earlier rows', () => {
    const grown = new QuantizedMatrix(dims, 10);
    for (let start = 0; start < 3000; start += 700) grown.appendFloat32(vectors.subarray(start * dims, Math.min(3000, start + 700) * dims));
    const direct = QuantizedMatrix.fromFloat32(dims, vectors);
    expect(grown.count).toBe(3000);
    expect(Array.from(grown.scores(queries[0]))).toEqual(Array.from(direct.scores(queries[0])));
  });

  it('round-trips through int8 rows (the stored form) without changing scores', () => {
    const original = QuantizedMatrix.fromFloat32(dims, vectors);
    const rows = original.int8Rows();
    expect(rows.data.length).toBe(3000 * dims);
    const restored = QuantizedMatrix.fromInt8(rows);
    expect(Array.from(restored.scores(queries[1]))).toEqual(Array.from(original.scores(queries[1])));
    expect(quantizeRows(vectors, dims).scales).toEqual(rows.scales);
  });

  it('zeros() holds rows that score 0 until set, from floats or from stored int8 rows', () => {
    const matrix = QuantizedMatrix.zeros(dims, 4);
    expect(Array.from(matrix.scores(queries[0]))).toEqual([0, 0, 0, 0]);
    const stored = quantizeRows(vectors.slice(0, 2 * dims), dims);
    matrix.setInt8Row(2, stored, 1);
    matrix.setRow(0, vectors.subarray(dims, 2 * dims));
    const scores = matrix.scores(queries[0]);
    expect(scores[2]).toBe(scores[0]);
    expect(scores[2]).not.toBe(0);
    expect(scores[1]).toBe(0);
  });

  it('setRow replaces one document', () => {
    const matrix = QuantizedMatrix.fromFloat32(dims, vectors.slice(0, 5 * dims));
    matrix.setRow(3, queries[2]);
    expect(topK(matrix.scores(queries[2]), 1)[0].index).toBe(3);
    expect(() => matrix.setRow(5, queries[2])).toThrow(/out of range/);
  });

  it('costs <= 40 MB for 100,000 x 384 (issue 4, item 5)', () => {
    const big = new QuantizedMatrix(384, 100_000);
    expect(big.byteLength).toBeLessThanOrEqual(40_000_000);
  });

  it('falls back to JS for dims that are not a multiple of 16, with the same results', () => {
    const small = embeddingLike(50, 20, 3);
    const matrix = QuantizedMatrix.fromFloat32(20, small.vectors);
    expect(matrix.simd).toBe(false);
    const exact = cosineScores(new VectorMatrix(20, 50, small.vectors), small.queries[0]);
    expect(topK(matrix.scores(small.queries[0]), 1)[0].index).toBe(topK(exact, 1)[0].index);
  });
});
