import { describe, expect, it } from 'vitest';
import { emptyOutcome, memorySource, RESULT_LIMIT, searchLibrary, type QueryEmbedder, type SearchableCorpus } from '../../src/search/searcher.ts';

/** The one searcher over a library in memory. */
const searchMemory = (corpus: SearchableCorpus, ...rest: Parameters<typeof searchLibrary> extends [unknown, ...infer R] ? R : never) => searchLibrary(memorySource(corpus), ...rest);
import type { Paper } from '../../src/base/paper.ts';
import { EngineUnavailableError, WorkerLostError } from '../../src/embedding/supervisor.ts';
import { KeywordIndex } from '../../src/index/keyword.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { VectorMatrix } from '../../src/index/vector-matrix.ts';
import { SearchIndex } from '../../src/search/search.ts';

const papers: Paper[] = [
  { id: 'a', title: 'GottBERT: a German language model', abstract: 'A RoBERTa model pre-trained on German text.' },
  { id: 'b', title: 'Mamba: selective state spaces', abstract: 'Linear-time sequence modeling with selective state space layers.' },
  { id: 'c', title: 'Block-wise quantization of optimizers', abstract: 'Optimizer states stored in 8 bits save memory.' },
  { id: 'd', title: 'Electrocardiogram foundation model', abstract: 'A model of heart signals trained on ten million recordings.' },
];

