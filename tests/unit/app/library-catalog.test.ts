import { DEFAULT_LIBRARY_NAME } from '../../../src/app/site-info.ts';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/base/paper-id.ts';
import type { Paper } from '../../../src/base/paper.ts';
import { LibraryStore } from '../../../src/library/library-store.ts';
import { AppState } from '../../../src/app/services/app-state.ts';
import type { AppDeps } from '../../../src/app/services/deps.ts';
import { localCorpus } from '../../../src/app/services/indexing-session.ts';
import { LibraryCatalog } from '../../../src/app/services/library-catalog.ts';
import type { LibraryEvent } from '../../../src/app/services/library-events.ts';
import { OpenLibrarySlot } from '../../../src/app/services/open-library.ts';
import { VectorCache } from '../../../src/app/vector-cache.ts';
import { fakeModel } from '../../support/fake-worker.ts';

const BUNDLED: Paper[] = [
  { id: 'b1', title: 'Bundled one', abstract: 'First.' },
  { id: 'b2', title: 'Bundled two', abstract: 'Second.' },
];
const MINE: Paper[] = [
  { id: 'm1', title: 'Mine one', abstract: 'Mine.' },
  { id: 'm2', title: 'Shared', abstract: 'Second.' },
];

async function catalog(last: string | null = null) {
  const state = new AppState(() => {});
  const store = await LibraryStore.open(undefined, { legacy: null, locks: null });
  const cache = await VectorCache.open(() => {});
  const slot = new OpenLibrarySlot();
  const posted: LibraryEvent[] = [];
  const deps: Pick<AppDeps, 'loadBundled' | 'lastLibrary' | 'storage'> = {
    loadBundled: async () => ({ id: 'bundled', name: 'bundled', kind: 'bundled', papers: BUNDLED, precomputed: null }),
    lastLibrary: { get: () => last, set: () => {} },
    storage: { status: async () => ({ usage: 10, quota: 100, persisted: false }), persist: async () => 'granted' },
  };
  const events = { post: (event: LibraryEvent) => void posted.push(event), listen: () => () => {} };
  return { state, store, cache, slot, posted, catalog: new LibraryCatalog({ state, deps, store, cache, published: null, slot, events }) };
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

describe('LibraryCatalog', () => {
  it('opens first the address\'s library, else the last one, else the newest stored, else the bundled papers', async () => {
    const empty = await catalog();
    expect((await empty.catalog.initialCorpus(null))!.id).toBe('bundled');
    const info = await empty.store.create('mine', MINE, MINE.map(contentHash), 'jsonl');
    expect((await empty.catalog.initialCorpus(null))!.id).toBe(info.id);
    expect((await empty.catalog.initialCorpus(info.id))!.papers).toEqual(MINE);
    const gone = await empty.catalog.initialCorpus('no-such-library');
    expect(gone!.id).toBe('bundled');
    expect(empty.state.current.notices.map((n) => n.code)).toEqual(['library-missing']);
    const remembered = await catalog('bundled');
    expect((await remembered.catalog.initialCorpus(null))!.id).toBe('bundled');
  });

  it('lists the bundled papers first, then the stored ones; an open library that was not saved stays listed', async () => {
    const s = await catalog();
    await s.catalog.loadBundled();
    const info = await s.store.create('mine', MINE, MINE.map(contentHash), 'jsonl');
    s.slot.current = { kind: 'local', corpus: localCorpus({ id: 'unsaved-1', name: 'pasted', kind: 'imported', papers: MINE, precomputed: null }) };
    await s.catalog.refresh();
    expect(s.state.current.libraries.map((entry) => [entry.id, entry.name, entry.paperCount])).toEqual([
      ['bundled', DEFAULT_LIBRARY_NAME, 2],
      [info.id, 'mine', 2],
      ['unsaved-1', 'pasted (not saved)', 2],
    ]);
  });

  it('renames the open library on screen too; a name refused says so', async () => {
    const s = await catalog();
    const info = await s.store.create('mine', MINE, MINE.map(contentHash), 'jsonl');
    s.slot.current = { kind: 'local', corpus: localCorpus({ id: info.id, name: 'mine', kind: 'imported', papers: MINE, precomputed: null }) };
    await s.catalog.rename(info.id, 'Reading group');
    expect(s.state.current.corpusName).toBe('Reading group');
    expect(s.slot.local!.name).toBe('Reading group');
    await s.catalog.rename(info.id, '  ');
    expect(s.state.current.notices.map((n) => n.code)).toEqual(['library-failed']);
  });

  it('deleting tells the other tabs, and drops the vectors only that library used', async () => {
    const s = await catalog();
    await s.catalog.loadBundled();
    const model = fakeModel(2);
    s.state.update({ model });
    const info = await s.store.create('mine', MINE, MINE.map(contentHash), 'jsonl');
    const hashes = [...BUNDLED, ...MINE].map(contentHash);
    await s.cache.append(model.modelKey, 2, hashes, new Float32Array(hashes.length * 2).fill(0.5));
    await s.catalog.delete(info.id);
    expect(s.posted).toEqual([{ kind: 'deleted', id: info.id, name: 'mine' }]);
    expect(await s.store.list()).toEqual([]);
    const left = (await s.cache.load(model.modelKey, 2))!.hashes;
    expect([...left].sort()).toEqual(BUNDLED.map(contentHash).sort());
    expect(s.state.current.notices.at(-1)!.text).toBe('Deleted mine: 2 papers, and 2 vectors no other library uses.');
  });
});
