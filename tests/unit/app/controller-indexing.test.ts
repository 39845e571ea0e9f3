import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The browser-only modules the controller reaches (urls.ts, offline.ts), replaced for every controller test.


import { READY, type WorkerScript } from '../../support/fake-worker.ts';
import { contentHash, documentText } from '../../../src/base/paper-id.ts';
import { BUNDLED, codes, DIMS, freshWorld, ids, many, MODEL, settle, setup, started, vectorFor, WORKING } from './controller-fakes.ts';

beforeEach(freshWorld);
afterEach(() => {
  vi.useRealTimers();
});

describe('AppController indexing across lost workers', () => {
  /** Embeds the first two texts it is given, then stops answering. */
  const partialThenHang: WorkerScript = {
    ...WORKING,
    embedDocuments: async (texts, onBatch) => {
      const vectors = new Float32Array(2 * DIMS);
      vectors.set(vectorFor(texts[0]), 0);
      vectors.set(vectorFor(texts[1]), DIMS);
      await onBatch({ done: 2, total: texts.length }, [0, 1], vectors);
      await new Promise<never>(() => {});
    },
  };
  const loadsButNeverEmbeds: WorkerScript = { init: () => READY(MODEL) };

  it('a worker lost mid-indexing: the job resumes on the replacement with only the missing papers', async () => {
    const { controller, spawner, appended } = await setup({ scripts: (n) => (n === 1 ? partialThenHang : WORKING) });
    const starting = controller.start('wasm');
    await settle(40); // the batch is stored in IndexedDB before it is counted
    expect(controller.state).toMatchObject({ phase: 'indexing', embeddedNow: 2 });
    spawner.last.die();
    await settle();
    expect(codes(controller.state)).toEqual(['engine-restarting', 'indexing-resumed']);
    expect(controller.state.notices[1].text).toContain('(2 of 4 papers already embedded)');
    await vi.advanceTimersByTimeAsync(100);
    await starting;
    expect(spawner.count).toBe(2);
    expect(spawner.last.lastDocuments.texts).toEqual([BUNDLED[2], BUNDLED[3]].map(documentText));
    // Each batch is stored as it comes (issue 18): the first worker's two, then the replacement's two.
    expect(appended).toEqual([[BUNDLED[0], BUNDLED[1]].map(contentHash), [BUNDLED[2], BUNDLED[3]].map(contentHash)]);
    expect(controller.state).toMatchObject({ phase: 'ready', engine: 'ready', embeddedNow: 4 });
    expect(codes(controller.state)).toEqual(['indexing-resumed', 'engine-recovered']);
  });

  it('after the engine gives up mid-indexing, keywords still work and Retry embeds only what is missing', async () => {
    const { controller, spawner, appended } = await setup({ scripts: (n) => (n === 1 ? partialThenHang : n < 5 ? loadsButNeverEmbeds : WORKING) });
    const starting = controller.start('wasm');
    await settle();
    for (const delay of [100, 1_000, 5_000]) {
      spawner.last.die();
      await settle();
      await vi.advanceTimersByTimeAsync(delay);
      await settle();
    }
    expect(spawner.count).toBe(4);
    expect(spawner.workers.slice(1).map((w) => w.lastDocuments.texts)).toEqual(Array(3).fill([BUNDLED[2], BUNDLED[3]].map(documentText)));
    spawner.last.die(); // fourth loss in a row: more than the three back-off delays
    await starting;
    const state = controller.state;
    expect(state).toMatchObject({ phase: 'ready', engine: 'unavailable', embeddedNow: 2 });
    expect(codes(state)).toContain('engine-crashing');
    expect(codes(state)).not.toContain('engine-restarting');
    expect(appended).toEqual([[BUNDLED[0], BUNDLED[1]].map(contentHash)]); // what was embedded is kept
    const degraded = await controller.search('heart', 'hybrid');
    expect(degraded!.fallback).toBe('model-unavailable');
    expect(ids(BUNDLED, degraded!.hits)).toEqual(['d']);

    controller.retryModel();
    await settle();
    expect(spawner.count).toBe(5);
    expect(spawner.last.lastDocuments.texts).toEqual([BUNDLED[2], BUNDLED[3]].map(documentText));
    expect(appended).toEqual([[BUNDLED[0], BUNDLED[1]].map(contentHash), [BUNDLED[2], BUNDLED[3]].map(contentHash)]);
    expect(controller.state).toMatchObject({ phase: 'ready', engine: 'ready', embeddedNow: 4 });
    expect(codes(controller.state)).not.toContain('engine-crashing');
    const meaning = await controller.search('cardiology', 'hybrid');
    expect(meaning!.fallback).toBeNull();
    expect(ids(BUNDLED, meaning!.hits)[0]).toBe('d');
  });
});


