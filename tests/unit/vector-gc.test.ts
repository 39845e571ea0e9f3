import 'fake-indexeddb/auto';
import { createStore, set as idbSet } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Paper } from '../../src/base/paper.ts';
import { createIndexedDbVectorStore, createMemoryVectorStore, SHARD_ROWS, type PrunableVectorStore } from '../../src/index/persistence/index.ts';
import { shardKey } from '../../src/index/persistence/shards.ts';
import { quantizeRows, type Int8Rows } from '../../src/index/quantized-matrix.ts';
import type { LockManagerLike, LockMode } from '../../src/library/library-lock.ts';
import { LibraryStore } from '../../src/library/library-store.ts';
import { LibraryError } from '../../src/library/types.ts';
import { dropLibraryVectors, sweepVectors, VectorGarbageCollector, type GcTimers, type SweepOptions, type SweepResult } from '../../src/library/vector-gc.ts';

const DIMS = 8;
const MODEL = 'test-model@0123456789abcdef';
const OLD_MODEL = 'test-model@fedcba9876543210';
const MINUTE = 60_000;
const GRACE = 10 * MINUTE;
let dbCounter = 0;

/** A vector derived from its hash (and a variant), so a loaded row can be checked against what was stored. */
function vectorsFor(hashes: readonly string[], variant = 0): Int8Rows {
  const floats = new Float32Array(hashes.length * DIMS);
  hashes.forEach((hash, i) => {
    let seed = [...hash].reduce((n, c) => (n * 31 + c.charCodeAt(0)) | 0, 7 + variant);
    for (let d = 0; d < DIMS; d++) {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      floats[i * DIMS + d] = ((seed >>> 8) % 2001) / 1000 - 1;
    }
  });
  return quantizeRows(floats, DIMS);
}

const range = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const papersFor = (hashes: readonly string[]): Paper[] => hashes.map((h) => ({ id: `id-${h}`, title: `T ${h}`, abstract: `A ${h}` }));

/** One browser profile: a library database and a vector database; each "tab" opens its own handles on them. */
function profile() {
  const n = ++dbCounter;
  const names = { libraries: `gc-libraries-${n}`, vectors: `gc-vectors-${n}` };
  const tab = async (locks: LockManagerLike | null = null) => ({
    libraries: await LibraryStore.open(names.libraries, { legacy: null, locks }),
    vectors: createIndexedDbVectorStore(names.vectors),
  });
  return { names, tab };
}

async function addLibrary(tab: { libraries: LibraryStore; vectors: PrunableVectorStore }, name: string, hashes: string[]) {
  const info = await tab.libraries.create(name, papersFor(hashes), hashes, null);
  await tab.vectors.append(MODEL, DIMS, hashes, vectorsFor(hashes));
  return info;
}

const storedHashes = async (store: PrunableVectorStore, model = MODEL) => (await store.load(model, DIMS)).hashes.sort();

/** In-process shared/exclusive lock with the Web Locks API's semantics (first come, first served). */
function fakeLocks(): LockManagerLike & { log: string[] } {
  const waiting: { mode: LockMode; start: () => void }[] = [];
  const held: LockMode[] = [];
  const log: string[] = [];
  const pump = () => {
    while (waiting.length > 0) {
      const { mode, start } = waiting[0];
      if (held.length > 0 && (mode === 'exclusive' || held.includes('exclusive'))) return;
      waiting.shift();
      held.push(mode);
      start();
    }
  };
  return {
    log,
    request<T>(_name: string, { mode }: { mode: LockMode }, callback: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push({
          mode,
          start: () => {
            log.push(`acquire ${mode}`);
            callback()
              .then(resolve, reject)
              .finally(() => {
                held.splice(held.indexOf(mode), 1);
                log.push(`release ${mode}`);
                pump();
              });
          },
        });
        pump();
      });
    },
  };
}

