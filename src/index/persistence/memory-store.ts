import type { Write } from './shards.ts';
import { ShardedVectorStore, VectorStoreQuotaError, generationOf, recordBytes, type RecordBackend } from './vector-store.ts';

/**
 * Records in a Map: the fallback when IndexedDB is missing (some private modes), fails to open, or is full.
 * Vectors then live only as long as the tab. Values are structured-cloned in and out, as IndexedDB does, so no
 * caller can change stored vectors by mutating an array it passed in or got back.
 */
export class MemoryBackend implements RecordBackend {
  readonly kind = 'memory' as const;
  private readonly records = new Map<string, unknown>();

  /** @param maxBytes refuse writes beyond this many bytes, like a browser quota (tests, low-memory devices) */
  constructor(private readonly maxBytes = Infinity) {}

  async get(keys: string[]): Promise<unknown[]> {
    return keys.map((key) => (this.records.has(key) ? structuredClone(this.records.get(key)) : undefined));
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.records.keys()].filter((key) => key.startsWith(prefix));
  }

  async commitIf(manifestKey: string, expected: number | null, write: Write): Promise<boolean> {
    if (expected !== null && generationOf(this.records.get(manifestKey)) !== expected) return false;
    const bytes = this.bytesAfter(write);
    if (bytes > this.maxBytes) throw new VectorStoreQuotaError(recordBytes(write));
    for (const key of write.deletes) this.records.delete(key);
    for (const [key, value] of write.puts) this.records.set(key, structuredClone(value));
    return true;
  }

  private bytesAfter(write: Write): number {
    const deleted = new Set([...write.deletes, ...write.puts.map(([key]) => key)]);
    let bytes = recordBytes(write);
    for (const [key, value] of this.records) {
      if (!deleted.has(key)) bytes += recordBytes({ puts: [[key, value as Write['puts'][number][1]]], deletes: [] });
    }
    return bytes;
  }
}

export function createMemoryVectorStore(maxBytes?: number): ShardedVectorStore {
  return new ShardedVectorStore(new MemoryBackend(maxBytes));
}
