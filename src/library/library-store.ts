import { createStore, del, get } from 'idb-keyval';
import { sha256Hex } from '../base/hash.ts';
import { nextTask } from '../base/next-task.ts';
import { contentHash } from '../base/paper-id.ts';
import type { Paper } from '../base/paper.ts';
import { isQuotaError, storageFailureReason } from '../index/persistence/index.ts';
import { browserLocks, withLibraryLock, type LockManagerLike } from './library-lock.ts';
import { IndexedDbRecords, MemoryRecords, noWrite, type LibraryRecords, type RecordWrite } from './library-records.ts';
import { LibraryError, type DeletedLibrary, type LibraryInfo, type LibraryProblem, type StoredLibrary } from './types.ts';

/**
 * The person's libraries (one per import), kept in IndexedDB. Records per library:
 *
 *   "meta|<id>"                -> MetaRecord: its LibraryInfo (what the picker lists)
 *   "hashes|<id>"              -> string[]: contentHash of each paper (what garbage collection reads)
 *   "papers|<id>|<000000>"     -> Paper[]: up to PAPERS_PER_RECORD papers each, in order
 *   "gc|marks"                 -> the vector sweep's marks (vector-gc.ts)
 *
 * list() reads only meta records and referencedHashes() only hash records, so neither parses any papers. Every
 * create/delete is one transaction with the meta record written last: a library is listed completely or not at
 * all, whatever fails half-way.
 */

export const DEFAULT_LIBRARY_DB = 'paper-search-libraries';

/**
 * Papers per record: 1,000 papers of 0.5-1.5 kB are 0.5-1.5 MB. IndexedDB clones a record on the page's thread
 * when it is put, one record per task (library-records.ts), so this bounds the longest task of saving: 5,000 (7.5 MB)
 * made tasks of ~1 s on a busy machine (issue 19, `npm run bench -- --only-import`). A 100,000-paper library is
 * 100 records; list() and referencedHashes() read none of them. Libraries saved with other sizes load as they are.
 */
export const PAPERS_PER_RECORD = 1_000;

/** Where the app before named libraries kept its one imported corpus (one idb-keyval key). */
export const LEGACY_CORPUS = { dbName: 'paper-search-corpus', storeName: 'corpus', key: 'user-corpus' } as const;

const META = 'meta|';
const HASHES = 'hashes|';
const PAPERS = 'papers|';
export const GC_MARKS_KEY = 'gc|marks';
const FORMAT = 1;

const metaKey = (id: string) => META + id;
const hashesKey = (id: string) => HASHES + id;
const papersPrefix = (id: string) => `${PAPERS}${id}|`;
const papersKey = (id: string, chunk: number) => papersPrefix(id) + String(chunk).padStart(6, '0');

interface MetaRecord {
  format: number;
  info: LibraryInfo;
  /** Number of paper records. */
  chunks: number;
}

export type MigrationOutcome =
  | { status: 'none' }
  | { status: 'migrated'; library: LibraryInfo }
  /** The legacy entry is unreadable or could not be converted; it was left where it was. */
  | { status: 'left'; problem: string };

export interface LibraryStoreOptions {
  /** Problems that do not stop an operation: a malformed entry skipped by list(), an unreadable legacy corpus. */
  onProblem?: (problem: LibraryProblem) => void;
  /** Cross-tab lock shared with vector garbage collection (library-lock.ts); default navigator.locks. */
  locks?: LockManagerLike | null;
  /** Where to migrate from; null skips migration. */
  legacy?: { dbName: string; storeName: string; key: string } | null;
  now?: () => Date;
  /** Id of a new library (tests); default crypto.randomUUID. */
  newId?: () => string;
}

export class LibraryStore {
  private constructor(
    private readonly records: LibraryRecords,
    /** Why libraries will not survive this tab (IndexedDB missing or refused); null when they will. */
    readonly problem: string | null,
    private readonly options: LibraryStoreOptions,
  ) {}

  /** What happened to the corpus an earlier version saved, on open. */
  migration: MigrationOutcome = { status: 'none' };

  get kind(): LibraryRecords['kind'] {
    return this.records.kind;
  }

