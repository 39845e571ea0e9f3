import type { Paper } from '../base/paper.ts';
import { CodedError, codedMessage } from '../base/errors.ts';

/** What the library picker shows about one stored library; read without reading its papers. */
export interface LibraryInfo {
  id: string;
  name: string;
  paperCount: number;
  /** The parser format it was imported from ('bibtex', 'ris', …), null when unknown (e.g. migrated). */
  format: string | null;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; changes on rename. */
  updatedAt: string;
  /** UTF-8 bytes of its papers serialized as JSON (what IndexedDB stores, before the browser's own overhead). */
  paperBytes: number;
  /** Bytes of its content-hash list (one 32-character hash per paper). */
  hashBytes: number;
}

export interface StoredLibrary {
  info: LibraryInfo;
  papers: Paper[];
  /** contentHash of each paper, in the same order: the keys of its vectors. */
  hashes: string[];
}

/** What delete returns: enough to drop the library's vectors, without reading its papers. */
export interface DeletedLibrary {
  info: LibraryInfo | null;
  /** Its content hashes; empty when its hash record was unreadable (the sweep then collects its vectors). */
  hashes: string[];
}

/**
 * Every reason a library operation can fail or be reported, one stable code each (tests and the UI match codes,
 * not text). The text says what happened and what the person can do.
 */
export const LIBRARY_ERROR_CODES = {
  'library-not-found': 'No library has this id (it may have been deleted in another tab).',
  'library-name-empty': 'A library needs a name that is not empty or only spaces.',
  'library-invalid': 'The papers and their content hashes do not match (different counts, or a paper without id, title or abstract).',
  'library-storage-full': 'The browser refused to store more (its storage quota is reached); the library was not saved.',
  'library-write-failed': 'Saving to browser storage failed; nothing was changed.',
  'library-corrupt': 'A stored library is unreadable (a record is missing or malformed); it can be deleted.',
  'legacy-corpus-unreadable': 'The papers saved by an earlier version of the app could not be read; they were left in place.',
} as const;

export type LibraryErrorCode = keyof typeof LIBRARY_ERROR_CODES;

export class LibraryError extends CodedError<LibraryErrorCode> {
  /** @param detail what was wrong and where (which library, which record) */
  constructor(code: LibraryErrorCode, detail: string, cause?: unknown) {
    super('LibraryError', code, detail, codedMessage(LIBRARY_ERROR_CODES, code, detail), { cause });
  }
}

/** A problem found while reading storage that does not stop the operation (a malformed entry is skipped). */
export interface LibraryProblem {
  code: LibraryErrorCode;
  /** The library concerned, when known: the picker can offer to delete it. */
  id?: string;
  detail: string;
}
