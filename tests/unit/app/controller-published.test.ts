import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The browser-only modules the controller reaches (urls.ts, offline.ts), replaced for every controller test.


import { BUNDLED, codes, fakePublished, freshWorld, jsonl, settle, started } from './controller-fakes.ts';

beforeEach(freshWorld);
afterEach(() => {
  vi.useRealTimers();
});

describe('AppController with a library published with the site', () => {
  it('opens it in the bundled papers\' place: first papers listed, vectors installed, meaning answers', async () => {
    const { library, record } = fakePublished();
    const { controller, spawner } = await started({ published: () => library });
    const state = controller.state;
    expect(state).toMatchObject({ phase: 'ready', corpusName: 'Field literature', corpusKind: 'bundled', libraryId: 'bundled', fromPrecomputed: 120, embeddedNow: 0 });
    expect(state.published).toMatchObject({ count: 120, vectors: 'ready', vectorDownload: null });
    expect(state.libraries[0]).toMatchObject({ id: 'bundled', name: 'Field literature', paperCount: 120 });
    expect(state.papers.length).toBe(120);
    expect(record.reads[0]).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Nothing is embedded in this browser: the vectors came with the site.
    expect(() => spawner.last.lastDocuments).toThrow(/no embedDocuments call/);
    const outcome = await controller.search('cardiology', 'semantic');
    expect(outcome!.fallback).toBeNull();
    const full = (await outcome!.rest) ?? outcome!;
    expect(full.hits).toHaveLength(50);
    // The 40 heart papers first (cosine 1), every hit's text loaded.
    expect(full.hits.slice(0, 40).every((hit) => full.papers[hit.index].abstract.includes('heart'))).toBe(true);
    expect(full.hits.every((hit) => full.papers[hit.index] !== undefined)).toBe(true);
    expect(codes(controller.state)).toEqual([]);
  });

  it('a failed vector download: keywords answer meaning, a notice offers Retry, and Retry makes meaning work', async () => {
    const { library, record } = fakePublished({ installFailures: 1 });
    const { controller } = await started({ published: () => library });
    expect(controller.state.published?.vectors).toBe('failed');
    expect(codes(controller.state)).toEqual(['published-vectors-failed']);
    expect(controller.state.notices[0].action).toBe('retry-published-vectors');
    const before = await controller.search('heart signal', 'hybrid');
    expect(before!.fallback).toBe('model-unavailable');
    expect(before!.hits.length).toBeGreaterThan(0);
    controller.retryPublishedVectors();
    await settle();
    expect(record.installs).toBe(2);
    expect(controller.state.published?.vectors).toBe('ready');
    expect(codes(controller.state)).toEqual([]);
    expect((await controller.search('cardiology', 'semantic'))!.fallback).toBeNull();
  });

  it('vectors made by another model are not used: published-wrong-model, and keywords answer', async () => {
    const { library } = fakePublished({ modelKey: 'other-model@1234' });
    const { controller } = await started({ published: () => library });
    expect(controller.state.published?.vectors).toBe('wrong-model');
    expect(codes(controller.state)).toEqual(['published-wrong-model']);
    expect(controller.state.notices[0].text).toContain('other-model@1234');
    expect((await controller.search('heart', 'semantic'))!.fallback).toBe('model-unavailable');
  });

  it('make available offline: the size is known first, progress is shown, and it ends with published-offline-ready', async () => {
    const { library } = fakePublished();
    const { controller, snapshots } = await started({ published: () => library });
    expect(controller.state.published?.offline).toMatchObject({ missingBytes: 500 });
    await controller.makePublishedAvailableOffline();
    expect(snapshots.some((snapshot) => snapshot.published?.offlineDownload?.loaded === 250)).toBe(true);
    expect(controller.state.published).toMatchObject({ offlineDownload: null, offline: { missingBytes: 0 } });
    expect(codes(controller.state)).toEqual(['published-offline-ready']);
  });

  it('an offline download that fails keeps what was stored and says so', async () => {
    const { library } = fakePublished({ offlineFails: new Error('keyword/k-0003.bin: storage full') });
    const { controller } = await started({ published: () => library });
    await controller.makePublishedAvailableOffline();
    expect(codes(controller.state)).toEqual(['published-offline-failed']);
    expect(controller.state.notices[0].text).toContain('k-0003.bin');
    expect(controller.state.published?.offlineDownload).toBeNull();
  });

  it('opening a stored library leaves the published one (its download stops); opening "bundled" returns to it', async () => {
    const { library, record } = fakePublished();
    const { controller } = await started({ published: () => library });
    await controller.importFiles([new File([jsonl({ title: 'Protein design', text: 'Designing proteins.' })], 'mine.jsonl')]);
    await settle();
    expect(controller.state).toMatchObject({ corpusName: 'mine.jsonl', published: null });
    expect(controller.state.libraries.map((entry) => entry.name)).toEqual(['Field literature', 'mine.jsonl']);
    await controller.switchLibrary('bundled');
    await settle();
    expect(controller.state).toMatchObject({ corpusName: 'Field literature', published: { vectors: 'ready' } });
    expect(record.installs).toBe(2);
    expect((await controller.search('mamba', 'hybrid'))!.fallback).toBeNull();
  });

  it('a site without a published library opens the bundled papers as before', async () => {
    const { controller } = await started();
    expect(controller.state.published).toBeNull();
    expect(controller.state.papers).toBe(BUNDLED);
  });
});

