import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbeddingSupervisor, EngineUnavailableError, WorkerLostError, type EngineState, type Timeouts } from '../../src/embedding/supervisor.ts';
import type { BatchProgress, LoadProgress, ModelFailure } from '../../src/embedding/worker-api.ts';
import { fakeConfig, fakeModel, FakeSpawner, READY, type FakeWorker } from '../support/fake-worker.ts';

const TIMEOUTS: Timeouts = { initIdleMs: 1_000, queryMs: 500, batchIdleMs: 2_000 };
const DELAYS = [100, 1_000, 5_000];
const MODEL = fakeModel(4);

/** Lets promise chains run (no timers move). */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Records whether a promise settled, and how, without an unhandled rejection. */
function track<T>(promise: Promise<T>) {
  const seen: { status: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { status: 'pending' };
  promise.then(
    (value) => Object.assign(seen, { status: 'resolved', value }),
    (error: unknown) => Object.assign(seen, { status: 'rejected', error }),
  );
  return seen;
}

/** Consecutive identical states collapsed: the sequence a person would see. */
function shown(states: EngineState[]): string[] {
  const labels = states.map((s) =>
    s.kind === 'starting' ? `starting:${s.restart}${s.after ? `:${s.after}` : ''}` : s.kind === 'ready' ? 'ready' : `unavailable:${s.failure.code}`,
  );
  return labels.filter((label, i) => label !== labels[i - 1]);
}

function setup(options: { delays?: number[]; timeouts?: Partial<Timeouts> } = {}) {
  const spawner = new FakeSpawner();
  const states: EngineState[] = [];
  const progress: LoadProgress[] = [];
  const supervisor = new EmbeddingSupervisor({
    spawn: spawner.spawn,
    config: fakeConfig(),
    onState: (state) => states.push(state),
    onProgress: (p) => progress.push(p),
    timeouts: { ...TIMEOUTS, ...options.timeouts },
    restartDelaysMs: options.delays ?? DELAYS,
  });
  return { spawner, states, progress, supervisor };
}

async function makeReady(worker: FakeWorker): Promise<void> {
  worker.lastInit.resolve(READY(MODEL));
  await flush();
}

/** Starts the supervisor and brings its first worker to ready. */
async function started(options: Parameters<typeof setup>[0] = {}) {
  const s = setup(options);
  s.supervisor.start();
  await flush();
  await makeReady(s.spawner.last);
  return s;
}

const vec = (...values: number[]) => Float32Array.from(values);

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('EmbeddingSupervisor start-up', () => {
  it('spawns one worker, passes the config, and goes starting -> ready', async () => {
    const { spawner, states, supervisor } = setup();
    supervisor.start();
    await flush();
    expect(spawner.count).toBe(1);
    expect(spawner.last.lastInit.config).toEqual(fakeConfig());
    expect(supervisor.state).toEqual({ kind: 'starting', restart: 0 });
    await makeReady(spawner.last);
    expect(states).toEqual([
      { kind: 'starting', restart: 0, after: undefined },
      { kind: 'ready', model: MODEL },
    ]);
    await expect(supervisor.whenReady()).resolves.toEqual(MODEL);
  });

  it('forwards load progress, and each progress event restarts the init idle clock', async () => {
    const { spawner, progress, supervisor, states } = setup();
    supervisor.start();
    await flush();
    const init = spawner.last.lastInit;
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(TIMEOUTS.initIdleMs - 1);
      init.onProgress({ phase: 'download', loaded: i + 1, total: 5 });
    }
    expect(progress).toHaveLength(5);
    expect(progress[4]).toEqual({ phase: 'download', loaded: 5, total: 5 });
    expect(spawner.last.terminated).toBe(0);
    // Silence for the whole idle timeout: the loading worker counts as hung.
    await vi.advanceTimersByTimeAsync(TIMEOUTS.initIdleMs);
    expect(spawner.workers[0].terminated).toBe(1);
    expect(shown(states)).toEqual(['starting:0', 'starting:1:unresponsive']);
  });

  it('an init that throws (not a lost worker) makes the engine unavailable as runtime-failed', async () => {
    const { spawner, supervisor } = setup();
    supervisor.start();
    await flush();
    spawner.last.lastInit.reject(new Error('wasm instantiate failed'));
    await flush();
    expect(supervisor.state).toEqual({ kind: 'unavailable', failure: { code: 'runtime-failed', detail: 'wasm instantiate failed' } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spawner.count).toBe(1);
  });
});

describe('EmbeddingSupervisor replaces lost workers', () => {
  it('notices a worker that dies while idle (bug: idle death is only seen by the next call) and replaces it after the first back-off delay', async () => {
    const { spawner, states, supervisor } = await started();
    const first = spawner.last;
    first.die();
    await flush();
    expect(first.terminated).toBe(1);
    expect(supervisor.state).toEqual({ kind: 'starting', restart: 1, after: 'died' });
    await vi.advanceTimersByTimeAsync(DELAYS[0] - 1);
    expect(spawner.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(spawner.count).toBe(2);
    await makeReady(spawner.last);
    expect(shown(states)).toEqual(['starting:0', 'ready', 'starting:1:died', 'ready']);
  });

  it('retries an in-flight embedQuery once on the new worker when its worker dies', async () => {
    const { spawner, states, supervisor } = await started();
    const answer = track(supervisor.embedQuery('protein folding'));
    await flush();
    const first = spawner.last;
    expect(first.lastQuery.text).toBe('protein folding');
    first.die();
    await flush();
    expect(first.terminated).toBe(1);
    expect(answer.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(DELAYS[0]);
    expect(spawner.count).toBe(2);
    const second = spawner.last;
    expect(second.queries).toHaveLength(0); // not before the new worker is ready
    await makeReady(second);
    expect(second.lastQuery.text).toBe('protein folding');
    second.lastQuery.resolve(vec(1, 0, 0, 0));
    await flush();
    expect(answer).toEqual({ status: 'resolved', value: vec(1, 0, 0, 0) });
    expect(shown(states)).toEqual(['starting:0', 'ready', 'starting:1:died', 'ready']);
  });

  it('rejects with WorkerLostError when the worker is lost again during the retry', async () => {
    const { spawner, supervisor } = await started();
    const answer = track(supervisor.embedQuery('q'));
    await flush();
    spawner.last.die();
    await vi.advanceTimersByTimeAsync(DELAYS[0]);
    await makeReady(spawner.last);
    expect(spawner.last.queries).toHaveLength(1);
    spawner.last.crash('out of memory');
    await flush();
    expect(answer.status).toBe('rejected');
    expect(answer.error).toBeInstanceOf(WorkerLostError);
    expect((answer.error as WorkerLostError).reason).toBe('crashed');
    // The second worker is still replaced (second loss in a row: second delay).
    expect(supervisor.state).toEqual({ kind: 'starting', restart: 2, after: 'crashed' });
  });

  it('a query with no answer within queryMs counts as unresponsive: the worker is terminated and replaced', async () => {
    const { spawner, supervisor } = await started();
    const answer = track(supervisor.embedQuery('slow'));
    await flush();
    const first = spawner.last;
    await vi.advanceTimersByTimeAsync(TIMEOUTS.queryMs - 1);
    expect(first.terminated).toBe(0);
    expect(supervisor.state.kind).toBe('ready');
    await vi.advanceTimersByTimeAsync(1);
    expect(first.terminated).toBe(1);
    expect(supervisor.state).toEqual({ kind: 'starting', restart: 1, after: 'unresponsive' });
    await vi.advanceTimersByTimeAsync(DELAYS[0]);
    expect(spawner.count).toBe(2);
    await makeReady(spawner.last);
    spawner.last.lastQuery.resolve(vec(0, 1, 0, 0));
    await flush();
    expect(answer).toEqual({ status: 'resolved', value: vec(0, 1, 0, 0) });
  });

  it('a query unanswered on both workers rejects with WorkerLostError("unresponsive")', async () => {
    const { spawner, supervisor } = await started();
    const answer = track(supervisor.embedQuery('slow'));
    await flush();
    await vi.advanceTimersByTimeAsync(TIMEOUTS.queryMs + DELAYS[0]);
    await makeReady(spawner.last);
    await vi.advanceTimersByTimeAsync(TIMEOUTS.queryMs);
    expect(answer.status).toBe('rejected');
    expect((answer.error as WorkerLostError).reason).toBe('unresponsive');
    expect(spawner.workers.map((w) => w.terminated)).toEqual([1, 1]);
  });

  it('handles an uncaught error (crashed) like a death', async () => {
    const { spawner, supervisor, states } = await started();
    const answer = track(supervisor.embedQuery('q'));
    await flush();
    spawner.last.crash('RangeError: offset is out of bounds');
    await flush();
    expect(spawner.workers[0].terminated).toBe(1);
    expect(supervisor.state).toEqual({ kind: 'starting', restart: 1, after: 'crashed' });
    await vi.advanceTimersByTimeAsync(DELAYS[0]);
    await makeReady(spawner.last);
    spawner.last.lastQuery.resolve(vec(0, 0, 1, 0));
    await flush();
    expect(answer).toEqual({ status: 'resolved', value: vec(0, 0, 1, 0) });
    expect(shown(states)).toEqual(['starting:0', 'ready', 'starting:1:crashed', 'ready']);
  });

  it('whenReady() during a restart waits for the replacement', async () => {
    const { spawner, supervisor } = await started();
    const answer = track(supervisor.embedQuery('q'));
    await flush();
    spawner.last.die();
    await flush();
    const ready = track(supervisor.whenReady());
    await vi.advanceTimersByTimeAsync(DELAYS[0]);
    expect(ready.status).toBe('pending');
    const model2 = fakeModel(4, { modelKey: 'second' });
    spawner.last.lastInit.resolve(READY(model2));
    await flush();
    expect(ready).toEqual({ status: 'resolved', value: model2 });
    expect(answer.status).toBe('pending'); // the retried query is on the new worker now
  });
});

describe('EmbeddingSupervisor back-off and giving up', () => {
  it('gives up with worker-lost after more losses in a row than back-off delays, respecting each delay', async () => {
    const { spawner, supervisor, states } = setup();
    supervisor.start();
    await flush();
    for (let loss = 1; loss <= DELAYS.length; loss++) {
      spawner.last.die(); // lost while loading
      await flush();
      expect(supervisor.state).toEqual({ kind: 'starting', restart: loss, after: 'died' });
      await vi.advanceTimersByTimeAsync(DELAYS[loss - 1] - 1);
      expect(spawner.count).toBe(loss); // no spawn before the delay elapsed
      await vi.advanceTimersByTimeAsync(1);
      expect(spawner.count).toBe(loss + 1);
    }
    spawner.last.die();
    await flush();
    expect(supervisor.state.kind).toBe('unavailable');
    expect(supervisor.state.kind === 'unavailable' && supervisor.state.failure.code).toBe('worker-lost');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spawner.count).toBe(DELAYS.length + 1);
    expect(spawner.workers.every((w) => w.terminated === 1)).toBe(true);
    const error = await supervisor.whenReady().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as EngineUnavailableError).failure.code).toBe('worker-lost');
    expect(shown(states)).toEqual(['starting:0', 'starting:1:died', 'starting:2:died', 'starting:3:died', 'unavailable:worker-lost']);
  });

  it('a successful query resets the loss count (the next loss waits the first delay again)', async () => {
    const { spawner, supervisor } = await started({ delays: [100, 1_000] });
    const first = track(supervisor.embedQuery('one'));
    await flush();
    spawner.last.die();
    await vi.advanceTimersByTimeAsync(100);
    await makeReady(spawner.last);
    spawner.last.lastQuery.resolve(vec(1, 0, 0, 0));
    await flush();
    expect(first.status).toBe('resolved');

    const second = track(supervisor.embedQuery('two'));
    await flush();
    spawner.last.die();
    await flush();
    expect(supervisor.state).toEqual({ kind: 'starting', restart: 1, after: 'died' });
    await vi.advanceTimersByTimeAsync(100);
    expect(spawner.count).toBe(3);
    await makeReady(spawner.last);
    spawner.last.lastQuery.resolve(vec(0, 1, 0, 0));
    await flush();
    expect(second).toEqual({ status: 'resolved', value: vec(0, 1, 0, 0) });
  });

  it('init reporting files-damaged makes the engine unavailable without a restart', async () => {
    const { spawner, supervisor, states } = setup();
    supervisor.start();
    await flush();
    const failure: ModelFailure = { code: 'files-damaged', file: 'bge-small-en-v1.5/onnx/model_quantized.onnx', detail: 'sha256 mismatch' };
    spawner.last.lastInit.resolve({ ok: false, failure });
    await flush();
    expect(supervisor.state).toEqual({ kind: 'unavailable', failure });
    expect(spawner.last.terminated).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spawner.count).toBe(1);
    expect(shown(states)).toEqual(['starting:0', 'unavailable:files-damaged']);

    const ready = await supervisor.whenReady().catch((e: unknown) => e);
    expect(ready).toBeInstanceOf(EngineUnavailableError);
    expect((ready as EngineUnavailableError).failure).toEqual(failure);
    const query = await supervisor.embedQuery('q').catch((e: unknown) => e);
    expect(query).toBeInstanceOf(EngineUnavailableError);
    expect(spawner.count).toBe(1);
  });

  it('retry() after unavailable spawns a new worker that can become ready', async () => {
    const { spawner, supervisor, states } = setup();
    supervisor.start();
    await flush();
    spawner.last.lastInit.resolve({ ok: false, failure: { code: 'files-unreachable', file: 'x.onnx', detail: 'HTTP 503' } });
    await flush();
    supervisor.retry();
    await flush();
    expect(spawner.count).toBe(2);
    expect(supervisor.state).toEqual({ kind: 'starting', restart: 0, after: undefined });
    await makeReady(spawner.last);
    await expect(supervisor.whenReady()).resolves.toEqual(MODEL);
    const answer = track(supervisor.embedQuery('q'));
    await flush();
    spawner.last.lastQuery.resolve(vec(0, 0, 0, 1));
    await flush();
    expect(answer).toEqual({ status: 'resolved', value: vec(0, 0, 0, 1) });
    expect(shown(states)).toEqual(['starting:0', 'unavailable:files-unreachable', 'starting:0', 'ready']);
  });

  it('retry() does nothing unless the engine is unavailable', async () => {
    const { spawner, supervisor } = await started();
    supervisor.retry();
    await flush();
    expect(spawner.count).toBe(1);
    expect(supervisor.state.kind).toBe('ready');
  });

  it('retry() after worker-lost starts the loss count afresh', async () => {
    const { spawner, supervisor } = setup({ delays: [100] });
    supervisor.start();
    await flush();
    spawner.last.die();
    await vi.advanceTimersByTimeAsync(100);
    spawner.last.die();
    await flush();
    expect(supervisor.state.kind).toBe('unavailable');
    supervisor.retry();
    await flush();
    expect(spawner.count).toBe(3);
    spawner.last.die();
    await flush();
    expect(supervisor.state).toEqual({ kind: 'starting', restart: 1, after: 'died' });
  });
});

