import { describe, expect, it } from 'vitest';
import { packColor, paintPoints } from '../../src/map/raster.ts';

describe('paintPoints', () => {
  const target = () => ({ pixels: new Uint32Array(10 * 8), width: 10, height: 8 });
  const colors = Uint32Array.from([packColor(255, 0, 0), packColor(0, 0, 255)]);
  const painted = (t: ReturnType<typeof target>) =>
    Array.from(t.pixels).flatMap((p, i) => (p === 0 ? [] : [[i % t.width, Math.floor(i / t.width), p === colors[0] ? 0 : 1]]));

  it('fills a size x size square centred on each point, in its group colour', () => {
    const t = target();
    // Map (0, 0) -> pixel (2, 2), (1, 0.5) -> pixel (6, 4) with scale 4 and offset 2.
    paintPoints(t, Float32Array.from([0, 0, 1, 0.5]), [0, 1], colors, { scale: 4, offsetX: 2, offsetY: 2 }, 3);
    const expected = [];
    for (const [cx, cy, g] of [[2, 2, 0], [6, 4, 1]]) for (let y = cy - 1; y <= cy + 1; y++) for (let x = cx - 1; x <= cx + 1; x++) expected.push([x, y, g]);
    expect(painted(t).sort()).toEqual(expected.sort());
  });

  it('clips squares at the edges and skips points outside', () => {
    const t = target();
    paintPoints(t, Float32Array.from([0, 0, 100, 100, -5, 3]), [0, 0, 1], colors, { scale: 1, offsetX: 0, offsetY: 0 }, 3);
    expect(painted(t).sort()).toEqual([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]].sort());
  });

  it('packs colours in the byte order ImageData reads (r, g, b, a)', () => {
    const bytes = new Uint8Array(Uint32Array.from([packColor(10, 20, 30, 40)]).buffer);
    expect(Array.from(bytes)).toEqual([10, 20, 30, 40]);
  });
});