describe('PrunableVectorStore.drop and modelKeys', () => {
  describe.each([
    { name: 'IndexedDB (fake-indexeddb)', open: () => createIndexedDbVectorStore(`drop-test-${++dbCounter}`) },
    { name: 'memory', open: () => createMemoryVectorStore() },
  ])('on $name', ({ open }) => {
    it('removes exactly the named hashes, rewriting only the shards that held them', async () => {
      const store = open();
      const hashes = range('h', SHARD_ROWS + 50);
      await store.append(MODEL, DIMS, hashes, vectorsFor(hashes));
      const drop = new Set(['h3', `h${SHARD_ROWS + 7}`, 'not-stored']);
      const result = await store.drop(MODEL, DIMS, drop);
      expect(result).toEqual({ kept: hashes.length - 2, dropped: 2, shards: 2 });
      const loaded = await store.load(MODEL, DIMS);
      expect(loaded.hashes).toEqual(hashes.filter((h) => !drop.has(h)));
      expect(loaded.rows.data).toEqual(vectorsFor(loaded.hashes).data);
      // Nothing to drop: no write at all.
      expect(await store.drop(MODEL, DIMS, new Set(['h3']))).toEqual({ kept: hashes.length - 2, dropped: 0, shards: 2 });
    });

    it('keeps "last write wins" for the other hashes of a rewritten shard', async () => {
      const store = open();
      await store.append(MODEL, DIMS, ['x', 'same'], vectorsFor(['x', 'same'], 1));
      await store.append(MODEL, DIMS, ['same'], vectorsFor(['same'], 2));
      await store.drop(MODEL, DIMS, new Set(['x']));
      const loaded = await store.load(MODEL, DIMS);
      expect(loaded.hashes).toEqual(['same']);
      expect(loaded.rows.data).toEqual(vectorsFor(['same'], 2).data);
    });

    it('lists the stored hashes of a model, each once, without assembling its vectors', async () => {
      const store = open();
      await store.append(MODEL, DIMS, ['a', 'b'], vectorsFor(['a', 'b']));
      await store.append(MODEL, DIMS, ['b', 'c'], vectorsFor(['b', 'c'], 1));
      await store.append(OLD_MODEL, DIMS, ['z'], vectorsFor(['z']));
      expect((await store.storedHashes(MODEL, DIMS)).sort()).toEqual(['a', 'b', 'c']);
      expect(await store.storedHashes('never@0', DIMS)).toEqual([]);
    });

    it('lists every model key, including one with only orphaned shards', async () => {
      const store = open();
      await store.append(MODEL, DIMS, ['a'], vectorsFor(['a']));
      await store.append(OLD_MODEL, DIMS, ['b'], vectorsFor(['b']));
      expect(await store.modelKeys()).toEqual([MODEL, OLD_MODEL].sort());
      await store.clear(OLD_MODEL);
      expect(await store.modelKeys()).toEqual([MODEL]);
    });
  });

  it('finds a model key from orphaned shard records with no manifest', async () => {
    const dbName = `drop-orphans-${++dbCounter}`;
    await idbSet(shardKey('orphan@1', 3), { junk: true }, createStore(dbName, 'vectors'));
    expect(await createIndexedDbVectorStore(dbName).modelKeys()).toEqual(['orphan@1']);
  });
});

describe('dropLibraryVectors', () => {
  it('drops the deleted library’s vectors that no other library or the bundled corpus uses', async () => {
    const { tab } = profile();
    const t = await tab();
    const a = await addLibrary(t, 'a', ['a1', 'a2', 'shared', 'bundled1']);
    await addLibrary(t, 'b', ['b1', 'shared']);
    await t.vectors.append(MODEL, DIMS, ['bundled1', 'bundled2'], vectorsFor(['bundled1', 'bundled2']));
    const bundled = ['bundled1', 'bundled2'];

    const deleted = await t.libraries.delete(a.id);
    const stillReferenced = async () => new Set([...(await t.libraries.referencedHashes()), ...bundled]);
    expect(await dropLibraryVectors(t.vectors, MODEL, DIMS, deleted!.hashes, stillReferenced, { locks: null })).toBe(2);
    expect(await storedHashes(t.vectors)).toEqual(['b1', 'bundled1', 'bundled2', 'shared']);
  });

  it('reads what is still referenced under the lock, after a library created meanwhile in another tab', async () => {
    const { tab } = profile();
    const locks = fakeLocks();
    const [a, b] = [await tab(locks), await tab(locks)];
    const gone = await addLibrary(a, 'gone', ['g1', 'g2']);
    const deleted = await a.libraries.delete(gone.id);
    locks.log.length = 0;
    // Tab B creates a library with g2 while tab A is about to drop: the lock orders them.
    const bCreates = b.libraries.create('b', papersFor(['g2']), ['g2'], null);
    const dropped = await dropLibraryVectors(a.vectors, MODEL, DIMS, deleted!.hashes, () => a.libraries.referencedHashes(), { locks });
    await bCreates;
    expect(dropped).toBe(1);
    expect(await storedHashes(a.vectors)).toEqual(['g2']);
    expect(locks.log).toEqual(['acquire shared', 'release shared', 'acquire exclusive', 'release exclusive']);
  });
});

