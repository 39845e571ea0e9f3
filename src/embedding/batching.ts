/**
 * Groups texts of similar token length so that a batch pads little: sort by length, then cut batches
 * that hold at most `maxBatchTokens` padded tokens (and at most `maxBatchSize` texts).
 */
export interface BatchPlan {
  /** Indices into the input, one array per batch, in the order they should run. */
  batches: number[][];
}

export function planBatches(tokenCounts: readonly number[], maxBatchTokens: number, maxBatchSize: number): BatchPlan {
  const order = tokenCounts.map((_, i) => i).sort((a, b) => tokenCounts[a] - tokenCounts[b]);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const index of order) {
    // Sorted ascending, so this text is the longest in the batch: the batch pads to its length.
    const paddedTokens = (current.length + 1) * tokenCounts[index];
    if (current.length > 0 && (current.length >= maxBatchSize || paddedTokens > maxBatchTokens)) {
      batches.push(current);
      current = [];
    }
    current.push(index);
  }
  if (current.length > 0) batches.push(current);
  return { batches };
}
