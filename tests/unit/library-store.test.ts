import 'fake-indexeddb/auto';
import { createStore, get as idbGet, keys as idbKeys, set as idbSet } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contentHash } from '../../src/base/paper-id.ts';
import type { Paper } from '../../src/base/paper.ts';
import { LibraryStore, PAPERS_PER_RECORD, uniqueName, type LibraryStoreOptions } from '../../src/library/library-store.ts';
import { LibraryError, type LibraryErrorCode, type LibraryProblem } from '../../src/library/types.ts';

let dbCounter = 0;
const freshDb = () => `libraries-test-${++dbCounter}`;

function papers(count: number, tag = 'p'): Paper[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${tag}${i}`, title: `Title ${tag} ${i}`, abstract: `Abstract of ${tag} number ${i}, with é and 漢字.` }));
}

/** A clock that moves one second per reading, so creation order is unambiguous. */
function clock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let t = start;
  return () => new Date((t += 1000));
}

async function open(dbName = freshDb(), options: LibraryStoreOptions = {}) {
  const problems: LibraryProblem[] = [];
  const store = await LibraryStore.open(dbName, { legacy: null, now: clock(), onProblem: (p) => problems.push(p), ...options });
  return { store, problems, dbName, raw: createStore(dbName, 'libraries') };
}

async function codeOf(promise: Promise<unknown>): Promise<LibraryErrorCode | string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof LibraryError ? error.code : `not a LibraryError: ${String(error)}`;
  }
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('LibraryStore on IndexedDB (fake-indexeddb)', () => {
  it('creates, lists newest first, loads, renames and deletes', async () => {
    const { store, raw } = await open();
    expect(store.kind).toBe('indexeddb');
    expect(store.problem).toBeNull();
    const big = papers(PAPERS_PER_RECORD * 2 + 17, 'b');
    const small = papers(3, 's');
    const first = await store.create('big.jsonl', big, big.map(contentHash), 'jsonl');
    const second = await store.create('  refs.bib ', small, small.map(contentHash), 'bibtex');

    expect(second.name).toBe('refs.bib');
    expect(first).toMatchObject({ paperCount: big.length, format: 'jsonl', hashBytes: 32 * big.length });
    // Bytes of the papers as UTF-8 JSON, record by record.
    const chunks = [big.slice(0, PAPERS_PER_RECORD), big.slice(PAPERS_PER_RECORD, 2 * PAPERS_PER_RECORD), big.slice(2 * PAPERS_PER_RECORD)];
    expect(first.paperBytes).toBe(chunks.reduce((n, c) => n + new TextEncoder().encode(JSON.stringify(c)).byteLength, 0));
    expect((await store.list()).map((l) => l.id)).toEqual([second.id, first.id]);

    const loaded = await store.load(first.id);
    expect(loaded?.papers).toEqual(big);
    expect(loaded?.hashes).toEqual(big.map(contentHash));
    expect(loaded?.info).toEqual(first);
    // Papers went into three records, not one.
    expect((await idbKeys<string>(raw)).filter((k) => k.startsWith(`papers|${first.id}|`))).toHaveLength(3);

    const renamed = await store.rename(first.id, ' Big one ');
    expect(renamed).toMatchObject({ name: 'Big one', createdAt: first.createdAt });
    expect(renamed.updatedAt > first.updatedAt).toBe(true);
    expect((await store.list()).find((l) => l.id === first.id)?.name).toBe('Big one');

    const deleted = await store.delete(first.id);
    expect(deleted?.info?.name).toBe('Big one');
    expect(deleted?.hashes).toEqual(big.map(contentHash));
    expect(await store.load(first.id)).toBeNull();
    expect((await store.list()).map((l) => l.id)).toEqual([second.id]);
    expect((await idbKeys<string>(raw)).filter((k) => k.includes(first.id))).toEqual([]);
    expect(await store.delete(first.id)).toBeNull();
    expect([...(await store.referencedHashes())].sort()).toEqual(small.map(contentHash).sort());
  });

  it('refuses empty names, unknown ids and papers that do not match their hashes, with codes', async () => {
    const { store } = await open();
    const some = papers(2);
    expect(await codeOf(store.create('   ', some, some.map(contentHash), null))).toBe('library-name-empty');
    expect(await codeOf(store.create('x', some, [contentHash(some[0])], null))).toBe('library-invalid');
    expect(await codeOf(store.create('x', [{ id: 'a', title: 'T' } as Paper], ['h'], null))).toBe('library-invalid');
    const info = await store.create('ok', some, some.map(contentHash), null);
    expect(await codeOf(store.rename(info.id, ' \t\n'))).toBe('library-name-empty');
    expect(await codeOf(store.rename('no-such-id', 'name'))).toBe('library-not-found');
    expect((await store.list()).map((l) => l.name)).toEqual(['ok']);
  });

  it('list() and referencedHashes() read no paper record; load() does', async () => {
    const { store } = await open();
    const many = papers(PAPERS_PER_RECORD + 1);
    await store.create('a', many, many.map(contentHash), null);
    const touched: string[] = [];
    const describeQuery = (query: unknown) => (query instanceof IDBKeyRange ? `range ${String(query.lower)}` : `key ${String(query)}`);
    for (const method of ['get', 'getAll', 'getAllKeys', 'openCursor', 'openKeyCursor'] as const) {
      const original = IDBObjectStore.prototype[method] as (...args: unknown[]) => IDBRequest;
      vi.spyOn(IDBObjectStore.prototype, method).mockImplementation(function (this: IDBObjectStore, ...args: unknown[]) {
        touched.push(`${method} ${describeQuery(args[0])}`);
        return original.apply(this, args);
      } as never);
    }
    expect(await store.list()).toHaveLength(1);
    expect((await store.referencedHashes()).size).toBe(many.length);
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.filter((t) => t.includes('papers|'))).toEqual([]);
    // The spy does see paper reads when they happen.
    await store.load((await store.list())[0].id);
    expect(touched.filter((t) => t.includes('papers|')).length).toBeGreaterThan(0);
  });

  it('a create that fails half-way leaves nothing: not listed, no records (quota error → library-storage-full)', async () => {
    const { store, raw } = await open();
    const kept = papers(2, 'k');
    await store.create('kept', kept, kept.map(contentHash), null);
    const before = await idbKeys<string>(raw);
    const original = IDBObjectStore.prototype.put;
    let puts = 0;
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      // Two paper records go in, then the browser refuses the third.
      if (++puts > 2) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return original.apply(this, args);
    });
    const many = papers(PAPERS_PER_RECORD * 3, 'q');
    expect(await codeOf(store.create('too big', many, many.map(contentHash), null))).toBe('library-storage-full');
    expect(puts).toBe(3);
    put.mockRestore();
    expect((await store.list()).map((l) => l.name)).toEqual(['kept']);
    expect((await idbKeys<string>(raw)).sort()).toEqual(before.sort());
    expect([...(await store.referencedHashes())].sort()).toEqual(kept.map(contentHash).sort());
  });

  it('a transaction the browser aborts after the writes were issued leaves nothing either (library-write-failed)', async () => {
    const { store, raw } = await open();
    const original = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const request = original.apply(this, args);
      // The meta record is the last put: abort the transaction once all records are queued.
      if (String(args[1]).startsWith('meta|')) this.transaction.abort();
      return request;
    });
    const some = papers(4);
    expect(await codeOf(store.create('aborted', some, some.map(contentHash), null))).toBe('library-write-failed');
    vi.restoreAllMocks();
    expect(await store.list()).toEqual([]);
    expect(await idbKeys(raw)).toEqual([]);
  });

  it('reports a malformed entry instead of throwing it into the list, and can delete it', async () => {
    const { store, problems, raw } = await open();
    const good = papers(2);
    const info = await store.create('good', good, good.map(contentHash), null);
    await idbSet('meta|broken', { format: 1, info: { id: 'broken', name: 7 } }, raw);
    await idbSet('hashes|broken', ['h1'], raw);
    expect((await store.list()).map((l) => l.id)).toEqual([info.id]);
    expect(problems).toEqual([expect.objectContaining({ code: 'library-corrupt', id: 'broken' })]);
    expect(await codeOf(store.load('broken'))).toBe('library-corrupt');
    // A missing paper record is caught on load, with the library named.
    await idbSet(`papers|${info.id}|000000`, 'not papers', raw);
    await expect(store.load(info.id)).rejects.toThrow(new RegExp(`library ${info.id}: record papers\\|${info.id}\\|000000 is not a list`));
    // Its hashes still count for garbage collection until it is deleted.
    expect((await store.referencedHashes()).has('h1')).toBe(true);
    expect(await store.delete('broken')).toEqual({ info: null, hashes: ['h1'] });
    expect(await idbKeys<string>(raw).then((k) => k.filter((key) => key.includes('broken')))).toEqual([]);
  });

  it('a malformed hash record stops referencedHashes (garbage collection must not guess)', async () => {
    const { store, raw } = await open();
    await idbSet('hashes|odd', 'not a list', raw);
    expect(await codeOf(store.referencedHashes())).toBe('library-corrupt');
  });

  it('keeps the sweep marks', async () => {
    const { store } = await open();
    expect(await store.readGcMarks()).toBeUndefined();
    await store.writeGcMarks({ version: 1, sweptAt: 5, hashes: { a: 1 }, models: {} });
    expect(await store.readGcMarks()).toEqual({ version: 1, sweptAt: 5, hashes: { a: 1 }, models: {} });
  });
});

describe('migration of the corpus an earlier version saved', () => {
  const legacyFor = (n: number) => ({ dbName: `legacy-corpus-${n}`, storeName: 'corpus', key: 'user-corpus' });

  it('turns the legacy entry into a library once, deletes the key, and is idempotent', async () => {
    const legacy = legacyFor(++dbCounter);
    const legacyStore = createStore(legacy.dbName, legacy.storeName);
    const saved = { name: 'my refs.jsonl', papers: papers(7), savedAt: '2025-05-05T10:00:00.000Z' };
    await idbSet(legacy.key, saved, legacyStore);
    const dbName = freshDb();

    const { store } = await open(dbName, { legacy });
    expect(store.migration.status).toBe('migrated');
    const [library] = await store.list();
    expect(library).toMatchObject({ name: 'my refs.jsonl', paperCount: 7, createdAt: saved.savedAt, format: null });
    const loaded = await store.load(library.id);
    expect(loaded?.papers).toEqual(saved.papers);
    expect(loaded?.hashes).toEqual(saved.papers.map(contentHash));
    expect(await idbGet(legacy.key, legacyStore)).toBeUndefined();

    // Opened again: nothing to do. A crash between writing the library and deleting the key: same library.
    expect((await open(dbName, { legacy })).store.migration.status).toBe('none');
    await idbSet(legacy.key, saved, legacyStore);
    const again = await open(dbName, { legacy });
    expect(again.store.migration.status).toBe('migrated');
    expect((await again.store.list()).map((l) => l.id)).toEqual([library.id]);
    expect(await idbGet(legacy.key, legacyStore)).toBeUndefined();
  });

  it('leaves a broken legacy entry alone and reports it', async () => {
    const legacy = legacyFor(++dbCounter);
    const legacyStore = createStore(legacy.dbName, legacy.storeName);
    const broken = { name: 'old', papers: [{ id: 'a', title: 'T', abstract: 'A' }, { id: 'b', title: 42 }] };
    await idbSet(legacy.key, broken, legacyStore);
    const { store, problems } = await open(freshDb(), { legacy });
    expect(store.migration).toEqual({ status: 'left', problem: expect.stringMatching(/paper 2 lacks/) });
    expect(problems.map((p) => p.code)).toEqual(['legacy-corpus-unreadable']);
    expect(await store.list()).toEqual([]);
    expect(await idbGet(legacy.key, legacyStore)).toEqual(broken);
  });

  it('does not create the legacy database when there is none', async () => {
    const legacy = legacyFor(++dbCounter);
    const { store } = await open(freshDb(), { legacy });
    expect(store.migration.status).toBe('none');
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(legacy.dbName);
  });
});

describe('LibraryStore without IndexedDB', () => {
  it('keeps libraries in memory and says why when IndexedDB is missing', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const { store } = await open();
    expect(store.kind).toBe('memory');
    expect(store.problem).toMatch(/not available/);
    const some = papers(3);
    const info = await store.create('mem', some, some.map(contentHash), null);
    expect((await store.load(info.id))?.papers).toEqual(some);
    expect((await store.list()).map((l) => l.name)).toEqual(['mem']);
    expect(await store.delete(info.id)).toMatchObject({ hashes: some.map(contentHash) });
    expect(await store.list()).toEqual([]);
  });

  it('falls back to memory when IndexedDB refuses to open', async () => {
    vi.spyOn(IDBFactory.prototype, 'open').mockImplementation(() => {
      throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
    });
    const { store } = await open();
    expect(store.kind).toBe('memory');
    expect(store.problem).toMatch(/could not be opened .*did not allow mutations/);
  });
});

describe('uniqueName', () => {
  it('numbers a name that is taken, continuing an existing number', () => {
    expect(uniqueName([], 'refs.bib')).toBe('refs.bib');
    expect(uniqueName(['refs.bib'], ' refs.bib ')).toBe('refs.bib (2)');
    expect(uniqueName(['refs.bib', 'refs.bib (2)'], 'refs.bib')).toBe('refs.bib (3)');
    expect(uniqueName(['refs.bib (2)'], 'refs.bib (2)')).toBe('refs.bib (3)');
    expect(uniqueName(['a'], 'b')).toBe('b');
  });
});
