import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import type { Hit } from '../../src/index/top-k.ts';
import { rankParts, type RankingParts } from '../../src/search/pipeline.ts';
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
const partsOf = (exact: SearchIndex, calls: string[] = []): RankingParts => ({
  semantic: async (vector, depth) => (calls.push('semantic'), exact.semantic(vector, depth)),
  keyword: async (text, depth) => (calls.push('keyword'), exact.keyword.query(text, depth)),
  rows: async (rows) => (calls.push(`rows:${rows.join(',')}`), rows.map((row) => Float32Array.from(exact.vectors.row(row)))),
});

const QUERIES = ['state space models', 'fine-tune a large model on one GPU', 'German language model', 'quantization of optimizer states', 'protein'];

describe('the pipeline over asynchronous parts ranks as SearchIndex.rank (the same pipeline over memory) does', () => {
  it.each(SEARCH_MODES)('%s mode: identical hits and scores for every query', async (mode) => {
    const random = rng(3);
    for (const text of QUERIES) {
      const vector = Float32Array.from(randomVectors(1, Math.floor(random() * 1e6)));
      const expected = index.rank(mode, text, vector, 20);
      const { hits } = await rankParts(partsOf(index), DEFAULT_RANKING, { mode, text, vector, k: 20 });
      expect(hits.map((hit) => hit.index)).toEqual(expected.map((hit) => hit.index));
      hits.forEach((hit: Hit, i) => expect(hit.score).toBeCloseTo(expected[i].score, 6));
    }
  });

  it('hybrid with feedback reads the top fused hit and scores twice; without feedback once', async () => {
    const vector = Float32Array.from(randomVectors(1, 11));
    const calls: string[] = [];
    const { hits } = await rankParts(partsOf(index, calls), DEFAULT_RANKING, { mode: 'hybrid', text: 'language model', vector, k: 10 });
    expect(DEFAULT_RANKING.feedback?.docs).toBe(1);
    expect(calls.filter((call) => call === 'semantic')).toHaveLength(2);
    expect(calls.filter((call) => call.startsWith('rows:'))).toHaveLength(1);
    expect(hits).toHaveLength(10);
    const plain: string[] = [];
    await rankParts(partsOf(index, plain), { ...DEFAULT_RANKING, feedback: null }, { mode: 'hybrid', text: 'language model', vector, k: 10 });
    expect(plain.filter((call) => call === 'semantic')).toHaveLength(1);
    expect(plain.some((call) => call.startsWith('rows:'))).toBe(false);
  });

  it('times scoring, keywords and fusion (keywords are fetched while the vectors are scored)', async () => {
    vi.useFakeTimers();
    try {
      const after = <T>(ms: number, value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), ms));
      const slow: RankingParts = {
        semantic: (vector, depth) => after(5, () => index.semantic(vector, depth)),
        keyword: (text, depth) => after(2, () => index.keyword.query(text, depth)),
        rows: (rows) => after(1, () => rows.map((row) => Float32Array.from(index.vectors.row(row)))),
      };
      const ranked = rankParts(slow, DEFAULT_RANKING, { mode: 'hybrid', text: 'model', vector: Float32Array.from(randomVectors(1, 5)), k: 10 }, () => Date.now());
      await vi.advanceTimersByTimeAsync(20);
      // Feedback counts as scoring, as in memory: reading the top row (1) and scoring again (5).
      expect((await ranked).timings).toEqual({ keywordMs: 2, scoreMs: 11, fusionMs: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('semantic and hybrid without a query vector are a programming error', async () => {
    expect(() => rankParts(partsOf(index), DEFAULT_RANKING, { mode: 'semantic', text: 'x', vector: null, k: 5 })).toThrow(/needs the query vector/);
  });
});

describe('one pipeline, sync or async parts', () => {
  it('over parts that answer at once the ranking is a value, never a promise (evaluation and the benchmarks wait on nothing)', () => {
    const vector = Float32Array.from(randomVectors(1, 13));
    for (const mode of SEARCH_MODES) {
      const ranked = rankParts(index.parts, DEFAULT_RANKING, { mode, text: 'language model', vector, k: 10 });
      expect(ranked).not.toBeInstanceOf(Promise);
      expect((ranked as { hits: Hit[] }).hits).toEqual(index.rank(mode, 'language model', vector, 10));
    }
  });

  it('a part that fails rejects the ranking, unless the caller takes failures: then the other part answers and the failed one is named', async () => {
    const vector = Float32Array.from(randomVectors(1, 17));
    const broken: RankingParts = { ...partsOf(index), keyword: async () => Promise.reject(new Error('s00001.bin: damaged')) };
    await expect(rankParts(broken, DEFAULT_RANKING, { mode: 'hybrid', text: 'language model', vector, k: 10 })).rejects.toThrow('s00001.bin');
    const failed: string[] = [];
    const { hits } = await rankParts(broken, DEFAULT_RANKING, { mode: 'hybrid', text: 'language model', vector, k: 10, onPartFailure: (part) => failed.push(part) });
    expect(failed).toEqual(['keywords']);
    // Fused with no keyword hits: as the exact index ranks words that match nothing.
    expect(hits.map((hit) => hit.index)).toEqual(index.rank('hybrid', 'qqqzzz', vector, 10).map((hit) => hit.index));
  });
});

describe('issue 18: papers without a vector yet take part in hybrid through their keyword score', () => {
  const vector = Float32Array.from(randomVectors(1, 19));
  const text = 'language model';
  const keywordOrder = index.keyword.query(text, 100);
  const lacking = (rows: number[]) => ({ count: rows.length, lacks: (row: number) => rows.includes(row) });

  it('the keyword winner without a vector leads hybrid, marked as ranked by words; papers with vectors are not marked', () => {
    const winner = keywordOrder[0].index;
    const { hits } = rankParts(index.parts, DEFAULT_RANKING, { mode: 'hybrid', text, vector, k: 20, vectorless: lacking([winner, keywordOrder[3].index]) }) as { hits: { index: number; wordsOnly?: true }[] };
    expect(hits[0]).toMatchObject({ index: winner, wordsOnly: true });
    for (const hit of hits) expect(hit.wordsOnly === true).toBe([winner, keywordOrder[3].index].includes(hit.index));
  });

  it('with a vector, the keyword winner is passed by no paper without one', () => {
    const winner = keywordOrder[0].index;
    const complete = index.rank('hybrid', text, vector, 100).findIndex((hit) => hit.index === winner);
    const without = keywordOrder.slice(1, 30).map((hit) => hit.index);
    const { hits } = rankParts(index.parts, DEFAULT_RANKING, { mode: 'hybrid', text, vector, k: 100, vectorless: lacking(without) }) as { hits: Hit[] };
    const rank = hits.findIndex((hit) => hit.index === winner);
    expect(rank).toBeLessThanOrEqual(complete);
  });

  it('meaning alone leaves papers without a vector out', () => {
    const without = index.rank('semantic', '', vector, 5).map((hit) => hit.index);
    const { hits } = rankParts(index.parts, DEFAULT_RANKING, { mode: 'semantic', text: '', vector, k: 10, vectorless: lacking(without) }) as { hits: Hit[] };
    expect(hits.map((hit) => hit.index)).toEqual(index.rank('semantic', '', vector, 15).map((hit) => hit.index).filter((row) => !without.includes(row)).slice(0, 10));
  });
});
