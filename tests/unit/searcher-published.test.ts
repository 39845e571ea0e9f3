import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PaperBook } from '../../src/published/paper-book.ts';
import { publishedSearchable } from '../../src/published/published-library.ts';
import { FIRST_PAGE, RESULT_LIMIT, searchLibrary, type QueryEmbedder } from '../../src/search/searcher.ts';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import type { Paper } from '../../src/base/paper.ts';
import { EngineUnavailableError, WorkerLostError } from '../../src/embedding/supervisor.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { DEFAULT_RANKING, SearchIndex } from '../../src/search/search.ts';
import { seededRandom as rng } from '../../src/base/random.ts';

const papers = parseDailyPapers(readFileSync(fileURLToPath(new URL('../../data/daily-papers.txt', import.meta.url)), 'utf8'), 'daily-papers.txt');
const DIMS = 16;

function unitVectors(count: number, seed: number): Float32Array {
  const random = rng(seed);
  const out = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) {
    let norm = 0;
    for (let d = 0; d < DIMS; d++) norm += (out[i * DIMS + d] = random() - 0.5) ** 2;
    for (let d = 0; d < DIMS; d++) out[i * DIMS + d] /= Math.sqrt(norm);
  }
  return out;
}

const exact = new SearchIndex(papers, QuantizedMatrix.fromFloat32(DIMS, unitVectors(papers.length, 1)), DEFAULT_RANKING);

/** The exact index's parts answered asynchronously, and a book reading from the papers, counting reads. */
function publishedLibrary(options: { semanticReady?: boolean } = {}) {
  const reads: number[][] = [];
  const book = new PaperBook(papers.length, async (rows) => {
    reads.push([...rows]);
    return new Map(rows.map((row): [number, Paper] => [row, papers[row]]));
  });
  const corpus = publishedSearchable(
    book,
    {
      semantic: async (vector, depth) => exact.semantic(vector, depth),
      keyword: async (text, depth) => exact.keyword.query(text, depth),
      rows: async (rows) => rows.map((row) => Float32Array.from(exact.vectors.row(row))),
    },
    () => options.semanticReady ?? true,
  );
  return { corpus, reads, book };
}

