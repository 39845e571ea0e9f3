import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// urls.ts reads `self.location` and a Vite `?url` import when loaded, and offline.ts imports the PWA plugin's
// virtual module: neither exists under plain vitest, and the controller reaches both only through AppDeps
// and workerConfig(), so they are replaced here.
vi.mock('../../src/app/urls.ts', () => ({
  assetUrls: {
    modelsBase: '/models/',
    wasm: 'https://example.test/ort.wasm',
    modelWeights: 'https://example.test/models/fake/onnx/model_quantized.onnx',
    corpus: 'https://example.test/corpus/corpus.json',
    vectors: 'https://example.test/corpus/vectors.bin',
  },
  workerConfig: (backend: string, extra: object = {}) => ({
    modelId: 'fake-model',
    modelsBaseUrl: '/models/',
    wasmUrl: 'https://example.test/ort.wasm',
    wasmSha256: 'x',
    backend,
    ...extra,
  }),
}));
vi.mock('../../src/app/offline.ts', () => ({
  isServedOffline: () => true,
  prepareOffline: async () => ({ kind: 'ready' }),
}));

import { AppController, type AppDeps, type LibraryCatalog, type Snapshot } from '../../src/app/controller.ts';
import { parseFiles } from '../../src/library/import/import-service.ts';
import { contentHash, documentText } from '../../src/base/paper-id.ts';
import { LibraryStore } from '../../src/library/library-store.ts';
import { VectorCache } from '../../src/app/vector-cache.ts';
import type { MeasuredRate } from '../../src/app/embedding-estimate.ts';
import type { Paper } from '../../src/base/paper.ts';
import type { ModelFailure } from '../../src/embedding/worker-api.ts';
import { PaperBook } from '../../src/app/published/paper-book.ts';
import type { PublishedLibrary } from '../../src/app/published/published-library.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { DEFAULT_RANKING, SearchIndex } from '../../src/search/search.ts';
import { fakeModel, FakeSpawner, READY, type WorkerScript } from '../support/fake-worker.ts';

const DIMS = 4;
const MODEL = fakeModel(DIMS);

const BUNDLED: Paper[] = [
  { id: 'a', title: 'GottBERT: a German language model', abstract: 'A RoBERTa model pre-trained on German text.' },
  { id: 'b', title: 'Mamba: selective state spaces', abstract: 'Linear-time sequence modeling with selective state space layers.' },
  { id: 'c', title: 'Block-wise quantization of optimizers', abstract: 'Optimizer states stored in 8 bits save memory.' },
  { id: 'd', title: 'Electrocardiogram foundation model', abstract: 'A model of heart signals trained on ten million recordings.' },
];

/** The fake encoder: a text's vector is the axis of the first topic it mentions ("cardio" means heart). */
const TOPICS: [string, number][] = [
  ['german', 0],
  ['mamba', 1],
  ['quantiz', 2],
  ['heart', 3],
  ['cardio', 3],
  ['protein', 1],
];
function vectorFor(text: string): Float32Array {
  const lower = text.toLowerCase();
  const axis = TOPICS.find(([word]) => lower.includes(word))?.[1] ?? 0;
  return Float32Array.from({ length: DIMS }, (_, d) => (d === axis ? 1 : 0));
}

const WORKING: WorkerScript = {
  init: () => READY(MODEL),
  embedQuery: (text) => vectorFor(text),
  embedDocuments: async (texts, onBatch) => {
    const vectors = new Float32Array(texts.length * DIMS);
    texts.forEach((text, i) => vectors.set(vectorFor(text), i * DIMS));
    await onBatch({ done: texts.length, total: texts.length }, texts.map((_, i) => i), vectors);
  },
};

const DAMAGED: ModelFailure = { code: 'files-damaged', file: 'fake-model/onnx/model_quantized.onnx', detail: 'sha256 mismatch' };
const DAMAGED_SCRIPT: WorkerScript = { init: () => ({ ok: false, failure: DAMAGED }) };

/** Lets every pending promise and real macrotask run (only timers are faked). */
async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface Options {
  /** Script of the n-th worker spawned (1-based); defaults to a working worker. */
  scripts?: (n: number) => WorkerScript;
  /** Saving a library fails with this error. */
  saveFails?: Error;
  /** A remembered embedding rate (docs/s) for the fake model. */
  rate?: number;
  /** The site publishes this library (corpus/library.json). */
  published?: () => PublishedLibrary;
}

