import * as Comlink from 'comlink';
import type { EmbeddingService } from './embedding-service.ts';

/** The page's view of the worker: EmbeddingService's methods, each returning a promise. */
export type EmbeddingRemote = Comlink.Remote<EmbeddingService>;

/** How a worker stopped: it closed or was killed (life lock released), or threw an uncaught error. */
export type WorkerExit = { kind: 'died' } | { kind: 'crashed'; message: string };

/** One running worker. `exited` settles when it stops working; it never settles while it lives. */
export interface WorkerHandle {
  api: EmbeddingRemote;
  exited: Promise<WorkerExit>;
  terminate(): void;
}

let workers = 0;

/**
 * The one place the embedding worker is created. Death is seen two ways: an `error` event (uncaught error)
 * and the worker's life lock (see EmbeddingService.holdLifeLock), which the browser releases when the worker
 * closes itself or is killed; neither case answers pending comlink calls, so without this they would hang.
 */
export function spawnEmbeddingWorker(): WorkerHandle {
  const worker = new Worker(new URL('./embedding.worker.ts', import.meta.url), { type: 'module', name: 'embedding' });
  const api = Comlink.wrap<EmbeddingService>(worker);
  let terminated = false;
  const exited = new Promise<WorkerExit>((resolve) => {
    worker.addEventListener('error', (event) => resolve({ kind: 'crashed', message: event.message || 'uncaught error in the embedding worker' }));
    const lock = `paper-search-embedding-life-${Date.now()}-${++workers}`;
    void api.holdLifeLock(lock).then((held) => {
      if (held) void navigator.locks.request(lock, () => !terminated && resolve({ kind: 'died' }));
    });
  });
  return {
    api,
    exited,
    terminate: () => {
      terminated = true;
      worker.terminate();
      api[Comlink.releaseProxy]();
    },
  };
}

export { Comlink };
