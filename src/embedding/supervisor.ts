import * as Comlink from 'comlink';
import { CodedError, isWorkerError } from '../base/errors.ts';
import { exitOf, type WorkerExit, type WorkerHandle } from './client.ts';
import type { BackendInfo, BatchCallback, InitOutcome, LoadProgress, ModelFailure, ModelInfo, WorkerConfig } from './worker-api.ts';

/**
 * Keeps an embedding worker alive for the page. A worker that dies, throws an uncaught error or stops
 * answering is terminated and replaced (after a back-off, a bounded number of times in a row); a query that
 * was in flight is retried once on the new worker. A model that cannot load (damaged or unreachable files)
 * is not retried in a loop: the engine is "unavailable" until `retry()`, and the page falls back to keywords.
 */

/** Why the engine is unavailable: a model-loading failure, or a worker that kept dying. */
export type EngineFailure = ModelFailure | { code: 'worker-lost'; detail: string };

/** Why a worker was replaced. */
export type LossReason = WorkerExit['kind'] | 'unresponsive';

export type EngineState =
  | { kind: 'starting'; restart: number; after?: LossReason }
  | { kind: 'ready'; model: ModelInfo }
  | { kind: 'unavailable'; failure: EngineFailure };

/** A call could not be answered because its worker was lost; the supervisor is already replacing it. */
export class WorkerLostError extends CodedError<'worker-lost'> {
  constructor(readonly reason: LossReason) {
    super('WorkerLostError', 'worker-lost', reason, `the embedding worker ${reason === 'unresponsive' ? 'stopped answering' : reason === 'crashed' ? 'crashed' : 'stopped'}`);
  }
}

export class EngineUnavailableError extends CodedError<EngineFailure['code']> {
  constructor(readonly failure: EngineFailure) {
    super('EngineUnavailableError', failure.code, failure.detail, `the embedding model is unavailable (${failure.code}: ${failure.detail})`);
  }
}

export interface Timeouts {
  /** Model loading with no progress event for this long counts as a hung worker. */
  initIdleMs: number;
  /** One query embedding (it may wait behind one document batch). */
  queryMs: number;
  /** Document embedding with no finished batch for this long counts as a hung worker. */
  batchIdleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { initIdleMs: 120_000, queryMs: 30_000, batchIdleMs: 120_000 };
/** Waits before each restart in a row; its length caps the restarts before the engine is declared unavailable. */
export const DEFAULT_RESTART_DELAYS_MS = [100, 1_000, 5_000];

export interface SupervisorOptions {
  spawn: () => WorkerHandle;
  /** Read again for each worker started, so a replacement knows what the page learnt since (a canary verdict). */
  config: WorkerConfig | (() => WorkerConfig);
  onState: (state: EngineState) => void;
  /** The running worker's backend changed after it became ready (a canary verdict, a WebGPU failure). */
  onBackend?: (info: BackendInfo) => void;
  onProgress: (progress: LoadProgress) => void;
  timeouts?: Partial<Timeouts>;
  restartDelaysMs?: readonly number[];
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // nobody may be waiting when the engine becomes unavailable
  return { promise, resolve, reject };
}

export class EmbeddingSupervisor {
  private handle: WorkerHandle | null = null;
  private current: EngineState = { kind: 'starting', restart: 0 };
  private ready = deferred<{ model: ModelInfo; handle: WorkerHandle }>();
  /** Workers lost since one last did useful work; capped by the restart delays. */
  private lossesInRow = 0;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** Settles when a worker is lost, however that was seen, so every call on it fails at once. */
  private readonly gone = new WeakMap<WorkerHandle, Deferred<LossReason>>();
  private readonly timeouts: Timeouts;
  private readonly delays: readonly number[];

  constructor(private readonly options: SupervisorOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.delays = options.restartDelaysMs ?? DEFAULT_RESTART_DELAYS_MS;
  }

  get state(): EngineState {
    return this.current;
  }

  start(): void {
    this.setState({ kind: 'starting', restart: 0 });
    void this.launch();
  }

  /** The model of the running worker, once it is ready (its backend as it is now); rejects with EngineUnavailableError if it cannot be. */
  async whenReady(): Promise<ModelInfo> {
    const { model } = await this.ready.promise;
    return this.current.kind === 'ready' ? this.current.model : model;
  }

  /** Tries again after the engine became unavailable (the user's Retry button); no page reload. */
  retry(): void {
    if (this.current.kind !== 'unavailable' || this.disposed) return;
    this.lossesInRow = 0;
    this.ready = deferred();
    this.setState({ kind: 'starting', restart: 0 });
    void this.launch();
  }

