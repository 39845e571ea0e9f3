import type { ByteProgress } from '../base/progress.ts';
import type { RankingParts } from '../search/pipeline.ts';
import type { SearchSource } from '../search/searcher.ts';
import { DEFAULT_RANKING } from '../search/search.ts';
import type { PaperBook } from './paper-book.ts';

/** A published library as the searcher reads it (src/search/searcher.ts), with the papers read so far. */
export interface PublishedSearchable extends SearchSource {
  book: PaperBook;
}

/**
 * A published library as a search source: every paper has a vector (once installed: `meaningReady`), texts are
 * paged through the book, and a paper is known by id once its text was read here.
 */
export function publishedSearchable(book: PaperBook, parts: RankingParts, meaningReady: () => boolean, ranking = DEFAULT_RANKING): PublishedSearchable {
  return { ranking, parts, book, papers: book.papers, count: book.count, rowOf: (id) => book.rowOf(id), texts: book, vectorless: null, meaningReady };
}

/**
 * A library published with the site (`npm run index -- --layout compressed`, issue 10): what the controller
 * needs of it. open-published.ts builds it from the site's `corpus/library.json`; controller tests pass fakes.
 */
export interface PublishedLibrary {
  name: string;
  count: number;
  /** The encoder fingerprint its vectors were made with: queries must be embedded by the same one. */
  modelKey: string;
  searchable: PublishedSearchable;
  /**
   * Makes search by meaning work in this browser: the sign codes into IndexedDB and the rescoring rows into
   * OPFS, downloaded once (a completed copy is recognised by the library's id), then opened in the worker.
   */
  installVectors(onProgress: (progress: ByteProgress) => void): Promise<void>;
  /** How much of each part this browser holds (vectors are held once installed). */
  offlineState(): Promise<PublishedOfflineState>;
  /** "Make this library available offline": every keyword and text shard, resumable; resolves how it ended. */
  downloadForOffline(onProgress: (progress: ByteProgress) => void, signal: AbortSignal): Promise<'complete' | 'cancelled'>;
  dispose(): void;
}

export type PublishedPart = 'vectors' | 'keywords' | 'texts';

export interface PublishedPartState {
  part: PublishedPart;
  storedBytes: number;
  totalBytes: number;
}

export interface PublishedOfflineState {
  parts: PublishedPartState[];
  /** Bytes still to download for the whole library to work offline. */
  missingBytes: number;
}
