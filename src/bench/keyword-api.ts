import type { StaticKeywordManifest } from '../published/static-keyword/manifest.ts';

/** Milliseconds per query and the row ids each query returned (best first), in query order. */
export interface TimedQueries {
  ms: number[];
  ids: number[][];
}

/**
 * What the keyword benchmark page (bench-keyword.html) exposes on `window.paperSearchKeyword` for
 * tools/bench-keyword.ts. Libraries are folders served beside the page; arguments and results are plain JSON.
 */
export interface KeywordBenchApi {
  /**
   * Static shards through the app's verified file source (fetch + size + sha256, no Cache Storage):
   * `cold` — each query on a fresh index, so every shard it needs is fetched, checked and decoded;
   * `warm` — one index with an unbounded shard cache, the query set run twice, the second pass timed.
   */
  staticQueries(folder: string, manifest: StaticKeywordManifest, queries: string[], k: number): Promise<{ cold: TimedQueries; warm: TimedQueries; cachedBytes: number }>;
  /** MiniSearch (the app's KeywordIndex) over the papers in `${folder}/papers.json`: build time, then the queries. */
  miniSearchQueries(folder: string, queries: string[], k: number): Promise<{ buildMs: number; papers: number; run: TimedQueries }>;
}

declare global {
  interface Window {
    paperSearchKeyword?: KeywordBenchApi;
  }
}
