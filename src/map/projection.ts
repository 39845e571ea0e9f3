import { UMAP } from 'umap-js';
import { QuantizedMatrix, type Int8Rows } from '../index/quantized-matrix.ts';
import { topK } from '../index/top-k.ts';
import { fitPca, projectRows } from './pca.ts';
import { sampleIndices, seededRandom } from '../base/random.ts';
import { pointBounds } from './bounds.ts';
import type { MapProgress, ProjectionParams } from './types.ts';

/**
 * The 2-D layout of a library: PCA to `pcaDims`, UMAP (umap-js) on a seeded sample of `sampleSize` papers, then
 * every other paper placed at the inverse-distance-weighted position of its `placeNeighbors` nearest sampled
 * papers. Neighbours (UMAP's kNN graph and the placement) are exact cosine neighbours in PCA space, scored by the
 * app's int8 SIMD kernel. UMAP on all 100,000 points would take minutes in a worker; this takes seconds
 * (tools/bench-map.ts, `map_projection_ms_100k`). Deterministic for a given seed.
 */

export type ProgressSink = (progress: MapProgress) => void;

export interface Projection {
  /** x0, y0, x1, y1, … scaled into [-1, 1] with the aspect ratio kept. */
  points: Float32Array;
  sampled: number;
  reduceMs: number;
  umapMs: number;
  placeMs: number;
}

/** Below this many points UMAP has no neighbourhoods to speak of; the first two principal axes are the map. */
const MIN_UMAP_POINTS = 8;
/** Progress is reported every this many epochs / rows, so messages stay cheap. */
const EPOCH_REPORT = 10;
const ROW_REPORT = 5000;

export function projectPoints(rows: Int8Rows, params: ProjectionParams, onProgress: ProgressSink = () => {}): Projection {
  const count = rows.scales.length;
  const points = new Float32Array(count * 2);
  if (count < 2) return { points, sampled: count, reduceMs: 0, umapMs: 0, placeMs: 0 };
  const random = seededRandom(params.seed);
  const sample = sampleIndices(count, params.sampleSize, random);

  let started = performance.now();
  onProgress({ phase: 'reducing', done: 0, total: count });
  const pca = fitPca(rows, sample, params.pcaDims);
  const k = pca.components;
  const reduced = projectRows(pca, rows, (done) => done % ROW_REPORT === 0 && onProgress({ phase: 'reducing', done, total: count }));
  // Unit-length rows: dot products are cosines, and UMAP's euclidean distance orders neighbours the same way.
  for (let r = 0; r < count; r++) normaliseInPlace(reduced.subarray(r * k, (r + 1) * k));
  const sampled = new Float32Array(sample.length * k);
  sample.forEach((row, i) => sampled.set(reduced.subarray(row * k, (row + 1) * k), i * k));
  const sampleMatrix = QuantizedMatrix.fromFloat32(k, sampled);
  const reduceMs = performance.now() - started;

  started = performance.now();
  const layout = layoutSample(sampleMatrix, sampled, k, params, random, onProgress);
  const umapMs = performance.now() - started;

  started = performance.now();
  const inSample = new Uint8Array(count);
  sample.forEach((row, i) => {
    inSample[row] = 1;
    points[row * 2] = layout[i * 2];
    points[row * 2 + 1] = layout[i * 2 + 1];
  });
  if (sample.length < count) placeRest(reduced, k, inSample, sampleMatrix, layout, points, params.placeNeighbors, onProgress);
  const placeMs = performance.now() - started;
  fitIntoUnitBox(points);
  return { points, sampled: sample.length, reduceMs, umapMs, placeMs };
}