describe('AppController long imports', () => {

  it('with a known slow rate, asks before embedding; "not now" leaves keywords working and a Resume notice', async () => {
    const { controller, spawner } = await started({ rate: 0.05 });
    await controller.importFiles([new File([many(100)], 'big.jsonl')]);
    await settle();
    const question = controller.state.longRun!;
    expect(question).toMatchObject({ library: 'big.jsonl', count: 100, docsPerSecond: 0.05 });
    expect(question.seconds).toBe(2000);
    const embeddedBefore = spawner.last.lastDocuments.texts.length;
    controller.answerLongRunQuestion(false);
    await settle();
    expect(controller.state.longRun).toBeNull();
    expect(controller.state.embeddingPaused).toEqual({ done: 0, total: 100 });
    expect(codes(controller.state)).toContain('embedding-paused');
    expect(spawner.last.lastDocuments.texts.length).toBe(embeddedBefore);
    const outcome = await controller.search('protein 7', 'keyword');
    expect(outcome!.hits.length).toBeGreaterThan(0);
    controller.resumeEmbedding();
    await settle();
    expect(controller.state.phase).toBe('ready');
    expect(controller.state.embeddingPaused).toBeNull();
    expect(spawner.last.lastDocuments.texts).toHaveLength(100);
  });

  it('with no rate known, embeds a 64-paper sample first to measure, then the rest, under one progress total', async () => {
    const { controller, spawner, snapshots } = await started();
    await controller.importFiles([new File([many(100)], 'big.jsonl')]);
    await settle(40);
    const calls = spawner.last.documents.map((call) => call.texts.length);
    expect(calls.slice(-2)).toEqual([64, 36]);
    expect(controller.state).toMatchObject({ phase: 'ready', longRun: null, embeddedNow: 100 });
    const totals = new Set(snapshots.filter((s) => s.corpusName === 'big.jsonl' && s.embedding).map((s) => s.embedding!.total));
    expect([...totals]).toEqual([100]);
  });

  it('"embed here" goes on without asking again', async () => {
    const { controller, spawner } = await started({ rate: 0.05 });
    await controller.importFiles([new File([many(100)], 'big.jsonl')]);
    await settle();
    controller.answerLongRunQuestion(true);
    await settle();
    expect(controller.state.longRun).toBeNull();
    expect(controller.state.phase).toBe('ready');
    expect(spawner.last.lastDocuments.texts).toHaveLength(100);
  });
});


describe('issue 19: switching library while the long-run prompt is up', () => {
  it('opens the library asked for, with no TypeError and no pause notice for the one left', async () => {
    const { controller } = await started({ rate: 0.05 });
    await controller.importFiles([new File([many(100)], 'big.jsonl')]);
    await settle();
    expect(controller.state.longRun).not.toBeNull();
    await expect(controller.switchLibrary('bundled')).resolves.toBeUndefined();
    await settle();
    expect(controller.state).toMatchObject({ libraryId: 'bundled', corpusName: 'bundled', longRun: null, embeddingPaused: null, switching: false });
    expect(controller.state.papers).toBe(BUNDLED);
    expect(codes(controller.state)).not.toContain('embedding-paused');
  });
});

