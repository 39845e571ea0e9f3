/**
 * The plain data of the library map: what the map worker is given, what it reports and returns, and the error
 * codes. Crosses the worker boundary (projection.worker.ts) and is what the IndexedDB cache stores.
 */
import type { Int8Rows } from '../index/quantized-matrix.ts';
import { codedErrorClass } from '../base/errors.ts';

/** How the 2-D layout is computed. Part of the cache key: changing any field recomputes the map. */
export interface ProjectionParams {
  /** Points laid out by UMAP; the others are placed among their nearest sampled neighbours. */
  sampleSize: number;
  /** PCA dimensions the vectors are reduced to before UMAP and neighbour search (a multiple of 16: SIMD kernel). */
  pcaDims: number;
  /** UMAP's neighbourhood size. */
  nNeighbors: number;
  /** UMAP's minimum distance between laid-out points. */
  minDist: number;
  /** UMAP optimisation epochs (0 = umap-js's schedule: 500 up to 2,500 points). */
  epochs: number;
  /** Sampled neighbours a non-sampled point is placed among. */
  placeNeighbors: number;
  /** Clusters labelled on the map; 0 = chosen from the number of points. */
  clusters: number;
  /** Distinctive keywords kept per cluster. */
  keywords: number;
  /** Papers (a seeded sample, when the library is larger) whose words the keywords are counted from. */
  keywordDocs: number;
  seed: number;
}

/** What the map is computed from. `rows` are the app's int8 vectors, row i = text i = paper i. */
export interface MapInput {
  rows: Int8Rows;
  /** Title and abstract (documentText) of each paper, or of the rows in `textRows`, for the cluster keywords. */
  texts: string[];
  /** The rows `texts` belong to (params.ts keywordRows), when not every paper's text is sent. */
  textRows?: Int32Array;
  params?: Partial<ProjectionParams>;
}

export type MapPhase = 'reducing' | 'neighbours' | 'layout' | 'placing' | 'clustering' | 'keywords';

export interface MapProgress {
  phase: MapPhase;
  done: number;
  total: number;
}

export interface MapCluster {
  /** Index into MapLayout.clusters, and the value of clusterOf for its points. Largest cluster first. */
  id: number;
  size: number;
  /** Where its label goes, in map coordinates: the member nearest the cluster's centroid. */
  x: number;
  y: number;
  /** Most distinctive terms first (surface forms, e.g. "language models"). */
  keywords: string[];
}

export interface MapLayout {
  count: number;
  /** x0, y0, x1, y1, … in [-1, 1] (aspect kept), row i = paper i. */
  points: Float32Array;
  /** Cluster id of each point. */
  clusterOf: Uint16Array;
  clusters: MapCluster[];
  params: ProjectionParams;
  /** How the layout was computed (for the benchmark and diagnostics). */
  stats: MapStats;
}

export interface MapStats {
  /** Points UMAP laid out (the rest were placed). */
  sampled: number;
  /** Wall-clock milliseconds in the worker, per step and in total. */
  reduceMs: number;
  umapMs: number;
  placeMs: number;
  clusterMs: number;
  keywordMs: number;
  totalMs: number;
}

/**
 * Why a map could not be made, one stable code each (tests assert codes, the UI words them).
 * - bad-input: rows and texts disagree, or a parameter is out of range (the message says which);
 * - worker-failed: the map worker could not start or died.
 */
export const MAP_ERROR_CODES = {
  'bad-input': 'The map was asked for with inconsistent vectors, texts or parameters.',
  'worker-failed': 'The map worker could not start or stopped while computing the map.',
} as const;

export type MapErrorCode = keyof typeof MAP_ERROR_CODES;

/** The map panel shows the message as it is: the sentence, then the detail. */
export class MapError extends codedErrorClass('MapError', MAP_ERROR_CODES, (sentence, detail) => `${sentence} ${detail}`) {}
