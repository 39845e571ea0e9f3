import { describe, expect, it } from 'vitest';
import { SpatialGrid } from '../../src/map/spatial-grid.ts';
import { seededRandom as rng } from '../../src/base/random.ts';

function randomPoints(count: number, seed: number): Float32Array {
  const random = rng(seed);
  // Uneven density: half the points crowd a small corner, as map clusters do.
  return Float32Array.from({ length: count * 2 }, (_, i) => (i < count ? random() * 0.1 : random() * 2 - 1));
}

function bruteNearest(points: Float32Array, x: number, y: number, radius: number): number {
  let best = -1, bestDistance = radius * radius;
  for (let i = 0; i < points.length / 2; i++) {
    const d = (points[i * 2] - x) ** 2 + (points[i * 2 + 1] - y) ** 2;
    if (d < bestDistance || (d === bestDistance && best < 0)) [best, bestDistance] = [i, d];
  }
  return best;
}

describe('SpatialGrid', () => {
  const points = randomPoints(5000, 11);
  const grid = SpatialGrid.build(points);
  const random = rng(5);

  it('finds the same nearest point as a full scan, or none beyond the radius', () => {
    let found = 0;
    for (let q = 0; q < 500; q++) {
      const x = random() * 2.2 - 1.1, y = random() * 2.2 - 1.1, radius = random() * 0.05;
      const expected = bruteNearest(points, x, y, radius);
      expect(grid.nearest(x, y, radius)).toBe(expected);
      if (expected >= 0) found++;
    }
    expect(found).toBeGreaterThan(50); // the queries did hit points, not only empty space
  });

  it('lists exactly the points inside a rectangle, corners in any order', () => {
    for (let q = 0; q < 50; q++) {
      const x0 = random() * 2 - 1, y0 = random() * 2 - 1, x1 = random() * 2 - 1, y1 = random() * 2 - 1;
      const expected: number[] = [];
      for (let i = 0; i < points.length / 2; i++) {
        const px = points[i * 2], py = points[i * 2 + 1];
        if (px >= Math.min(x0, x1) && px <= Math.max(x0, x1) && py >= Math.min(y0, y1) && py <= Math.max(y0, y1)) expected.push(i);
      }
      expect(grid.within(x0, y0, x1, y1)).toEqual(expected);
    }
  });

  it('works for no points and for points all in one place', () => {
    expect(SpatialGrid.build(new Float32Array(0)).nearest(0, 0, 1)).toBe(-1);
    const same = SpatialGrid.build(Float32Array.from([0.3, 0.3, 0.3, 0.3, 0.3, 0.3]));
    expect(same.nearest(0.3, 0.31, 0.05)).toBe(0);
    expect(same.within(0, 0, 1, 1)).toEqual([0, 1, 2]);
  });
});
