/** The bounding box of 2-D points stored x, y, x, y, ...; null when there is no finite point. Shared by the worker and the canvas. */
export function pointBounds(points: Float32Array): { minX: number; minY: number; maxX: number; maxY: number } | null {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    minX = Math.min(minX, points[i]);
    maxX = Math.max(maxX, points[i]);
    minY = Math.min(minY, points[i + 1]);
    maxY = Math.max(maxY, points[i + 1]);
  }
  return Number.isFinite(minX) ? { minX, minY, maxX, maxY } : null;
}
