import * as Comlink from 'comlink';
import type { EmbeddingWorkerApi } from './worker-api.ts';

/** The one place the embedding worker is created. */
export interface EmbeddingClient {
  api: Comlink.Remote<EmbeddingWorkerApi>;
  terminate(): void;
}

export function startEmbeddingWorker(): EmbeddingClient {
  const worker = new Worker(new URL('./embedding.worker.ts', import.meta.url), { type: 'module', name: 'embedding' });
  return { api: Comlink.wrap<EmbeddingWorkerApi>(worker), terminate: () => worker.terminate() };
}

export { Comlink };
