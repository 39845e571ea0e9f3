import { documentText } from '../../base/paper-id.ts';
import type { ModelInfo } from '../../embedding/worker-api.ts';
import type { SearchIndex } from '../../search/search.ts';
import { embeddingCost, RateMeter, type MeasuredRate } from '../embedding-estimate.ts';
import type { EmbeddingProgress } from '../snapshot.ts';
import type { CacheLike } from './deps.ts';
import { runIndexingJob, type EmbeddingEngine } from './indexing-job.ts';
import type { LocalCorpus } from './open-library.ts';

/** Papers done before this run and in all, and the cost of what follows it: one progress bar over several runs. */
export interface RunSpan {
  before: number;
  total: number;
  costAfter: number;
}

export interface EmbedRunParts {
  engine: EmbeddingEngine;
  cache: Pick<CacheLike, 'append'>;
  model: ModelInfo;
  corpus: LocalCorpus;
  index: SearchIndex;
  /** After each stored batch: papers stored by this run, and the bar's state. */
  onProgress(storedByRun: number, progress: EmbeddingProgress): void;
  /** The rate so far, after each batch once it can be measured: the last measured rate is what is remembered. */
  onRate(rate: MeasuredRate): void;
  /** The worker was lost and the run continues on a new one. */
  onResume(done: number, total: number): void;
}

/**
 * Embeds `positions` of the corpus. Each batch is written to the vector cache before it is counted or used:
 * closing the tab loses at most the batch in flight, and the count on screen is what the cache will give back.
 * Resolves the measured rate (null if too short to measure).
 */
export async function embedRun(parts: EmbedRunParts, positions: readonly number[], span: RunSpan): Promise<MeasuredRate | null> {
  const { model, corpus, index } = parts;
  // Rates in embedding-cost units: papers/s falls as a run goes on (the encoder embeds short texts first).
  const meter = new RateMeter();
  const costs = new Map(positions.map((position) => [position, embeddingCost(documentText(corpus.papers[position]))]));
  const totalCost = [...costs.values()].reduce((sum, cost) => sum + cost, 0);
  let costDone = 0;
  await runIndexingJob({
    engine: parts.engine,
    missing: positions,
    textOf: (i) => documentText(corpus.papers[i]),
    onRows: async (rowPositions, vectors) => {
      const rows = vectors.subarray(0, rowPositions.length * model.dims);
      await parts.cache.append(model.modelKey, model.dims, rowPositions.map((position) => corpus.hashes[position]), rows);
      rowPositions.forEach((position, row) => {
        index.vectors.setRow(position, rows.subarray(row * model.dims, (row + 1) * model.dims));
        corpus.present[position] = 1;
        costDone += costs.get(position) ?? 0;
      });
    },
    onProgress: (progress) => {
      meter.record(progress.done, costDone);
      const rate = meter.rate();
      if (rate) parts.onRate(rate);
      const secondsLeft = meter.secondsLeft(totalCost - costDone + span.costAfter) ?? progress.secondsLeft;
      const docsPerSecond = rate?.papersPerSecond ?? progress.docsPerSecond;
      parts.onProgress(progress.done, { done: span.before + progress.done, total: span.total, docsPerSecond, secondsLeft });
    },
    onResume: parts.onResume,
  });
  return meter.rate();
}