function embedder(answer: Float32Array | Error, available = true): QueryEmbedder {
  return {
    available: () => available,
    embedQuery: async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

const QUERY = 'language model';
const vector = unitVectors(1, 9);

describe('searchLibrary over a published library (asynchronous parts, paged texts)', () => {
  it('ranks as the exact index does; the first answer carries the first page, `rest` every hit', async () => {
    const { corpus, reads } = publishedLibrary();
    const first = await searchLibrary(corpus, embedder(vector), QUERY, 'hybrid');
    const expected = exact.rank('hybrid', QUERY, vector, RESULT_LIMIT);
    expect(first.fallback).toBeNull();
    expect(first.hits).toEqual(expected.slice(0, FIRST_PAGE));
    expect(reads[0]).toEqual(expected.slice(0, FIRST_PAGE).map((hit) => hit.index));
    const full = await first.rest!;
    expect(full.hits).toEqual(expected);
    for (const hit of full.hits) expect(full.papers[hit.index]).toBe(papers[hit.index]);
    expect(full.rest).toBeUndefined();
  });

  it('a second search of loaded papers reads nothing and needs no `rest`', async () => {
    const { corpus, reads } = publishedLibrary();
    await (await searchLibrary(corpus, embedder(vector), QUERY, 'semantic')).rest;
    const count = reads.length;
    const again = await searchLibrary(corpus, embedder(vector), QUERY, 'semantic');
    expect(reads).toHaveLength(count);
    expect(again.rest).toBeUndefined();
    expect(again.hits).toHaveLength(RESULT_LIMIT);
  });

  it('while the vectors are not installed, meaning answers with keywords, marked as such; the model is not asked', async () => {
    const { corpus } = publishedLibrary({ semanticReady: false });
    let asked = false;
    const outcome = await searchLibrary(corpus, { available: () => true, embedQuery: async () => ((asked = true), vector) }, QUERY, 'hybrid');
    expect(asked).toBe(false);
    expect(outcome.fallback).toBe('model-unavailable');
    expect((await outcome.rest)?.hits ?? outcome.hits).toEqual(exact.keyword.query(QUERY, RESULT_LIMIT));
  });

  it.each([
    ['an unavailable engine', new EngineUnavailableError({ code: 'files-damaged', detail: 'x' }), 'model-unavailable'],
    ['a lost worker', new WorkerLostError('died'), 'query-failed'],
  ])('%s gives the keyword ranking with its reason', async (_, error, reason) => {
    const { corpus } = publishedLibrary();
    const outcome = await searchLibrary(corpus, embedder(error as Error), QUERY, 'semantic');
    expect(outcome.fallback).toBe(reason);
    expect(outcome.hits.map((hit) => hit.index)).toEqual(exact.keyword.query(QUERY, FIRST_PAGE).map((hit) => hit.index));
  });

  it('keyword mode never embeds; an empty query ranks nothing', async () => {
    const { corpus } = publishedLibrary();
    const outcome = await searchLibrary(corpus, embedder(new Error('must not be called')), QUERY, 'keyword');
    expect(outcome.fallback).toBeNull();
    expect(outcome.hits).toEqual(exact.keyword.query(QUERY, FIRST_PAGE));
    expect((await searchLibrary(corpus, embedder(vector), '  ', 'hybrid')).hits).toEqual([]);
  });

  it('more like this: the pinned paper\'s neighbours, as in memory (the examples themselves left out); "not this" is hidden', async () => {
    const { corpus, book } = publishedLibrary();
    await book.load([3, 5]);
    const like = await searchLibrary(corpus, embedder(vector), '', 'hybrid', { positive: [papers[3].id], negative: [papers[5].id] });
    const neighbours = exact.semantic(Float32Array.from(exact.vectors.row(3)), RESULT_LIMIT + 2).filter((hit) => hit.index !== 5 && hit.index !== 3);
    expect(like.exampleProblem).toBeNull();
    expect((await like.rest)!.hits.map((hit) => hit.index)).toEqual(neighbours.slice(0, RESULT_LIMIT).map((hit) => hit.index));
  });

  it('an example this page has not read is reported by code, and the typed words still answer', async () => {
    const { corpus } = publishedLibrary();
    const outcome = await searchLibrary(corpus, embedder(vector), QUERY, 'keyword', { positive: ['no-such-paper'], negative: [] });
    expect(outcome.exampleProblem?.code).toBe('unknown-example');
    expect(outcome.hits.length).toBeGreaterThan(0);
  });
});

describe('PaperBook', () => {
  it('reads each row once, even when asked twice at the same time, and finds papers by id', async () => {
    const reads: number[][] = [];
    const book = new PaperBook(papers.length, async (rows) => (reads.push([...rows]), new Map(rows.map((row): [number, Paper] => [row, papers[row]]))));
    await Promise.all([book.load([1, 2]), book.load([2, 3])]);
    expect(reads).toEqual([[1, 2], [3]]);
    expect(book.rowOf(papers[3].id)).toBe(3);
    expect(book.has(0)).toBe(false);
    await book.load([1, 2, 3]);
    expect(reads).toHaveLength(2);
  });

  it('a failed read resolves its reason and leaves a stand-in saying the text is unavailable; a later load tries again', async () => {
    let fail = true;
    const book = new PaperBook(4, async (rows) => {
      if (fail) throw new Error('offline');
      return new Map(rows.map((row): [number, Paper] => [row, papers[row]]));
    });
    expect(await book.load([0])).toBe('offline');
    expect(book.has(0)).toBe(false);
    expect(book.shown(0)).toBe(true);
    expect(book.papers[0].abstract).toMatch(/^Text unavailable: offline/);
    fail = false;
    expect(await book.load([0])).toBeNull();
    expect(book.has(0)).toBe(true);
    expect(book.papers[0]).toBe(papers[0]);
  });
});