/** Paper i points along axis i: the query vector e_i ranks paper i first. */
const DIMS = 4;
const axis = (i: number, dims = DIMS) => Float32Array.from({ length: dims }, (_, d) => (d === i ? 1 : 0));
/** Mostly axis i, a little axis j: ranks i, then j, then the rest. */
const mostly = (i: number, j: number) => {
  const v = axis(i);
  v[j] = 0.3;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

function corpusWith(vectors: 'float32' | 'int8', options: { complete?: boolean; present?: number[]; index?: boolean } = {}): SearchableCorpus {
  const keyword = new KeywordIndex(papers);
  const rows = new Float32Array(papers.length * DIMS);
  papers.forEach((_, i) => rows.set(axis(i), i * DIMS));
  const matrix = vectors === 'float32' ? new VectorMatrix(DIMS, papers.length, rows) : QuantizedMatrix.fromFloat32(DIMS, rows);
  const present = new Uint8Array(papers.length);
  for (const i of options.present ?? papers.map((_, k) => k)) present[i] = 1;
  return {
    papers,
    keyword,
    index: options.index === false ? null : new SearchIndex(papers, matrix, undefined, keyword),
    present,
    complete: options.complete ?? true,
  };
}

/** An embedder that answers a fixed vector (or error) and counts calls. */
function embedder(answer: Float32Array | Error, available = true) {
  const texts: string[] = [];
  const e: QueryEmbedder & { texts: string[] } = {
    texts,
    available: () => available,
    embedQuery: async (text) => {
      texts.push(text);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return e;
}

const ids = (hits: { index: number }[]) => hits.map((h) => papers[h.index].id);
/** A clock that moves 5 ms per reading. */
const clock = () => {
  let t = 100;
  return () => (t += 5);
};

describe.each(['float32', 'int8'] as const)('searchLibrary in memory: over %s vectors', (kind) => {
  it('keyword mode needs no embedder and reports no fallback', async () => {
    const e = embedder(new Error('must not be called'), false);
    const outcome = await searchMemory(corpusWith(kind, { index: false }), e, 'selective Mamba', 'keyword', null, clock());
    expect(ids(outcome.hits)).toEqual(['b']);
    // Clock readings: start, ranking starts, keywords end, done.
    expect(outcome).toMatchObject({ query: 'selective Mamba', mode: 'keyword', fallback: null, partial: false, elapsedMs: 15, timings: { embedMs: 0, scoreMs: 0, keywordMs: 5, fusionMs: 0, totalMs: 15 } });
    expect(outcome.papers).toBe(papers);
    expect(e.texts).toEqual([]);
  });

  it('semantic mode ranks by the embedded query (trimmed)', async () => {
    const e = embedder(mostly(2, 0));
    const outcome = await searchMemory(corpusWith(kind), e, '  eight-bit optimizers  ', 'semantic', null, clock());
    expect(e.texts).toEqual(['eight-bit optimizers']);
    expect(ids(outcome.hits)).toEqual(['c', 'a', 'b', 'd']);
    // Clock readings: start, embedded, ranking starts (SearchIndex.rankTimed), scored, done.
    expect(outcome).toMatchObject({ query: '  eight-bit optimizers  ', mode: 'semantic', fallback: null, partial: false, elapsedMs: 20, timings: { embedMs: 5, scoreMs: 5, keywordMs: 0, fusionMs: 0, totalMs: 20 } });
  });

  it('hybrid mode fuses meaning and keywords', async () => {
    const outcome = await searchMemory(corpusWith(kind), embedder(axis(3)), 'German language model', 'hybrid', null, clock());
    expect(outcome.fallback).toBeNull();
    // Readings: start, embedded, ranking starts, scored, keywords, fused, scored again and fused again (the
    // shipped feedback), done: the split of SearchIndex.rankTimed, passed on.
    expect(outcome.timings).toEqual({ embedMs: 5, scoreMs: 10, keywordMs: 5, fusionMs: 10, totalMs: 40 });
    // d is first by meaning, a by keywords; both lead the fused list.
    expect(ids(outcome.hits).slice(0, 2).sort()).toEqual(['a', 'd']);
    expect(outcome.hits).toHaveLength(4);
  });
});

describe('searchLibrary in memory: falls back to keywords', () => {
  it('semantic with an unavailable embedder answers keyword hits, model-unavailable, without asking it', async () => {
    const e = embedder(axis(0), false);
    const outcome = await searchMemory(corpusWith('int8'), e, 'heart signals', 'semantic');
    expect(ids(outcome.hits)).toEqual(['d']);
    expect(outcome.fallback).toBe('model-unavailable');
    expect(outcome.mode).toBe('semantic');
    expect(e.texts).toEqual([]);
  });

  it('hybrid with no vectors yet (index null) answers keyword hits, model-unavailable', async () => {
    const e = embedder(axis(0));
    const outcome = await searchMemory(corpusWith('int8', { index: false }), e, 'quantization optimizers', 'hybrid');
    expect(ids(outcome.hits)).toEqual(['c']);
    expect(outcome.fallback).toBe('model-unavailable');
    expect(e.texts).toEqual([]);
  });

  it('embedQuery rejecting EngineUnavailableError gives model-unavailable', async () => {
    const e = embedder(new EngineUnavailableError({ code: 'files-damaged', detail: 'sha mismatch' }));
    const outcome = await searchMemory(corpusWith('int8'), e, 'Mamba', 'hybrid');
    expect(ids(outcome.hits)).toEqual(['b']);
    expect(outcome.fallback).toBe('model-unavailable');
    expect(e.texts).toEqual(['Mamba']);
  });

  it('embedQuery rejecting WorkerLostError gives query-failed', async () => {
    const outcome = await searchMemory(corpusWith('int8'), embedder(new WorkerLostError('died')), 'Mamba', 'semantic');
    expect(ids(outcome.hits)).toEqual(['b']);
    expect(outcome.fallback).toBe('query-failed');
  });

  it('other errors propagate', async () => {
    const boom = new TypeError('dims mismatch');
    await expect(searchMemory(corpusWith('int8'), embedder(boom), 'Mamba', 'semantic')).rejects.toBe(boom);
  });
});

describe('searchLibrary in memory: edge cases', () => {
  it('an empty or blank query gives no hits in every mode, without embedding', async () => {
    for (const mode of ['keyword', 'semantic', 'hybrid'] as const) {
      const e = embedder(axis(0));
      const outcome = await searchMemory(corpusWith('int8'), e, '   ', mode);
      expect(outcome).toEqual(emptyOutcome('   ', mode, papers));
      expect(outcome).toMatchObject({ hits: [], elapsedMs: 0, timings: null, unavailable: [], queryCut: null });
      expect(e.texts).toEqual([]);
    }
  });

  it('while indexing, semantic hits are limited to papers whose vector is present', async () => {
    // a and c are embedded; b and d are still zero rows.
    const corpus = corpusWith('int8', { complete: false, present: [0, 2] });
    const outcome = await searchMemory(corpus, embedder(mostly(1, 2)), 'state spaces', 'semantic');
    expect(outcome.partial).toBe(true);
    expect(ids(outcome.hits)).toEqual(['c', 'a']);
    expect(outcome.fallback).toBeNull();
  });

  it('a complete corpus is not partial and keeps every semantic hit', async () => {
    const outcome = await searchMemory(corpusWith('int8'), embedder(mostly(1, 2)), 'state spaces', 'semantic');
    expect(outcome.partial).toBe(false);
    expect(ids(outcome.hits)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('never returns more than RESULT_LIMIT hits', async () => {
    const many: Paper[] = Array.from({ length: RESULT_LIMIT + 20 }, (_, i) => ({ id: `p${i}`, title: `Paper ${i} about graphs`, abstract: 'Graphs.' }));
    const keyword = new KeywordIndex(many);
    const rows = new Float32Array(many.length * DIMS).fill(0.5);
    const corpus: SearchableCorpus = {
      papers: many,
      keyword,
      index: new SearchIndex(many, QuantizedMatrix.fromFloat32(DIMS, rows), undefined, keyword),
      present: new Uint8Array(many.length).fill(1),
      complete: false,
    };
    for (const mode of ['keyword', 'semantic', 'hybrid'] as const) {
      const outcome = await searchMemory(corpus, embedder(axis(0)), 'graphs', mode);
      expect(outcome.hits).toHaveLength(RESULT_LIMIT);
    }
  });
});

describe('searchLibrary in memory: by examples (More like this, pinned papers)', () => {
  const near = (i: number, j: number, w: number) => {
    const v = axis(i);
    v[j] = w;
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  /** Paper rows: a=e0, b=e0+0.5e1, c=e1, d=e3: "more like a" ranks b before c and d, and leaves a out. */
  function exampleCorpus(): SearchableCorpus {
    const keyword = new KeywordIndex(papers);
    const rows = new Float32Array(papers.length * DIMS);
    [axis(0), near(0, 1, 0.5), axis(1), axis(3)].forEach((row, i) => rows.set(row, i * DIMS));
    return { papers, keyword, index: new SearchIndex(papers, new VectorMatrix(DIMS, papers.length, rows), undefined, keyword), present: new Uint8Array(4).fill(1), complete: true };
  }

  it('ranks by the example paper, without it, and needs no query embedding when nothing is typed', async () => {
    const e = embedder(axis(2));
    const outcome = await searchMemory(exampleCorpus(), e, '', 'hybrid', { positive: ['a'], negative: [] });
    expect(ids(outcome.hits).slice(0, 2)).toEqual(['b', 'c']);
    expect(ids(outcome.hits)).not.toContain('a');
    expect(e.texts).toEqual([]);
    expect(outcome.examples).toEqual({ positive: ['a'], negative: [] });
    expect(outcome.exampleProblem).toBeNull();
    // One step, not split into scoring, keywords and fusion.
    expect(outcome.timings).toMatchObject({ keywordMs: null, fusionMs: null });
  });

  it('works while the model is unavailable: the examples are vectors the library already has', async () => {
    const outcome = await searchMemory(exampleCorpus(), embedder(new EngineUnavailableError({ code: 'files-damaged', detail: 'x' }), false), 'whatever', 'semantic', { positive: ['a'], negative: [] });
    expect(ids(outcome.hits)[0]).toBe('b');
  });

  it('an example that is not in the library is reported by code, and the typed query still answers', async () => {
    const outcome = await searchMemory(exampleCorpus(), embedder(axis(3)), 'heart', 'semantic', { positive: ['gone'], negative: [] });
    expect(outcome.exampleProblem?.code).toBe('unknown-example');
    expect(ids(outcome.hits)[0]).toBe('d');
  });
});
