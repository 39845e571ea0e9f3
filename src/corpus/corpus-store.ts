import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { Paper } from './types.ts';

/**
 * Keeps the corpus a person imported, so a reload (or going offline) shows their papers, not the bundled ones.
 * Separate from the vector cache: papers are the person's data; vectors can always be recomputed.
 */
export interface SavedCorpus {
  name: string;
  papers: Paper[];
  savedAt: string;
}

const KEY = 'user-corpus';

export class CorpusStore {
  private constructor(private readonly store: UseStore | null) {}

  /** IndexedDB-backed when possible; without IndexedDB, load finds nothing and save fails with the reason. */
  static open(dbName = 'paper-search-corpus'): CorpusStore {
    try {
      return new CorpusStore(typeof indexedDB === 'undefined' ? null : createStore(dbName, 'corpus'));
    } catch {
      return new CorpusStore(null);
    }
  }

  /** The saved corpus, or null (none saved, storage unavailable, or an entry that is not a corpus). */
  async load(): Promise<SavedCorpus | null> {
    if (!this.store) return null;
    const value = await get<unknown>(KEY, this.store);
    return isSavedCorpus(value) ? value : null;
  }

  async save(corpus: SavedCorpus): Promise<void> {
    if (!this.store) throw new Error('IndexedDB is not available in this browser');
    await set(KEY, corpus, this.store);
  }

  async clear(): Promise<void> {
    if (this.store) await del(KEY, this.store);
  }
}

function isSavedCorpus(value: unknown): value is SavedCorpus {
  const v = value as SavedCorpus | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    Array.isArray(v.papers) &&
    v.papers.every((p) => typeof p?.id === 'string' && typeof p.title === 'string' && typeof p.abstract === 'string')
  );
}