describe('sweepVectors (two-pass mark and sweep)', () => {
  let now = Date.parse('2026-03-01T00:00:00Z');
  const at = () => now;
  beforeEach(() => {
    now = Date.parse('2026-03-01T00:00:00Z');
  });
  const sweep = (t: { libraries: LibraryStore; vectors: PrunableVectorStore }, extra: Partial<SweepOptions> = {}) =>
    sweepVectors({ store: t.vectors, libraries: t.libraries, model: { modelKey: MODEL, dims: DIMS }, graceMs: GRACE, minIntervalMs: GRACE, now: at, locks: null, ...extra });

  it('marks unreferenced vectors first and drops them only after the grace period', async () => {
    const { tab } = profile();
    const t = await tab();
    await addLibrary(t, 'lib', ['l1', 'l2']);
    await t.vectors.append(MODEL, DIMS, ['o1', 'o2', 'bundled'], vectorsFor(['o1', 'o2', 'bundled']));
    const extraReferenced = () => ['bundled'];

    expect(await sweep(t, { extraReferenced })).toMatchObject({ swept: true, droppedVectors: 0, markedVectors: 2 });
    expect(await storedHashes(t.vectors)).toEqual(['bundled', 'l1', 'l2', 'o1', 'o2']);
    now += GRACE / 2;
    expect(await sweep(t, { extraReferenced })).toEqual({ swept: false, reason: 'recent' });
    now += GRACE / 2;
    expect(await sweep(t, { extraReferenced })).toMatchObject({ swept: true, droppedVectors: 2, markedVectors: 0 });
    expect(await storedHashes(t.vectors)).toEqual(['bundled', 'l1', 'l2']);
  });

  it('a vector referenced again between two sweeps is kept and unmarked', async () => {
    const { tab } = profile();
    const t = await tab();
    await t.vectors.append(MODEL, DIMS, ['o1', 'o2'], vectorsFor(['o1', 'o2']));
    await sweep(t);
    await t.libraries.create('back', papersFor(['o1']), ['o1'], null);
    now += GRACE;
    expect(await sweep(t)).toMatchObject({ droppedVectors: 1, markedVectors: 0 });
    expect(await storedHashes(t.vectors)).toEqual(['o1']);
    expect((await t.libraries.readGcMarks()) as object).toMatchObject({ hashes: {} });
  });

  it('two tabs: a library tab B creates and fills between A reading the references and A committing keeps its vectors', async () => {
    const { tab } = profile();
    const [a, b] = [await tab(), await tab()];
    await a.vectors.append(MODEL, DIMS, ['orphan'], vectorsFor(['orphan']));
    await sweep(a);
    now += GRACE;
    // Tab B creates and fills a library after A has read the references: once before A reads the vectors, once
    // between that read and A's deletion.
    const racing: PrunableVectorStore = Object.assign(Object.create(a.vectors) as PrunableVectorStore, {
      storedHashes: async (modelKey: string, dims: number) => {
        await addLibrary(b, 'new in B', ['n1']);
        return a.vectors.storedHashes(modelKey, dims);
      },
      drop: async (modelKey: string, dims: number, hashes: ReadonlySet<string>) => {
        await addLibrary(b, 'also B', ['n2', 'n3']);
        return a.vectors.drop(modelKey, dims, hashes);
      },
    });
    expect(await sweep({ libraries: a.libraries, vectors: racing })).toMatchObject({ droppedVectors: 1, markedVectors: 1 });
    const stored = await a.vectors.load(MODEL, DIMS);
    expect([...stored.hashes].sort()).toEqual(['n1', 'n2', 'n3']);
    expect(stored.rows.data).toEqual(vectorsFor(stored.hashes).data);
    // The next sweep sees B's libraries: nothing more goes.
    now += GRACE;
    expect(await sweep(a)).toMatchObject({ droppedVectors: 0, markedVectors: 0 });
    expect(await storedHashes(b.vectors)).toEqual(['n1', 'n2', 'n3']);
  });

  it('with the lock, a library tab B creates during A’s sweep waits until A has committed', async () => {
    for (const withLock of [true, false]) {
      const { tab } = profile();
      const locks = withLock ? fakeLocks() : null;
      const [a, b] = [await tab(locks), await tab(locks)];
      await a.vectors.append(MODEL, DIMS, ['due'], vectorsFor(['due']));
      await sweep(a, { locks });
      now += GRACE;
      const order: string[] = [];
      const racing: PrunableVectorStore = Object.assign(Object.create(a.vectors) as PrunableVectorStore, {
        drop: async (modelKey: string, dims: number, hashes: ReadonlySet<string>) => {
          // B starts creating a library that needs 'due' after A read the references, before A deletes.
          void b.libraries.create('needs due', papersFor(['due']), ['due'], null).then(() => order.push('B created'));
          await new Promise((resolve) => setTimeout(resolve, 20));
          const result = await a.vectors.drop(modelKey, dims, hashes);
          order.push('A dropped');
          return result;
        },
      });
      await sweep({ libraries: a.libraries, vectors: racing }, { locks });
      await new Promise((resolve) => setTimeout(resolve, 20));
      // With the lock B's library exists only after the vector is gone, so B will embed it; without, B believes it cached.
      expect(order).toEqual(withLock ? ['A dropped', 'B created'] : ['B created', 'A dropped']);
      now += GRACE;
    }
  });

  it('drops whole vector sets of other model keys after the grace period', async () => {
    const { tab } = profile();
    const t = await tab();
    await addLibrary(t, 'lib', ['l1']);
    await t.vectors.append(OLD_MODEL, DIMS, ['l1'], vectorsFor(['l1']));
    expect(await sweep(t)).toMatchObject({ droppedModels: [], markedModels: [OLD_MODEL] });
    expect(await t.vectors.modelKeys()).toEqual([MODEL, OLD_MODEL].sort());
    now += GRACE;
    expect(await sweep(t)).toMatchObject({ droppedModels: [OLD_MODEL], markedModels: [] });
    expect(await t.vectors.modelKeys()).toEqual([MODEL]);
    expect(await storedHashes(t.vectors)).toEqual(['l1']);
  });

  it('unreadable marks count as none: that sweep only marks', async () => {
    const { tab } = profile();
    const t = await tab();
    await t.vectors.append(MODEL, DIMS, ['o'], vectorsFor(['o']));
    await t.libraries.writeGcMarks({ version: 1, sweptAt: 0, hashes: { o: 'yesterday' }, models: {} });
    expect(await sweep(t)).toMatchObject({ droppedVectors: 0, markedVectors: 1 });
    expect(await storedHashes(t.vectors)).toEqual(['o']);
  });

  it('a corrupt library hash record stops the sweep before anything is deleted', async () => {
    const { tab, names } = profile();
    const t = await tab();
    await t.vectors.append(MODEL, DIMS, ['o'], vectorsFor(['o']));
    await sweep(t);
    await idbSet('hashes|broken', 42, createStore(names.libraries, 'libraries'));
    now += GRACE;
    await expect(sweep(t)).rejects.toBeInstanceOf(LibraryError);
    expect(await storedHashes(t.vectors)).toEqual(['o']);
  });
});

