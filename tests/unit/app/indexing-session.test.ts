import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Paper } from '../../../src/base/paper.ts';
import type { MeasuredRate } from '../../../src/app/embedding-estimate.ts';
import type { BatchCallback } from '../../../src/embedding/worker-api.ts';
import { AppState } from '../../../src/app/services/app-state.ts';
import type { CacheLike } from '../../../src/app/services/deps.ts';
import { IndexingSession, localCorpus } from '../../../src/app/services/indexing-session.ts';
import { OpenLibrarySlot, type LocalCorpus } from '../../../src/app/services/open-library.ts';
import { VectorCache } from '../../../src/app/vector-cache.ts';
import type { Snapshot } from '../../../src/app/snapshot.ts';
import { deferred, fakeModel, type Deferred } from '../../support/fake-worker.ts';

const DIMS = 4;
const MODEL = fakeModel(DIMS);
const papers = (n: number): Paper[] => Array.from({ length: n }, (_, i) => ({ id: `p${i}`, title: `Paper ${i}`, abstract: `Abstract number ${i}.` }));

/** An engine whose batches the test delivers one by one; cancelling rejects the run as the real worker does. */
class ScriptedEngine {
  call: { texts: string[]; onBatch: BatchCallback; done: Deferred<void> } | null = null;
  cancels = 0;
  delivered = 0;
  whenReady = async () => MODEL;
  embedQuery = async () => new Float32Array(DIMS);
  embedDocuments = (texts: string[], onBatch: BatchCallback): Promise<void> => {
    this.call = { texts, onBatch, done: deferred<void>() };
    this.delivered = 0;
    return this.call.done.promise;
  };
  cancelEmbedding = async () => {
    this.cancels++;
    this.call?.done.reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
  };

