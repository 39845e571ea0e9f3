import { createMemoryVectorStore, needsCompaction, openVectorStore, storageFailureReason, VectorStoreQuotaError } from '../index/persistence/index.ts';
import type { PrunableVectorStore } from '../index/persistence/vector-store.ts';
import { quantizeRows, type Int8Rows } from '../index/quantized-matrix.ts';
import { dropLibraryVectors, type GcVectorStore } from '../library/vector-gc.ts';
import type { VectorSource } from '../index/resolve-vectors.ts';
import { notice, type Notice } from './notices.ts';

/**
 * The app's vector cache: IndexedDB shards when they work. Whenever storage fails (missing, refused, full,
 * corrupt) the app carries on from memory and tells the person what will not be kept; it never fails a search.
 */
export class VectorCache {
  private constructor(
    private store: PrunableVectorStore,
    private readonly notify: (notice: Notice) => void,
  ) {}

  static async open(notify: (notice: Notice) => void): Promise<VectorCache> {
    const { store, problem } = await openVectorStore();
    if (problem) notify(notice('storage-unavailable', { problem }));
    return new VectorCache(store, notify);
  }

  get kind(): PrunableVectorStore['kind'] {
    return this.store.kind;
  }

  async load(modelKey: string, dims: number): Promise<VectorSource | null> {
    try {
      const loaded = await this.store.load(modelKey, dims);
      if (loaded.problems.length > 0) {
        this.notify(notice('vectors-discarded', { problems: loaded.problems.join('; ') }));
      }
      return { modelKey, dims, hashes: loaded.hashes, rows: loaded.rows };
    } catch (error) {
      this.fallBackToMemory(`reading saved vectors failed (${(error as Error).message})`);
      return null;
    }
  }

  append(modelKey: string, dims: number, hashes: string[], vectors: Float32Array): Promise<void> {
    return this.appendRows(modelKey, dims, hashes, quantizeRows(vectors, dims));
  }

  /** Adds vectors already quantized (precomputed ones that came with an import). */
  async appendRows(modelKey: string, dims: number, hashes: readonly string[], rows: Int8Rows): Promise<void> {
    await this.keepRows(modelKey, dims, hashes, rows);
  }

  /**
   * appendRows that says why the rows were not kept (null when they were), so an import keeps its papers only
   * with its vectors (keep-import.ts). After a failure the cache carries on from memory, as appendRows does.
   */
  async keepRows(modelKey: string, dims: number, hashes: readonly string[], rows: Int8Rows): Promise<string | null> {
    try {
      await this.store.append(modelKey, dims, hashes, rows);
      return null;
    } catch (error) {
      const reason = error instanceof VectorStoreQuotaError ? error.message : `saving vectors failed (${storageFailureReason(error)})`;
      this.fallBackToMemory(reason);
      return reason;
    }
  }

  /**
   * Merges small shards when they have grown many. Vectors of other corpora are kept: another tab, or the
   * person's next import, may still need them, and re-embedding a large corpus takes hours in a browser.
   */
  async tidy(modelKey: string, dims: number): Promise<void> {
    try {
      const stored = await this.store.load(modelKey, dims);
      const all = new Set(stored.hashes);
      if (needsCompaction({ hashes: stored.hashes, shardCount: stored.shardCount }, all)) await this.store.compact(modelKey, dims, all);
    } catch {
      // Tidying is an optimisation; the cache stays correct without it.
    }
  }

  /**
   * Deletes the vectors of a deleted library that nothing in `stillReferenced` (read under the library lock,
   * so a library another tab creates meanwhile counts) uses; resolves how many went.
   */
  dropVectors(modelKey: string, dims: number, deletedHashes: Iterable<string>, stillReferenced: () => Promise<ReadonlySet<string>>): Promise<number> {
    return dropLibraryVectors(this.store, modelKey, dims, deletedHashes, stillReferenced);
  }

  /** The store for garbage collection: always the current one (it becomes memory after a storage failure). */
  gcStore(): GcVectorStore {
    return {
      storedHashes: (modelKey, dims) => this.store.storedHashes(modelKey, dims),
      drop: (modelKey, dims, hashes) => this.store.drop(modelKey, dims, hashes),
      modelKeys: () => this.store.modelKeys(),
      clear: (modelKey) => this.store.clear(modelKey),
    };
  }

  private fallBackToMemory(reason: string): void {
    if (this.store.kind === 'memory') return;
    this.store = createMemoryVectorStore();
    this.notify(notice('storage-fallback', { reason }));
  }
}
