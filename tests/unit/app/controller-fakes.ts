import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { vi } from 'vitest';
import { AppController, type AppDeps, type LibraryStoreLike, type Snapshot } from '../../../src/app/controller.ts';
import { broadcastLibraryEvents } from '../../../src/app/services/library-events.ts';
import { parseFiles } from '../../../src/library/import/import-service.ts';
import { documentText } from '../../../src/base/paper-id.ts';
import { LibraryStore } from '../../../src/library/library-store.ts';
import { VectorCache } from '../../../src/app/vector-cache.ts';
import type { MeasuredRate } from '../../../src/app/embedding-estimate.ts';
import type { Paper } from '../../../src/base/paper.ts';
import type { ModelFailure, RuntimeFiles } from '../../../src/embedding/worker-api.ts';
import { PaperBook } from '../../../src/published/paper-book.ts';
import { publishedSearchable, type PublishedLibrary } from '../../../src/published/published-library.ts';
import { QuantizedMatrix } from '../../../src/index/quantized-matrix.ts';
import { DEFAULT_RANKING, SearchIndex } from '../../../src/search/search.ts';
import { fakeModel, FakeSpawner, READY, type WorkerScript } from '../../support/fake-worker.ts';

/**
 * Fakes for the controller's tests (tests/unit/app/controller-*.test.ts): a fake encoder whose vectors are
 * topic axes, the real library store and vector cache on fake-indexeddb, a fake published library. Each test
 * file mocks src/app/urls.ts and src/app/offline.ts itself (see appMocks below for why).
 */

export const DIMS = 4;
/** The fake worker never fetches: onnxruntime's files are named only to make a whole WorkerConfig. */
const FAKE_RUNTIME: RuntimeFiles = {
  wasm: { url: 'https://example.test/ort.wasm.gz', gzip: true, sha256: '0'.repeat(64) },
  glue: 'https://example.test/ort.mjs',
  webgpuWasm: { url: 'https://example.test/ort.asyncify.wasm.gz', gzip: true, sha256: '0'.repeat(64) },
  modelGzip: true,
};
export const MODEL = fakeModel(DIMS);

export const BUNDLED: Paper[] = [
  { id: 'a', title: 'GottBERT: a German language model', abstract: 'A RoBERTa model pre-trained on German text.' },
  { id: 'b', title: 'Mamba: selective state spaces', abstract: 'Linear-time sequence modeling with selective state space layers.' },
  { id: 'c', title: 'Block-wise quantization of optimizers', abstract: 'Optimizer states stored in 8 bits save memory.' },
  { id: 'd', title: 'Electrocardiogram foundation model', abstract: 'A model of heart signals trained on ten million recordings.' },
];

/** The fake encoder: a text's vector is the axis of the first topic it mentions ("cardio" means heart). */
export const TOPICS: [string, number][] = [
  ['german', 0],
  ['mamba', 1],
  ['quantiz', 2],
  ['heart', 3],
  ['cardio', 3],
  ['protein', 1],
];
export function vectorFor(text: string): Float32Array {
  const lower = text.toLowerCase();
  const axis = TOPICS.find(([word]) => lower.includes(word))?.[1] ?? 0;
  return Float32Array.from({ length: DIMS }, (_, d) => (d === axis ? 1 : 0));
}

export const WORKING: WorkerScript = {
  init: () => READY(MODEL),
  embedQuery: (text) => vectorFor(text),
  embedDocuments: async (texts, onBatch) => {
    const vectors = new Float32Array(texts.length * DIMS);
    texts.forEach((text, i) => vectors.set(vectorFor(text), i * DIMS));
    await onBatch({ done: texts.length, total: texts.length }, texts.map((_, i) => i), vectors);
  },
};

export const DAMAGED: ModelFailure = { code: 'files-damaged', file: 'fake-model/onnx/model_quantized.onnx', detail: 'sha256 mismatch' };
export const DAMAGED_SCRIPT: WorkerScript = { init: () => ({ ok: false, failure: DAMAGED }) };

/** Lets every pending promise and real macrotask run (only timers are faked). */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export interface Options {
  /** Script of the n-th worker spawned (1-based); defaults to a working worker. */
  scripts?: (n: number) => WorkerScript;
  /** Saving a library fails with this error. */
  saveFails?: Error;
  /** A remembered embedding rate (docs/s) for the fake model. */
  rate?: number;
  /** The site publishes this library (corpus/library.json). */
  published?: () => PublishedLibrary;
  /** The BroadcastChannel name other tabs share; by default one of its own. */
  channel?: string;
  /** Parsing a file waits for this (an import still running). */
  parseGate?: Promise<void>;
}

