import { describe, expect, it } from 'vitest';
import { planBatches } from '../../src/embedding/batching.ts';
import { seededRandom as rng } from '../../src/base/random.ts';


function checkPlan(counts: number[], maxTokens: number, maxSize: number): number[][] {
  const { batches } = planBatches(counts, maxTokens, maxSize);
  // Every index exactly once.
  expect(batches.flat().sort((a, b) => a - b)).toEqual(counts.map((_, i) => i));
  for (const batch of batches) {
    expect(batch.length).toBeGreaterThan(0);
    expect(batch.length).toBeLessThanOrEqual(maxSize);
    const padded = batch.length * Math.max(...batch.map((i) => counts[i]));
    // Within the padded-token budget, unless the batch is a single over-budget text.
    if (batch.length > 1) expect(padded).toBeLessThanOrEqual(maxTokens);
  }
  // Sorted by length across the whole plan: run order is non-decreasing in token count.
  const lengths = batches.flat().map((i) => counts[i]);
  expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
  return batches;
}

describe('planBatches', () => {
  it('groups by length: short texts together, long ones together', () => {
    expect(planBatches([100, 5, 100, 5, 6], 300, 32).batches).toEqual([[1, 3, 4], [0, 2]]);
  });

  it('cuts at maxBatchSize', () => {
    expect(planBatches([1, 1, 1, 1, 1], 1000, 2).batches).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('cuts when the padded size (count x longest) would exceed the token budget', () => {
    // 3 x 10 = 30 fits; a fourth text of 10 would make 40 > 35.
    expect(planBatches([10, 10, 10, 10, 10], 35, 32).batches).toEqual([[0, 1, 2], [3, 4]]);
    // The padded size uses the longest text: [2, 2, 20] pads to 3 x 20 = 60 > 50, so 20 starts a new batch.
    expect(planBatches([2, 2, 20], 50, 32).batches).toEqual([[0, 1], [2]]);
  });

  it('a single text over the budget still gets a batch of its own, and so does the next one', () => {
    expect(planBatches([5000, 3, 6000], 512, 32).batches).toEqual([[1], [0], [2]]);
  });

  it('a budget exactly met is allowed (<=, not <)', () => {
    expect(planBatches([4, 4, 4, 4], 16, 32).batches).toEqual([[0, 1, 2, 3]]);
  });

  it('equal lengths keep input order (stable sort), so plans are deterministic', () => {
    expect(planBatches([7, 7, 7, 7], 14, 32).batches).toEqual([[0, 1], [2, 3]]);
  });

  it('no texts, no batches', () => {
    expect(planBatches([], 4096, 32).batches).toEqual([]);
  });

  it('random plans (200 seeds): every index once, size and padded-token limits, length order', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = rng(seed);
      const n = Math.floor(random() * 120);
      const counts = Array.from({ length: n }, () => 1 + Math.floor(random() * (random() < 0.1 ? 2000 : 512)));
      checkPlan(counts, 256 + Math.floor(random() * 4096), 1 + Math.floor(random() * 40));
    }
  });

  it('the encoder settings (4096 tokens, 32 texts) on the bundled corpus lengths make few batches', () => {
    // ~300-token abstracts: 13 per batch by budget, so 96 texts need at least 8 batches and no more than 96.
    const random = rng(42);
    const counts = Array.from({ length: 96 }, () => 200 + Math.floor(random() * 200));
    const batches = checkPlan(counts, 4096, 32);
    expect(batches.length).toBeGreaterThanOrEqual(8);
    expect(batches.length).toBeLessThanOrEqual(16);
  });
});

describe('issue 16: planBatches without sorting (the benchmark baseline)', () => {
  it('keeps the input order and still pads each batch to its longest text within the budget', () => {
    // Unsorted, a long text pads its whole batch: three texts next to a 100-token one already fill 300.
    expect(planBatches([5, 100, 5, 6], 300, 32, false).batches).toEqual([[0, 1, 2], [3]]);
    expect(planBatches([100, 5, 100, 5, 6], 300, 32, false).batches).toEqual([[0, 1, 2], [3, 4]]);
    // Sorted (the default), the short texts go together.
    expect(planBatches([100, 5, 100, 5, 6], 300, 32).batches).toEqual([[1, 3, 4], [0, 2]]);
  });
});
