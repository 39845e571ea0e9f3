import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';

/**
 * The key-value records under the library store, over IndexedDB (one database, one object store, through
 * idb-keyval's createStore) or a Map (no IndexedDB, or it refused to open). Reads of one call see one
 * consistent state (one transaction); a write is all-or-nothing.
 */

export interface RecordWrite {
  puts: [string, unknown][];
  deletes: string[];
  /** Every key that starts with one of these goes. */
  deletePrefixes: string[];
}

export interface RecordRead {
  /** The value of each key asked for (undefined when absent). */
  values: unknown[];
  /** For each prefix asked for, its [key, value] pairs in key order. */
  entries: [string, unknown][][];
}

export interface LibraryRecords {
  readonly kind: 'indexeddb' | 'memory';
  read(keys: readonly string[], prefixes?: readonly string[]): Promise<RecordRead>;
  /**
   * Reads `keys`, then applies the write `decide` returns, in one readwrite transaction: nothing another tab
   * writes can land in between. If `decide` throws, nothing is written and its error is rethrown; if the
   * browser fails the transaction (quota, I/O), nothing is written and the browser's error is thrown.
   */
  transact<T>(keys: readonly string[], decide: (values: unknown[]) => { write: RecordWrite; result: T }): Promise<T>;
}

export const noWrite = (): RecordWrite => ({ puts: [], deletes: [], deletePrefixes: [] });

// '\uffff' sorts after every character a key can continue with, so this range is exactly the prefix's keys.
const prefixRange = (prefix: string): IDBKeyRange => IDBKeyRange.bound(prefix, prefix + '\uffff');

export class IndexedDbRecords implements LibraryRecords {
  readonly kind = 'indexeddb' as const;
  private readonly store: UseStore;

  constructor(dbName: string, storeName = 'libraries') {
    this.store = createStore(dbName, storeName);
  }

  read(keys: readonly string[], prefixes: readonly string[] = []): Promise<RecordRead> {
    return this.store('readonly', async (store) => {
      const values = Promise.all(keys.map((key) => promisifyRequest<unknown>(store.get(key))));
      const entries = Promise.all(
        prefixes.map(async (prefix) => {
          const range = prefixRange(prefix);
          // Same transaction, same range: the two lists are in the same (key) order.
          const [found, data] = await Promise.all([promisifyRequest(store.getAllKeys(range)), promisifyRequest<unknown[]>(store.getAll(range))]);
          return found.map((key, i): [string, unknown] => [String(key), data[i]]);
        }),
      );
      return { values: await values, entries: await entries };
    });
  }

  transact<T>(keys: readonly string[], decide: (values: unknown[]) => { write: RecordWrite; result: T }): Promise<T> {
    return this.store('readwrite', (store) => {
      const tx = store.transaction;
      const done = promisifyRequest(tx);
      const values: unknown[] = new Array(keys.length);
      let waiting = keys.length;
      let outcome: { result: T } | { error: unknown } | null = null;
      // Callbacks, not awaits: every request is issued from IndexedDB's own success event, so the transaction
      // stays open between the reads and the writes.
      const apply = () => {
        try {
          const { write, result } = decide(values);
          for (const prefix of write.deletePrefixes) store.delete(prefixRange(prefix));
          for (const key of write.deletes) store.delete(key);
          outcome = { result };
          putInTurn(store, write.puts, (error) => {
            outcome = { error };
            tx.abort();
          });
        } catch (error) {
          outcome = { error };
          tx.abort();
        }
      };
      if (waiting === 0) apply();
      keys.forEach((key, i) => {
        const request = store.get(key);
        request.onsuccess = () => {
          values[i] = request.result;
          if (--waiting === 0) apply();
        };
      });
      return done.then(
        () => (outcome as { result: T }).result,
        (error: unknown) => {
          throw outcome && 'error' in outcome ? outcome.error : (error ?? tx.error ?? new Error('IndexedDB transaction aborted'));
        },
      );
    });
  }
}

/** Records in a Map, structured-cloned in and out as IndexedDB does. Lives as long as the tab. */
export class MemoryRecords implements LibraryRecords {
  readonly kind = 'memory' as const;
  private readonly records = new Map<string, unknown>();

  async read(keys: readonly string[], prefixes: readonly string[] = []): Promise<RecordRead> {
    const sorted = [...this.records.keys()].sort();
    return {
      values: keys.map((key) => structuredClone(this.records.get(key))),
      entries: prefixes.map((prefix) => sorted.filter((key) => key.startsWith(prefix)).map((key): [string, unknown] => [key, structuredClone(this.records.get(key))])),
    };
  }

  async transact<T>(keys: readonly string[], decide: (values: unknown[]) => { write: RecordWrite; result: T }): Promise<T> {
    const { write, result } = decide(keys.map((key) => structuredClone(this.records.get(key))));
    // Clone before changing anything, so a value that cannot be stored leaves the map as it was.
    const puts = write.puts.map(([key, value]): [string, unknown] => [key, structuredClone(value)]);
    for (const key of [...this.records.keys()]) if (write.deletePrefixes.some((prefix) => key.startsWith(prefix))) this.records.delete(key);
    for (const key of write.deletes) this.records.delete(key);
    for (const [key, value] of puts) this.records.set(key, value);
    return result;
  }
}

/**
 * Each put is issued from the previous one's success event: put() clones its value on the calling task, so
 * 40,000 papers put at once were one long task on the page (issue 19); one record per task keeps each short,
 * and a pending request keeps the transaction open in between. The order stays that of `puts` (meta last).
 */
function putInTurn(store: IDBObjectStore, puts: RecordWrite['puts'], fail: (error: unknown) => void, from = 0): void {
  if (from >= puts.length) return;
  const [key, value] = puts[from];
  try {
    // put() throws at once for a value it cannot clone (or, in some browsers, a refused size): the write fails whole.
    store.put(value, key).onsuccess = () => putInTurn(store, puts, fail, from + 1);
  } catch (error) {
    fail(error);
  }
}