describe('EmbeddingSupervisor.embedDocuments', () => {
  it('rejects with WorkerLostError when its worker dies mid-way; batches delivered before stay delivered', async () => {
    const { spawner, supervisor } = await started();
    const batches: number[][] = [];
    const job = track(supervisor.embedDocuments(['a', 'b', 'c', 'd'], (_p, indices) => void batches.push(indices)));
    await flush();
    const call = spawner.last.lastDocuments;
    expect(call.texts).toEqual(['a', 'b', 'c', 'd']);
    await call.onBatch({ done: 2, total: 4 }, [0, 1], new Float32Array(8));
    spawner.last.die();
    await flush();
    expect(job.status).toBe('rejected');
    expect(job.error).toBeInstanceOf(WorkerLostError);
    expect((job.error as WorkerLostError).reason).toBe('died');
    expect(batches).toEqual([[0, 1]]);
    expect(spawner.workers[0].terminated).toBe(1);
    // Not retried by the supervisor: the caller resumes with what is missing.
    await vi.advanceTimersByTimeAsync(DELAYS[0]);
    await makeReady(spawner.last);
    expect(spawner.last.documents).toHaveLength(0);
  });

  it('each batch resets the idle timeout: a long job with batches every batchIdleMs - 1 does not time out', async () => {
    const { spawner, supervisor } = await started();
    const seen: BatchProgress[] = [];
    const job = track(supervisor.embedDocuments(['x'], (progress) => void seen.push(progress)));
    await flush();
    const call = spawner.last.lastDocuments;
    for (let i = 1; i <= 10; i++) {
      await vi.advanceTimersByTimeAsync(TIMEOUTS.batchIdleMs - 1);
      await call.onBatch({ done: i, total: 10 }, [0], new Float32Array(4));
    }
    expect(job.status).toBe('pending');
    expect(spawner.last.terminated).toBe(0);
    call.resolve();
    await flush();
    expect(job.status).toBe('resolved');
    expect(seen.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(supervisor.state.kind).toBe('ready');
  });

  it('no batch for batchIdleMs counts as unresponsive', async () => {
    const { spawner, supervisor } = await started();
    const job = track(supervisor.embedDocuments(['x'], () => {}));
    await flush();
    await vi.advanceTimersByTimeAsync(TIMEOUTS.batchIdleMs - 1);
    expect(job.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(job.status).toBe('rejected');
    expect((job.error as WorkerLostError).reason).toBe('unresponsive');
    expect(spawner.last.terminated).toBe(1);
  });

  it('a worker terminated for an unanswered query also fails the document job running on it (bug: the job waits for its own idle timeout)', async () => {
    const { spawner, supervisor } = await started();
    const first = spawner.last;
    const job = track(supervisor.embedDocuments(['a', 'b'], () => {}));
    const query = track(supervisor.embedQuery('q'));
    await flush();
    await vi.advanceTimersByTimeAsync(TIMEOUTS.queryMs);
    expect(first.terminated).toBe(1);
    // The supervisor terminated the worker itself (a terminated worker reports no exit): the job on it can
    // never finish, so it must be released now to resume on the replacement, not batchIdleMs later.
    await vi.advanceTimersByTimeAsync(DELAYS[0]);
    expect(job.status).toBe('rejected');
    expect((job.error as WorkerLostError).reason).toBe('unresponsive');
    expect(query.status).toBe('pending'); // retried on the replacement
  });

  it('a delivered batch resets the loss count', async () => {
    const { spawner, supervisor } = await started({ delays: [100, 1_000] });
    const q = track(supervisor.embedQuery('q'));
    await flush();
    spawner.last.die(); // loss 1
    await vi.advanceTimersByTimeAsync(100);
    await makeReady(spawner.last);
    const job = track(supervisor.embedDocuments(['a'], () => {}));
    await flush();
    await spawner.last.lastDocuments.onBatch({ done: 1, total: 1 }, [0], new Float32Array(4));
    spawner.last.die(); // would be loss 2 without the reset
    await flush();
    expect(supervisor.state).toEqual({ kind: 'starting', restart: 1, after: 'died' });
    expect(job.status).toBe('rejected');
    expect(q.status).toBe('rejected'); // its retry was lost too
  });
});

describe('EmbeddingSupervisor.cancelEmbedding and dispose', () => {
  it('cancelEmbedding reaches the worker only when ready', async () => {
    const { spawner, supervisor } = setup();
    supervisor.start();
    await flush();
    await supervisor.cancelEmbedding();
    expect(spawner.last.cancelCalls).toBe(0);
    await makeReady(spawner.last);
    await supervisor.cancelEmbedding();
    expect(spawner.last.cancelCalls).toBe(1);
  });

  it('dispose() terminates the worker and no loss afterwards restarts one', async () => {
    const { spawner, supervisor, states } = await started();
    supervisor.dispose();
    expect(spawner.last.terminated).toBe(1);
    const before = states.length;
    spawner.last.die();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spawner.count).toBe(1);
    expect(states).toHaveLength(before);
  });

  it('dispose() during a back-off cancels the pending restart', async () => {
    const { spawner, supervisor } = setup();
    supervisor.start();
    await flush();
    spawner.last.die();
    await flush();
    expect(supervisor.state.kind).toBe('starting');
    supervisor.dispose();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spawner.count).toBe(1);
  });
});
