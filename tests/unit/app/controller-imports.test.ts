import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The browser-only modules the controller reaches (urls.ts, offline.ts), replaced for every controller test.


import { BUNDLED, codes, freshWorld, jsonl, settle, started } from './controller-fakes.ts';

beforeEach(freshWorld);
afterEach(() => {
  vi.useRealTimers();
});

describe('AppController imports', () => {
  it('a malformed line rejects the import: notice with file and line, corpus unchanged, nothing saved', async () => {
    const { controller, libraries, snapshots } = await started();
    const file = new File(['{"title":"Protein design","text":"Designing proteins."}\n{"title": broken\n'], 'x.jsonl');
    await controller.importFiles([file]);
    await settle();
    const state = controller.state;
    expect(codes(state)).toEqual(['import-rejected']);
    expect(state.notices[0].text).toMatch(/^x\.jsonl:2: /);
    expect(state.notices[0].text).toContain('Nothing was imported');
    expect(state.papers).toBe(BUNDLED);
    expect(state.libraryId).toBe('bundled');
    expect(state.switching).toBe(false);
    expect(state.importing).toBeNull();
    expect(await libraries.list()).toEqual([]);
    expect(snapshots.some((s) => s.importing?.stage === 'reading')).toBe(true);
  });

  it('a good file becomes a stored library, opens, is listed with its count, and persistence is asked once', async () => {
    const { controller, libraries, spawner, lastLibrary } = await started();
    await controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' }, { title: 'Heart models', text: 'Cardiac signals.' })], 'mine.jsonl')]);
    await settle();
    const [info] = await libraries.list();
    expect(info).toMatchObject({ name: 'mine.jsonl', paperCount: 2, format: 'jsonl' });
    const state = controller.state;
    expect(state).toMatchObject({ libraryId: info.id, corpusName: 'mine.jsonl', corpusKind: 'imported', phase: 'ready', switching: false });
    expect(lastLibrary()).toBe(info.id);
    expect(state.libraries.map((l) => [l.id, l.paperCount])).toEqual([
      ['bundled', 4],
      [info.id, 2],
    ]);
    expect(codes(state)).toEqual(['import-summary', 'storage-persisted']);
    expect(state.notices[0].text).toBe('mine.jsonl: 2 papers.');
    expect(spawner.last.lastDocuments.texts).toEqual(['Protein design Designing proteins.', 'Heart models Cardiac signals.']);
    const outcome = await controller.search('cardiology', 'semantic');
    expect(outcome!.papers).toBe(state.papers);
    expect(outcome!.hits[0].index).toBe(1);
  });

  it('the same paper twice is merged and counted; two papers sharing a title are both kept (no duplicate-id error)', async () => {
    const { controller } = await started();
    const twice = { title: 'Protein design', text: 'Designing proteins.' };
    await controller.importFiles([new File([jsonl(twice, twice, { title: 'Protein design', text: 'A different abstract on folding.' })], 'dups.jsonl')]);
    await settle();
    expect(controller.state.papers).toHaveLength(2);
    expect(controller.state.notices.find((n) => n.code === 'import-summary')!.text).toBe('dups.jsonl: 2 papers, 1 duplicate merged.');
  });

  it('a save that throws says import-not-saved, but the library opens for this tab and is listed as not saved', async () => {
    const { controller, libraries } = await started({ saveFails: new Error('storage is full') });
    await controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' })], 'x.jsonl')]);
    await settle();
    expect(await libraries.list()).toEqual([]);
    const state = controller.state;
    expect(codes(state)).toContain('import-not-saved');
    expect(state.notices.find((n) => n.code === 'import-not-saved')!.text).toMatch(/^x\.jsonl could not be saved in this browser: its 1 paper \(about .+\) could not be stored: storage is full\. Nothing of it was kept/);
    expect(state.corpusName).toBe('x.jsonl');
    expect(state.libraries.at(-1)).toMatchObject({ name: 'x.jsonl (not saved)', paperCount: 1 });
    expect(state.phase).toBe('ready');
    const outcome = await controller.search('protein', 'keyword');
    expect(outcome!.hits.map((h) => h.index)).toEqual([0]);
  });

  it('an ambiguous CSV asks for its columns, then imports with the answer', async () => {
    const { controller } = await started();
    const csv = 'Heading,Summary,Notes\nProtein design,Designing proteins.,x\n';
    await controller.importFiles([new File([csv], 'sheet.csv')]);
    await settle();
    const question = controller.state.columnQuestion;
    if (question === null) {
      // The parser may recognise these names; then the library is simply imported.
      expect(controller.state.corpusName).toBe('sheet.csv');
      return;
    }
    expect(question).toMatchObject({ file: 'sheet.csv', headers: ['Heading', 'Summary', 'Notes'] });
    await controller.answerColumns({ title: 'Heading', abstract: 'Summary' });
    await settle();
    expect(controller.state.columnQuestion).toBeNull();
    expect(controller.state.papers.map((p) => p.abstract)).toEqual(['Designing proteins.']);
  });

  it('pasted text is imported as a library called "Pasted list"', async () => {
    const { controller } = await started();
    await controller.importText('@article{a, title={Protein design}, abstract={Designing proteins.}}\n');
    await settle();
    expect(controller.state.corpusName).toBe('Pasted list');
    expect(controller.state.papers.map((p) => p.title)).toEqual(['Protein design']);
  });
});