/** Reads File objects the way the import worker does, but in-process: the same parseFiles. */
async function parseInProcess(files: readonly File[], options: Parameters<AppDeps['parseFiles']>[1], onProgress: Parameters<AppDeps['parseFiles']>[2]) {
  const read = await Promise.all(files.map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
  return parseFiles(read, options, onProgress);
}

async function setup(options: Options = {}) {
  const spawner = new FakeSpawner(options.scripts ?? (() => WORKING));
  const appended: string[][] = [];
  // The real library store and vector cache, on fake-indexeddb (a fresh database per test, see beforeEach).
  const libraries = await LibraryStore.open(undefined, { legacy: null, locks: null });
  const catalog: LibraryCatalog = Object.assign(Object.create(libraries) as LibraryStore, {
    create: async (...args: Parameters<LibraryStore['create']>) => {
      if (options.saveFails) throw options.saveFails;
      return libraries.create(...args);
    },
  });
  const rates = new Map<string, MeasuredRate>();
  const offline: { onChange: ((ready: boolean) => void) | null; stopped: number } = { onChange: null, stopped: 0 };
  let last: string | null = null;
  const deps: AppDeps = {
    spawnWorker: spawner.spawn,
    openLibraries: async () => catalog,
    // Appends are recorded.
    openCache: async (notify) => {
      const cache = await VectorCache.open(notify);
      const appendRows = cache.appendRows.bind(cache);
      cache.appendRows = (modelKey, dims, hashes, rows) => {
        appended.push([...hashes]);
        return appendRows(modelKey, dims, hashes, rows);
      };
      return cache;
    },
    loadBundled: async () => ({ id: 'bundled', name: 'bundled', kind: 'bundled', papers: BUNDLED, precomputed: null }),
    openPublished: async () => options.published?.() ?? null,
    parseFiles: parseInProcess,
    parseText: async (text, parseOptions, onProgress) => parseFiles([{ name: 'pasted text', bytes: new TextEncoder().encode(text) }], parseOptions, onProgress),
    storage: { status: async () => ({ usage: 1_000, quota: 1_000_000_000, persisted: false }), persist: async () => 'granted' },
    lastLibrary: { get: () => last, set: (id) => void (last = id) },
    // A rate given by the test stands for this browser's measured one (real runs here take ms, so are fast).
    rates: {
      get: (modelKey, backend) => (options.rate ? { papersPerSecond: options.rate, costPerSecond: NaN } : (rates.get(`${modelKey}:${backend}`) ?? null)),
      set: (modelKey, backend, rate) => void rates.set(`${modelKey}:${backend}`, rate),
    },
    prepareOffline: async () => ({ kind: 'ready' }),
    isServedOffline: () => true,
    watchOffline: (onChange) => {
      offline.onChange = onChange;
      return () => void offline.stopped++;
    },
  };
  const snapshots: Snapshot[] = [];
  const controller = new AppController((snapshot) => snapshots.push(snapshot), deps);
  return { controller, spawner, appended, libraries, offline, snapshots, lastLibrary: () => last };
}

async function started(options: Options = {}) {
  const s = await setup(options);
  await s.controller.start('wasm');
  await settle();
  return s;
}

const codes = (snapshot: Snapshot) => snapshot.notices.map((n) => n.code);
const ids = (papers: readonly Paper[], hits: { index: number }[]) => hits.map((h) => papers[h.index].id);
const jsonl = (...papers: { title: string; text: string }[]) => papers.map((p) => JSON.stringify(p)).join('\n') + '\n';

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('AppController start-up', () => {
  it('loads the bundled papers, embeds them and is ready with the offline copy watched', async () => {
    const { controller, spawner, appended, offline } = await started();
    const state = controller.state;
    expect(state).toMatchObject({ phase: 'ready', engine: 'ready', offline: 'ready', corpusName: 'bundled', corpusKind: 'bundled', storage: 'indexeddb', embeddedNow: 4, error: null });
    expect(state.papers).toBe(BUNDLED);
    expect(state.model).toEqual(MODEL);
    expect(spawner.count).toBe(1);
    expect(spawner.last.lastDocuments.texts).toEqual(BUNDLED.map(documentText));
    expect(appended).toEqual([BUNDLED.map(contentHash)]);
    expect(offline.onChange).not.toBeNull();
    expect(state.notices).toEqual([]);
    const outcome = await controller.search('heart recordings', 'semantic');
    expect(ids(BUNDLED, outcome!.hits)[0]).toBe('d');
    expect(outcome!.fallback).toBeNull();
  });
});

describe('AppController degraded mode (model files damaged)', () => {
  it('is ready for keywords, engine unavailable, with a model-damaged notice offering Retry', async () => {
    const { controller, spawner } = await started({ scripts: () => DAMAGED_SCRIPT });
    const state = controller.state;
    expect(state.phase).toBe('ready');
    expect(state.engine).toBe('unavailable');
    expect(state.engineDetail).toBe('files-damaged: sha256 mismatch');
    expect(codes(state)).toEqual(['model-damaged']);
    expect(state.notices[0].action).toBe('retry-model');
    expect(state.notices[0].text).toContain('fake-model/onnx/model_quantized.onnx');
    expect(spawner.count).toBe(1);
    expect(spawner.last.terminated).toBe(1);
  });

  it('a hybrid search answers keyword hits marked model-unavailable; keyword mode has no fallback', async () => {
    const { controller } = await started({ scripts: () => DAMAGED_SCRIPT });
    const hybrid = await controller.search('heart signals', 'hybrid');
    expect(ids(BUNDLED, hybrid!.hits)).toEqual(['d']);
    expect(hybrid!.fallback).toBe('model-unavailable');
    expect(hybrid!.mode).toBe('hybrid');
    const keyword = await controller.search('heart signals', 'keyword');
    expect(ids(BUNDLED, keyword!.hits)).toEqual(['d']);
    expect(keyword!.fallback).toBeNull();
  });

  it('Retry starts a new worker; once ready the notice goes, the missing vectors are embedded and meaning is used', async () => {
    const { controller, spawner, appended } = await started({ scripts: (n) => (n === 1 ? DAMAGED_SCRIPT : WORKING) });
    const before = await controller.search('cardiology', 'hybrid');
    expect(before!.hits).toEqual([]); // no keyword matches "cardiology"
    expect(before!.fallback).toBe('model-unavailable');

    controller.retryModel();
    expect(codes(controller.state)).toEqual([]);
    await settle();
    expect(spawner.count).toBe(2);
    const state = controller.state;
    expect(state).toMatchObject({ engine: 'ready', phase: 'ready', embeddedNow: 4, engineDetail: null });
    expect(codes(state)).toEqual([]);
    expect(spawner.last.lastDocuments.texts).toEqual(BUNDLED.map(documentText));
    expect(appended).toEqual([BUNDLED.map(contentHash)]);

    const after = await controller.search('cardiology', 'hybrid');
    expect(after!.fallback).toBeNull();
    expect(after!.partial).toBe(false);
    expect(ids(BUNDLED, after!.hits)[0]).toBe('d');
  });

  it('Retry does nothing while the engine is available', async () => {
    const { controller, spawner } = await started();
    controller.retryModel();
    await settle();
    expect(spawner.count).toBe(1);
  });

  it('importFiles while the engine is unavailable does nothing', async () => {
    const { controller, libraries, snapshots } = await started({ scripts: () => DAMAGED_SCRIPT });
    const seen = snapshots.length;
    await controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' })], 'mine.jsonl')]);
    expect(await libraries.list()).toEqual([]);
    expect(controller.state.corpusName).toBe('bundled');
    expect(controller.state.papers).toBe(BUNDLED);
    expect(codes(controller.state)).toEqual(['model-damaged']);
    expect(snapshots.length).toBe(seen);
  });
});

describe('AppController lost workers', () => {
  it('a worker lost during a search: engine-restarting, then engine-recovered once the replacement is ready; the search is answered', async () => {
    const queryHangs: WorkerScript = { ...WORKING, embedQuery: undefined };
    const { controller, spawner, snapshots } = await started({ scripts: (n) => (n === 1 ? queryHangs : WORKING) });
    const search = controller.search('heart', 'semantic');
    await settle();
    spawner.last.die();
    await settle();
    expect(controller.state.engine).toBe('restarting');
    expect(codes(controller.state)).toEqual(['engine-restarting']);
    expect(controller.state.notices[0].level).toBe('info');
    await vi.advanceTimersByTimeAsync(100); // first back-off delay
    await settle();
    expect(spawner.count).toBe(2);
    expect(controller.state.engine).toBe('ready');
    expect(codes(controller.state)).toEqual(['engine-recovered']);
    const outcome = await search;
    expect(outcome!.fallback).toBeNull();
    expect(ids(BUNDLED, outcome!.hits)[0]).toBe('d');
    expect(snapshots.some((s) => s.engine === 'restarting')).toBe(true);
  });

  it('a worker that dies while idle is replaced and reported (bug: idle death is not noticed until the next call)', async () => {
    const { controller, spawner } = await started();
    spawner.last.die();
    await settle();
    expect(controller.state.engine).toBe('restarting');
    expect(codes(controller.state)).toEqual(['engine-restarting']);
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(spawner.count).toBe(2);
    expect(codes(controller.state)).toEqual(['engine-recovered']);
  });

  it('a query that fails on both workers is answered by keywords with a query-failed notice', async () => {
    const queryHangs: WorkerScript = { ...WORKING, embedQuery: undefined };
    const { controller, spawner } = await started({ scripts: () => queryHangs });
    const search = controller.search('heart', 'hybrid');
    await settle();
    spawner.last.die();
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    spawner.last.crash('out of memory');
    await settle();
    const outcome = await search;
    expect(outcome!.fallback).toBe('query-failed');
    expect(ids(BUNDLED, outcome!.hits)).toEqual(['d']);
    expect(codes(controller.state)).toContain('query-failed');
  });
});

describe('AppController indexing across lost workers', () => {
  /** Embeds the first two texts it is given, then stops answering. */
  const partialThenHang: WorkerScript = {
    ...WORKING,
    embedDocuments: async (texts, onBatch) => {
      const vectors = new Float32Array(2 * DIMS);
      vectors.set(vectorFor(texts[0]), 0);
      vectors.set(vectorFor(texts[1]), DIMS);
      await onBatch({ done: 2, total: texts.length }, [0, 1], vectors);
      await new Promise<never>(() => {});
    },
  };
  const loadsButNeverEmbeds: WorkerScript = { init: () => READY(MODEL) };

  it('a worker lost mid-indexing: the job resumes on the replacement with only the missing papers', async () => {
    const { controller, spawner, appended } = await setup({ scripts: (n) => (n === 1 ? partialThenHang : WORKING) });
    const starting = controller.start('wasm');
    await settle();
    expect(controller.state).toMatchObject({ phase: 'indexing', embeddedNow: 2 });
    spawner.last.die();
    await settle();
    expect(codes(controller.state)).toEqual(['engine-restarting', 'indexing-resumed']);
    expect(controller.state.notices[1].text).toContain('(2 of 4 papers already embedded)');
    await vi.advanceTimersByTimeAsync(100);
    await starting;
    expect(spawner.count).toBe(2);
    expect(spawner.last.lastDocuments.texts).toEqual([BUNDLED[2], BUNDLED[3]].map(documentText));
    expect(appended).toEqual([BUNDLED.map(contentHash)]);
    expect(controller.state).toMatchObject({ phase: 'ready', engine: 'ready', embeddedNow: 4 });
    expect(codes(controller.state)).toEqual(['indexing-resumed', 'engine-recovered']);
  });

  it('after the engine gives up mid-indexing, keywords still work and Retry embeds only what is missing', async () => {
    const { controller, spawner, appended } = await setup({ scripts: (n) => (n === 1 ? partialThenHang : n < 5 ? loadsButNeverEmbeds : WORKING) });
    const starting = controller.start('wasm');
    await settle();
    for (const delay of [100, 1_000, 5_000]) {
      spawner.last.die();
      await settle();
      await vi.advanceTimersByTimeAsync(delay);
      await settle();
    }
    expect(spawner.count).toBe(4);
    expect(spawner.workers.slice(1).map((w) => w.lastDocuments.texts)).toEqual(Array(3).fill([BUNDLED[2], BUNDLED[3]].map(documentText)));
    spawner.last.die(); // fourth loss in a row: more than the three back-off delays
    await starting;
    const state = controller.state;
    expect(state).toMatchObject({ phase: 'ready', engine: 'unavailable', embeddedNow: 2 });
    expect(codes(state)).toContain('engine-crashing');
    expect(codes(state)).not.toContain('engine-restarting');
    expect(appended).toEqual([[BUNDLED[0], BUNDLED[1]].map(contentHash)]); // what was embedded is kept
    const degraded = await controller.search('heart', 'hybrid');
    expect(degraded!.fallback).toBe('model-unavailable');
    expect(ids(BUNDLED, degraded!.hits)).toEqual(['d']);

    controller.retryModel();
    await settle();
    expect(spawner.count).toBe(5);
    expect(spawner.last.lastDocuments.texts).toEqual([BUNDLED[2], BUNDLED[3]].map(documentText));
    expect(appended).toEqual([[BUNDLED[0], BUNDLED[1]].map(contentHash), [BUNDLED[2], BUNDLED[3]].map(contentHash)]);
    expect(controller.state).toMatchObject({ phase: 'ready', engine: 'ready', embeddedNow: 4 });
    expect(codes(controller.state)).not.toContain('engine-crashing');
    const meaning = await controller.search('cardiology', 'hybrid');
    expect(meaning!.fallback).toBeNull();
    expect(ids(BUNDLED, meaning!.hits)[0]).toBe('d');
  });
});

describe('AppController offline copy', () => {
  it('a lost offline copy shows offline-lost; its return withdraws it', async () => {
    const { controller, offline } = await started();
    expect(controller.state.offline).toBe('ready');
    offline.onChange!(false);
    expect(controller.state.offline).toBe('lost');
    expect(codes(controller.state)).toEqual(['offline-lost']);
    expect(controller.state.notices[0].level).toBe('warning');
    offline.onChange!(true);
    expect(controller.state.offline).toBe('ready');
    expect(codes(controller.state)).toEqual([]);
  });

  it('dispose stops the watch and the worker', async () => {
    const { controller, offline, spawner } = await started();
    controller.dispose();
    expect(offline.stopped).toBe(1);
    expect(spawner.last.terminated).toBe(1);
  });
});

describe('AppController imports', () => {
  it('a malformed line rejects the import: notice with file and line, corpus unchanged, nothing saved', async () => {
    const { controller, libraries, snapshots } = await started();
    const file = new File(['{"title":"Protein design","text":"Designing proteins."}\n{"title": broken\n'], 'x.jsonl');
    await controller.importFiles([file]);
    await settle();
    const state = controller.state;
    expect(codes(state)).toEqual(['import-rejected']);
    expect(state.notices[0].text).toMatch(/^x\.jsonl:2: /);
    expect(state.notices[0].text).toContain('Nothing was imported');
    expect(state.papers).toBe(BUNDLED);
    expect(state.libraryId).toBe('bundled');
    expect(state.switching).toBe(false);
    expect(state.importing).toBeNull();
    expect(await libraries.list()).toEqual([]);
    expect(snapshots.some((s) => s.importing?.stage === 'reading')).toBe(true);
  });

  it('a good file becomes a stored library, opens, is listed with its count, and persistence is asked once', async () => {
    const { controller, libraries, spawner, lastLibrary } = await started();
    await controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' }, { title: 'Heart models', text: 'Cardiac signals.' })], 'mine.jsonl')]);
    await settle();
    const [info] = await libraries.list();
    expect(info).toMatchObject({ name: 'mine.jsonl', paperCount: 2, format: 'jsonl' });
    const state = controller.state;
    expect(state).toMatchObject({ libraryId: info.id, corpusName: 'mine.jsonl', corpusKind: 'imported', phase: 'ready', switching: false });
    expect(lastLibrary()).toBe(info.id);
    expect(state.libraries.map((l) => [l.id, l.paperCount])).toEqual([
      ['bundled', 4],
      [info.id, 2],
    ]);
    expect(codes(state)).toEqual(['import-summary', 'storage-persisted']);
    expect(state.notices[0].text).toBe('mine.jsonl: 2 papers.');
    expect(spawner.last.lastDocuments.texts).toEqual(['Protein design Designing proteins.', 'Heart models Cardiac signals.']);
    const outcome = await controller.search('cardiology', 'semantic');
    expect(outcome!.papers).toBe(state.papers);
    expect(outcome!.hits[0].index).toBe(1);
  });

  it('the same paper twice is merged and counted; two papers sharing a title are both kept (no duplicate-id error)', async () => {
    const { controller } = await started();
    const twice = { title: 'Protein design', text: 'Designing proteins.' };
    await controller.importFiles([new File([jsonl(twice, twice, { title: 'Protein design', text: 'A different abstract on folding.' })], 'dups.jsonl')]);
    await settle();
    expect(controller.state.papers).toHaveLength(2);
    expect(controller.state.notices.find((n) => n.code === 'import-summary')!.text).toBe('dups.jsonl: 2 papers, 1 duplicate merged.');
  });

  it('a save that throws says import-not-saved, but the library opens for this tab and is listed as not saved', async () => {
    const { controller, libraries } = await started({ saveFails: new Error('storage is full') });
    await controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' })], 'x.jsonl')]);
    await settle();
    expect(await libraries.list()).toEqual([]);
    const state = controller.state;
    expect(codes(state)).toContain('import-not-saved');
    expect(state.notices.find((n) => n.code === 'import-not-saved')!.text).toMatch(/^x\.jsonl could not be saved in this browser: its 1 paper \(about .+\) could not be stored: storage is full\. Nothing of it was kept/);
    expect(state.corpusName).toBe('x.jsonl');
    expect(state.libraries.at(-1)).toMatchObject({ name: 'x.jsonl (not saved)', paperCount: 1 });
    expect(state.phase).toBe('ready');
    const outcome = await controller.search('protein', 'keyword');
    expect(outcome!.hits.map((h) => h.index)).toEqual([0]);
  });

  it('an ambiguous CSV asks for its columns, then imports with the answer', async () => {
    const { controller } = await started();
    const csv = 'Heading,Summary,Notes\nProtein design,Designing proteins.,x\n';
    await controller.importFiles([new File([csv], 'sheet.csv')]);
    await settle();
    const question = controller.state.columnQuestion;
    if (question === null) {
      // The parser may recognise these names; then the library is simply imported.
      expect(controller.state.corpusName).toBe('sheet.csv');
      return;
    }
    expect(question).toMatchObject({ file: 'sheet.csv', headers: ['Heading', 'Summary', 'Notes'] });
    await controller.answerColumns({ title: 'Heading', abstract: 'Summary' });
    await settle();
    expect(controller.state.columnQuestion).toBeNull();
    expect(controller.state.papers.map((p) => p.abstract)).toEqual(['Designing proteins.']);
  });

  it('pasted text is imported as a library called "Pasted list"', async () => {
    const { controller } = await started();
    await controller.importText('@article{a, title={Protein design}, abstract={Designing proteins.}}\n');
    await settle();
    expect(controller.state.corpusName).toBe('Pasted list');
    expect(controller.state.papers.map((p) => p.title)).toEqual(['Protein design']);
  });
});

describe('AppController libraries', () => {
  async function withImported() {
    const s = await started();
    await s.controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' }, { title: 'Heart models', text: 'Cardiac signals.' })], 'mine.jsonl')]);
    await settle();
    const [info] = await s.libraries.list();
    return { ...s, info };
  }

  it('switching to the bundled papers and back embeds nothing the second time (vectors come from the cache)', async () => {
    const { controller, info } = await withImported();
    expect(controller.state.embeddedNow).toBe(2);
    await controller.switchLibrary('bundled');
    await settle();
    expect(controller.state).toMatchObject({ libraryId: 'bundled', corpusKind: 'bundled', papers: BUNDLED });
    await controller.switchLibrary(info.id);
    await settle();
    expect(controller.state).toMatchObject({ libraryId: info.id, corpusName: 'mine.jsonl', phase: 'ready', embeddedNow: 0, fromCache: 2 });
    expect(controller.state.papers.map((p) => p.title)).toEqual(['Protein design', 'Heart models']);
  });

  it('renaming changes the picker and the open library name; an empty name is refused with a notice', async () => {
    const { controller, info } = await withImported();
    await controller.renameLibrary(info.id, 'Cardio reading group');
    await settle();
    expect(controller.state.corpusName).toBe('Cardio reading group');
    expect(controller.state.libraries[1].name).toBe('Cardio reading group');
    await controller.renameLibrary(info.id, '   ');
    await settle();
    expect(codes(controller.state)).toContain('library-failed');
    expect(controller.state.libraries[1].name).toBe('Cardio reading group');
  });

  it('deleting the open library opens the bundled papers, removes it from the store and the picker', async () => {
    const { controller, info, libraries } = await withImported();
    await controller.deleteLibrary(info.id);
    await settle();
    expect(await libraries.list()).toEqual([]);
    expect(controller.state).toMatchObject({ libraryId: 'bundled', papers: BUNDLED });
    expect(controller.state.libraries.map((l) => l.id)).toEqual(['bundled']);
    // Its two vectors went; the bundled papers' four stayed.
    expect(controller.state.notices.find((n) => n.code === 'library-deleted')!.text).toBe('Deleted mine.jsonl: 2 papers, and 2 vectors no other library uses.');
  });

  it('a start with ?library= of a deleted library says so and shows the bundled papers', async () => {
    const s = await setup();
    await s.controller.start('wasm', 'no-such-library');
    await settle();
    expect(codes(s.controller.state)).toContain('library-missing');
    expect(s.controller.state.libraryId).toBe('bundled');
  });

  it('papersOf gives the open library from memory and the bundled papers on request (export)', async () => {
    const { controller, info } = await withImported();
    expect((await controller.papersOf(info.id))!.papers.map((p) => p.title)).toEqual(['Protein design', 'Heart models']);
    expect((await controller.papersOf('bundled'))!.papers).toBe(BUNDLED);
  });
});

describe('AppController long imports', () => {
  const many = (n: number) => jsonl(...Array.from({ length: n }, (_, i) => ({ title: `Protein study ${i}`, text: `Designing protein number ${i}.` })));

  it('with a known slow rate, asks before embedding; "not now" leaves keywords working and a Resume notice', async () => {
    const { controller, spawner } = await started({ rate: 0.05 });
    await controller.importFiles([new File([many(100)], 'big.jsonl')]);
    await settle();
    const question = controller.state.longRun!;
    expect(question).toMatchObject({ library: 'big.jsonl', count: 100, docsPerSecond: 0.05 });
    expect(question.seconds).toBe(2000);
    const embeddedBefore = spawner.last.lastDocuments.texts.length;
    controller.answerLongRunQuestion(false);
    await settle();
    expect(controller.state.longRun).toBeNull();
    expect(controller.state.embeddingPaused).toEqual({ done: 0, total: 100 });
    expect(codes(controller.state)).toContain('embedding-paused');
    expect(spawner.last.lastDocuments.texts.length).toBe(embeddedBefore);
    const outcome = await controller.search('protein 7', 'keyword');
    expect(outcome!.hits.length).toBeGreaterThan(0);
    controller.resumeEmbedding();
    await settle();
    expect(controller.state.phase).toBe('ready');
    expect(controller.state.embeddingPaused).toBeNull();
    expect(spawner.last.lastDocuments.texts).toHaveLength(100);
  });

  it('with no rate known, embeds a 64-paper sample first to measure, then the rest, under one progress total', async () => {
    const { controller, spawner, snapshots } = await started();
    await controller.importFiles([new File([many(100)], 'big.jsonl')]);
    await settle(40);
    const calls = spawner.last.documents.map((call) => call.texts.length);
    expect(calls.slice(-2)).toEqual([64, 36]);
    expect(controller.state).toMatchObject({ phase: 'ready', longRun: null, embeddedNow: 100 });
    const totals = new Set(snapshots.filter((s) => s.corpusName === 'big.jsonl' && s.embedding).map((s) => s.embedding!.total));
    expect([...totals]).toEqual([100]);
  });

  it('"embed here" goes on without asking again', async () => {
    const { controller, spawner } = await started({ rate: 0.05 });
    await controller.importFiles([new File([many(100)], 'big.jsonl')]);
    await settle();
    controller.answerLongRunQuestion(true);
    await settle();
    expect(controller.state.longRun).toBeNull();
    expect(controller.state.phase).toBe('ready');
    expect(spawner.last.lastDocuments.texts).toHaveLength(100);
  });
});

/** 120 published papers, three topics over and over; their vectors are the fake encoder's. */
const PUBLISHED_PAPERS: Paper[] = Array.from({ length: 120 }, (_, i) => {
  const [topic, words] = [
    ['heart', 'Heart signal study'],
    ['mamba', 'Mamba sequence layers'],
    ['german', 'German language corpus'],
  ][i % 3];
  return { id: `p${i}`, title: `${words} ${i}`, abstract: `Paper ${i} about ${topic}.` };
});

interface FakePublishedOptions {
  modelKey?: string;
  /** installVectors fails this many times first. */
  installFailures?: number;
  /** downloadForOffline fails with this. */
  offlineFails?: Error;
}

/** A published library over an exact index of PUBLISHED_PAPERS, answering asynchronously as the real parts do. */
function fakePublished(options: FakePublishedOptions = {}) {
  const exact = new SearchIndex(PUBLISHED_PAPERS, QuantizedMatrix.fromFloat32(DIMS, concatVectors(PUBLISHED_PAPERS.map((paper) => vectorFor(documentText(paper))))), DEFAULT_RANKING);
  let failures = options.installFailures ?? 0;
  let installed = false;
  let shardsStored = 0;
  const record = { installs: 0, reads: [] as number[][], disposed: 0, signals: [] as AbortSignal[] };
  const library: PublishedLibrary = {
    name: 'Field literature',
    count: PUBLISHED_PAPERS.length,
    modelKey: options.modelKey ?? MODEL.modelKey,
    searchable: {
      ranking: DEFAULT_RANKING,
      semanticReady: () => installed,
      book: new PaperBook(PUBLISHED_PAPERS.length, async (rows) => (record.reads.push([...rows]), new Map(rows.map((row): [number, Paper] => [row, PUBLISHED_PAPERS[row]])))),
      parts: {
        semantic: async (vector, depth) => exact.semantic(vector, depth),
        keyword: async (text, depth) => exact.keyword.query(text, depth),
        rows: async (rows) => rows.map((row) => Float32Array.from(exact.vectors.row(row))),
      },
    },
    installVectors: async (onProgress) => {
      record.installs++;
      onProgress({ loaded: 0, total: 1_000 });
      if (failures-- > 0) throw new Error('HTTP 503 for codes/codes-000.bin');
      onProgress({ loaded: 1_000, total: 1_000 });
      installed = true;
    },
    offlineState: async () => ({
      parts: [
        { part: 'vectors', storedBytes: installed ? 1_000 : 0, totalBytes: 1_000 },
        { part: 'keywords', storedBytes: shardsStored, totalBytes: 500 },
        { part: 'texts', storedBytes: 0, totalBytes: 0 },
      ],
      missingBytes: (installed ? 0 : 1_000) + 500 - shardsStored,
    }),
    downloadForOffline: async (onProgress, signal) => {
      record.signals.push(signal);
      if (options.offlineFails) throw options.offlineFails;
      onProgress({ loaded: 250, total: 500 });
      if (signal.aborted) return 'cancelled';
      shardsStored = 500;
      onProgress({ loaded: 500, total: 500 });
      return 'complete';
    },
    dispose: () => void record.disposed++,
  };
  return { library, record };
}

function concatVectors(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors.length * DIMS);
  vectors.forEach((vector, i) => out.set(vector, i * DIMS));
  return out;
}

