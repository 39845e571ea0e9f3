import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VectorCache } from '../../src/app/vector-cache.ts';
import type { Notice } from '../../src/app/notices.ts';
import { createMemoryVectorStore, VectorStoreQuotaError, type VectorStore } from '../../src/index/persistence/index.ts';

const DIMS = 4;
const MODEL = 'fake-model@0123456789abcdef';

/** Row i of n: a distinct unit-ish vector, so rows can be told apart after int8 quantization. */
function rows(n: number, offset = 0): Float32Array {
  const out = new Float32Array(n * DIMS);
  for (let i = 0; i < n; i++) out[i * DIMS + ((i + offset) % DIMS)] = 1;
  return out;
}

function notices() {
  const seen: Notice[] = [];
  return { seen, notify: (n: Notice) => void seen.push(n), codes: () => seen.map((n) => n.code) };
}

/** VectorCache over a given store. Its constructor is private; the test reaches it the way `open` does. */
function cacheOver(store: VectorStore, notify: (n: Notice) => void): VectorCache {
  const Ctor = VectorCache as unknown as new (store: VectorStore, notify: (n: Notice) => void) => VectorCache;
  return new Ctor(store, notify);
}

/** A memory store whose append and/or load fail until `healthy` is set. */
function failingStore(error: () => Error, failing: { append?: boolean; load?: boolean }) {
  const inner = createMemoryVectorStore();
  const calls = { append: 0, load: 0 };
  const store: VectorStore = {
    kind: 'indexeddb',
    load: async (modelKey, dims) => {
      calls.load++;
      if (failing.load) throw error();
      return inner.load(modelKey, dims);
    },
    append: async (modelKey, dims, hashes, int8) => {
      calls.append++;
      if (failing.append) throw error();
      return inner.append(modelKey, dims, hashes, int8);
    },
    compact: (modelKey, dims, keep) => inner.compact(modelKey, dims, keep),
    clear: (modelKey) => inner.clear(modelKey),
  };
  return { store, calls };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('VectorCache over IndexedDB (fake-indexeddb)', () => {
  it('opens on IndexedDB, keeps appended vectors, and says nothing', async () => {
    const n = notices();
    const cache = await VectorCache.open(n.notify);
    expect(cache.kind).toBe('indexeddb');
    await cache.append(MODEL, DIMS, ['h1', 'h2'], rows(2));
    const loaded = await cache.load(MODEL, DIMS);
    expect(loaded?.hashes).toEqual(['h1', 'h2']);
    expect(loaded?.rows.data.length).toBe(2 * DIMS);
    expect(Array.from(loaded!.rows.data.subarray(0, DIMS))).toEqual([127, 0, 0, 0]);
    expect(n.seen).toEqual([]);
  });

  it('an IndexedDB write that fails switches to memory and notifies storage-fallback once', async () => {
    const n = notices();
    const cache = await VectorCache.open(n.notify);
    expect(cache.kind).toBe('indexeddb');
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await cache.append(MODEL, DIMS, ['a1'], rows(1));
    expect(put).toHaveBeenCalled();
    expect(cache.kind).toBe('memory');
    expect(n.codes()).toEqual(['storage-fallback']);
    expect(n.seen[0].level).toBe('warning');
    expect(n.seen[0].text).toMatch(/^Browser storage problem: /);

    // Later appends go to memory (IndexedDB is not touched again) and do not repeat the notice.
    const putsBefore = put.mock.calls.length;
    await cache.append(MODEL, DIMS, ['a2', 'a3'], rows(2, 1));
    await cache.append(MODEL, DIMS, ['a4'], rows(1, 2));
    expect(put.mock.calls.length).toBe(putsBefore);
    expect(n.codes()).toEqual(['storage-fallback']);
    expect((await cache.load(MODEL, DIMS))?.hashes).toEqual(['a2', 'a3', 'a4']);
  });

  it('without IndexedDB, opens in memory and says vectors will not be kept', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const n = notices();
    const cache = await VectorCache.open(n.notify);
    expect(cache.kind).toBe('memory');
    expect(n.codes()).toEqual(['storage-unavailable']);
    expect(n.seen[0].text).toContain('IndexedDB is not available');
  });

  it('an IndexedDB that refuses to open is reported and memory is used', async () => {
    vi.stubGlobal('indexedDB', {
      open: () => {
        const request = { error: new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError') } as {
          error: DOMException;
          onerror?: () => void;
        };
        setTimeout(() => request.onerror?.(), 0);
        return request;
      },
    });
    const n = notices();
    const cache = await VectorCache.open(n.notify);
    expect(cache.kind).toBe('memory');
    expect(n.codes()).toEqual(['storage-unavailable']);
    expect(n.seen[0].text).toContain('IndexedDB could not be opened');
  });
});

describe('VectorCache fallback over a failing store', () => {
  it('a rejected append falls back to memory with the reason, once', async () => {
    const n = notices();
    const { store, calls } = failingStore(() => new Error('transaction aborted'), { append: true });
    const cache = cacheOver(store, n.notify);
    await cache.append(MODEL, DIMS, ['x'], rows(1));
    expect(cache.kind).toBe('memory');
    expect(n.codes()).toEqual(['storage-fallback']);
    expect(n.seen[0].text).toContain('saving vectors failed (transaction aborted)');
    await cache.append(MODEL, DIMS, ['y'], rows(1));
    expect(calls.append).toBe(1);
    expect(n.codes()).toEqual(['storage-fallback']);
  });

  it('a quota error is reported in its own words', async () => {
    const n = notices();
    const { store } = failingStore(() => new VectorStoreQuotaError(5_000_000), { append: true });
    const cache = cacheOver(store, n.notify);
    await cache.append(MODEL, DIMS, ['x'], rows(1));
    expect(n.seen[0].text).toContain('Browser storage is full: could not save 5.0 MB of vectors');
    expect(n.seen[0].text).not.toContain('saving vectors failed');
  });

  it('a failing load answers null, falls back to memory and notifies once', async () => {
    const n = notices();
    const { store } = failingStore(() => new Error('read failed'), { load: true, append: true });
    const cache = cacheOver(store, n.notify);
    expect(await cache.load(MODEL, DIMS)).toBeNull();
    expect(cache.kind).toBe('memory');
    expect(n.codes()).toEqual(['storage-fallback']);
    expect(n.seen[0].text).toContain('reading saved vectors failed (read failed)');
    await cache.append(MODEL, DIMS, ['x'], rows(1));
    expect(n.codes()).toEqual(['storage-fallback']);
    expect((await cache.load(MODEL, DIMS))?.hashes).toEqual(['x']);
  });

  it('tidy never throws and never falls back', async () => {
    const n = notices();
    const { store } = failingStore(() => new Error('read failed'), { load: true });
    const cache = cacheOver(store, n.notify);
    await expect(cache.tidy(MODEL, DIMS)).resolves.toBeUndefined();
    expect(cache.kind).toBe('indexeddb');
    expect(n.seen).toEqual([]);
  });
});
