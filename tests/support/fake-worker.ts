import type { EmbeddingRemote, WorkerExit, WorkerHandle } from '../../src/embedding/client.ts';
import type { BatchCallback, InitOutcome, LoadProgress, ModelInfo, WorkerConfig } from '../../src/embedding/worker-api.ts';

/**
 * Fake embedding workers for the supervisor and the controller: every call to the worker's API is recorded
 * with a deferred result the test settles (or a script answers at once), `exited` is settled by die()/crash(),
 * and terminate() is counted. No comlink, no Worker: the supervisor only sees the WorkerHandle shape.
 */

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

export interface InitCall extends Deferred<InitOutcome> {
  config: WorkerConfig;
  onProgress: (progress: LoadProgress) => void;
}

export interface QueryCall extends Deferred<Float32Array> {
  text: string;
}

export interface DocumentsCall extends Deferred<void> {
  texts: string[];
  onBatch: BatchCallback;
}

/** Answers a worker gives at once; a method without a script leaves its call pending for the test. */
export interface WorkerScript {
  init?: (config: WorkerConfig, onProgress: (progress: LoadProgress) => void) => InitOutcome | Promise<InitOutcome>;
  embedQuery?: (text: string) => Float32Array | Promise<Float32Array>;
  embedDocuments?: (texts: string[], onBatch: BatchCallback) => void | Promise<void>;
}

export class FakeWorker {
  readonly inits: InitCall[] = [];
  readonly queries: QueryCall[] = [];
  readonly documents: DocumentsCall[] = [];
  cancelCalls = 0;
  terminated = 0;
  private readonly exit = deferred<WorkerExit>();
  readonly handle: WorkerHandle;

  constructor(
    readonly id: number,
    public script: WorkerScript = {},
  ) {
    const answer = <T>(call: Deferred<T>, run: (() => T | Promise<T>) | undefined) => {
      if (run) Promise.resolve().then(run).then(call.resolve, call.reject);
      return call.promise;
    };
    const api = {
      init: (config: WorkerConfig, onProgress: (progress: LoadProgress) => void) => {
        const call = { ...deferred<InitOutcome>(), config, onProgress };
        this.inits.push(call);
        const run = this.script.init;
        return answer(call, run && (() => run(config, onProgress)));
      },
      embedQuery: (text: string) => {
        const call = { ...deferred<Float32Array>(), text };
        this.queries.push(call);
        const run = this.script.embedQuery;
        return answer(call, run && (() => run(text)));
      },
      embedDocuments: (texts: string[], onBatch: BatchCallback) => {
        const call = { ...deferred<void>(), texts, onBatch };
        this.documents.push(call);
        const run = this.script.embedDocuments;
        return answer(call, run && (() => run(texts, onBatch)));
      },
      cancelEmbedding: async () => {
        this.cancelCalls++;
      },
    };
    this.handle = {
      api: api as unknown as EmbeddingRemote,
      exited: this.exit.promise,
      terminate: () => {
        this.terminated++;
      },
    };
  }

  /** The worker closed or was killed (its life lock was released). */
  die(): void {
    this.exit.resolve({ kind: 'died' });
  }

  /** The worker threw an uncaught error (`error` event). */
  crash(message = 'boom'): void {
    this.exit.resolve({ kind: 'crashed', message });
  }

  get lastInit(): InitCall {
    const call = this.inits.at(-1);
    if (!call) throw new Error(`worker ${this.id} has no init call`);
    return call;
  }

  get lastQuery(): QueryCall {
    const call = this.queries.at(-1);
    if (!call) throw new Error(`worker ${this.id} has no embedQuery call`);
    return call;
  }

  get lastDocuments(): DocumentsCall {
    const call = this.documents.at(-1);
    if (!call) throw new Error(`worker ${this.id} has no embedDocuments call`);
    return call;
  }
}

/** A `spawn()` for the supervisor: each call creates the next FakeWorker (scripted by `scriptFor`, if given). */
export class FakeSpawner {
  readonly workers: FakeWorker[] = [];

  constructor(private readonly scriptFor: (n: number) => WorkerScript = () => ({})) {}

  readonly spawn = (): WorkerHandle => {
    const worker = new FakeWorker(this.workers.length + 1, this.scriptFor(this.workers.length + 1));
    this.workers.push(worker);
    return worker.handle;
  };

  get count(): number {
    return this.workers.length;
  }

  get last(): FakeWorker {
    const worker = this.workers.at(-1);
    if (!worker) throw new Error('no worker was spawned');
    return worker;
  }
}

export function fakeModel(dims = 4, overrides: Partial<ModelInfo> = {}): ModelInfo {
  return {
    modelId: 'fake-model',
    modelKey: `fake-model@${dims}`,
    dims,
    backend: { requested: 'wasm', used: 'wasm', documents: 'wasm', threads: 1, crossOriginIsolated: false },
    ...overrides,
  };
}

export const READY = (model: ModelInfo = fakeModel()): InitOutcome => ({ ok: true, model });

export const fakeConfig = (): WorkerConfig => ({
  modelId: 'fake-model',
  modelsBaseUrl: '/models/',
  runtime: {
    wasm: { url: 'http://localhost/ort.wasm', gzip: false, sha256: '00' },
    glue: 'http://localhost/ort.mjs',
    webgpuWasm: { url: 'http://localhost/ort.asyncify.wasm', gzip: false, sha256: '00' },
    modelGzip: false,
  },
  backend: 'wasm',
});