  /**
   * IndexedDB when it works, else memory (with `problem` saying why). Some browsers expose indexedDB but fail
   * on open (private modes), so this probes with a real read before choosing. Then migrates the legacy corpus.
   */
  static async open(dbName = DEFAULT_LIBRARY_DB, options: LibraryStoreOptions = {}): Promise<LibraryStore> {
    let store: LibraryStore;
    if (typeof indexedDB === 'undefined') {
      store = new LibraryStore(new MemoryRecords(), 'IndexedDB is not available; libraries are kept for this tab only', options);
    } else {
      try {
        const records = new IndexedDbRecords(dbName);
        await records.read([GC_MARKS_KEY]);
        store = new LibraryStore(records, null, options);
      } catch (error) {
        store = new LibraryStore(new MemoryRecords(), `IndexedDB could not be opened (${(error as Error).message}); libraries are kept for this tab only`, options);
      }
    }
    if (store.kind === 'indexeddb' && options.legacy !== null) store.migration = await store.migrateLegacy(options.legacy ?? LEGACY_CORPUS);
    return store;
  }

  /** Every readable library, newest first. Reads meta records only. */
  async list(): Promise<LibraryInfo[]> {
    const { entries } = await this.records.read([], [META]);
    const out: LibraryInfo[] = [];
    for (const [key, value] of entries[0]) {
      const id = key.slice(META.length);
      const meta = checkMeta(value, id);
      if (typeof meta === 'string') this.report({ code: 'library-corrupt', id, detail: `library ${id}: ${meta}` });
      else out.push(meta.info);
    }
    return out.sort((a, b) => (a.createdAt === b.createdAt ? a.id.localeCompare(b.id) : a.createdAt < b.createdAt ? 1 : -1));
  }

  /** The library with its papers and hashes; null if there is none. Throws 'library-corrupt' naming the bad record. */
  async load(id: string): Promise<StoredLibrary | null> {
    const { values, entries } = await this.records.read([metaKey(id), hashesKey(id)], [papersPrefix(id)]);
    if (values[0] === undefined) return null;
    const meta = checkMeta(values[0], id);
    const fail = (detail: string) => new LibraryError('library-corrupt', `library ${id}: ${detail}`);
    if (typeof meta === 'string') throw fail(meta);
    const hashes = values[1];
    if (!isStringArray(hashes) || hashes.length !== meta.info.paperCount) throw fail(`its hash record holds ${describeList(hashes)}, expected ${meta.info.paperCount} hashes`);
    if (entries[0].length !== meta.chunks) throw fail(`${entries[0].length} paper records found, expected ${meta.chunks}`);
    const papers: Paper[] = [];
    for (const [key, chunk] of entries[0]) {
      if (!Array.isArray(chunk)) throw fail(`record ${key} is not a list of papers`);
      const bad = chunk.findIndex((paper) => !isPaper(paper));
      if (bad >= 0) throw fail(`paper ${papers.length + bad + 1} (record ${key}) lacks a string id, title or abstract`);
      papers.push(...(chunk as Paper[]));
    }
    if (papers.length !== meta.info.paperCount) throw fail(`${papers.length} papers stored, expected ${meta.info.paperCount}`);
    return { info: meta.info, papers, hashes };
  }

  /** Stores a new library in one transaction. 'library-storage-full' when the browser refuses the bytes. */
  async create(name: string, papers: readonly Paper[], hashes: readonly string[], format: string | null): Promise<LibraryInfo> {
    const trimmed = checkName(name);
    checkContent(papers, hashes);
    const id = this.options.newId?.() ?? crypto.randomUUID();
    const at = this.now().toISOString();
    return this.write(id, trimmed, papers, hashes, format, at);
  }

  async rename(id: string, name: string): Promise<LibraryInfo> {
    const trimmed = checkName(name);
    return this.transact([metaKey(id)], ([value]) => {
      if (value === undefined) throw new LibraryError('library-not-found', `no library ${id}`);
      const meta = checkMeta(value, id);
      if (typeof meta === 'string') throw new LibraryError('library-corrupt', `library ${id}: ${meta}`);
      const info: LibraryInfo = { ...meta.info, name: trimmed, updatedAt: this.now().toISOString() };
      return { write: { ...noWrite(), puts: [[metaKey(id), { ...meta, info }]] }, result: info };
    });
  }

  /**
   * Deletes every record of the library in one transaction (an unreadable one too) and returns its info and
   * hashes, so the caller can drop the vectors no other library uses (vector-gc.ts); null if there was none.
   */
  async delete(id: string): Promise<DeletedLibrary | null> {
    return this.transact([metaKey(id), hashesKey(id)], ([metaValue, hashValue]) => {
      if (metaValue === undefined && hashValue === undefined) return { write: noWrite(), result: null };
      const meta = checkMeta(metaValue, id);
      const result: DeletedLibrary = { info: typeof meta === 'string' ? null : meta.info, hashes: isStringArray(hashValue) ? hashValue : [] };
      return { write: { puts: [], deletes: [metaKey(id), hashesKey(id)], deletePrefixes: [papersPrefix(id)] }, result };
    });
  }

