/**
 * Draws points straight into an RGBA pixel buffer (one Uint32 per pixel), then the caller puts it on the canvas
 * in one call. A Canvas2D path per point costs ~100,000 draw calls per frame; this costs a few million integer
 * stores (tools/bench-map.ts compares both: `map_pan_frame_p95_ms_100k` vs the `naive` baseline).
 */
export interface PixelTarget {
  pixels: Uint32Array;
  width: number;
  height: number;
}

/** Map coordinates to device pixels: px = x * scale + offsetX. */
export interface View {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/**
 * Paints each point as a `size` x `size` square centred on it, in `colors[group[i]]` (packed as the platform's
 * ImageData Uint32 view reads them; see packColor). Points outside the target are skipped.
 */
export function paintPoints(target: PixelTarget, points: Float32Array, group: ArrayLike<number>, colors: Uint32Array, view: View, size: number): void {
  const { pixels, width, height } = target;
  const half = (size - 1) >> 1;
  const count = points.length / 2;
  for (let i = 0; i < count; i++) {
    const px = Math.round(points[i * 2] * view.scale + view.offsetX) - half;
    const py = Math.round(points[i * 2 + 1] * view.scale + view.offsetY) - half;
    if (px + size <= 0 || py + size <= 0 || px >= width || py >= height) continue;
    const color = colors[group[i]];
    const x0 = Math.max(0, px), x1 = Math.min(width, px + size);
    const y0 = Math.max(0, py), y1 = Math.min(height, py + size);
    for (let y = y0; y < y1; y++) {
      const row = y * width;
      for (let x = x0; x < x1; x++) pixels[row + x] = color;
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** An RGBA colour (0-255 each) as one Uint32 pixel of an ImageData buffer on this platform. */
export function packColor(r: number, g: number, b: number, a = 255): number {
  return LITTLE_ENDIAN ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}