/** Reads File objects the way the import worker does, but in-process: the same parseFiles. */
export async function parseInProcess(files: readonly File[], options: Parameters<AppDeps['parseFiles']>[1], onProgress: Parameters<AppDeps['parseFiles']>[2]) {
  const read = await Promise.all(files.map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
  return parseFiles(read, options, onProgress);
}

export async function setup(options: Options = {}) {
  const spawner = new FakeSpawner(options.scripts ?? (() => WORKING));
  const appended: string[][] = [];
  // The real library store and vector cache, on fake-indexeddb (a fresh database per test, see beforeEach).
  const libraries = await LibraryStore.open(undefined, { legacy: null, locks: null });
  const catalog: LibraryStoreLike = Object.assign(Object.create(libraries) as LibraryStore, {
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
    workerConfig: (backend, extra = {}) => ({ modelId: 'fake-model', modelsBaseUrl: '/models/', runtime: FAKE_RUNTIME, backend, ...extra }),
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
    parseFiles: async (files, parseOptions, onProgress) => {
      await options.parseGate;
      return parseInProcess(files, parseOptions, onProgress);
    },
    parseText: async (text, parseOptions, onProgress) => parseFiles([{ name: 'pasted text', bytes: new TextEncoder().encode(text) }], parseOptions, onProgress),
    storage: { status: async () => ({ usage: 1_000, quota: 1_000_000_000, persisted: false }), persist: async () => 'granted' },
    lastLibrary: { get: () => last, set: (id) => void (last = id) },
    // A rate given by the test stands for this browser's measured one (real runs here take ms, so are fast).
    rates: {
      get: (modelKey, backend) => (options.rate ? { papersPerSecond: options.rate, costPerSecond: NaN } : (rates.get(`${modelKey}:${backend}`) ?? null)),
      set: (modelKey, backend, rate) => void rates.set(`${modelKey}:${backend}`, rate),
    },
    gpuVerdicts: { all: () => ({}), set: () => undefined },
    libraryEvents: () => broadcastLibraryEvents(options.channel ?? `test-${Math.random()}`),
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

export async function started(options: Options = {}) {
  const s = await setup(options);
  await s.controller.start('wasm');
  await settle();
  return s;
}

export const codes = (snapshot: Snapshot) => snapshot.notices.map((n) => n.code);
export const ids = (papers: readonly Paper[], hits: { index: number }[]) => hits.map((h) => papers[h.index].id);
export const jsonl = (...papers: { title: string; text: string }[]) => papers.map((p) => JSON.stringify(p)).join('\n') + '\n';

/** 120 published papers, three topics over and over; their vectors are the fake encoder's. */
export const PUBLISHED_PAPERS: Paper[] = Array.from({ length: 120 }, (_, i) => {
  const [topic, words] = [
    ['heart', 'Heart signal study'],
    ['mamba', 'Mamba sequence layers'],
    ['german', 'German language corpus'],
  ][i % 3];
  return { id: `p${i}`, title: `${words} ${i}`, abstract: `Paper ${i} about ${topic}.` };
});

export interface FakePublishedOptions {
  modelKey?: string;
  /** installVectors fails this many times first. */
  installFailures?: number;
  /** downloadForOffline fails with this. */
  offlineFails?: Error;
}

/** A published library over an exact index of PUBLISHED_PAPERS, answering asynchronously as the real parts do. */
export function fakePublished(options: FakePublishedOptions = {}) {
  const exact = new SearchIndex(PUBLISHED_PAPERS, QuantizedMatrix.fromFloat32(DIMS, concatVectors(PUBLISHED_PAPERS.map((paper) => vectorFor(documentText(paper))))), DEFAULT_RANKING);
  let failures = options.installFailures ?? 0;
  let installed = false;
  let shardsStored = 0;
  const record = { installs: 0, reads: [] as number[][], disposed: 0, signals: [] as AbortSignal[] };
  const library: PublishedLibrary = {
    name: 'Field literature',
    count: PUBLISHED_PAPERS.length,
    modelKey: options.modelKey ?? MODEL.modelKey,
    searchable: publishedSearchable(
      new PaperBook(PUBLISHED_PAPERS.length, async (rows) => (record.reads.push([...rows]), new Map(rows.map((row): [number, Paper] => [row, PUBLISHED_PAPERS[row]])))),
      {
        semantic: async (vector, depth) => exact.semantic(vector, depth),
        keyword: async (text, depth) => exact.keyword.query(text, depth),
        rows: async (rows) => rows.map((row) => Float32Array.from(exact.vectors.row(row))),
      },
      () => installed,
    ),
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

export function concatVectors(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors.length * DIMS);
  vectors.forEach((vector, i) => out.set(vector, i * DIMS));
  return out;
}

/** A fresh IndexedDB per test; only timers are faked (IndexedDB and the fake workers run on real tasks). */
export function freshWorld(): void {
  globalThis.indexedDB = new IDBFactory();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
}

export const many = (n: number) => jsonl(...Array.from({ length: n }, (_, i) => ({ title: `Protein study ${i}`, text: `Designing protein number ${i}.` })));
