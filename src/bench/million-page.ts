import { spawnEmbeddingWorker, Comlink, type WorkerHandle } from '../embedding/client.ts';
import { workerConfig } from '../embedding/site-assets.ts';
import { int8Mean } from '../index/compressed/binary-codes.ts';
import { spawnCompressedWorker, type CompressedWorker } from '../published/vectors/compressed-client.ts';
import { SyntheticCorpus } from '../index/compressed/synthetic.ts';
import type { QuantizedMatrix } from '../index/quantized-matrix.ts';
import { topK } from '../index/top-k.ts';
import type { MillionBenchApi } from './million-api.ts';

/** The million-abstract benchmark page: the app's modules, timed. See million-api.ts for the contract. */

const DB = 'bench-million-codes';
const CENTER_SAMPLE = 65_536;
const APPEND_ROWS = 16_384;

let corpus: SyntheticCorpus | null = null;
let exact: QuantizedMatrix | null = null;
let name: string | null = null;
let compressed: CompressedWorker | null = null;
let embedder: WorkerHandle | null = null;
let queryVectors: Float32Array[] | null = null;

function need<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`bench-million: ${what} first`);
  return value;
}

async function fetchFloats(url: string): Promise<Float32Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`bench-million: HTTP ${response.status} for ${url}`);
  return new Float32Array(await response.arrayBuffer());
}

const api: MillionBenchApi = {
  async init(dims, options) {
    corpus = new SyntheticCorpus(await fetchFloats('/bench-data/source.f32'), dims, options);
    const queries = await fetchFloats('/bench-data/queries.f32');
    queryVectors = Array.from({ length: queries.length / dims }, (_, i) => queries.subarray(i * dims, (i + 1) * dims));
    compressed = spawnCompressedWorker();
    embedder = spawnEmbeddingWorker();
    const outcome = await embedder.api.init(workerConfig('wasm'), Comlink.proxy(() => {}));
    if (!outcome.ok) throw new Error(`bench-million: model failed to load (${outcome.failure.code}: ${outcome.failure.detail})`);
    await embedder.api.embedQuery('warm up'); // the first run compiles kernels; not part of any measurement
    const { backend } = outcome.model;
    return { sources: corpus.sourceCount, crossOriginIsolated: self.crossOriginIsolated, threads: backend.threads, backend: backend.used };
  },

  async build(count) {
    const source = need(corpus, 'init');
    const worker = need(compressed, 'init').api;
    exact = null; // let a previous matrix be collected before allocating the next
    let started = performance.now();
    const matrix = source.int8Matrix(count);
    const generateMs = performance.now() - started;
    exact = matrix;
    name = `synthetic-${count}`;
    const center = int8Mean(matrix.int8Rows(0, Math.min(count, CENTER_SAMPLE)));
    started = performance.now();
    await worker.begin(name, matrix.dims, count, center);
    for (let start = 0; start < count; start += APPEND_ROWS) {
      const rows = matrix.int8Rows(start, Math.min(count, start + APPEND_ROWS));
      await worker.append(Comlink.transfer(rows, [rows.data.buffer, rows.scales.buffer]));
    }
    const appendMs = performance.now() - started;
    const { saveMs } = await worker.finish(DB);
    return { exactBytes: matrix.byteLength, generateMs, appendMs, saveMs };
  },

  async open(options) {
    return need(compressed, 'init').api.open(need(name, 'build'), DB, options);
  },

  async search(queries, k) {
    const matrix = need(exact, 'build');
    const worker = need(compressed, 'init').api;
    const vectors = need(queryVectors, 'init').slice(0, queries);
    const out = { exactIds: [] as number[][], exactMs: [] as number[], compressedIds: [] as number[][], compressedMs: [] as number[], roundTripMs: [] as number[] };
    for (const vector of vectors) {
      let started = performance.now();
      const hits = topK(matrix.scores(vector), k);
      out.exactMs.push(performance.now() - started);
      out.exactIds.push(hits.map((hit) => hit.index));
      started = performance.now();
      const timed = await worker.searchTimed(vector, k);
      out.roundTripMs.push(performance.now() - started);
      out.compressedMs.push(timed.ms);
      out.compressedIds.push(timed.hits.map((hit) => hit.index));
    }
    return out;
  },

  async queryLatency(texts, k) {
    const embed = need(embedder, 'init').api;
    const worker = need(compressed, 'init').api;
    const out: [number, number][] = [];
    for (const text of texts) {
      const started = performance.now();
      const vector = await embed.embedQuery(text);
      const embedded = performance.now();
      await worker.search(vector, k);
      out.push([embedded - started, performance.now() - embedded]);
    }
    return out;
  },

  async release() {
    exact = null;
    if (name) await need(compressed, 'init').api.remove(name, DB);
    name = null;
  },
};

window.paperSearchMillion = api;
document.body.dataset.ready = 'true';