  /**
   * Every content hash any stored library references, read from the hash records only. Hash records without
   * a readable meta record count too (erring towards keeping vectors). A malformed hash record throws
   * 'library-corrupt': garbage collection must not guess what that library needs (deleting it clears this).
   */
  async referencedHashes(): Promise<Set<string>> {
    const { entries } = await this.records.read([], [HASHES]);
    const out = new Set<string>();
    for (const [key, hashes] of entries[0]) {
      if (!isStringArray(hashes)) throw new LibraryError('library-corrupt', `library ${key.slice(HASHES.length)}: its hash record is ${describeList(hashes)}`);
      for (const hash of hashes) out.add(hash);
    }
    return out;
  }

  /** The vector sweep's persisted state (vector-gc.ts validates it); undefined when none. */
  async readGcMarks(): Promise<unknown> {
    return (await this.records.read([GC_MARKS_KEY])).values[0];
  }

  async writeGcMarks(marks: unknown): Promise<void> {
    await this.transact([], () => ({ write: { ...noWrite(), puts: [[GC_MARKS_KEY, marks]] }, result: undefined }));
  }

  /**
   * Converts the corpus an earlier version kept under one key into a library, then deletes that key. The
   * library's id derives from the entry, so a second run (another tab, or a crash before the key was deleted)
   * finds it already there and only deletes the key. An entry that does not validate is left alone and reported.
   */
  private async migrateLegacy(legacy: { dbName: string; storeName: string; key: string }): Promise<MigrationOutcome> {
    const left = (problem: string): MigrationOutcome => {
      this.report({ code: 'legacy-corpus-unreadable', detail: problem });
      return { status: 'left', problem };
    };
    try {
      // Opening a database creates it: look first, where the browser can tell (Chromium, Firefox 126+, Safari).
      const known = await indexedDB.databases?.().catch(() => null);
      if (known && !known.some((db) => db.name === legacy.dbName)) return { status: 'none' };
      const store = createStore(legacy.dbName, legacy.storeName);
      const value = await get<unknown>(legacy.key, store);
      if (value === undefined) return { status: 'none' };
      const saved = checkLegacy(value);
      if (typeof saved === 'string') return left(`${legacy.dbName}/${legacy.storeName}/${legacy.key}: ${saved}`);
      const createdAt = Number.isNaN(Date.parse(saved.savedAt ?? '')) ? this.now().toISOString() : new Date(saved.savedAt!).toISOString();
      const id = 'migrated-' + sha256Hex(JSON.stringify([saved.name, createdAt, saved.papers.length])).slice(0, 16);
      const name = saved.name.trim() || 'Imported papers';
      const library = await this.write(id, name, saved.papers, saved.papers.map(contentHash), null, createdAt, { ifAbsent: true });
      await del(legacy.key, store);
      return { status: 'migrated', library };
    } catch (error) {
      return left(`could not be converted (${(error as Error).message})`);
    }
  }

  private write(
    id: string,
    name: string,
    papers: readonly Paper[],
    hashes: readonly string[],
    format: string | null,
    createdAt: string,
    { ifAbsent = false } = {},
  ): Promise<LibraryInfo> {
    // Shared lock, asked for at once: a vector sweep in any tab (exclusive) sees this library, or has finished
    // before it exists; the records are measured inside it.
    return withLibraryLock(this.locks, 'shared', async () => {
      const puts: [string, unknown][] = [];
      const encoder = new TextEncoder();
      let paperBytes = 0;
      for (let start = 0, chunk = 0; start < papers.length; start += PAPERS_PER_RECORD, chunk++) {
        const records = papers.slice(start, start + PAPERS_PER_RECORD);
        paperBytes += encoder.encode(JSON.stringify(records)).byteLength;
        puts.push([papersKey(id, chunk), records]);
        // Measuring a record is a few ms per 1,000 papers: the page gets its turn between records (issue 19).
        if (start + PAPERS_PER_RECORD < papers.length) await nextTask();
      }
      const info: LibraryInfo = { id, name, paperCount: papers.length, format, createdAt, updatedAt: createdAt, paperBytes, hashBytes: hashes.reduce((n, h) => n + h.length, 0) };
      const meta: MetaRecord = { format: FORMAT, info, chunks: puts.length };
      puts.push([hashesKey(id), [...hashes]]);
      // Last, so even a store without transactions would never list a library whose papers are not all there.
      puts.push([metaKey(id), meta]);
      return this.transact([metaKey(id)], ([existing]) => {
        if (ifAbsent && existing !== undefined) {
          const found = checkMeta(existing, id);
          if (typeof found !== 'string') return { write: noWrite(), result: found.info };
        }
        return { write: { puts, deletes: [], deletePrefixes: [papersPrefix(id)] }, result: info };
      });
    });
  }

