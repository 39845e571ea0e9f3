/**
 * The project's one seeded generator (mulberry32) and what is drawn from it. The same seed gives the same
 * numbers in a worker, a page and Node, so maps, samples, synthetic corpora and randomized tests reproduce.
 */

/** mulberry32: the next 32-bit unsigned output for each call. */
function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Seeded uniform draws in [0, 1). */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** Seeded uniform draws in (0, 1): never 0, so a logarithm of one is always finite. */
export function seededOpenRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => (next() + 1) / 4294967297;
}

/** Half the smallest non-zero draw either generator makes: a draw of 0 is read as this, so the logarithm stays finite. */
const SMALLEST_DRAW = 2 ** -33;

/** Box-Muller's radius for one uniform draw. */
function boxMullerRadius(uniform: number): number {
  return Math.sqrt(-2 * Math.log(Math.max(uniform, SMALLEST_DRAW)));
}

/** One standard normal draw (Box-Muller, cosine half) from two uniform draws of `random`. */
export function gaussian(random: () => number): number {
  return boxMullerRadius(random()) * Math.cos(2 * Math.PI * random());
}

/** Two independent normal draws of deviation `scale` (both halves of Box-Muller) from two uniform draws of `random`. */
export function gaussianPair(random: () => number, scale = 1): [number, number] {
  const radius = scale * boxMullerRadius(random());
  const angle = 2 * Math.PI * random();
  return [radius * Math.cos(angle), radius * Math.sin(angle)];
}

/** `size` distinct indices of [0, count), ascending, chosen uniformly (partial Fisher-Yates). */
export function sampleIndices(count: number, size: number, random: () => number): Int32Array {
  if (size >= count) return Int32Array.from({ length: count }, (_, i) => i);
  const pool = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (count - i));
    const swap = pool[i];
    pool[i] = pool[j];
    pool[j] = swap;
  }
  return pool.slice(0, size).sort();
}
