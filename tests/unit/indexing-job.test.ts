import { describe, expect, it } from 'vitest';
import { runIndexingJob, type JobProgress } from '../../src/app/services/indexing-job.ts';
import { EngineUnavailableError, WorkerLostError } from '../../src/embedding/supervisor.ts';
import type { BatchCallback } from '../../src/embedding/worker-api.ts';
import { fakeModel } from '../support/fake-worker.ts';

const DIMS = 2;
/** A corpus of 8 papers; the text of position p is "paper p". */
const textOf = (position: number) => `paper ${position}`;
/** The fake encoder's vector for a text: [position, -position], so a row can be traced back to its paper. */
const vectorOf = (text: string) => {
  const p = Number(text.split(' ')[1]);
  return [p, -p];
};

type Run = (texts: string[], onBatch: BatchCallback) => Promise<void>;

/** An engine whose n-th embedDocuments call runs `runs[n]`; records texts and whenReady calls. */
function fakeEngine(runs: Run[], ready: () => Promise<unknown> = async () => fakeModel(DIMS)) {
  const calls: string[][] = [];
  let readyCalls = 0;
  const engine = {
    whenReady: async () => {
      readyCalls++;
      await ready();
      return fakeModel(DIMS);
    },
    embedDocuments: (texts: string[], onBatch: BatchCallback) => {
      calls.push([...texts]);
      const run = runs[calls.length - 1];
      if (!run) throw new Error(`unexpected embedDocuments call ${calls.length}`);
      return run(texts, onBatch);
    },
  };
  return { engine, calls, readyCalls: () => readyCalls };
}

/** Delivers texts [from, to) of this call in batches of `size`, as the worker does. */
async function deliver(texts: string[], onBatch: BatchCallback, from: number, to: number, size: number): Promise<void> {
  for (let start = from; start < to; start += size) {
    const indices = Array.from({ length: Math.min(size, to - start) }, (_, k) => start + k);
    const vectors = Float32Array.from(indices.flatMap((i) => vectorOf(texts[i])));
    await onBatch({ done: start + indices.length, total: texts.length }, indices, vectors);
  }
}

const all: Run = (texts, onBatch) => deliver(texts, onBatch, 0, texts.length, 2);

function collector() {
  const rows: { positions: number[]; vectors: number[] }[] = [];
  const progress: JobProgress[] = [];
  const resumes: [number, number][] = [];
  return {
    rows,
    progress,
    resumes,
    onRows: async (positions: number[], vectors: Float32Array) => void rows.push({ positions, vectors: [...vectors] }),
    onProgress: (p: JobProgress) => void progress.push(p),
    onResume: (done: number, total: number) => void resumes.push([done, total]),
  };
}

