import type { ParsedLibrary } from '../../library/import/import-client.ts';
import type { LibraryStore } from '../../library/library-store.ts';
import { LibraryError, type LibraryInfo } from '../../library/types.ts';
import { formatBytes } from '../format.ts';
import type { VectorCache } from '../vector-cache.ts';

/**
 * Keeps an imported library in the browser: its precomputed vectors and its papers together, or neither
 * (issue 19). The two live in separate databases, so there is no one transaction: the vectors are written
 * first, then the papers; papers that do not fit take the just-written vectors back out (what another library
 * uses stays). A library is therefore never listed without the vectors it came with, which would otherwise
 * cost 20–30 minutes of embedding after the next reload.
 */

export type KeptImport = { saved: true; id: string; name: string } | { saved: false; id: string; name: string; reason: string };

export interface KeepImportDeps {
  libraries: Pick<LibraryStore, 'create'>;
  cache: Pick<VectorCache, 'keepRows' | 'dropVectors'>;
  /** Content hashes every stored library references (read under the library lock). */
  referencedHashes: () => Promise<ReadonlySet<string>>;
  now?: () => number;
}

const UNSAVED = 'unsaved-';

/** A library open in this tab only (storage refused it): nothing about it survives a reload. */
export function isUnsavedLibrary(id: string): boolean {
  return id.startsWith(UNSAVED);
}

const plural = (count: number, noun: string) => `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;

/** Bytes of the papers as they are stored (UTF-16 length is close enough for a message about what did not fit). */
function paperBytes(parsed: ParsedLibrary): number {
  return parsed.papers.reduce((sum, paper) => sum + paper.title.length + paper.abstract.length + 64, 0);
}

export async function keepImport(deps: KeepImportDeps, name: string, parsed: ParsedLibrary): Promise<KeptImport> {
  const unsaved = (reason: string): KeptImport => ({ saved: false, id: `${UNSAVED}${(deps.now?.() ?? Date.now()).toString(36)}`, name, reason });
  const vectors = parsed.vectors;
  if (vectors) {
    const failure = await deps.cache.keepRows(vectors.modelKey, vectors.dims, vectors.hashes, vectors.rows);
    if (failure) return unsaved(`its ${plural(vectors.hashes.length, 'vector')} (${formatBytes(vectors.rows.data.byteLength)}) could not be stored, so its papers were not stored either: ${failure}`);
  }
  let info: LibraryInfo;
  try {
    info = await deps.libraries.create(name, parsed.papers, parsed.hashes, parsed.format);
  } catch (error) {
    if (vectors) await deps.cache.dropVectors(vectors.modelKey, vectors.dims, vectors.hashes, deps.referencedHashes).catch(() => 0);
    const why = error instanceof LibraryError ? error.detail : String((error as Error | null)?.message ?? error);
    return unsaved(`its ${plural(parsed.papers.length, 'paper')} (about ${formatBytes(paperBytes(parsed))}) could not be stored${vectors ? ' (its vectors were taken out again)' : ''}: ${why}`);
  }
  return { saved: true, id: info.id, name: info.name };
}
