import { describe, expect, it } from 'vitest';
import { CompressedIndex } from '../../src/index/compressed/compressed-index.ts';
import { MemoryRowSource } from '../../src/index/compressed/row-source.ts';
import { SyntheticCorpus } from '../../src/index/compressed/synthetic.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { topK, type Hit } from '../../src/index/top-k.ts';
import { gaussian, seededRandom as rng } from '../../src/base/random.ts';

const DIMS = 96; // codes of 128 bits with 32 padding bits; int8 rows in whole 16-lane chunks


/** Unit vectors in a cone with topical clusters, like sentence embeddings (see quantized-matrix.test.ts). */
function sourceVectors(count: number, seed: number): Float32Array {
  const random = rng(seed);
  const unit = (v: Float32Array) => {
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const common = unit(Float32Array.from({ length: DIMS }, () => gaussian(random)));
  const topics = Array.from({ length: 12 }, () => unit(Float32Array.from({ length: DIMS }, () => gaussian(random))));
  const out = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) {
    const topic = topics[Math.floor(random() * topics.length)];
    out.set(unit(common.map((c, d) => 0.7 * c + 0.5 * topic[d] + 0.15 * gaussian(random))), i * DIMS);
  }
  return out;
}

const source = sourceVectors(400, 5);
const corpus = new SyntheticCorpus(source, DIMS, { seed: 9, noise: 0.03, neighbours: 8, partnerWeight: 0.25 });
const N = 3000;
const exact = corpus.int8Matrix(N);
const rows = exact.int8Rows();
const queries = Array.from({ length: 12 }, (_, i) => source.subarray((i * 31) * DIMS, (i * 31 + 1) * DIMS));

/** The exact path's order restricted to `ids`: score descending, then row ascending, as topK ranks. */
function exactAmong(matrix: QuantizedMatrix, query: Float32Array, ids: Int32Array, k: number): Hit[] {
  const scores = matrix.scores(query);
  return Array.from(ids, (index) => ({ index, score: scores[index] }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, k);
}

describe('CompressedIndex', () => {
  it('returns the exact int8 results, scores included, when every row is a candidate (recall 1.0)', () => {
    const index = CompressedIndex.fromInt8(rows, { candidates: N });
    for (const query of queries) expect(index.search(query, 10)).toEqual(topK(exact.scores(query), 10));
  });

  it('ranks the first pass candidates exactly as the int8 path would, with its scores', () => {
    const index = CompressedIndex.fromInt8(rows, { candidates: 150 });
    for (const query of queries) {
      const ids = index.candidates(query, 10);
      expect(ids.length).toBe(150);
      expect(index.search(query, 10)).toEqual(exactAmong(exact, query, ids, 10));
    }
  });

  it('keeps most of the exact top 10 with a tenth of the rows as candidates (the first pass is informative)', () => {
    const index = CompressedIndex.fromInt8(rows, { candidates: 300, firstPass: 0 });
    let kept = 0;
    for (const query of queries) {
      const truth = new Set(topK(exact.scores(query), 10).map((hit) => hit.index));
      kept += index.search(query, 10).filter((hit) => truth.has(hit.index)).length;
    }
    // Random candidates would keep ~10 %; sign codes keep most.
    expect(kept / (queries.length * 10)).toBeGreaterThan(0.8);
  });

  /** Share of the exact top 10 that `index` returns over the test queries. */
  function recall(index: CompressedIndex): number {
    let kept = 0;
    for (const query of queries) {
      const truth = new Set(topK(exact.scores(query), 10).map((hit) => hit.index));
      kept += index.search(query, 10).filter((hit) => truth.has(hit.index)).length;
    }
    return kept / (queries.length * 10);
  }

  it('keeps more of the exact top 10 for the same rows read when the table estimate shortlists a wider Hamming pass', () => {
    // 15 rows read of 3,000: the Hamming order alone loses some of the top 10 here, the estimate fewer.
    const hammingOnly = recall(CompressedIndex.fromInt8(rows, { candidates: 15, firstPass: 0 }));
    const twoStage = recall(CompressedIndex.fromInt8(rows, { candidates: 15, firstPass: 600 }));
    expect(hammingOnly).toBeLessThan(1);
    expect(twoStage).toBeGreaterThan(hammingOnly);
  });

  it('rescores exactly the shortlisted rows with two stages, and only the first stage when firstPass <= candidates', () => {
    const twoStage = CompressedIndex.fromInt8(rows, { candidates: 100, firstPass: 800 });
    const oneStage = CompressedIndex.fromInt8(rows, { candidates: 100, firstPass: 100 });
    for (const query of queries) {
      const ids = twoStage.candidates(query, 10);
      expect(Array.from(ids)).toEqual(Array.from(twoStage.scan.shortlist(query, 800, 100)));
      expect(twoStage.search(query, 10)).toEqual(exactAmong(exact, query, ids, 10));
      expect(Array.from(oneStage.candidates(query, 10))).toEqual(Array.from(oneStage.scan.candidates(query, 100)));
    }
  });

  it('widens the first pass when k exceeds the candidate count', () => {
    const index = CompressedIndex.fromInt8(rows, { candidates: 50 });
    const query = queries[0];
    const hits = index.search(query, 400);
    expect(hits).toHaveLength(400);
    expect(hits).toEqual(exactAmong(exact, query, index.candidates(query, 400), 400));
  });

  it('gives identical results with and without WebAssembly', () => {
    const wasm = CompressedIndex.fromInt8(rows, { candidates: 200 });
    const js = CompressedIndex.fromInt8(rows, { candidates: 200, useWasm: false });
    expect(wasm.scan.simd).toBe(true);
    expect(js.scan.simd).toBe(false);
    for (const query of queries) expect(js.search(query, 20)).toEqual(wasm.search(query, 20));
  });

  it('rejects a bad candidate count, rows that do not match the codes, and queries of the wrong size', () => {
    expect(() => CompressedIndex.fromInt8(rows, { candidates: 0 })).toThrow(/positive integer/);
    expect(() => CompressedIndex.fromInt8(rows, { firstPass: -1 })).toThrow(/firstPass/);
    const index = CompressedIndex.fromInt8(rows);
    const fewer = new MemoryRowSource({ dims: DIMS, data: rows.data.subarray(0, 10 * DIMS), scales: rows.scales.subarray(0, 10) });
    expect(() => new CompressedIndex(index.scan, fewer)).toThrow(/3000 codes but 10 rows/);
    expect(() => index.search(new Float32Array(DIMS + 1), 10)).toThrow(/dims/);
    expect(() => fewer.read(Int32Array.of(10), new Int8Array(DIMS), new Float32Array(1))).toThrow(/out of range/);
  });

  it('reads a row back as the int8 matrix dequantizes it', () => {
    const index = CompressedIndex.fromInt8(rows);
    expect(Array.from(index.row(1234))).toEqual(Array.from(exact.row(1234)));
  });

  it('accounts for the memory it holds: codes and scratch, plus rows only when they live in memory', () => {
    const index = CompressedIndex.fromInt8(rows, { candidates: 100, firstPass: 0 });
    expect(index.byteLength).toBeGreaterThan(N * 16 + rows.data.byteLength);
    expect(index.byteLength).toBeLessThan(N * 16 + N * 2 + rows.data.byteLength + rows.scales.byteLength + 200_000);
  });
});