describe('runIndexingJob', () => {
  it('embeds every missing position, delivers rows by corpus position and reports done/total', async () => {
    const { engine, calls } = fakeEngine([all]);
    const out = collector();
    const missing = [1, 3, 4, 6, 7];
    await runIndexingJob({ engine, missing, textOf, ...out, now: () => 0 });
    expect(calls).toEqual([['paper 1', 'paper 3', 'paper 4', 'paper 6', 'paper 7']]);
    expect(out.rows).toEqual([
      { positions: [1, 3], vectors: [1, -1, 3, -3] },
      { positions: [4, 6], vectors: [4, -4, 6, -6] },
      { positions: [7], vectors: [7, -7] },
    ]);
    expect(out.progress.map((p) => [p.done, p.total])).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    expect(out.resumes).toEqual([]);
  });

  it('does nothing for an empty list', async () => {
    const { engine, calls } = fakeEngine([]);
    const out = collector();
    await runIndexingJob({ engine, missing: [], textOf, ...out });
    expect(calls).toEqual([]);
    expect(out.progress).toEqual([]);
  });

  it('after a lost worker, resumes with only the texts still missing and keeps rows by corpus position', async () => {
    const missing = [0, 2, 3, 5, 6, 7];
    const { engine, calls, readyCalls } = fakeEngine([
      // First worker: two batches out of order (positions 0,2 then 5,6), then it dies.
      async (texts, onBatch) => {
        await onBatch({ done: 2, total: 6 }, [0, 1], Float32Array.from([...vectorOf(texts[0]), ...vectorOf(texts[1])]));
        await onBatch({ done: 4, total: 6 }, [3, 4], Float32Array.from([...vectorOf(texts[3]), ...vectorOf(texts[4])]));
        throw new WorkerLostError('died');
      },
      all,
    ]);
    const out = collector();
    await runIndexingJob({ engine, missing, textOf, ...out, now: () => 0 });
    expect(calls).toEqual([
      ['paper 0', 'paper 2', 'paper 3', 'paper 5', 'paper 6', 'paper 7'],
      ['paper 3', 'paper 7'],
    ]);
    expect(out.resumes).toEqual([[4, 6]]);
    expect(readyCalls()).toBe(1);
    expect(out.rows).toEqual([
      { positions: [0, 2], vectors: [0, -0, 2, -2] },
      { positions: [5, 6], vectors: [5, -5, 6, -6] },
      { positions: [3, 7], vectors: [3, -3, 7, -7] },
    ]);
    expect(out.progress.map((p) => p.done)).toEqual([2, 4, 6]);
    expect(out.progress.every((p) => p.total === 6)).toBe(true);
  });

  it('survives several losses in a row, each time sending what is still missing', async () => {
    const missing = [10, 11, 12, 13];
    const lostAfter =
      (count: number): Run =>
      async (texts, onBatch) => {
        await deliver(texts, onBatch, 0, count, 1);
        throw new WorkerLostError('unresponsive');
      };
    const { engine, calls } = fakeEngine([lostAfter(1), lostAfter(0), lostAfter(2), all]);
    const out = collector();
    await runIndexingJob({ engine, missing, textOf, ...out, now: () => 0 });
    expect(calls).toEqual([['paper 10', 'paper 11', 'paper 12', 'paper 13'], ['paper 11', 'paper 12', 'paper 13'], ['paper 11', 'paper 12', 'paper 13'], ['paper 13']]);
    expect(out.resumes).toEqual([
      [1, 4],
      [1, 4],
      [3, 4],
    ]);
    expect(out.rows.flatMap((r) => r.positions)).toEqual([10, 11, 12, 13]);
  });

  it('waits for whenReady before resuming', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { engine, calls } = fakeEngine(
      [
        async () => {
          throw new WorkerLostError('died');
        },
        all,
      ],
      () => gate,
    );
    const out = collector();
    const job = runIndexingJob({ engine, missing: [0], textOf, ...out });
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(out.resumes).toEqual([[0, 1]]);
    expect(calls).toHaveLength(1);
    release();
    await job;
    expect(calls).toHaveLength(2);
  });

  it('propagates EngineUnavailableError from whenReady', async () => {
    const failure = { code: 'worker-lost' as const, detail: 'lost 4 times' };
    const { engine, calls } = fakeEngine(
      [
        async () => {
          throw new WorkerLostError('died');
        },
      ],
      async () => {
        throw new EngineUnavailableError(failure);
      },
    );
    const out = collector();
    const error = await runIndexingJob({ engine, missing: [0, 1], textOf, ...out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as EngineUnavailableError).failure).toEqual(failure);
    expect(calls).toHaveLength(1);
    expect(out.resumes).toEqual([[0, 2]]);
  });

  it('propagates AbortError from embedDocuments without resuming', async () => {
    const { engine, calls, readyCalls } = fakeEngine([
      async (texts, onBatch) => {
        await deliver(texts, onBatch, 0, 1, 1);
        throw new DOMException('stopped', 'AbortError');
      },
    ]);
    const out = collector();
    const error = await runIndexingJob({ engine, missing: [0, 1, 2], textOf, ...out }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(calls).toHaveLength(1);
    expect(readyCalls()).toBe(0);
    expect(out.resumes).toEqual([]);
    expect(out.rows).toEqual([{ positions: [0], vectors: [0, -0] }]);
  });

  it('computes docsPerSecond and secondsLeft from the injected clock', async () => {
    const times = [1_000, 3_000, 5_000]; // started at 1 s; batches end at 3 s and 5 s
    let t = 0;
    const now = () => times[Math.min(t++, times.length - 1)];
    const { engine } = fakeEngine([(texts, onBatch) => deliver(texts, onBatch, 0, texts.length, 4)]);
    const out = collector();
    await runIndexingJob({ engine, missing: [0, 1, 2, 3, 4, 5, 6, 7], textOf, ...out, now });
    expect(out.progress).toEqual([
      { done: 4, total: 8, docsPerSecond: 2, secondsLeft: 2 },
      { done: 8, total: 8, docsPerSecond: 2, secondsLeft: 0 },
    ]);
  });
});
