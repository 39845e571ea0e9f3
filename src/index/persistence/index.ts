import { createIndexedDbVectorStore, DEFAULT_DB_NAME } from './indexeddb-store.ts';
import { createMemoryVectorStore } from './memory-store.ts';
import type { PrunableVectorStore } from './vector-store.ts';

export { createIndexedDbVectorStore } from './indexeddb-store.ts';
export { createMemoryVectorStore } from './memory-store.ts';
export { needsCompaction, SHARD_ROWS } from './shards.ts';
export { VectorStoreQuotaError, isQuotaError, storageFailureReason, type CompactResult, type LoadResult, type PrunableVectorStore, type VectorStore } from './vector-store.ts';

export interface OpenedStore {
  store: PrunableVectorStore;
  /** Why vectors will not survive this tab (IndexedDB missing or refused); null when they will. */
  problem: string | null;
}

/**
 * IndexedDB when it works, else memory. Some browsers expose indexedDB but fail on open (private modes), so this
 * probes with a real read before choosing.
 */
export async function openVectorStore(dbName = DEFAULT_DB_NAME): Promise<OpenedStore> {
  if (typeof indexedDB === 'undefined') return { store: createMemoryVectorStore(), problem: 'IndexedDB is not available; vectors are kept for this tab only' };
  const store = createIndexedDbVectorStore(dbName);
  try {
    await store.load('probe', 1);
    return { store, problem: null };
  } catch (error) {
    return { store: createMemoryVectorStore(), problem: `IndexedDB could not be opened (${(error as Error).message}); vectors are kept for this tab only` };
  }
}
