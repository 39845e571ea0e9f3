/**
 * What the map benchmark page (bench-map.html) exposes on `window.paperSearchMapBench` for tools/bench-map.ts
 * to call through Playwright. Inputs are fetched by the page from /bench-data/* (served by the tool from memory,
 * so SciFact never enters the repo or the build) and from the site's own bundled corpus.
 */
export type MapBenchSource = 'bundled' | 'scifact' | 'synthetic';

export interface MapBenchProjection {
  count: number;
  /** From the request to the layout on the page (worker start, transfer, projection, clusters, keywords). */
  wallMs: number;
  /** Inside the worker (MapStats.totalMs), and its steps. */
  workerMs: number;
  steps: { reduceMs: number; umapMs: number; placeMs: number; clusterMs: number; keywordMs: number };
  clusters: string[];
}

export interface MapBenchApi {
  /**
   * Projects `count` papers in a fresh map worker, uncached: the bundled corpus, SciFact, or SciFact's vectors
   * repeated with seeded noise up to `count` (texts cycled). The layout is kept for `show`.
   */
  project(source: MapBenchSource, count: number): Promise<MapBenchProjection>;
  /**
   * Shows the last layout of `count` points: 'component' mounts LibraryMap.svelte as the app would (10 results
   * highlighted; a click sets body[data-opened] to the paper id, a selection body[data-selected] to its size or
   * "none"); 'naive' draws the same points with one Canvas2D path per point, the baseline.
   */
  show(count: number, painter: 'component' | 'naive'): Promise<{ x: number; y: number; width: number; height: number }>;
  /** Starts recording requestAnimationFrame deltas and long tasks. */
  startFrames(): void;
  /** Stops recording: frame intervals (ms) and long-task durations (ms) since startFrames. */
  stopFrames(): { frames: number[]; longTasks: number[] };
}

declare global {
  interface Window {
    paperSearchMapBench?: MapBenchApi;
  }
}
