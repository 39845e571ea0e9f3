import { WorkerLostError } from '../../embedding/supervisor.ts';
import type { BatchCallback, ModelInfo } from '../../embedding/worker-api.ts';

/**
 * Embeds the papers a corpus is missing, through the supervised engine. When the worker is lost mid-way, the
 * job waits for its replacement and continues with the papers still missing: batches already delivered are
 * kept (and persisted by the caller), so nothing is embedded twice. Stops with the engine's error when the
 * engine becomes unavailable, or with AbortError when cancelled.
 */

export interface EmbeddingEngine {
  whenReady(): Promise<ModelInfo>;
  embedDocuments(texts: string[], onBatch: BatchCallback): Promise<void>;
}

export interface JobProgress {
  done: number;
  total: number;
  docsPerSecond: number;
  secondsLeft: number;
}

export interface IndexingJobOptions {
  engine: EmbeddingEngine;
  /** Positions (in the corpus) to embed, and the text of a position. */
  missing: readonly number[];
  textOf(position: number): string;
  /** Receives each embedded row, by corpus position; may persist (awaited, so it paces the worker). */
  onRows(positions: number[], vectors: Float32Array): Promise<void>;
  onProgress(progress: JobProgress): void;
  /** The worker was lost and the job continues on a new one. */
  onResume(done: number, total: number): void;
  now?: () => number;
}

export async function runIndexingJob(options: IndexingJobOptions): Promise<void> {
  const now = options.now ?? (() => performance.now());
  const total = options.missing.length;
  const done = new Uint8Array(total);
  let doneCount = 0;
  const started = now();
  while (doneCount < total) {
    const remaining = options.missing.map((_, k) => k).filter((k) => done[k] === 0);
    const onBatch: BatchCallback = async (_progress, indices, vectors) => {
      const fresh = indices.filter((i) => done[remaining[i]] === 0);
      for (const i of indices) done[remaining[i]] = 1;
      doneCount += fresh.length;
      await options.onRows(
        indices.map((i) => options.missing[remaining[i]]),
        vectors,
      );
      const docsPerSecond = doneCount / Math.max((now() - started) / 1000, 1e-3);
      options.onProgress({ done: doneCount, total, docsPerSecond, secondsLeft: (total - doneCount) / docsPerSecond });
    };
    try {
      await options.engine.embedDocuments(
        remaining.map((k) => options.textOf(options.missing[k])),
        onBatch,
      );
      return;
    } catch (error) {
      if (!(error instanceof WorkerLostError)) throw error;
      options.onResume(doneCount, total);
      await options.engine.whenReady();
    }
  }
}
