import { Comlink, spawnService, type ServiceHandle } from '../../base/worker-rpc.ts';
import type { CompressedSearchService, InstallOutcome, InstallProgress, InstallSpec } from './compressed-service.ts';

/** The page's view of the compressed-index worker: CompressedSearchService's methods, each returning a promise. */
export type CompressedRemote = Comlink.Remote<CompressedSearchService>;

export type CompressedWorker = ServiceHandle<CompressedSearchService>;

/** The one place the compressed-index worker is created. */
export function spawnCompressedWorker(): CompressedWorker {
  return spawnService<CompressedSearchService>(new Worker(new URL('./compressed.worker.ts', import.meta.url), { type: 'module', name: 'compressed-index' }), 'compressed-index');
}

/** install() from the page: the progress callback crosses to the worker as a comlink proxy (a function cannot be cloned). */
export function installPublished(api: CompressedRemote, spec: InstallSpec, onProgress: (progress: InstallProgress) => void, dbName?: string): Promise<InstallOutcome> {
  return api.install(spec, Comlink.proxy(onProgress), dbName);
}