  /** Delivers the next `count` texts of the current call as one batch (awaited: the session stores it). */
  async batch(count: number): Promise<void> {
    const call = this.call;
    if (!call) throw new Error('no embedDocuments call');
    const indices = Array.from({ length: count }, (_, i) => this.delivered + i);
    this.delivered += count;
    const vectors = new Float32Array(count * DIMS).fill(0.5);
    await call.onBatch({ done: this.delivered, total: call.texts.length }, indices, vectors);
    if (this.delivered === call.texts.length) call.done.resolve();
  }
}

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function session(options: { count: number; rate?: MeasuredRate; cache?: CacheLike }) {
  const snapshots: Snapshot[] = [];
  const state = new AppState((snapshot) => snapshots.push(snapshot));
  state.update({ model: MODEL, engine: 'ready' });
  const engine = new ScriptedEngine();
  const cache = options.cache ?? (await VectorCache.open(() => {}));
  const slot = new OpenLibrarySlot();
  const remembered: MeasuredRate[] = [];
  const rates = { get: () => options.rate ?? null, set: (_model: string, _backend: string, rate: MeasuredRate) => void remembered.push(rate) };
  const indexing = new IndexingSession({ state, deps: { rates }, engine, cache, slot });
  const corpus: LocalCorpus = localCorpus({ id: 'lib', name: 'Library', kind: 'imported', papers: papers(options.count), precomputed: null });
  slot.current = { kind: 'local', corpus };
  return { state, engine, cache, slot, corpus, indexing, remembered, snapshots };
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('issue 18: nothing embedded is lost', () => {
  it('each batch is in the cache before it is counted on screen, so a reopened tab gets back the count it showed', async () => {
    const s = await session({ count: 40 });
    void s.indexing.start(s.corpus, { wait: false });
    await settle();
    for (let batch = 1; batch <= 3; batch++) {
      await s.engine.batch(8);
      await settle();
      // What a tab closed now would find: a new cache over the same IndexedDB.
      const reopened = await VectorCache.open(() => {});
      const stored = (await reopened.load(MODEL.modelKey, DIMS))?.hashes.length;
      expect(s.state.current.embeddedNow).toBe(8 * batch);
      expect(stored).toBe(s.state.current.embeddedNow);
    }
  });

  it('a batch whose write has not finished is not counted yet', async () => {
    const writes: Deferred<void>[] = [];
    const real = await VectorCache.open(() => {});
    const cache: CacheLike = Object.assign(Object.create(real) as VectorCache, {
      append: () => {
        const write = deferred<void>();
        writes.push(write);
        return write.promise;
      },
    });
    const s = await session({ count: 16, cache });
    void s.indexing.start(s.corpus, { wait: false });
    await settle();
    const delivering = s.engine.batch(8);
    await settle();
    expect(writes).toHaveLength(1);
    expect(s.state.current.embeddedNow).toBe(0);
    expect(s.corpus.present.slice(0, 8).every((bit) => bit === 0)).toBe(true);
    writes[0].resolve();
    await delivering;
    await settle();
    expect(s.state.current.embeddedNow).toBe(8);
  });

  it('the rate measured by this run is remembered while it runs, not only when it ends', async () => {
    const s = await session({ count: 40 });
    void s.indexing.start(s.corpus, { wait: false });
    await settle();
    for (let batch = 0; batch < 3; batch++) {
      vi.advanceTimersByTime(1_000);
      await s.engine.batch(8);
      await settle();
    }
    // Three batches a second apart: the first sets the baseline, the next two give 8 papers/s.
    expect(s.state.current.phase).toBe('indexing');
    expect(s.remembered.at(-1)?.papersPerSecond).toBeCloseTo(8);
  });
});

describe('IndexingSession', () => {
  it('resolves vectors, embeds what is missing and ends ready, with the cache tidied', async () => {
    const s = await session({ count: 8 });
    const done = s.indexing.start(s.corpus, { wait: true });
    await settle();
    await s.engine.batch(8);
    await done;
    expect(s.corpus.complete).toBe(true);
    expect(s.state.current).toMatchObject({ phase: 'ready', embedding: null, embeddedNow: 8, storage: 'indexeddb' });
  });

  it('asks before a long run; "not now" pauses with a Resume notice, Resume embeds without asking again', async () => {
    const s = await session({ count: 30, rate: { papersPerSecond: 0.01, costPerSecond: 0.1 } });
    void s.indexing.start(s.corpus, { wait: false });
    await settle();
    expect(s.state.current.longRun).toMatchObject({ library: 'Library', count: 30 });
    s.indexing.answer(false);
    await settle();
    expect(s.state.current).toMatchObject({ longRun: null, embeddingPaused: { done: 0, total: 30 } });
    expect(s.state.current.notices.map((n) => n.code)).toEqual(['embedding-paused']);
    s.indexing.resume();
    await settle();
    expect(s.state.current.longRun).toBeNull();
    await s.engine.batch(30);
    await settle();
    expect(s.state.current).toMatchObject({ phase: 'ready', embeddedNow: 30, embeddingPaused: null });
  });

  it('issue 19: stop() while the long-run question is up withdraws it quietly (no TypeError, no pause notice)', async () => {
    const s = await session({ count: 30, rate: { papersPerSecond: 0.01, costPerSecond: 0.1 } });
    void s.indexing.start(s.corpus, { wait: false });
    await settle();
    expect(s.state.current.longRun).not.toBeNull();
    await expect(s.indexing.stop()).resolves.toBeUndefined();
    expect(s.state.current.longRun).toBeNull();
    expect(s.state.current.embeddingPaused).toBeNull();
    expect(s.state.current.notices).toEqual([]);
  });

  it('stop() cancels a run under way and waits for it; a run for a library left reports nothing more', async () => {
    const s = await session({ count: 20 });
    void s.indexing.start(s.corpus, { wait: false });
    await settle();
    await s.engine.batch(4);
    await settle();
    const stopped = s.indexing.stop();
    await stopped;
    expect(s.engine.cancels).toBe(1);
    expect(s.corpus.indexing).toBeNull();
    s.slot.current = { kind: 'none' };
    const seen = s.snapshots.length;
    await settle();
    expect(s.snapshots.length).toBe(seen);
    expect(s.state.current.notices).toEqual([]);
  });
});
