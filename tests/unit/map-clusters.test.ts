import { describe, expect, it } from 'vitest';
import { defaultClusterCount, kMeans2d } from '../../src/map/clusters.ts';
import { seededRandom as rng } from '../../src/base/random.ts';

/** Blobs of the given sizes around well-separated centres; returns points and each point's blob. */
function blobs(sizes: number[], seed = 3): { points: Float32Array; blob: number[] } {
  const random = rng(seed);
  const centres = [[-0.8, -0.8], [0.8, -0.6], [0, 0.8], [0.9, 0.9]];
  const coords: number[] = [];
  const blob: number[] = [];
  sizes.forEach((size, b) => {
    for (let i = 0; i < size; i++) {
      coords.push(centres[b][0] + (random() - 0.5) * 0.2, centres[b][1] + (random() - 0.5) * 0.2);
      blob.push(b);
    }
  });
  return { points: Float32Array.from(coords), blob };
}

describe('kMeans2d', () => {
  it('finds separated blobs and numbers clusters largest first', () => {
    const { points, blob } = blobs([30, 80, 50]);
    const { assignment, sizes, centroids } = kMeans2d(points, 3, 42);
    expect(sizes).toEqual([80, 50, 30]);
    // Blob 1 (80 points) is cluster 0, blob 2 cluster 1, blob 0 cluster 2.
    const expected = [2, 0, 1];
    blob.forEach((b, i) => expect(assignment[i]).toBe(expected[b]));
    expect(centroids[0]).toBeCloseTo(0.8, 1);
    expect(centroids[1]).toBeCloseTo(-0.6, 1);
  });

  it('is deterministic for a seed', () => {
    const { points } = blobs([40, 40, 40, 40]);
    expect(Array.from(kMeans2d(points, 6, 7).assignment)).toEqual(Array.from(kMeans2d(points, 6, 7).assignment));
  });

  it('never returns an empty cluster, even when asked for more clusters than distinct points', () => {
    const points = Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const { sizes, assignment } = kMeans2d(points, 4, 1);
    expect(sizes.every((s) => s > 0)).toBe(true);
    expect(sizes.reduce((a, b) => a + b)).toBe(4);
    expect(Math.max(...assignment)).toBe(sizes.length - 1);
  });

  it('handles no points and one point', () => {
    expect(kMeans2d(new Float32Array(0), 3, 1).sizes).toEqual([]);
    expect(kMeans2d(Float32Array.from([0.5, 0.5]), 3, 1).sizes).toEqual([1]);
  });
});

describe('defaultClusterCount', () => {
  it('grows with the library and stays readable', () => {
    expect(defaultClusterCount(1)).toBe(1);
    expect(defaultClusterCount(96)).toBe(5);
    expect(defaultClusterCount(5183)).toBe(10);
    expect(defaultClusterCount(100_000)).toBe(10);
  });
});
