import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The browser-only modules the controller reaches (urls.ts, offline.ts), replaced for every controller test.


import { BUNDLED, codes, freshWorld, jsonl, MODEL, settle, setup, started, vectorFor } from './controller-fakes.ts';
import { contentHash } from '../../../src/base/paper-id.ts';
import { deferred, READY, type WorkerScript } from '../../support/fake-worker.ts';

beforeEach(freshWorld);
afterEach(() => {
  vi.useRealTimers();
});

describe('AppController libraries', () => {
  async function withImported() {
    const s = await started();
    await s.controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' }, { title: 'Heart models', text: 'Cardiac signals.' })], 'mine.jsonl')]);
    await settle();
    const [info] = await s.libraries.list();
    return { ...s, info };
  }

  it('switching to the bundled papers and back embeds nothing the second time (vectors come from the cache)', async () => {
    const { controller, info } = await withImported();
    expect(controller.state.embeddedNow).toBe(2);
    await controller.switchLibrary('bundled');
    await settle();
    expect(controller.state).toMatchObject({ libraryId: 'bundled', corpusKind: 'bundled', papers: BUNDLED });
    await controller.switchLibrary(info.id);
    await settle();
    expect(controller.state).toMatchObject({ libraryId: info.id, corpusName: 'mine.jsonl', phase: 'ready', embeddedNow: 0, fromCache: 2 });
    expect(controller.state.papers.map((p) => p.title)).toEqual(['Protein design', 'Heart models']);
  });

  it('renaming changes the picker and the open library name; an empty name is refused with a notice', async () => {
    const { controller, info } = await withImported();
    await controller.renameLibrary(info.id, 'Cardio reading group');
    await settle();
    expect(controller.state.corpusName).toBe('Cardio reading group');
    expect(controller.state.libraries[1].name).toBe('Cardio reading group');
    await controller.renameLibrary(info.id, '   ');
    await settle();
    expect(codes(controller.state)).toContain('library-failed');
    expect(controller.state.libraries[1].name).toBe('Cardio reading group');
  });

  it('deleting the open library opens the bundled papers, removes it from the store and the picker', async () => {
    const { controller, info, libraries } = await withImported();
    await controller.deleteLibrary(info.id);
    await settle();
    expect(await libraries.list()).toEqual([]);
    expect(controller.state).toMatchObject({ libraryId: 'bundled', papers: BUNDLED });
    expect(controller.state.libraries.map((l) => l.id)).toEqual(['bundled']);
    // Its two vectors went; the bundled papers' four stayed.
    expect(controller.state.notices.find((n) => n.code === 'library-deleted')!.text).toBe('Deleted mine.jsonl: 2 papers, and 2 vectors no other library uses.');
  });

  it('a start with ?library= of a deleted library says so and shows the bundled papers', async () => {
    const s = await setup();
    await s.controller.start('wasm', 'no-such-library');
    await settle();
    expect(codes(s.controller.state)).toContain('library-missing');
    expect(s.controller.state.libraryId).toBe('bundled');
  });

  it('papersOf gives the open library from memory and the bundled papers on request (export)', async () => {
    const { controller, info } = await withImported();
    expect((await controller.papersOf(info.id))!.papers.map((p) => p.title)).toEqual(['Protein design', 'Heart models']);
    expect((await controller.papersOf('bundled'))!.papers).toBe(BUNDLED);
  });
});


describe('issue 19: deleting a library in one tab stops work on it in every tab', () => {
  it('the other tab, embedding it, cancels the run, opens the bundled papers and says why', async () => {
    const channel = `two-tabs-${Math.random()}`;
    // A library both tabs see (stored, never embedded); tab B opens it and is embedding it (its worker delivers
    // one batch, then waits until cancelled).
    const a = await started({ channel });
    const papers = [
      { id: 'x1', title: 'Protein design', abstract: 'Designing proteins.' },
      { id: 'x2', title: 'Heart models', abstract: 'Cardiac signals.' },
      { id: 'x3', title: 'Mamba layers', abstract: 'State spaces.' },
    ];
    const info = await a.libraries.create('shared.jsonl', papers, papers.map(contentHash), 'jsonl');
    let abortRun: (error: Error) => void = () => {};
    const slowWorker: WorkerScript = {
      init: () => READY(MODEL),
      embedDocuments: async (texts, onBatch) => {
        await onBatch({ done: 1, total: texts.length }, [0], vectorFor(texts[0]));
        await new Promise<never>((_, reject) => (abortRun = reject));
      },
    };
    const b = await setup({ channel, scripts: () => slowWorker });
    void b.controller.start('wasm', info.id);
    await settle(40);
    expect(b.controller.state).toMatchObject({ libraryId: info.id, phase: 'indexing' });

    await a.controller.deleteLibrary(info.id);
    await settle(40);
    expect(b.spawner.last.cancelCalls).toBe(1);
    abortRun(Object.assign(new Error('embedding cancelled'), { name: 'AbortError' }));
    await settle(40);
    expect(b.controller.state).toMatchObject({ libraryId: 'bundled', corpusName: 'bundled', papers: BUNDLED, switching: false });
    expect(b.controller.state.phase).not.toBe('error');
    expect(b.controller.state.libraries.map((entry) => entry.id)).toEqual(['bundled']);
    expect(codes(b.controller.state)).toContain('library-deleted-elsewhere');
    expect(b.controller.state.notices.find((n) => n.code === 'library-deleted-elsewhere')!.text).toContain('shared.jsonl');
    a.controller.dispose();
    b.controller.dispose();
  });
});

describe('issue 19: switching at any moment leaves the page, the picker and the actions on one library', () => {
  it('a switch asked while an import runs is refused; the page and the picker then show the imported library', async () => {
    const gate = deferred<void>();
    const { controller, libraries } = await started({ parseGate: gate.promise });
    const other = await libraries.create('other', BUNDLED.slice(0, 1), BUNDLED.slice(0, 1).map(contentHash), 'jsonl');
    const importing = controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' })], 'mine.jsonl')]);
    await settle();
    expect(controller.state.switching).toBe(true);
    await controller.switchLibrary(other.id);
    expect(controller.state.libraryId).toBe('bundled');
    gate.resolve();
    await importing;
    await settle();
    const [mine] = (await libraries.list()).filter((info) => info.name === 'mine.jsonl');
    expect(controller.state).toMatchObject({ libraryId: mine.id, corpusName: 'mine.jsonl', switching: false });
    expect(controller.state.libraries.map((entry) => entry.id)).toContain(mine.id);
    // Rename acts on the library on screen.
    await controller.renameLibrary(controller.state.libraryId, 'Renamed');
    expect(controller.state.corpusName).toBe('Renamed');
  });
});
