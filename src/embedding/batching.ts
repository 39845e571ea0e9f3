/**
 * Groups texts of similar token length so that a batch pads little: sort by length, then cut batches
 * that hold at most `maxBatchTokens` padded tokens (and at most `maxBatchSize` texts).
 */
export interface BatchPlan {
  /** Indices into the input, one array per batch, in the order they should run. */
  batches: number[][];
}

/** `sortByLength` false keeps the input order (the benchmark's baseline for what sorting gains). */
export function planBatches(tokenCounts: readonly number[], maxBatchTokens: number, maxBatchSize: number, sortByLength = true): BatchPlan {
  const order = tokenCounts.map((_, i) => i);
  if (sortByLength) order.sort((a, b) => tokenCounts[a] - tokenCounts[b]);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const index of order) {
    // The batch pads to its longest text (when sorted ascending, the one being added).
    const paddedTokens = (current.length + 1) * Math.max(longest, tokenCounts[index]);
    if (current.length > 0 && (current.length >= maxBatchSize || paddedTokens > maxBatchTokens)) {
      batches.push(current);
      current = [];
      longest = 0;
    }
    current.push(index);
    longest = Math.max(longest, tokenCounts[index]);
  }
  if (current.length > 0) batches.push(current);
  return { batches };
}
