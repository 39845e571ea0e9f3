import type { WorkerError } from '../base/errors.ts';
import { Comlink, spawnService } from '../base/worker-rpc.ts';
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

/** What the supervisor needs to know of a lost worker: it died quietly, or crashed (with what it said). */
export function exitOf(error: WorkerError): WorkerExit {
  return error.code === 'worker-closed' ? { kind: 'died' } : { kind: 'crashed', message: error.detail };
}

/** The one place the embedding worker is created (named "embedding": the fault tests find it by that name). */
export function spawnEmbeddingWorker(): WorkerHandle {
  const worker = spawnService<EmbeddingService>(new Worker(new URL('./embedding.worker.ts', import.meta.url), { type: 'module', name: 'embedding' }), 'embedding');
  return { api: worker.api, exited: worker.lost.then(exitOf), terminate: worker.terminate };
}

export { Comlink };
