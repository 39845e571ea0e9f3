import type { BatchSettings } from '../embedding/encoder.ts';
import type { QueryViews } from '../embedding/models.ts';
import type { ModelInfo } from '../embedding/worker-api.ts';

/** One way of running WASM embedding (issue 16.2): onnxruntime build, threads, and how batches are cut. */
export interface EmbedVariant {
  name: string;
  build: 'plain' | 'asyncify';
  threads: number;
  settings: BatchSettings;
}

/** One import, timed on the page from "file chosen" to "papers and hashes in hand". */
export interface ImportFigures {
  /** Wall-clock milliseconds. */
  ms: number;
  /** The longest main-thread task in that interval (PerformanceObserver 'longtask': tasks of 50 ms or more; 0 if none). */
  longestTaskMs: number;
  /** How many long tasks there were. */
  longTasks: number;
  /** The longest the page went without running a 5 ms timer: responsiveness, also below the 50 ms long-task floor. */
  maxGapMs: number;
  papers: number;
  /** Precomputed vectors that came with the papers. */
  vectors: number;
}

/**
 * What the benchmark page (bench.html) exposes on `window.paperSearchBench` for tools/bench.ts to call through
 * Playwright. Arguments and results are plain JSON; large inputs (vectors, corpus) are fetched by the page from
 * /bench-data/*, which tools/bench.ts serves by request interception, so the data never enters the repo or dist.
 */
export interface BenchApi {
  /** Starts the app's embedding worker (same client, worker and model files as the app), WASM backend. */
  init(maxThreads?: number): Promise<ModelInfo>;
  /**
   * Vectors for `texts` from a fresh worker on `backend`, as documents (length-sorted batches, exactly as the
   * app indexes) or as queries (one at a time). For the browser-vs-Node parity test.
   */
  vectors(texts: string[], kind: 'document' | 'query', backend: 'wasm' | 'webgpu'): Promise<{ backend: string; vectors: number[][] }>;
  /** Embeds `texts` once through the worker; wall-clock milliseconds. */
  embedDocuments(texts: string[]): Promise<number>;
  /**
   * Per variant, `runs` timings (ms) of embedding `texts`; runs alternate between variants so they share the
   * machine's load. One worker per build and thread count, started before any clock.
   */
  embedVariants(texts: string[], variants: EmbedVariant[], runs: number): Promise<Record<string, number[]>>;
  /**
   * Documents per second on WebGPU and on WASM over the same texts (the canary's size), runs alternating between
   * the two workers after one warm-up each; null when there is no adapter.
   */
  webgpuRate(texts: string[], runs: number): Promise<{ webgpu: number[]; wasm: number[] } | null>;
  /** Loads corpus + float vectors from /bench-data and builds the app's SearchIndex over int8 vectors. */
  loadCorpus(): Promise<{ papers: number; vectorBytes: number }>;
  /** Query text to ranked ids through the worker and SearchIndex.rank, per query (ms). */
  queryLatency(queries: string[], mode: 'semantic' | 'hybrid', k: number): Promise<number[]>;
  /** Builds `count` int8 vectors: the loaded corpus's vectors repeated with seeded noise, renormalised. */
  buildSynthetic(count: number, noise: number): Promise<{ count: number; bytes: number }>;
  /**
   * Per query: [embed ms, score + top-k ms] over the synthetic matrix. `views`: the query form to embed (default
   * the model's own; null the instructed view alone), so the two forms can be timed side by side.
   */
  syntheticLatency(queries: string[], k: number, views?: QueryViews | null): Promise<[number, number][]>;
  /** Writes the synthetic vectors to IndexedDB (shards), then times `runs` loads back into a QuantizedMatrix (ms). */
  storageRoundTrip(runs: number): Promise<{ writeMs: number; loadMs: number[]; shards: number; problems: string[] }>;
  /**
   * Imports /bench-data/<names> as chosen files through the app's import worker (parseFilesInWorker: read,
   * parse, hash and match vectors off the page's thread, papers handed over in chunks).
   */
  importInWorker(names: string[], expectedModel?: { modelKey: string; dims: number }): Promise<ImportFigures>;
  /** The same file the old way, for comparison: parseLibrary and contentHash on the page's thread. */
  importOnMainThread(name: string): Promise<ImportFigures>;
}

declare global {
  interface Window {
    paperSearchBench?: BenchApi;
  }
}