  async embedQuery(text: string): Promise<Float32Array> {
    for (let attempt = 0; ; attempt++) {
      const { handle } = await this.ready.promise;
      try {
        const vector = await this.guard(handle, handle.api.embedQuery(text), this.timeouts.queryMs);
        this.lossesInRow = 0;
        return vector;
      } catch (error) {
        // Retried once, on the replacement worker; a second loss is reported to the caller.
        if (!(error instanceof WorkerLostError) || attempt >= 1) throw error;
      }
    }
  }

  /**
   * Embeds on the current worker. Rejects with WorkerLostError if the worker is lost meanwhile: batches
   * delivered so far stay delivered, and the caller resumes with what is still missing once `whenReady()`.
   */
  async embedDocuments(texts: string[], onBatch: BatchCallback): Promise<void> {
    const { handle } = await this.ready.promise;
    let touch = () => {};
    const work = handle.api.embedDocuments(
      texts,
      Comlink.proxy(async (progress, indices, vectors) => {
        touch();
        this.lossesInRow = 0;
        await onBatch(progress, indices, vectors);
      }),
    );
    await this.guard(handle, work, this.timeouts.batchIdleMs, (kick) => (touch = kick));
  }

  async cancelEmbedding(): Promise<void> {
    if (this.current.kind === 'ready') await this.handle?.api.cancelEmbedding();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    this.handle?.terminate();
    this.handle = null;
  }

  private setState(state: EngineState): void {
    this.current = state;
    this.options.onState(state);
  }

  /** Spawns a worker and loads the model; the caller has already announced the 'starting' state. */
  private async launch(): Promise<void> {
    if (this.disposed) return;
    const handle = this.options.spawn();
    this.handle = handle;
    this.gone.set(handle, deferred());
    // Watched while idle too: a worker that dies between calls is replaced at once, not at the next query.
    void handle.exited.then((exit) => this.lost(handle, exit.kind));
    let touch = () => {};
    const onProgress = Comlink.proxy((progress: LoadProgress) => {
      touch();
      this.options.onProgress(progress);
    });
    const onBackend = Comlink.proxy((info: BackendInfo) => {
      if (this.handle !== handle || this.current.kind !== 'ready') return;
      this.current = { kind: 'ready', model: { ...this.current.model, backend: info } };
      this.options.onBackend?.(info);
    });
    const config = typeof this.options.config === 'function' ? this.options.config() : this.options.config;
    let outcome: InitOutcome;
    try {
      outcome = await this.guard(handle, handle.api.init(config, onProgress, onBackend) as Promise<InitOutcome>, this.timeouts.initIdleMs, (kick) => (touch = kick));
    } catch (error) {
      // Lost while loading: guard() has scheduled the next attempt. Anything else is a failure to load.
      if (!(error instanceof WorkerLostError) && this.handle === handle) this.giveUp({ code: 'runtime-failed', detail: (error as Error)?.message ?? String(error) });
      return;
    }
    if (this.handle !== handle) return;
    if (outcome.ok) {
      this.setState({ kind: 'ready', model: outcome.model });
      this.ready.resolve({ model: outcome.model, handle });
    } else {
      this.giveUp(outcome.failure);
    }
  }

  private giveUp(failure: EngineFailure): void {
    this.handle?.terminate();
    this.handle = null;
    this.setState({ kind: 'unavailable', failure });
    this.ready.reject(new EngineUnavailableError(failure));
  }

  /**
   * Races a call against its worker's death and a timeout (an idle timeout when `onKick` is given: each kick
   * restarts the clock). A loss terminates the worker and schedules its replacement.
   */
  private guard<T>(handle: WorkerHandle, work: Promise<T>, timeoutMs: number, onKick?: (kick: () => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const finish = (action: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        action();
      };
      const lose = (reason: LossReason) =>
        finish(() => {
          this.lost(handle, reason);
          reject(new WorkerLostError(reason));
        });
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => lose('unresponsive'), timeoutMs);
      };
      arm();
      onKick?.(arm);
      void this.gone.get(handle)?.promise.then(lose);
      work.then(
        (value) => finish(() => resolve(value)),
        // The call may learn of the loss before `exited` does: the same loss either way.
        (error: unknown) => (isWorkerError(error) ? lose(exitOf(error).kind) : finish(() => reject(error))),
      );
    });
  }

  private lost(handle: WorkerHandle, reason: LossReason): void {
    this.gone.get(handle)?.resolve(reason);
    if (this.handle !== handle || this.disposed) return;
    handle.terminate();
    this.handle = null;
    if (this.current.kind === 'ready') this.ready = deferred();
    this.lossesInRow++;
    if (this.lossesInRow > this.delays.length) {
      this.giveUp({ code: 'worker-lost', detail: `the embedding worker was lost ${this.lossesInRow} times in a row (last: ${reason})` });
      return;
    }
    this.setState({ kind: 'starting', restart: this.lossesInRow, after: reason });
    this.restartTimer = setTimeout(() => void this.launch(), this.delays[this.lossesInRow - 1]);
  }
}
