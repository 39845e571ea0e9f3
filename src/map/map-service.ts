import * as Comlink from 'comlink';
import { defaultClusterCount, kMeans2d } from './clusters.ts';
import { distinctiveKeywords } from './keywords.ts';
import { keywordRows, resolveParams } from './params.ts';
import { projectPoints, type ProgressSink } from './projection.ts';
import { MapError, type MapErrorCode, type MapInput, type MapLayout } from './types.ts';

/**
 * What the map worker does (map.worker.ts only exposes an instance; tests construct it directly): the 2-D
 * projection, the clusters and their keywords, for one library. Failures come back as codes, not exceptions,
 * because comlink does not carry an error's fields across the boundary.
 */
export type MapOutcome = { ok: true; layout: MapLayout } | { ok: false; code: MapErrorCode; detail: string };

export class MapService {
  async build(input: MapInput, onProgress?: ProgressSink): Promise<MapOutcome> {
    try {
      const layout = computeMap(input, onProgress);
      return Comlink.transfer({ ok: true, layout }, [layout.points.buffer as ArrayBuffer, layout.clusterOf.buffer as ArrayBuffer]);
    } catch (error) {
      if (error instanceof MapError) return { ok: false, code: error.code, detail: error.message };
      throw error;
    }
  }
}

export function computeMap(input: MapInput, onProgress: ProgressSink = () => {}): MapLayout {
  const started = performance.now();
  const params = resolveParams(input.params);
  const { rows, texts } = input;
  const count = rows.scales.length;
  if (rows.data.length !== count * rows.dims) throw new MapError('bad-input', `${rows.data.length} int8 values for ${count} rows of ${rows.dims} dims.`);
  const textRows = input.textRows ?? keywordRows(count, params);
  if (input.textRows ? texts.length !== input.textRows.length : texts.length !== count) {
    throw new MapError('bad-input', `${texts.length} texts for ${input.textRows ? `${input.textRows.length} text rows` : `${count} vectors`}.`);
  }
  if (input.textRows?.some((row) => row < 0 || row >= count)) throw new MapError('bad-input', `A text row is outside the ${count} vectors.`);
  const projection = projectPoints(rows, params, onProgress);

  let stepStarted = performance.now();
  onProgress({ phase: 'clustering', done: 0, total: 1 });
  const clustering = kMeans2d(projection.points, params.clusters || defaultClusterCount(count), params.seed);
  onProgress({ phase: 'clustering', done: 1, total: 1 });
  const clusterMs = performance.now() - stepStarted;

  stepStarted = performance.now();
  onProgress({ phase: 'keywords', done: 0, total: 1 });
  // Counted over at most keywordDocs papers (counting is the slow part at 100,000): the rows whose texts were
  // sent, or a sample of all the texts.
  const keywordTexts = input.textRows || !textRows ? texts : Array.from(textRows, (row) => texts[row]);
  const keywordClusters = textRows ? Uint16Array.from(textRows, (row) => clustering.assignment[row]) : clustering.assignment;
  const keywords = params.keywords > 0 ? distinctiveKeywords(keywordTexts, keywordClusters, clustering.sizes.length, params.keywords) : [];
  onProgress({ phase: 'keywords', done: 1, total: 1 });
  const keywordMs = performance.now() - stepStarted;

  return {
    count,
    points: projection.points,
    clusterOf: clustering.assignment,
    clusters: clustering.sizes.map((size, id) => ({ id, size, ...labelPosition(projection.points, clustering.assignment, clustering.centroids, id), keywords: keywords[id] ?? [] })),
    params,
    stats: {
      sampled: projection.sampled,
      reduceMs: projection.reduceMs,
      umapMs: projection.umapMs,
      placeMs: projection.placeMs,
      clusterMs,
      keywordMs,
      totalMs: performance.now() - started,
    },
  };
}

/**
 * Where a cluster's label goes: on its member nearest the centroid. A cluster spread over two islands of the
 * map has its centroid in the empty space between them; a label there would point at nothing.
 */
function labelPosition(points: Float32Array, assignment: Uint16Array, centroids: Float32Array, cluster: number): { x: number; y: number } {
  const cx = centroids[cluster * 2], cy = centroids[cluster * 2 + 1];
  let best = -1, bestDistance = Infinity;
  for (let i = 0; i < assignment.length; i++) {
    if (assignment[i] !== cluster) continue;
    const distance = (points[i * 2] - cx) ** 2 + (points[i * 2 + 1] - cy) ** 2;
    if (distance < bestDistance) [best, bestDistance] = [i, distance];
  }
  return best < 0 ? { x: cx, y: cy } : { x: points[best * 2], y: points[best * 2 + 1] };
}
