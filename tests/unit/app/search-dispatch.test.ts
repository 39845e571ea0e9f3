import { describe, expect, it } from 'vitest';
import type { Paper } from '../../../src/base/paper.ts';
import type { EngineState } from '../../../src/embedding/supervisor.ts';
import { QuantizedMatrix } from '../../../src/index/quantized-matrix.ts';
import { SearchIndex } from '../../../src/search/search.ts';
import { AppState } from '../../../src/app/services/app-state.ts';
import { localCorpus } from '../../../src/app/services/indexing-session.ts';
import { OpenLibrarySlot } from '../../../src/app/services/open-library.ts';
import { SearchDispatch } from '../../../src/app/services/search-dispatch.ts';
import { fakeModel } from '../../support/fake-worker.ts';

const DIMS = 3;
const PAPERS: Paper[] = [
  { id: 'heart-1', title: 'Heart signals', abstract: 'Electrocardiograms of the heart.' },
  { id: 'heart-2', title: 'Cardiac rhythm', abstract: 'The heart beats in rhythm.' },
  { id: 'mamba', title: 'Mamba layers', abstract: 'Selective state spaces.' },
  { id: 'german', title: 'German model', abstract: 'A language model of German.' },
];
const axis = (i: number) => Float32Array.from({ length: DIMS }, (_, d) => (d === i ? 1 : 0));
const VECTORS = [axis(0), axis(0), axis(1), axis(2)];

/** A dispatch over an open, fully embedded library of PAPERS. */
function dispatch(open = true) {
  const state = new AppState(() => {});
  const slot = new OpenLibrarySlot();
  const corpus = localCorpus({ id: 'lib', name: 'Library', kind: 'imported', papers: PAPERS, precomputed: null });
  const flat = new Float32Array(PAPERS.length * DIMS);
  VECTORS.forEach((vector, i) => flat.set(vector, i * DIMS));
  corpus.index = new SearchIndex(PAPERS, QuantizedMatrix.fromFloat32(DIMS, flat), undefined, corpus.keyword);
  corpus.present.fill(1);
  corpus.complete = true;
  if (open) slot.current = { kind: 'local', corpus };
  const engine = { embedQuery: async () => axis(0), state: { kind: 'ready', model: fakeModel(DIMS) } as EngineState };
  return { state, slot, search: new SearchDispatch({ state, engine, slot, publishedVectorsReady: () => false }) };
}

const ids = (outcome: { papers: readonly Paper[]; hits: { index: number }[] }) => outcome.hits.map((hit) => outcome.papers[hit.index].id);
const codes = (state: AppState) => state.current.notices.map((n) => n.code);

describe('issue 19: ?like=/?not= ids the library does not have', () => {
  it('are dropped with a notice; the known example still ranks the library (not an empty page)', async () => {
    const { state, search } = dispatch();
    const outcome = await search.search('', 'hybrid', { positive: ['heart-1', 'gone-1'], negative: ['gone-2'] });
    expect(outcome!.droppedExamples).toEqual(['gone-1', 'gone-2']);
    expect(outcome!.exampleProblem).toBeNull();
    expect(outcome!.examples).toEqual({ positive: ['heart-1'], negative: [] });
    expect(ids(outcome!)[0]).toBe('heart-2'); // the paper most like the example (the example itself is not listed)
    expect(codes(state)).toEqual(['examples-dropped']);
    expect(state.current.notices[0].text).toBe('2 pinned papers are not in this library and were left out (gone-1, gone-2).');
  });

  it('when none is known and no words are typed, the answer names them all and ranks by nothing', async () => {
    const { state, search } = dispatch();
    const outcome = await search.search('', 'hybrid', { positive: ['gone'], negative: [] });
    expect(outcome!.droppedExamples).toEqual(['gone']);
    expect(outcome!.examples).toBeNull();
    expect(outcome!.exampleProblem).toBeNull();
    expect(state.current.notices[0].text).toBe('A pinned paper is not in this library and was left out (gone).');
  });

  it('with words typed, the words rank once the unknown examples are dropped', async () => {
    const { search } = dispatch();
    const outcome = await search.search('heart', 'keyword', { positive: ['gone'], negative: [] });
    expect(ids(outcome!).sort()).toEqual(['heart-1', 'heart-2']);
  });
});

describe('SearchDispatch', () => {
  it('answers nothing (and drops nothing) before a library is open', async () => {
    const { search } = dispatch(false);
    const outcome = await search.search('heart', 'hybrid', { positive: ['heart-1'], negative: [] });
    expect(outcome).toMatchObject({ hits: [], droppedExamples: [], examples: { positive: ['heart-1'], negative: [] } });
  });

  it('ranks the open library by meaning, and a newer search supersedes an older one', async () => {
    const { search } = dispatch();
    const older = search.search('heart', 'semantic');
    const newer = search.search('heart rhythm', 'semantic');
    expect(await older).toBeUndefined();
    const outcome = await newer;
    expect(outcome!.fallback).toBeNull();
    expect(ids(outcome!).slice(0, 2).sort()).toEqual(['heart-1', 'heart-2']);
  });
});
