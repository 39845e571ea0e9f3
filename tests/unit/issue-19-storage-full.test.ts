import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keepImport } from '../../src/app/services/keep-import.ts';
import type { Notice } from '../../src/app/notices.ts';
import { VectorCache } from '../../src/app/vector-cache.ts';
import { contentHash } from '../../src/base/paper-id.ts';
import type { Paper } from '../../src/base/paper.ts';
import { DEFAULT_DB_NAME } from '../../src/index/persistence/indexeddb-store.ts';
import type { ParsedLibrary } from '../../src/library/import/import-client.ts';
import { LibraryStore } from '../../src/library/library-store.ts';
import { LibraryError } from '../../src/library/types.ts';

/**
 * Issue 19, point 5: storage full loses nothing silently. Real IndexedDB semantics (fake-indexeddb); the browser's
 * refusal is IDBObjectStore.put throwing Chromium's QuotaExceededError, whose message is empty, in one database.
 */

const DIMS = 4;
let counter = 0;

function library(count: number): { parsed: ParsedLibrary; modelKey: string } {
  const tag = ++counter;
  const papers: Paper[] = Array.from({ length: count }, (_, i) => ({ id: `p${tag}-${i}`, title: `Paper ${tag}.${i}`, abstract: `Abstract ${tag} ${i} about storage.` }));
  const hashes = papers.map(contentHash);
  const modelKey = `model-${tag}@0123456789abcdef`;
  const data = new Int8Array(count * DIMS).map((_, i) => (i % 7) - 3);
  const vectors = { modelKey, dims: DIMS, hashes, rows: { dims: DIMS, data, scales: new Float32Array(count).fill(0.01) }, missing: 0, unused: 0 };
  return { parsed: { papers, hashes, format: 'jsonl', summary: { records: count, imported: count, titleOnly: 0, duplicatesMerged: 0, skipped: [] }, vectors }, modelKey };
}

/**
 * From now on, a write into database `dbName` aborts its transaction with QuotaExceededError and an empty message,
 * as Chromium does when the origin's quota is reached (fake-indexeddb's own abort step sets the transaction's error).
 */
function fillUp(dbName: string): void {
  const original = IDBObjectStore.prototype.put;
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    const request = original.apply(this, args);
    if (this.transaction.db.name === dbName) (this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
    return request;
  });
}

async function setUp() {
  const notices: Notice[] = [];
  const libraries = await LibraryStore.open(`issue-19-libraries-${++counter}`, { legacy: null });
  const cache = await VectorCache.open((notice) => notices.push(notice));
  const deps = { libraries, cache, referencedHashes: () => libraries.referencedHashes() };
  return { libraries, cache, deps, notices, librariesDb: `issue-19-libraries-${counter}` };
}

afterEach(() => vi.restoreAllMocks());

describe('issue 19: storage full loses nothing silently', () => {
  it('a quota refusal with an empty message still gives a reason: the storage is full, and the browser error by name', async () => {
    const { libraries, librariesDb } = await setUp();
    const { parsed } = library(3);
    fillUp(librariesDb);
    const error = await libraries.create('full', parsed.papers, parsed.hashes, 'jsonl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibraryError);
    expect((error as LibraryError).code).toBe('library-storage-full');
    expect((error as LibraryError).detail).toBe("the browser's storage for this site is full (QuotaExceededError)");
  });

  it('papers and vectors that fit are stored together', async () => {
    const { deps, libraries, cache } = await setUp();
    const { parsed, modelKey } = library(5);
    const kept = await keepImport(deps, 'fits', parsed);
    expect(kept.saved).toBe(true);
    expect((await libraries.list()).map((info) => info.name)).toEqual(['fits']);
    expect((await cache.load(modelKey, DIMS))?.hashes).toEqual(parsed.hashes);
  });

  it('vectors that do not fit: the papers are not stored either, and the reason says what and why', async () => {
    const { deps, libraries } = await setUp();
    const { parsed } = library(4);
    fillUp(DEFAULT_DB_NAME);
    const kept = await keepImport(deps, 'no room for vectors', parsed);
    expect(kept.saved).toBe(false);
    expect(kept.id).toMatch(/^unsaved-/);
    expect(kept.saved === false && kept.reason).toMatch(/^its 4 vectors \(.+\) could not be stored, so its papers were not stored either: Browser storage is full/);
    vi.restoreAllMocks();
    expect(await libraries.list()).toEqual([]);
  });

  it('papers that do not fit: the vectors just written are taken out again, and the reason names the quota', async () => {
    const { deps, libraries, cache, librariesDb } = await setUp();
    const { parsed, modelKey } = library(6);
    const other = library(2);
    // Another library's vectors under the same model stay: only what this import wrote goes.
    await cache.keepRows(modelKey, DIMS, other.parsed.hashes, other.parsed.vectors!.rows);
    fillUp(librariesDb);
    const kept = await keepImport(deps, 'no room for papers', parsed);
    vi.restoreAllMocks();
    expect(kept.saved).toBe(false);
    expect(kept.saved === false && kept.reason).toMatch(
      /^its 6 papers \(about .+\) could not be stored \(its vectors were taken out again\): the browser's storage for this site is full \(QuotaExceededError\)$/,
    );
    expect(await libraries.list()).toEqual([]);
    expect((await cache.load(modelKey, DIMS))?.hashes).toEqual(other.parsed.hashes);
  });
});
