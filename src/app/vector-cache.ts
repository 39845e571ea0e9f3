import { createMemoryVectorStore, needsCompaction, openVectorStore, VectorStoreQuotaError, type VectorStore } from '../index/persistence/index.ts';
import { quantizeRows } from '../index/quantized-matrix.ts';
import type { VectorSource } from '../index/resolve-vectors.ts';
import { notice, type Notice } from './notices.ts';

/**
 * The app's vector cache: IndexedDB shards when they work. Whenever storage fails (missing, refused, full,
 * corrupt) the app carries on from memory and tells the person what will not be kept; it never fails a search.
 */
export class VectorCache {
  private constructor(
    private store: VectorStore,
    private readonly notify: (notice: Notice) => void,
  ) {}

  static async open(notify: (notice: Notice) => void): Promise<VectorCache> {
    const { store, problem } = await openVectorStore();
    if (problem) notify(notice('storage-unavailable', { problem }));
    return new VectorCache(store, notify);
  }

  get kind(): VectorStore['kind'] {
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

  async append(modelKey: string, dims: number, hashes: string[], vectors: Float32Array): Promise<void> {
    try {
      await this.store.append(modelKey, dims, hashes, quantizeRows(vectors, dims));
    } catch (error) {
      const reason = error instanceof VectorStoreQuotaError ? error.message : `saving vectors failed (${(error as Error).message})`;
      this.fallBackToMemory(reason);
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

  private fallBackToMemory(reason: string): void {
    if (this.store.kind === 'memory') return;
    this.store = createMemoryVectorStore();
    this.notify(notice('storage-fallback', { reason }));
  }
}
