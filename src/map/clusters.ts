import { seededRandom } from '../base/random.ts';

/**
 * Regions of the map: k-means (k-means++ seeding, Lloyd iterations) on the 2-D points, so each labelled cluster
 * is a contiguous area of the picture rather than a set scattered over it.
 */
export interface Clustering {
  /** Cluster of each point; clusters are numbered largest first. */
  assignment: Uint16Array;
  /** x, y per cluster. */
  centroids: Float32Array;
  sizes: number[];
}

/**
 * The most clusters a map shows by default: one colour each in the map's palette (LibraryMap.svelte's ten
 * categorical colours; issue 18: twenty clusters in ten colours could not be told apart).
 */
export const MAX_DEFAULT_CLUSTERS = 10;

/** Clusters for `count` points when not given: about sqrt(count / 4), 2 to MAX_DEFAULT_CLUSTERS. */
export function defaultClusterCount(count: number): number {
  return Math.max(1, Math.min(MAX_DEFAULT_CLUSTERS, Math.min(count, Math.max(2, Math.round(Math.sqrt(count / 4))))));
}

const MAX_ITERATIONS = 50;

export function kMeans2d(points: Float32Array, k: number, seed: number): Clustering {
  const count = points.length / 2;
  if (count === 0) return { assignment: new Uint16Array(0), centroids: new Float32Array(0), sizes: [] };
  k = Math.max(1, Math.min(k, count, 65535));
  const random = seededRandom(seed);
  const centroids = seedCentroids(points, k, random);
  const assignment = new Uint16Array(count);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let changed = false;
    for (let i = 0; i < count; i++) {
      const c = nearestCentroid(points[i * 2], points[i * 2 + 1], centroids);
      if (c !== assignment[i]) {
        assignment[i] = c;
        changed = true;
      }
    }
    const next = new Float64Array(k * 2);
    const sizes = new Float64Array(k);
    for (let i = 0; i < count; i++) {
      const c = assignment[i];
      next[c * 2] += points[i * 2];
      next[c * 2 + 1] += points[i * 2 + 1];
      sizes[c]++;
    }
    for (let c = 0; c < k; c++) {
      // An emptied cluster keeps its old centre; it is dropped below if it stays empty.
      if (sizes[c] > 0) {
        centroids[c * 2] = next[c * 2] / sizes[c];
        centroids[c * 2 + 1] = next[c * 2 + 1] / sizes[c];
      }
    }
    if (!changed && iteration > 0) break; // assignments stable: centroids did not move
  }
  return renumberBySize(assignment, centroids, k);
}

/** k-means++: each next centre drawn with probability proportional to the squared distance to the nearest chosen. */
function seedCentroids(points: Float32Array, k: number, random: () => number): Float32Array {
  const count = points.length / 2;
  const centroids = new Float32Array(k * 2);
  const first = Math.floor(random() * count);
  centroids[0] = points[first * 2];
  centroids[1] = points[first * 2 + 1];
  const nearest = new Float64Array(count).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    const px = centroids[(c - 1) * 2], py = centroids[(c - 1) * 2 + 1];
    for (let i = 0; i < count; i++) {
      const dx = points[i * 2] - px, dy = points[i * 2 + 1] - py;
      nearest[i] = Math.min(nearest[i], dx * dx + dy * dy);
      total += nearest[i];
    }
    let target = random() * total;
    let chosen = count - 1;
    for (let i = 0; i < count; i++) {
      target -= nearest[i];
      if (target < 0) {
        chosen = i;
        break;
      }
    }
    centroids[c * 2] = points[chosen * 2];
    centroids[c * 2 + 1] = points[chosen * 2 + 1];
  }
  return centroids;
}

function nearestCentroid(x: number, y: number, centroids: Float32Array): number {
  let best = 0, bestDistance = Infinity;
  for (let c = 0; c < centroids.length / 2; c++) {
    const dx = x - centroids[c * 2], dy = y - centroids[c * 2 + 1];
    const distance = dx * dx + dy * dy;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = c;
    }
  }
  return best;
}

/** Drops empty clusters and numbers the rest by size, largest first (ties: lower old number first). */
function renumberBySize(assignment: Uint16Array, centroids: Float32Array, k: number): Clustering {
  const sizes = new Array<number>(k).fill(0);
  for (const c of assignment) sizes[c]++;
  const order = sizes.map((size, c) => ({ size, c })).filter((e) => e.size > 0).sort((a, b) => b.size - a.size || a.c - b.c);
  const renumber = new Uint16Array(k);
  order.forEach((e, i) => (renumber[e.c] = i));
  for (let i = 0; i < assignment.length; i++) assignment[i] = renumber[assignment[i]];
  const out = new Float32Array(order.length * 2);
  order.forEach((e, i) => {
    out[i * 2] = centroids[e.c * 2];
    out[i * 2 + 1] = centroids[e.c * 2 + 1];
  });
  return { assignment, centroids: out, sizes: order.map((e) => e.size) };
}
