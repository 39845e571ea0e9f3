/**
 * A uniform grid over static 2-D points (counting sort into cells, CSR layout), for hover and brush hit-testing:
 * a hover looks at the few cells within its radius instead of all 100,000 points.
 */
export class SpatialGrid {
  private constructor(
    private readonly points: Float32Array,
    private readonly minX: number,
    private readonly minY: number,
    private readonly cellSize: number,
    private readonly columns: number,
    private readonly rows: number,
    /** Cell c holds items[start[c] .. start[c + 1]). */
    private readonly start: Int32Array,
    private readonly items: Int32Array,
  ) {}

  /** Cells are sized for about `perCell` points each on average over the bounding box. */
  static build(points: Float32Array, perCell = 8): SpatialGrid {
    const count = points.length / 2;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < count; i++) {
      minX = Math.min(minX, points[i * 2]);
      maxX = Math.max(maxX, points[i * 2]);
      minY = Math.min(minY, points[i * 2 + 1]);
      maxY = Math.max(maxY, points[i * 2 + 1]);
    }
    if (count === 0) minX = minY = maxX = maxY = 0;
    const width = Math.max(maxX - minX, 1e-9), height = Math.max(maxY - minY, 1e-9);
    const cellSize = Math.max(Math.sqrt((width * height * perCell) / Math.max(1, count)), Math.max(width, height) / 4096);
    const columns = Math.max(1, Math.ceil(width / cellSize) + 1);
    const rows = Math.max(1, Math.ceil(height / cellSize) + 1);
    const start = new Int32Array(columns * rows + 1);
    const cellOf = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const c = Math.floor((points[i * 2 + 1] - minY) / cellSize) * columns + Math.floor((points[i * 2] - minX) / cellSize);
      cellOf[i] = c;
      start[c + 1]++;
    }
    for (let c = 0; c < columns * rows; c++) start[c + 1] += start[c];
    const fill = start.slice(0, columns * rows);
    const items = new Int32Array(count);
    for (let i = 0; i < count; i++) items[fill[cellOf[i]]++] = i;
    return new SpatialGrid(points, minX, minY, cellSize, columns, rows, start, items);
  }

  /** The point nearest (x, y) within `radius`, or -1. Ties go to the lower index. */
  nearest(x: number, y: number, radius: number): number {
    let best = -1, bestDistance = radius * radius;
    this.visit(x - radius, y - radius, x + radius, y + radius, (i) => {
      const dx = this.points[i * 2] - x, dy = this.points[i * 2 + 1] - y;
      const distance = dx * dx + dy * dy;
      if (distance < bestDistance || (distance === bestDistance && (best < 0 || i < best))) {
        best = i;
        bestDistance = distance;
      }
    });
    return best;
  }

  /** Indices of the points inside the rectangle (corners in any order, edges included), ascending. */
  within(x0: number, y0: number, x1: number, y1: number): number[] {
    const [left, right] = x0 <= x1 ? [x0, x1] : [x1, x0];
    const [top, bottom] = y0 <= y1 ? [y0, y1] : [y1, y0];
    const found: number[] = [];
    this.visit(left, top, right, bottom, (i) => {
      const px = this.points[i * 2], py = this.points[i * 2 + 1];
      if (px >= left && px <= right && py >= top && py <= bottom) found.push(i);
    });
    return found.sort((a, b) => a - b);
  }

  private visit(x0: number, y0: number, x1: number, y1: number, each: (index: number) => void): void {
    const clampColumn = (x: number) => Math.min(this.columns - 1, Math.max(0, Math.floor((x - this.minX) / this.cellSize)));
    const clampRow = (y: number) => Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.minY) / this.cellSize)));
    const c0 = clampColumn(x0), c1 = clampColumn(x1), r0 = clampRow(y0), r1 = clampRow(y1);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.columns + c;
        for (let k = this.start[cell]; k < this.start[cell + 1]; k++) each(this.items[k]);
      }
    }
  }
}
