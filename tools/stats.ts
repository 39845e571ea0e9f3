/** Summary statistics the benchmarks print: one definition, so every tool's p95 means the same thing. */

/** Nearest-rank quantile: the smallest value with at least q of the samples at or below it; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** Rounds for printing (JSON keys carry a fixed number of decimals). */
export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
