import type { EmbeddingSupervisor } from '../../embedding/supervisor.ts';
import type { PublishedLibrary } from '../../published/published-library.ts';
import type { AppState } from './app-state.ts';
import type { AppDeps, CacheLike, LibraryStoreLike } from './deps.ts';
import { ImportFlow } from './import-flow.ts';
import { IndexingSession } from './indexing-session.ts';
import { LibraryCatalog } from './library-catalog.ts';
import type { LibraryEvent } from './library-events.ts';
import type { OpenLibrarySlot } from './open-library.ts';
import { PublishedSession } from './published-session.ts';
import { SearchDispatch } from './search-dispatch.ts';

/** The services that need the store, the cache and the engine: built together once those exist. */
export interface Services {
  engine: EmbeddingSupervisor;
  catalog: LibraryCatalog;
  imports: ImportFlow;
  indexing: IndexingSession;
  /** The site's published library, when it has one. */
  published: PublishedSession | null;
  search: SearchDispatch;
  stopListening: () => void;
}

export interface Opened {
  state: AppState;
  slot: OpenLibrarySlot;
  deps: AppDeps;
  engine: EmbeddingSupervisor;
  store: LibraryStoreLike;
  cache: CacheLike;
  library: PublishedLibrary | null;
  /** What another tab says about the libraries (a deletion). */
  onLibraryEvent(event: LibraryEvent): void;
}

/** Wires the services to the parts start-up opened and to each other. */
export function composeServices({ state, slot, deps, engine, store, cache, library, onLibraryEvent }: Opened): Services {
  const events = deps.libraryEvents();
  const published = library && new PublishedSession({ state, library, engine, slot });
  const catalog = new LibraryCatalog({ state, deps, store, cache, published: library, slot, events });
  return {
    engine,
    catalog,
    imports: new ImportFlow({ state, deps, store, cache, referencedHashes: () => catalog.referencedHashes() }),
    indexing: new IndexingSession({ state, deps, engine, cache, slot }),
    published,
    search: new SearchDispatch({ state, engine, slot, publishedVectorsReady: () => published?.vectorsReady() ?? false }),
    stopListening: events.listen(onLibraryEvent),
  };
}
