import { isWorkerError } from '../base/errors.ts';
import { Comlink, spawnService, type ServiceHandle } from '../base/worker-rpc.ts';
import type { Int8Rows } from '../index/quantized-matrix.ts';
import { MapCache, mapCacheKey } from './map-cache.ts';
import type { MapService } from './map-service.ts';
import { keywordRows, resolveParams } from './params.ts';
import type { ProgressSink } from './projection.ts';
import { MapError, type MapLayout, type ProjectionParams } from './types.ts';

/** The page's view of the map worker: MapService's methods, each returning a promise. */
export type MapRemote = Comlink.Remote<MapService>;

/** One running map worker: its calls reject with a WorkerError if it fails to load or dies. */
export type MapWorkerHandle = ServiceHandle<MapService>;

/** The one place the map worker is created. */
export function spawnMapWorker(): MapWorkerHandle {
  return spawnService<MapService>(new Worker(new URL('./map.worker.ts', import.meta.url), { type: 'module', name: 'map' }), 'map');
}

export interface LibraryMapRequest {
  /** The model the vectors come from (ModelInfo.modelKey). */
  modelKey: string;
  /** contentHash of each paper, in row order. */
  hashes: readonly string[];
  /** The papers' int8 vectors, row i = paper i (QuantizedMatrix.int8Rows() gives a copy, which is transferred). */
  rows: Int8Rows;
  /**
   * documentText of each paper, for the cluster keywords: an array, or a function of the row (only the rows
   * whose words are counted, at most params.keywordDocs, are asked for and sent to the worker).
   */
  texts: readonly string[] | ((row: number) => string);
  params?: Partial<ProjectionParams>;
}

export interface LoadedMap {
  layout: MapLayout;
  fromCache: boolean;
  /** Why the computed layout could not be cached (the map is shown all the same). */
  cacheProblem?: string;
}

export interface LoadOptions {
  onProgress?: ProgressSink;
  /** null: no caching. Default: the IndexedDB cache. */
  cache?: MapCache | null;
  spawn?: () => MapWorkerHandle;
  /** Aborting terminates the worker (e.g. the library changed meanwhile); the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * The map of a library: from the cache when this library, model and parameters were mapped before; otherwise
 * computed in a fresh map worker (terminated afterwards, so its memory goes back) and cached.
 */
export async function loadLibraryMap(request: LibraryMapRequest, options: LoadOptions = {}): Promise<LoadedMap> {
  const { cache = MapCache.open(), spawn = spawnMapWorker, signal, onProgress = () => {} } = options;
  const count = request.rows.scales.length;
  if (request.hashes.length !== count) throw new MapError('bad-input', `${request.hashes.length} content hashes for ${count} vectors.`);
  if (typeof request.texts !== 'function' && request.texts.length !== count) throw new MapError('bad-input', `${request.texts.length} texts for ${count} vectors.`);
  const params = resolveParams(request.params);
  const key = mapCacheKey(request.modelKey, request.hashes, params);
  const cached = await cache?.get(key).catch(() => null);
  if (cached) return { layout: cached, fromCache: true };
  signal?.throwIfAborted();

  const worker = spawn();
  const aborted = new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
  aborted.catch(() => {}); // an abort after the map is done rejects nothing anyone waits for
  try {
    const textRows = keywordRows(count, params);
    const textOf = typeof request.texts === 'function' ? request.texts : (row: number) => (request.texts as readonly string[])[row];
    const texts = textRows ? Array.from(textRows, textOf) : Array.from({ length: count }, (_, row) => textOf(row));
    const input = { rows: request.rows, texts, params, ...(textRows ? { textRows } : {}) };
    const buffers = request.rows.data.buffer === request.rows.scales.buffer ? [request.rows.data.buffer] : [request.rows.data.buffer, request.rows.scales.buffer];
    const outcome = await Promise.race([
      // The callback returns nothing: comlink posts a proxied callback's return value back, and a value it cannot
      // clone (a Svelte state proxy, from `(p) => (state = p)`) was an uncaught "Unserializable return value".
      worker.api.build(Comlink.transfer(input, buffers as ArrayBuffer[]), Comlink.proxy((progress: Parameters<ProgressSink>[0]) => void onProgress(progress))),
      aborted,
    ]).catch((error: unknown) => {
      throw isWorkerError(error) ? new MapError('worker-failed', error.detail) : error;
    });
    if (!outcome.ok) throw new MapError(outcome.code, outcome.detail);
    let cacheProblem: string | undefined;
    if (cache) await cache.put(key, outcome.layout).catch((error: unknown) => (cacheProblem = error instanceof Error ? error.message : String(error)));
    return { layout: outcome.layout, fromCache: false, ...(cacheProblem ? { cacheProblem } : {}) };
  } finally {
    worker.terminate();
  }
}
