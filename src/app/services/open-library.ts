import type { VectorSource } from '../../index/resolve-vectors.ts';
import type { PublishedLibrary } from '../../published/published-library.ts';
import type { SearchableCorpus } from '../../search/searcher.ts';

/** A library held in this tab (the bundled papers, or a stored or just-imported one), with its indexing state. */
export interface LocalCorpus extends SearchableCorpus {
  id: string;
  name: string;
  hashes: readonly string[];
  precomputed: VectorSource | null;
  /** The indexing run under way, so a retry does not start a second one. */
  indexing: Promise<void> | null;
  /** The person said go (or was not asked yet): a resumed run does not ask again. */
  confirmed: boolean;
}

/** Which library the page shows: none yet, one held in the tab, or the site's published library. */
export type OpenLibrary = { kind: 'none' } | { kind: 'local'; corpus: LocalCorpus } | { kind: 'published'; library: PublishedLibrary };

/**
 * The one place that says which library is open. Services read it to tell whether work they started still
 * belongs to the page (a run for a library that was left stops reporting).
 */
export class OpenLibrarySlot {
  current: OpenLibrary = { kind: 'none' };

  /** The open library when it is held in the tab, else null. */
  get local(): LocalCorpus | null {
    return this.current.kind === 'local' ? this.current.corpus : null;
  }

  get published(): PublishedLibrary | null {
    return this.current.kind === 'published' ? this.current.library : null;
  }

  isOpen(corpus: LocalCorpus): boolean {
    return this.local === corpus;
  }
}