describe('AppController with a library published with the site', () => {
  it('opens it in the bundled papers\' place: first papers listed, vectors installed, meaning answers', async () => {
    const { library, record } = fakePublished();
    const { controller, spawner } = await started({ published: () => library });
    const state = controller.state;
    expect(state).toMatchObject({ phase: 'ready', corpusName: 'Field literature', corpusKind: 'bundled', libraryId: 'bundled', fromPrecomputed: 120, embeddedNow: 0 });
    expect(state.published).toMatchObject({ count: 120, vectors: 'ready', vectorDownload: null });
    expect(state.libraries[0]).toMatchObject({ id: 'bundled', name: 'Field literature', paperCount: 120 });
    expect(state.papers.length).toBe(120);
    expect(record.reads[0]).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Nothing is embedded in this browser: the vectors came with the site.
    expect(() => spawner.last.lastDocuments).toThrow(/no embedDocuments call/);
    const outcome = await controller.search('cardiology', 'semantic');
    expect(outcome!.fallback).toBeNull();
    const full = (await outcome!.rest) ?? outcome!;
    expect(full.hits).toHaveLength(50);
    // The 40 heart papers first (cosine 1), every hit's text loaded.
    expect(full.hits.slice(0, 40).every((hit) => full.papers[hit.index].abstract.includes('heart'))).toBe(true);
    expect(full.hits.every((hit) => full.papers[hit.index] !== undefined)).toBe(true);
    expect(codes(controller.state)).toEqual([]);
  });

  it('a failed vector download: keywords answer meaning, a notice offers Retry, and Retry makes meaning work', async () => {
    const { library, record } = fakePublished({ installFailures: 1 });
    const { controller } = await started({ published: () => library });
    expect(controller.state.published?.vectors).toBe('failed');
    expect(codes(controller.state)).toEqual(['published-vectors-failed']);
    expect(controller.state.notices[0].action).toBe('retry-published-vectors');
    const before = await controller.search('heart signal', 'hybrid');
    expect(before!.fallback).toBe('model-unavailable');
    expect(before!.hits.length).toBeGreaterThan(0);
    controller.retryPublishedVectors();
    await settle();
    expect(record.installs).toBe(2);
    expect(controller.state.published?.vectors).toBe('ready');
    expect(codes(controller.state)).toEqual([]);
    expect((await controller.search('cardiology', 'semantic'))!.fallback).toBeNull();
  });

  it('vectors made by another model are not used: published-wrong-model, and keywords answer', async () => {
    const { library } = fakePublished({ modelKey: 'other-model@1234' });
    const { controller } = await started({ published: () => library });
    expect(controller.state.published?.vectors).toBe('wrong-model');
    expect(codes(controller.state)).toEqual(['published-wrong-model']);
    expect(controller.state.notices[0].text).toContain('other-model@1234');
    expect((await controller.search('heart', 'semantic'))!.fallback).toBe('model-unavailable');
  });

  it('make available offline: the size is known first, progress is shown, and it ends with published-offline-ready', async () => {
    const { library } = fakePublished();
    const { controller, snapshots } = await started({ published: () => library });
    expect(controller.state.published?.offline).toMatchObject({ missingBytes: 500 });
    await controller.makePublishedAvailableOffline();
    expect(snapshots.some((snapshot) => snapshot.published?.offlineDownload?.loaded === 250)).toBe(true);
    expect(controller.state.published).toMatchObject({ offlineDownload: null, offline: { missingBytes: 0 } });
    expect(codes(controller.state)).toEqual(['published-offline-ready']);
  });

  it('an offline download that fails keeps what was stored and says so', async () => {
    const { library } = fakePublished({ offlineFails: new Error('keyword/k-0003.bin: storage full') });
    const { controller } = await started({ published: () => library });
    await controller.makePublishedAvailableOffline();
    expect(codes(controller.state)).toEqual(['published-offline-failed']);
    expect(controller.state.notices[0].text).toContain('k-0003.bin');
    expect(controller.state.published?.offlineDownload).toBeNull();
  });

  it('opening a stored library leaves the published one (its download stops); opening "bundled" returns to it', async () => {
    const { library, record } = fakePublished();
    const { controller } = await started({ published: () => library });
    await controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' })], 'mine.jsonl')]);
    await settle();
    expect(controller.state).toMatchObject({ corpusName: 'mine.jsonl', published: null });
    expect(controller.state.libraries.map((entry) => entry.name)).toEqual(['Field literature', 'mine.jsonl']);
    await controller.switchLibrary('bundled');
    await settle();
    expect(controller.state).toMatchObject({ corpusName: 'Field literature', published: { vectors: 'ready' } });
    expect(record.installs).toBe(2);
    expect((await controller.search('mamba', 'hybrid'))!.fallback).toBeNull();
  });

  it('a site without a published library opens the bundled papers as before', async () => {
    const { controller } = await started();
    expect(controller.state.published).toBeNull();
    expect(controller.state.papers).toBe(BUNDLED);
  });
});
