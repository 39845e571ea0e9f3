import type { CompressedOptions } from '../index/compressed/compressed-index.ts';
import type { OpenedIndex } from '../published/vectors/compressed-service.ts';
import type { SyntheticOptions } from '../index/compressed/synthetic.ts';

/**
 * What the million-abstract benchmark page (bench-million.html) exposes on `window.paperSearchMillion` for
 * tools/bench-million.ts. Arguments and results are plain JSON; the source vectors and query vectors are fetched
 * by the page from /bench-data/*, which the tool serves by request interception (never in the repo or dist).
 */
export interface MillionBenchApi {
  /**
   * Reads /bench-data/source.f32 (SciFact's vectors), prepares the generator, starts both workers. Reports
   * whether the page is cross-origin isolated and how many onnxruntime threads the query embedding got.
   */
  init(dims: number, options: SyntheticOptions): Promise<{ sources: number; crossOriginIsolated: boolean; threads: number; backend: string }>;
  /**
   * The first `count` synthetic rows: generated into the exact path's QuantizedMatrix (int8, as the app holds
   * vectors), then streamed to the compressed worker (rows to OPFS, sign codes), codes saved to IndexedDB.
   */
  build(count: number): Promise<{ exactBytes: number; generateMs: number; appendMs: number; saveMs: number }>;
  /** Opens the compressed index from storage (codes from IndexedDB into memory, the OPFS rows file). */
  open(options: Pick<CompressedOptions, 'candidates' | 'firstPass'>): Promise<OpenedIndex>;
  /**
   * The first `queries` query vectors of /bench-data/queries.f32, top-k by both paths: row ids and milliseconds
   * (exact: score + top-k in the page; compressed: inside the worker, and the page's round trip). The two
   * paths alternate query by query, so a burst of load on the machine falls on both alike.
   */
  search(queries: number, k: number): Promise<{ exactIds: number[][]; exactMs: number[]; compressedIds: number[][]; compressedMs: number[]; roundTripMs: number[] }>;
  /** Per query text: [query embedding ms (the app's worker), compressed search round trip ms]. */
  queryLatency(texts: string[], k: number): Promise<[number, number][]>;
  /** Drops the exact matrix and deletes the compressed index (OPFS file, IndexedDB codes). */
  release(): Promise<void>;
}

declare global {
  interface Window {
    paperSearchMillion?: MillionBenchApi;
  }
}
