import { describe, expect, it } from 'vitest';
import { gaussian, gaussianPair, seededOpenRandom, seededRandom } from '../../src/base/random.ts';

describe('seeded random (the one mulberry32 of the tree)', () => {
  it('repeats by seed and differs between seeds', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
  });

  it('draws the same 32-bit sequence in [0, 1) and in (0, 1)', () => {
    const closed = seededRandom(3);
    const open = seededOpenRandom(3);
    for (let i = 0; i < 1000; i++) {
      const bits = closed() * 4294967296;
      expect(Number.isInteger(bits)).toBe(true);
      expect(open()).toBe((bits + 1) / 4294967297);
    }
  });

  it('keeps Box-Muller finite when a uniform draw is exactly 0', () => {
    const zeros = () => 0;
    expect(Number.isFinite(gaussian(zeros))).toBe(true);
    expect(gaussianPair(zeros).every(Number.isFinite)).toBe(true);
  });

  it('gives standard normal draws (mean near 0, variance near 1), scaled pairs by the scale', () => {
    const random = seededRandom(11);
    const draws = Array.from({ length: 20000 }, () => gaussian(random));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const [x, y] = gaussianPair(seededRandom(5), 0.5);
    const [ux, uy] = gaussianPair(seededRandom(5));
    expect([x, y]).toEqual([0.5 * ux, 0.5 * uy]);
  });
});
