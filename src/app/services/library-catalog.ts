import { siteInfo } from '../site-info.ts';
import { contentHash } from '../../base/paper-id.ts';
import type { Paper } from '../../base/paper.ts';
import { LibraryError, type DeletedLibrary, type LibraryInfo, type StoredLibrary } from '../../library/types.ts';
import { VectorGarbageCollector } from '../../library/vector-gc.ts';
import type { LoadedCorpus } from '../bundled-corpus.ts';
import { libraryEntries } from '../library-entries.ts';
import { notice } from '../notices.ts';
import type { PublishedLibrary } from '../../published/published-library.ts';
import { BUNDLED_LIBRARY_ID } from '../snapshot.ts';
import { describe, type AppState } from './app-state.ts';
import type { AppDeps, CacheLike, LibraryStoreLike } from './deps.ts';
import type { LibraryEvents } from './library-events.ts';
import type { OpenLibrarySlot } from './open-library.ts';

export interface CatalogParts {
  state: AppState;
  deps: Pick<AppDeps, 'loadBundled' | 'lastLibrary' | 'storage'>;
  store: LibraryStoreLike;
  cache: CacheLike;
  /** The site's published library: it takes the bundled papers' place in the picker. */
  published: PublishedLibrary | null;
  slot: OpenLibrarySlot;
  events: LibraryEvents;
}

/**
 * The person's libraries: which one to open first, the picker's list, loading, renaming and deleting stored
 * ones (and the vectors only they used), the bundled papers, and the garbage collector's wiring. It does not
 * open libraries itself: the controller does, so every open goes through one reset.
 */
export class LibraryCatalog {
  /** Content hashes of the bundled papers once loaded: kept by garbage collection whatever is open. */
  private bundledHashes: readonly string[] = [];
  private bundledCount: number;
  private collector: VectorGarbageCollector | null = null;

  constructor(private readonly parts: CatalogParts) {
    this.bundledCount = parts.published?.count ?? 0;
  }

  /**
   * The library to open: the address's, else the one open last time, else the newest stored one (a person
   * upgrading from one saved import keeps seeing it), else the site's own (null when that is the published one).
   */
  async initialCorpus(requested: string | null): Promise<LoadedCorpus | null> {
    const { store, deps, published } = this.parts;
    const stored = await store.list().catch(() => [] as LibraryInfo[]);
    const wanted = requested ?? deps.lastLibrary.get() ?? stored[0]?.id ?? BUNDLED_LIBRARY_ID;
    if (wanted !== BUNDLED_LIBRARY_ID) {
      const library = await store.load(wanted).catch(() => null);
      if (library) {
        // For the picker's count and garbage collection (a published library's vectors are not in the cache).
        if (!published) void this.loadBundled().catch(() => undefined);
        return storedCorpus(library);
      }
      if (requested) this.parts.state.notify(notice('library-missing'));
    }
    return published ? null : this.loadBundled();
  }

  async loadBundled(): Promise<LoadedCorpus> {
    const corpus = await this.parts.deps.loadBundled((reason) => this.parts.state.notify(notice('precomputed-unused', { reason })));
    const hashes = corpus.papers.map(contentHash);
    this.bundledHashes = hashes;
    this.bundledCount = corpus.papers.length;
    return { ...corpus, hashes };
  }

  /** A stored library to open; null (with a notice) when it cannot be read or is gone. */
  async open(id: string): Promise<LoadedCorpus | null> {
    const { state, store } = this.parts;
    const library = await store.load(id).catch((error: unknown) => {
      state.notify(notice('library-failed', { action: 'open this library', reason: describe(error) }));
      return null;
    });
    if (library) return storedCorpus(library);
    if (state.current.notices.every((n) => n.code !== 'library-failed')) state.notify(notice('library-missing'));
    await this.refresh();
    return null;
  }

  /** Re-reads the picker's list (after an import, rename or delete, or in another tab's wake). */
  async refresh(): Promise<void> {
    const { state, store, published, slot } = this.parts;
    const stored = await store.list().catch(() => [] as LibraryInfo[]);
    const entries = libraryEntries(stored, this.bundledCount, state.current.model?.dims ?? null, published?.name);
    const open = slot.local;
    // A library that could not be saved is still open: it stays in the picker for this tab.
    if (open && !entries.some((entry) => entry.id === open.id)) entries.push({ id: open.id, name: `${open.name} (not saved)`, kind: 'imported', paperCount: open.papers.length, bytesOnDisk: null });
    state.update({ libraries: entries });
  }