/** 2-D positions of the sampled rows (sample order), by UMAP, or by the first two principal axes when too few. */
function layoutSample(matrix: QuantizedMatrix, sampled: Float32Array, k: number, params: ProjectionParams, random: () => number, onProgress: ProgressSink): Float32Array {
  const n = matrix.count;
  const out = new Float32Array(n * 2);
  if (n < MIN_UMAP_POINTS || k < 2) {
    for (let i = 0; i < n; i++) {
      out[i * 2] = sampled[i * k];
      out[i * 2 + 1] = k > 1 ? sampled[i * k + 1] : 0;
    }
    return out;
  }
  const neighbours = Math.min(params.nNeighbors, n - 1);
  const umap = new UMAP({ nComponents: 2, nNeighbors: neighbours, minDist: params.minDist, nEpochs: params.epochs, random });
  onProgress({ phase: 'neighbours', done: 0, total: n });
  // Exact neighbours by the SIMD kernel instead of umap-js's approximate NN-descent (4 s for 2,500 points).
  const knnIndices: number[][] = [];
  const knnDistances: number[][] = [];
  for (let i = 0; i < n; i++) {
    const hits = topK(matrix.scores(sampled.subarray(i * k, (i + 1) * k)), neighbours + 1).filter((hit) => hit.index !== i).slice(0, neighbours - 1);
    // Each point is its own nearest neighbour at distance 0, as UMAP expects; euclidean distance of unit vectors.
    knnIndices.push([i, ...hits.map((hit) => hit.index)]);
    knnDistances.push([0, ...hits.map((hit) => Math.sqrt(Math.max(0, 2 - 2 * hit.score)))]);
    if ((i + 1) % ROW_REPORT === 0) onProgress({ phase: 'neighbours', done: i + 1, total: n });
  }
  umap.setPrecomputedKNN(knnIndices, knnDistances);
  const vectors = Array.from({ length: n }, (_, i) => Array.from(sampled.subarray(i * k, (i + 1) * k)));
  const epochs = umap.initializeFit(vectors);
  onProgress({ phase: 'neighbours', done: n, total: n });
  for (let epoch = 0; epoch < epochs; epoch++) {
    umap.step();
    if ((epoch + 1) % EPOCH_REPORT === 0 || epoch + 1 === epochs) onProgress({ phase: 'layout', done: epoch + 1, total: epochs });
  }
  umap.getEmbedding().forEach(([x, y], i) => {
    out[i * 2] = x;
    out[i * 2 + 1] = y;
  });
  return out;
}

/** Every non-sampled row goes where its nearest sampled rows are, weighted by 1 / distance². */
function placeRest(
  reduced: Float32Array,
  k: number,
  inSample: Uint8Array,
  matrix: QuantizedMatrix,
  layout: Float32Array,
  points: Float32Array,
  neighbours: number,
  onProgress: ProgressSink,
): void {
  const count = inSample.length;
  const total = count - matrix.count;
  let done = 0;
  for (let r = 0; r < count; r++) {
    if (inSample[r]) continue;
    const hits = topK(matrix.scores(reduced.subarray(r * k, (r + 1) * k)), neighbours);
    let x = 0, y = 0, weights = 0;
    for (const hit of hits) {
      // Cosine distance in PCA space; the epsilon keeps an exact duplicate from dividing by zero.
      const distance = Math.max(0, 1 - hit.score) + 1e-4;
      const w = 1 / (distance * distance);
      x += w * layout[hit.index * 2];
      y += w * layout[hit.index * 2 + 1];
      weights += w;
    }
    points[r * 2] = x / weights;
    points[r * 2 + 1] = y / weights;
    if (++done % ROW_REPORT === 0) onProgress({ phase: 'placing', done, total });
  }
  onProgress({ phase: 'placing', done: total, total });
}

function normaliseInPlace(vector: Float32Array): void {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < vector.length; i++) vector[i] *= inverse;
}

/** Centres the points and scales them so the longer side spans [-1, 1]. */
export function fitIntoUnitBox(points: Float32Array): void {
  const bounds = pointBounds(points);
  if (!bounds) return;
  const { minX, minY, maxX, maxY } = bounds;
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  const half = Math.max(maxX - minX, maxY - minY) / 2;
  const scale = half > 0 ? 1 / half : 0;
  for (let i = 0; i < points.length; i += 2) {
    points[i] = (points[i] - cx) * scale;
    points[i + 1] = (points[i + 1] - cy) * scale;
  }
}
