import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseFiles } from '../../../src/library/import/import-service.ts';
import { LibraryStore } from '../../../src/library/library-store.ts';
import { AppState } from '../../../src/app/services/app-state.ts';
import type { AppDeps, LibraryStoreLike } from '../../../src/app/services/deps.ts';
import { ImportFlow, libraryNameOf } from '../../../src/app/services/import-flow.ts';
import { VectorCache } from '../../../src/app/vector-cache.ts';
import { fakeModel } from '../../support/fake-worker.ts';

const MODEL = fakeModel(4);
const text = (body: string) => ({ kind: 'text' as const, text: body, name: 'Pasted list' });

async function flow(options: { quota?: number; saveFails?: Error } = {}) {
  const state = new AppState(() => {});
  const real = await LibraryStore.open(undefined, { legacy: null, locks: null });
  const store: LibraryStoreLike = Object.assign(Object.create(real) as LibraryStore, {
    create: async (...args: Parameters<LibraryStore['create']>) => {
      if (options.saveFails) throw options.saveFails;
      return real.create(...args);
    },
  });
  const cache = await VectorCache.open(() => {});
  const parse = (name: string, body: string, parseOptions: Parameters<AppDeps['parseText']>[1], onProgress: Parameters<AppDeps['parseText']>[2]) => parseFiles([{ name, bytes: new TextEncoder().encode(body) }], parseOptions, onProgress);
  const deps: Pick<AppDeps, 'parseFiles' | 'parseText' | 'storage'> = {
    parseText: async (body, parseOptions, onProgress) => parse('pasted.jsonl', body, parseOptions, onProgress),
    parseFiles: async (files, parseOptions, onProgress) => parse(files[0].name, await files[0].text(), parseOptions, onProgress),
    storage: { status: async () => ({ usage: 0, quota: options.quota ?? 1e9, persisted: false }), persist: async () => 'denied' },
  };
  return { state, store: real, imports: new ImportFlow({ state, deps, store, cache, referencedHashes: () => store.referencedHashes() }) };
}

const codes = (state: AppState) => state.current.notices.map((n) => n.code);

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

describe('ImportFlow', () => {
  it('a good list is stored and handed back to be opened, with a summary', async () => {
    const s = await flow();
    const result = await s.imports.run(text('{"title":"Protein design","text":"Designing proteins."}\n'), MODEL);
    expect(result.kind).toBe('opened');
    const [info] = await s.store.list();
    expect(result).toMatchObject({ corpus: { id: info.id, name: 'Pasted list', kind: 'imported' } });
    expect(codes(s.state)).toEqual(['import-summary']);
    // The bar stays (indexing the words) until the controller has opened the library.
    expect(s.state.current.importing).toMatchObject({ stage: 'indexing' });
  });

  it('a malformed file is rejected with its file and line; nothing is stored', async () => {
    const s = await flow();
    const result = await s.imports.run(text('{"title": broken\n'), MODEL);
    expect(result).toEqual({ kind: 'rejected' });
    expect(s.state.current.notices[0].text).toMatch(/^pasted\.jsonl:1: /);
    expect(await s.store.list()).toEqual([]);
  });

  it('an ambiguous CSV asks for its columns and keeps the import for the answer', async () => {
    const s = await flow();
    const csv = new File(['Heading,Summary,Notes\nProtein design,Designing proteins.,x\n'], 'sheet.csv');
    const result = await s.imports.run({ kind: 'files', files: [csv], name: 'sheet.csv' }, MODEL);
    if (result.kind === 'opened') return; // the parser may recognise these names
    expect(result).toEqual({ kind: 'ask-columns' });
    expect(s.state.current.columnQuestion).toMatchObject({ file: 'sheet.csv' });
    const pending = s.imports.takePending();
    expect(pending?.name).toBe('sheet.csv');
    expect(s.state.current.columnQuestion).toBeNull();
    expect(s.imports.takePending()).toBeNull();
  });

  it('warns before saving when the quota will not hold it; a refused save keeps it for this tab', async () => {
    const s = await flow({ quota: 10, saveFails: new Error('storage is full') });
    const result = await s.imports.run(text('{"title":"Protein design","text":"Designing proteins."}\n'), MODEL);
    expect(codes(s.state)).toEqual(['storage-tight', 'import-not-saved', 'import-summary']);
    expect(result).toMatchObject({ kind: 'opened', corpus: { name: 'Pasted list' } });
    if (result.kind === 'opened') expect(result.corpus.id).toMatch(/^unsaved-/);
  });

  it('names a library after its file, not after its vectors', () => {
    expect(libraryNameOf([new File([], 'vectors.bin'), new File([], 'papers.jsonl')])).toBe('papers.jsonl');
  });
});
