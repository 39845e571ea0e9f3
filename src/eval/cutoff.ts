/**
 * Choosing a relevance cut-off by measurement (tools/choose-cutoff.ts): given the scores of ranked results and
 * whether each is judged relevant, how precise is a result at a given score, and below which score does that
 * precision fall under a chosen level.
 */

export interface JudgedScore {
  score: number;
  relevant: boolean;
  /** How many results this one stands for (default 1), e.g. to give two datasets equal say. */
  weight?: number;
}

/** A run of scores over which the fitted precision is constant. */
export interface PrecisionBlock {
  /** Lowest and highest score in the block. */
  min: number;
  max: number;
  /** Share of the results in the block that are relevant (weighted). */
  precision: number;
  /** Results in the block (weighted). */
  count: number;
}

/**
 * Precision as a function of the score: the isotonic (never decreasing with the score) least-squares fit of
 * relevant = 1 / 0, by pool-adjacent-violators. It is the local precision at each score, with neighbouring
 * scores pooled just enough that a higher score is never less precise: no bin width to choose. Blocks come
 * lowest score first; equal scores always share a block.
 */
export function precisionByScore(samples: readonly JudgedScore[]): PrecisionBlock[] {
  const sorted = [...samples].sort((a, b) => a.score - b.score);
  const blocks: Array<PrecisionBlock & { hits: number }> = [];
  for (let i = 0; i < sorted.length; ) {
    // Tied scores cannot be told apart by a threshold: start them as one block.
    let j = i;
    let hits = 0;
    let count = 0;
    for (; j < sorted.length && sorted[j].score === sorted[i].score; j++) {
      const weight = sorted[j].weight ?? 1;
      count += weight;
      if (sorted[j].relevant) hits += weight;
    }
    blocks.push({ min: sorted[i].score, max: sorted[i].score, count, hits, precision: count > 0 ? hits / count : 0 });
    i = j;
    while (blocks.length > 1 && blocks[blocks.length - 2].precision >= blocks[blocks.length - 1].precision) {
      const top = blocks.pop()!;
      const below = blocks[blocks.length - 1];
      below.max = top.max;
      below.count += top.count;
      below.hits += top.hits;
      below.precision = below.count > 0 ? below.hits / below.count : 0;
    }
  }
  return blocks.map(({ min, max, precision, count }) => ({ min, max, precision, count }));
}

/**
 * The lowest score at which the fitted precision reaches `level` (and, being monotone, stays there above it):
 * results scoring below it are less likely than `level` to be relevant. Infinity when no score reaches it.
 */
export function thresholdFor(blocks: readonly PrecisionBlock[], level: number): number {
  if (!(level > 0 && level <= 1)) throw new Error(`thresholdFor: level must be in (0, 1], got ${level}`);
  const first = blocks.find((block) => block.precision >= level);
  return first ? first.min : Infinity;
}

export interface CutStats {
  /** Results at or above the threshold. */
  shown: number;
  /** Share of those that are relevant (NaN when none are shown). */
  precision: number;
  /** Share of all judged-relevant documents that are shown. */
  recall: number;
}

/** Precision and recall of showing exactly the results that score at least `threshold`. */
export function cutStats(samples: readonly JudgedScore[], threshold: number, totalRelevant: number): CutStats {
  let shown = 0;
  let hits = 0;
  for (const sample of samples) {
    if (sample.score < threshold) continue;
    shown++;
    if (sample.relevant) hits++;
  }
  return { shown, precision: shown > 0 ? hits / shown : NaN, recall: totalRelevant > 0 ? hits / totalRelevant : NaN };
}
