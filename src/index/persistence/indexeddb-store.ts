import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import type { Write } from './shards.ts';
import { ShardedVectorStore, generationOf, type RecordBackend } from './vector-store.ts';

/**
 * Records in IndexedDB through idb-keyval's createStore (one database, one object store). Every write is one
 * readwrite transaction that first re-reads the manifest's generation, so a write based on a stale read (another
 * tab appended meanwhile) changes nothing and is retried by ShardedVectorStore.
 */
export class IndexedDbBackend implements RecordBackend {
  readonly kind = 'indexeddb' as const;

  constructor(private readonly store: UseStore) {}

  get(keys: string[]): Promise<unknown[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.store('readonly', (store) => Promise.all(keys.map((key) => promisifyRequest<unknown>(store.get(key)))));
  }

  keys(prefix: string): Promise<string[]> {
    // '\uffff' sorts after every character a key can continue with, so this range is exactly the prefix's keys.
    const range = IDBKeyRange.bound(prefix, prefix + '\uffff');
    return this.store('readonly', (store) => promisifyRequest(store.getAllKeys(range))).then((keys) => keys.map(String));
  }

  commitIf(manifestKey: string, expected: number | null, write: Write): Promise<boolean> {
    return this.store('readwrite', (store) => {
      const done = promisifyRequest(store.transaction);
      const request = store.get(manifestKey);
      // Callbacks, not awaits: all requests are issued from IDB's own success event, so the transaction stays open.
      const committed = new Promise<boolean>((resolve) => {
        request.onsuccess = () => {
          if (expected !== null && generationOf(request.result) !== expected) return resolve(false);
          for (const key of write.deletes) store.delete(key);
          for (const [key, value] of write.puts) store.put(value, key);
          resolve(true);
        };
      });
      return done.then(() => committed);
    });
  }
}

export const DEFAULT_DB_NAME = 'paper-search-vectors';

export function createIndexedDbVectorStore(dbName = DEFAULT_DB_NAME): ShardedVectorStore {
  return new ShardedVectorStore(new IndexedDbBackend(createStore(dbName, 'vectors')));
}
