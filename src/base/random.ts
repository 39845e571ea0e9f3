/** Seeded uniform [0, 1) generator (mulberry32): the same seed gives the same map, in the worker and in Node. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