  /** A write, with the browser's failures turned into coded errors. */
  private async transact<T>(keys: readonly string[], decide: (values: unknown[]) => { write: RecordWrite; result: T }): Promise<T> {
    try {
      return await this.records.transact(keys, decide);
    } catch (error) {
      if (error instanceof LibraryError) throw error;
      throw new LibraryError(isQuotaError(error) ? 'library-storage-full' : 'library-write-failed', storageFailureReason(error), error);
    }
  }

  private get locks(): LockManagerLike | null {
    return this.options.locks === undefined ? browserLocks() : this.options.locks;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private report(problem: LibraryProblem): void {
    this.options.onProblem?.(problem);
  }
}

/**
 * A name not among `existing`: `wanted` itself, else "wanted (2)", "(3)"… Names need not be unique (ids tell
 * libraries apart); this keeps two imports of refs.bib distinguishable in the picker.
 */
export function uniqueName(existing: Iterable<string>, wanted: string): string {
  const taken = new Set(existing);
  const name = wanted.trim();
  if (!taken.has(name)) return name;
  const numbered = /^(.*) \((\d+)\)$/.exec(name);
  const base = numbered ? numbered[1] : name;
  for (let n = numbered ? Number(numbered[2]) + 1 : 2; ; n++) {
    const candidate = `${base} (${n})`;
    if (!taken.has(candidate)) return candidate;
  }
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new LibraryError('library-name-empty', `name ${JSON.stringify(name)}`);
  return trimmed;
}

function checkContent(papers: readonly Paper[], hashes: readonly string[]): void {
  if (papers.length !== hashes.length) throw new LibraryError('library-invalid', `${papers.length} papers but ${hashes.length} hashes`);
  const bad = papers.findIndex((paper) => !isPaper(paper));
  if (bad >= 0) throw new LibraryError('library-invalid', `paper ${bad + 1} lacks a string id, title or abstract`);
  const badHash = hashes.findIndex((hash) => typeof hash !== 'string' || hash.length === 0);
  if (badHash >= 0) throw new LibraryError('library-invalid', `hash ${badHash + 1} is not a non-empty string`);
}

function checkMeta(value: unknown, id: string): MetaRecord | string {
  if (typeof value !== 'object' || value === null) return 'its meta record is missing or not an object';
  const meta = value as Partial<MetaRecord>;
  if (meta.format !== FORMAT) return `its meta record has format ${String(meta.format)}, expected ${FORMAT}`;
  const info = meta.info as Partial<LibraryInfo> | undefined;
  if (!info || info.id !== id) return 'its meta record is for another id';
  const counts = [info.paperCount, info.paperBytes, info.hashBytes, meta.chunks];
  if (!counts.every((n) => Number.isInteger(n) && (n as number) >= 0)) return 'its meta record lacks a count';
  if (typeof info.name !== 'string' || typeof info.createdAt !== 'string' || typeof info.updatedAt !== 'string') return 'its meta record lacks a name or date';
  if (info.format !== null && typeof info.format !== 'string') return 'its meta record has a malformed format';
  return meta as MetaRecord;
}

function checkLegacy(value: unknown): { name: string; papers: Paper[]; savedAt?: string } | string {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const v = value as { name?: unknown; papers?: unknown; savedAt?: unknown };
  if (typeof v.name !== 'string') return 'no name';
  if (!Array.isArray(v.papers)) return 'no list of papers';
  const bad = v.papers.findIndex((paper) => !isPaper(paper));
  if (bad >= 0) return `paper ${bad + 1} lacks a string id, title or abstract`;
  return { name: v.name, papers: v.papers as Paper[], savedAt: typeof v.savedAt === 'string' ? v.savedAt : undefined };
}

function isPaper(value: unknown): value is Paper {
  const p = value as Partial<Paper> | null;
  return typeof p === 'object' && p !== null && typeof p.id === 'string' && typeof p.title === 'string' && typeof p.abstract === 'string';
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function describeList(value: unknown): string {
  if (value === undefined) return 'missing';
  return Array.isArray(value) ? `${value.length} entries` : `a ${typeof value}`;
}
