import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import type { Hit } from '../../src/index/top-k.ts';
import { rankAsync, type AsyncRankingParts } from '../../src/search/hybrid-async.ts';
import { DEFAULT_RANKING, SEARCH_MODES, SearchIndex } from '../../src/search/search.ts';
import { seededRandom as rng } from '../../src/base/random.ts';

const papers = parseDailyPapers(readFileSync(fileURLToPath(new URL('../../data/daily-papers.txt', import.meta.url)), 'utf8'), 'daily-papers.txt');
const DIMS = 24;

/** Random unit vectors, a few near each other, so feedback moves rankings. */
function randomVectors(count: number, seed: number): Float32Array {
  const random = rng(seed);
  const out = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) {
    let norm = 0;
    for (let d = 0; d < DIMS; d++) {
      const value = random() - 0.5 + (i % 7 === d % 7 ? 0.4 : 0);
      out[i * DIMS + d] = value;
      norm += value * value;
    }
    for (let d = 0; d < DIMS; d++) out[i * DIMS + d] /= Math.sqrt(norm);
  }
  return out;
}

const matrix = QuantizedMatrix.fromFloat32(DIMS, randomVectors(papers.length, 7));
const index = new SearchIndex(papers, matrix, DEFAULT_RANKING);

/** The exact index's own parts, answered asynchronously as a worker and fetched shards would. */
const partsOf = (exact: SearchIndex, calls: string[] = []): AsyncRankingParts => ({
  semantic: async (vector, depth) => (calls.push('semantic'), exact.semantic(vector, depth)),
  keyword: async (text, depth) => (calls.push('keyword'), exact.keyword.query(text, depth)),
  rows: async (rows) => (calls.push(`rows:${rows.join(',')}`), rows.map((row) => Float32Array.from(exact.vectors.row(row)))),
});

const QUERIES = ['state space models', 'fine-tune a large model on one GPU', 'German language model', 'quantization of optimizer states', 'protein'];

describe('rankAsync ranks as SearchIndex.rank does', () => {
  it.each(SEARCH_MODES)('%s mode: identical hits and scores for every query', async (mode) => {
    const random = rng(3);
    for (const text of QUERIES) {
      const vector = Float32Array.from(randomVectors(1, Math.floor(random() * 1e6)));
      const expected = index.rank(mode, text, vector, 20);
      const { hits } = await rankAsync(partsOf(index), DEFAULT_RANKING, mode, text, vector, 20);
      expect(hits.map((hit) => hit.index)).toEqual(expected.map((hit) => hit.index));
      hits.forEach((hit: Hit, i) => expect(hit.score).toBeCloseTo(expected[i].score, 6));
    }
  });

  it('hybrid with feedback reads the top fused hit and scores twice; without feedback once', async () => {
    const vector = Float32Array.from(randomVectors(1, 11));
    const calls: string[] = [];
    const { hits } = await rankAsync(partsOf(index, calls), DEFAULT_RANKING, 'hybrid', 'language model', vector, 10);
    expect(DEFAULT_RANKING.feedback?.docs).toBe(1);
    expect(calls.filter((call) => call === 'semantic')).toHaveLength(2);
    expect(calls.filter((call) => call.startsWith('rows:'))).toHaveLength(1);
    expect(hits).toHaveLength(10);
    const plain: string[] = [];
    await rankAsync(partsOf(index, plain), { ...DEFAULT_RANKING, feedback: null }, 'hybrid', 'language model', vector, 10);
    expect(plain.filter((call) => call === 'semantic')).toHaveLength(1);
    expect(plain.some((call) => call.startsWith('rows:'))).toBe(false);
  });

  it('times scoring, keywords and fusion (keywords are fetched while the vectors are scored)', async () => {
    vi.useFakeTimers();
    try {
      const after = <T>(ms: number, value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), ms));
      const slow: AsyncRankingParts = {
        semantic: (vector, depth) => after(5, () => index.semantic(vector, depth)),
        keyword: (text, depth) => after(2, () => index.keyword.query(text, depth)),
        rows: (rows) => after(1, () => rows.map((row) => Float32Array.from(index.vectors.row(row)))),
      };
      const ranked = rankAsync(slow, DEFAULT_RANKING, 'hybrid', 'model', Float32Array.from(randomVectors(1, 5)), 10, () => Date.now());
      await vi.advanceTimersByTimeAsync(20);
      // Fusion includes feedback: reading the top row (1) and scoring again (5).
      expect((await ranked).timings).toEqual({ keywordMs: 2, scoreMs: 5, fusionMs: 6 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('semantic and hybrid without a query vector are a programming error', async () => {
    await expect(rankAsync(partsOf(index), DEFAULT_RANKING, 'semantic', 'x', null, 5)).rejects.toThrow(/needs the query vector/);
  });
});
