import type { LibraryInfo } from '../library/types.ts';
import { libraryBytesOnDisk } from '../library/storage-status.ts';
import { BUNDLED_LIBRARY_ID, type LibraryEntry } from './snapshot.ts';
import { siteInfo } from './site-info.ts';

/**
 * The picker's list: the bundled papers first (they come with the site), then the stored libraries as the
 * store lists them (newest first). Sizes are estimates of what each keeps in IndexedDB: its papers, hashes and
 * one int8 vector per paper; the bundled papers live in the offline copy, not in IndexedDB, so they have none.
 */
export function libraryEntries(stored: readonly LibraryInfo[], bundledCount: number, dims: number | null, bundledName = siteInfo.name): LibraryEntry[] {
  const bundled: LibraryEntry = { id: BUNDLED_LIBRARY_ID, name: bundledName, kind: 'bundled', paperCount: bundledCount, bytesOnDisk: null };
  return [
    bundled,
    ...stored.map(
      (info): LibraryEntry => ({
        id: info.id,
        name: info.name,
        kind: 'imported',
        paperCount: info.paperCount,
        bytesOnDisk: dims === null ? info.paperBytes + info.hashBytes : libraryBytesOnDisk(info, info.paperCount, dims),
      }),
    ),
  ];
}
