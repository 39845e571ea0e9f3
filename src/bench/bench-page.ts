import { parseFilesInWorker } from '../library/import/import-client.ts';
import { parseLibrary } from '../corpus/import.ts';
import { contentHash } from '../base/paper-id.ts';
import type { Paper } from '../base/paper.ts';
import { spawnEmbeddingWorker, Comlink, type WorkerHandle } from '../embedding/client.ts';
import type { BackendRequest, ModelInfo } from '../embedding/worker-api.ts';
import { createIndexedDbVectorStore } from '../index/persistence/index.ts';
import { QuantizedMatrix } from '../index/quantized-matrix.ts';
import { topK } from '../index/top-k.ts';
import { decodeVectorFile, type VectorFile } from '../index/vector-file.ts';
import { SearchIndex } from '../search/search.ts';
import { workerConfig } from '../embedding/site-assets.ts';
import type { BenchApi, ImportFigures } from './bench-api.ts';
import { gaussian, seededOpenRandom } from '../base/random.ts';

/** The benchmark page: the app's own modules, timed. See bench-api.ts for the contract with tools/bench.ts. */

let client: WorkerHandle | null = null;
let model: ModelInfo | null = null;
let corpus: { papers: Paper[]; file: VectorFile } | null = null;
let index: SearchIndex | null = null;
let synthetic: QuantizedMatrix | null = null;

function need<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`bench: ${what} first`);
  return value;
}