describe('VectorGarbageCollector scheduling (fake timers)', () => {
  beforeEach(() => {
    // Only the clock and timeouts: fake-indexeddb schedules its own work with setImmediate.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.parse('2026-03-01T00:00:00Z') });
  });
  afterEach(() => vi.useRealTimers());

  async function collector(overrides: { busy?: () => boolean; timers?: GcTimers; model?: () => { modelKey: string; dims: number } | null } = {}) {
    const { tab } = profile();
    const t = await tab();
    await t.vectors.append(MODEL, DIMS, ['o'], vectorsFor(['o']));
    const swept: SweepResult[] = [];
    const errors: unknown[] = [];
    // A sweep's first step, called synchronously when it starts: shows a sweep began even before it finishes.
    const started = vi.spyOn(t.libraries, 'readGcMarks');
    const gc = new VectorGarbageCollector({
      store: t.vectors,
      libraries: t.libraries,
      model: overrides.model ?? (() => ({ modelKey: MODEL, dims: DIMS })),
      busy: overrides.busy ?? (() => false),
      graceMs: GRACE,
      minIntervalMs: GRACE,
      idleDelayMs: 30_000,
      busyRetryMs: MINUTE,
      locks: null,
      timers: overrides.timers,
      onSwept: (r) => swept.push(r),
      onError: (e) => errors.push(e),
    });
    return { gc, t, swept, errors, started };
  }

  it('waits for the idle delay, then sweeps every interval: marks, then drops', async () => {
    const { gc, t, swept, errors, started } = await collector();
    gc.start();
    await vi.advanceTimersByTimeAsync(29_000);
    expect(started).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(swept).toHaveLength(1));
    expect(swept[0]).toMatchObject({ swept: true, markedVectors: 1, droppedVectors: 0 });
    await vi.advanceTimersByTimeAsync(GRACE);
    await vi.waitFor(() => expect(swept).toHaveLength(2));
    expect(swept[1]).toMatchObject({ swept: true, droppedVectors: 1 });
    expect(await storedHashes(t.vectors)).toEqual([]);
    expect(errors).toEqual([]);
    gc.stop();
  });

  it('does not sweep while busy (an import is embedding), and sweeps once it is not', async () => {
    let busy = true;
    const { gc, swept, started } = await collector({ busy: () => busy });
    gc.start();
    await vi.advanceTimersByTimeAsync(30_000 + 5 * MINUTE);
    expect(started).not.toHaveBeenCalled();
    busy = false;
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(started).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(swept).toHaveLength(1));
    gc.stop();
  });

  it('waits for an idle period where the browser offers one, and stop() cancels', async () => {
    const idle: (() => void)[] = [];
    const timers: GcTimers = {
      setTimeout: (cb, ms) => setTimeout(cb, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      requestIdleCallback: (cb) => idle.push(cb),
    };
    const { gc, swept, started } = await collector({ timers });
    gc.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(idle).toHaveLength(1);
    expect(started).not.toHaveBeenCalled();
    idle.shift()!();
    await vi.waitFor(() => expect(swept).toHaveLength(1));
    gc.stop();
    await vi.advanceTimersByTimeAsync(3 * GRACE);
    expect(idle).toEqual([]);
    expect(started).toHaveBeenCalledTimes(1);
  });

  it('postpones while the model is not ready', async () => {
    let model: { modelKey: string; dims: number } | null = null;
    const { gc, swept, started } = await collector({ model: () => model });
    gc.start();
    await vi.advanceTimersByTimeAsync(30_000 + 3 * MINUTE);
    expect(started).not.toHaveBeenCalled();
    model = { modelKey: MODEL, dims: DIMS };
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(started).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(swept).toHaveLength(1));
    gc.stop();
  });

  it('a failed sweep is reported and the next one is still scheduled', async () => {
    const { gc, t, swept, errors } = await collector();
    const read = vi.spyOn(t.libraries, 'referencedHashes').mockRejectedValueOnce(new Error('disk on fire'));
    gc.start();
    await vi.advanceTimersByTimeAsync(30_000);
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(swept).toEqual([]);
    await vi.advanceTimersByTimeAsync(GRACE);
    await vi.waitFor(() => expect(swept).toHaveLength(1));
    expect(read).toHaveBeenCalledTimes(2);
    gc.stop();
  });
});