  async refreshStorage(): Promise<void> {
    const status = await this.parts.deps.storage.status().catch(() => null);
    if (status) this.parts.state.update({ storageInfo: status });
  }

  async rename(id: string, name: string): Promise<void> {
    const { state, store, slot } = this.parts;
    try {
      const info = await store.rename(id, name);
      const open = slot.local;
      if (open?.id === id) {
        open.name = info.name;
        state.update({ corpusName: info.name });
      }
    } catch (error) {
      state.notify(notice('library-failed', { action: 'rename the library', reason: libraryReason(error) }));
    }
    await this.refresh();
  }

  /**
   * Deletes a stored library (not open: the controller opens another first) and, at once, the vectors no other
   * library uses; then tells the other tabs. Without a model (unavailable), the scheduled sweep removes them.
   */
  async delete(id: string): Promise<void> {
    const { state, store, cache, events } = this.parts;
    let deleted: DeletedLibrary | null;
    try {
      deleted = await store.delete(id);
    } catch (error) {
      state.notify(notice('library-failed', { action: 'delete the library', reason: libraryReason(error) }));
      return;
    }
    const name = deleted?.info?.name ?? 'the library';
    events.post({ kind: 'deleted', id, name });
    const model = state.current.model;
    let vectors = 0;
    if (deleted && model) vectors = await cache.dropVectors(model.modelKey, model.dims, deleted.hashes, () => this.referencedHashes()).catch(() => 0);
    state.notify(notice('library-deleted', { name, papers: deleted?.info?.paperCount ?? 0, vectors }));
    await this.refresh();
    void this.refreshStorage();
  }

  /** The papers of a library, for export: the open one from memory, others from storage. */
  async papersOf(id: string): Promise<{ name: string; papers: readonly Paper[] } | null> {
    const open = this.parts.slot.local;
    if (open?.id === id) return { name: open.name, papers: open.papers };
    // A published library is the site's files; it is never all in the tab, so it is not exported from here.
    if (id === BUNDLED_LIBRARY_ID && this.parts.published) return null;
    if (id === BUNDLED_LIBRARY_ID) return { name: siteInfo.name, papers: (await this.loadBundled()).papers };
    const library = await this.parts.store.load(id).catch(() => null);
    return library ? { name: library.info.name, papers: library.papers } : null;
  }

  /** Starts the scheduled sweep of vectors no library uses; `busy` says when an import or a run is under way. */
  startCollector(busy: () => boolean): void {
    const { state, cache, store, slot } = this.parts;
    this.collector = new VectorGarbageCollector({
      store: cache.gcStore(),
      libraries: store,
      model: () => (state.current.model ? { modelKey: state.current.model.modelKey, dims: state.current.model.dims } : null),
      // Never beside an import or an embedding run: their vectors are referenced, but a sweep would still
      // compete with them for the store's queue.
      busy,
      extraReferenced: () => [...this.bundledHashes, ...(slot.local?.hashes ?? [])],
      onSwept: () => void this.refreshStorage(),
      onError: (error) => console.warn('vector garbage collection failed', error),
    });
    this.collector.start();
  }

  stop(): void {
    this.collector?.stop();
  }

  /** Every hash some library uses: the stored ones, the bundled papers and what is open in this tab. */
  async referencedHashes(): Promise<Set<string>> {
    const referenced = await this.parts.store.referencedHashes();
    for (const hash of this.bundledHashes) referenced.add(hash);
    for (const hash of this.parts.slot.local?.hashes ?? []) referenced.add(hash);
    return referenced;
  }
}

export function storedCorpus(library: StoredLibrary): LoadedCorpus {
  return { id: library.info.id, name: library.info.name, kind: 'imported', papers: library.papers, hashes: library.hashes, precomputed: null };
}

export function libraryReason(error: unknown): string {
  return error instanceof LibraryError ? error.detail : describe(error);
}