/** Loads the model in `worker`; the bench has no fallback, so a failure is an error. */
async function initWorker(worker: WorkerHandle, backend: BackendRequest, maxThreads?: number, wasmBuild?: 'plain' | 'asyncify'): Promise<ModelInfo> {
  const outcome = await worker.api.init(workerConfig(backend, { maxThreads, wasmBuild }), Comlink.proxy(() => {}));
  if (!outcome.ok) throw new Error(`bench: model failed to load (${outcome.failure.code}: ${outcome.failure.detail})`);
  return outcome.model;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`bench: HTTP ${response.status} for ${url}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Bench data as the File a person would choose (fetched before the clock starts). */
async function benchFile(name: string): Promise<File> {
  const response = await fetch(`/bench-data/${name}`);
  if (!response.ok) throw new Error(`bench: HTTP ${response.status} for /bench-data/${name}`);
  return new File([await response.blob()], name);
}

/**
 * Times `work` and records the main thread's long tasks meanwhile (a task that overlaps the interval counts).
 * Long-task entries are delivered after the task ends, hence the short wait before reading them.
 */
async function timedImport(work: () => Promise<{ papers: number; vectors: number }>): Promise<ImportFigures> {
  if (!PerformanceObserver.supportedEntryTypes.includes('longtask')) throw new Error('bench: this browser reports no long tasks');
  const tasks: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries()));
  observer.observe({ type: 'longtask' });
  // A timer every few ms: the longest wait between two of its runs bounds how long the page was unresponsive,
  // including stalls under the 50 ms a long task needs.
  let beating = true;
  let last = performance.now();
  let maxGapMs = 0;
  const beat = () => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    if (beating) setTimeout(beat, 5);
  };
  setTimeout(beat, 5);
  const started = performance.now();
  last = started;
  const counts = await work();
  const ended = performance.now();
  beating = false;
  await new Promise((resolve) => setTimeout(resolve, 100));
  tasks.push(...observer.takeRecords());
  observer.disconnect();
  const during = tasks.filter((task) => task.startTime < ended && task.startTime + task.duration > started);
  return { ms: ended - started, longestTaskMs: Math.max(0, ...during.map((task) => task.duration)), longTasks: during.length, maxGapMs, ...counts };
}

const api: BenchApi = {
  async init(maxThreads) {
    client = spawnEmbeddingWorker();
    const info = await initWorker(client, 'wasm', maxThreads);
    model = info;
    await client.api.embedQuery('warm up'); // first run compiles kernels; not part of any measurement
    return info;
  },

  async vectors(texts, kind, backend) {
    const worker = spawnEmbeddingWorker();
    try {
      const info = await initWorker(worker, backend);
      const out: number[][] = new Array(texts.length);
      if (kind === 'query') {
        for (let i = 0; i < texts.length; i++) out[i] = Array.from(await worker.api.embedQuery(texts[i]));
      } else {
        const collect = (_: unknown, indices: number[], vectors: Float32Array) =>
          indices.forEach((textIndex, row) => (out[textIndex] = Array.from(vectors.subarray(row * info.dims, (row + 1) * info.dims))));
        await worker.api.embedDocuments(texts, Comlink.proxy(collect));
      }
      return { backend: info.backend.used, vectors: out };
    } finally {
      worker.terminate();
    }
  },

  async embedDocuments(texts) {
    const started = performance.now();
    await need(client, 'init').api.embedDocuments(texts, Comlink.proxy(() => {}));
    return performance.now() - started;
  },

  async embedVariants(texts, variants, runs) {
    const workers = new Map<string, WorkerHandle>();
    const times: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
    try {
      for (const variant of variants) {
        const key = `${variant.build}/${variant.threads}`;
        if (workers.has(key)) continue;
        const worker = spawnEmbeddingWorker();
        workers.set(key, worker);
        const info = await initWorker(worker, 'wasm', variant.threads, variant.build);
        if (info.backend.threads !== variant.threads) throw new Error(`bench: asked for ${variant.threads} threads, onnxruntime has ${info.backend.threads}`);
        await worker.api.embedDocuments(texts.slice(0, 8), Comlink.proxy(() => {})); // compiles kernels
      }
      for (let run = 0; run < runs; run++) {
        for (const variant of variants) {
          const worker = workers.get(`${variant.build}/${variant.threads}`)!;
          const started = performance.now();
          await worker.api.embedDocuments(texts, Comlink.proxy(() => {}), variant.settings);
          times[variant.name].push(performance.now() - started);
        }
      }
      return times;
    } finally {
      for (const worker of workers.values()) worker.terminate();
    }
  },

  async webgpuRate(texts, runs) {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu || !(await gpu.requestAdapter())) return null;
    const workers = { webgpu: spawnEmbeddingWorker(), wasm: spawnEmbeddingWorker() };
    try {
      const info = await initWorker(workers.webgpu, 'webgpu');
      if (info.backend.used !== 'webgpu') return null;
      await initWorker(workers.wasm, 'wasm');
      const rates = { webgpu: [] as number[], wasm: [] as number[] };
      for (const backend of ['webgpu', 'wasm'] as const) await workers[backend].api.embedDocuments(texts.slice(0, 8), Comlink.proxy(() => {}));
      for (let run = 0; run < runs; run++) {
        for (const backend of ['webgpu', 'wasm'] as const) {
          const started = performance.now();
          await workers[backend].api.embedDocuments(texts, Comlink.proxy(() => {}));
          rates[backend].push(texts.length / ((performance.now() - started) / 1000));
        }
      }
      return rates;
    } finally {
      workers.webgpu.terminate();
      workers.wasm.terminate();
    }
  },


  async loadCorpus() {
    const papers = JSON.parse(new TextDecoder().decode(await fetchBytes('/bench-data/corpus.json'))).papers as Paper[];
    const file = decodeVectorFile(await fetchBytes('/bench-data/vectors.bin'), 'bench vectors');
    const byHash = new Map(file.hashes.map((hash, row) => [hash, row]));
    const matrix = QuantizedMatrix.zeros(file.dims, papers.length);
    papers.forEach((paper, i) => {
      const row = byHash.get(contentHash(paper));
      if (row === undefined) throw new Error(`bench: no vector for paper ${paper.id}`);
      matrix.setRow(i, file.vectors.subarray(row * file.dims, (row + 1) * file.dims));
    });
    corpus = { papers, file };
    index = new SearchIndex(papers, matrix);
    return { papers: papers.length, vectorBytes: matrix.byteLength };
  },

  async queryLatency(queries, mode, k) {
    const search = need(index, 'loadCorpus');
    const worker = need(client, 'init').api;
    const times: number[] = [];
    for (const text of queries) {
      const started = performance.now();
      const vector = await worker.embedQuery(text);
      search.rank(mode, text, vector, k);
      times.push(performance.now() - started);
    }
    return times;
  },

  async buildSynthetic(count, noise) {
    const { file } = need(corpus, 'loadCorpus');
    const { dims } = file;
    const source = file.hashes.length;
    const random = seededOpenRandom(42); // the same synthetic corpus on every run
    synthetic = null; // let a previous matrix be collected before allocating the next
    const matrix = new QuantizedMatrix(dims, count);
    const chunkRows = 1000;
    const chunk = new Float32Array(chunkRows * dims);
    for (let start = 0; start < count; start += chunkRows) {
      const rows = Math.min(chunkRows, count - start);
      for (let r = 0; r < rows; r++) {
        const from = ((start + r) % source) * dims;
        let norm = 0;
        for (let d = 0; d < dims; d++) {
          const v = file.vectors[from + d] + noise * gaussian(random);
          chunk[r * dims + d] = v;
          norm += v * v;
        }
        const inv = 1 / Math.sqrt(norm);
        for (let d = 0; d < dims; d++) chunk[r * dims + d] *= inv;
      }
      matrix.appendFloat32(chunk.subarray(0, rows * dims));
    }
    synthetic = matrix;
    return { count: matrix.count, bytes: matrix.byteLength };
  },

  async syntheticLatency(queries, k, views) {
    const matrix = need(synthetic, 'buildSynthetic');
    const worker = need(client, 'init').api;
    const out: [number, number][] = [];
    for (const text of queries) {
      const started = performance.now();
      const vector = await worker.embedQuery(text, views);
      const embedded = performance.now();
      topK(matrix.scores(vector), k);
      out.push([embedded - started, performance.now() - embedded]);
    }
    return out;
  },

  async storageRoundTrip(runs) {
    const matrix = need(synthetic, 'buildSynthetic');
    const modelKey = need(model, 'init').modelKey;
    const store = createIndexedDbVectorStore(`bench-${Date.now()}`);
    const hashes = Array.from({ length: matrix.count }, (_, i) => `synthetic-${i}`);
    const writeStarted = performance.now();
    await store.append(modelKey, matrix.dims, hashes, matrix.int8Rows());
    const writeMs = performance.now() - writeStarted;
    const loadMs: number[] = [];
    let shards = 0;
    let problems: string[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const loaded = await store.load(modelKey, matrix.dims);
      const restored = QuantizedMatrix.fromInt8(loaded.rows);
      loadMs.push(performance.now() - started);
      if (restored.count !== matrix.count) throw new Error(`bench: loaded ${restored.count} of ${matrix.count} vectors`);
      shards = loaded.shardCount;
      problems = loaded.problems;
    }
    await store.clear(modelKey);
    return { writeMs, loadMs, shards, problems };
  },

  async importInWorker(names, expectedModel) {
    const files = await Promise.all(names.map(benchFile));
    return timedImport(async () => {
      const library = await parseFilesInWorker(files, { expectedModel });
      if (library.hashes.length !== library.papers.length) throw new Error('bench: the worker returned a hash count unlike the paper count');
      return { papers: library.papers.length, vectors: library.vectors?.hashes.length ?? 0 };
    });
  },

  async importOnMainThread(name) {
    const file = await benchFile(name);
    return timedImport(async () => {
      const { papers } = parseLibrary(file.name, new Uint8Array(await file.arrayBuffer()));
      const hashes = papers.map(contentHash);
      return { papers: hashes.length, vectors: 0 };
    });
  },
};

window.paperSearchBench = api;
document.body.dataset.ready = 'true';
