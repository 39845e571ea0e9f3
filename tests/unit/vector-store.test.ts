import 'fake-indexeddb/auto';
import { createStore, keys as idbKeys, set as idbSet } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import {
  createIndexedDbVectorStore,
  createMemoryVectorStore,
  isQuotaError,
  needsCompaction,
  openVectorStore,
  VectorStoreQuotaError,
  type VectorStore,
} from '../../src/index/persistence/index.ts';
import { MAX_SHARDS, shardKey } from '../../src/index/persistence/shards.ts';
import { quantizeRows, type Int8Rows } from '../../src/index/quantized-matrix.ts';

const DIMS = 16;
const MODEL = 'test-model@0123456789abcdef';
let dbCounter = 0;

function vectorsFor(hashes: readonly string[]): Int8Rows {
  // Each vector is derived from its hash, so a vector can be checked against the hash it is stored under.
  const floats = new Float32Array(hashes.length * DIMS);
  hashes.forEach((hash, i) => {
    let seed = [...hash].reduce((n, c) => (n * 31 + c.charCodeAt(0)) | 0, 7);
    for (let d = 0; d < DIMS; d++) {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      floats[i * DIMS + d] = ((seed >>> 8) % 2001) / 1000 - 1;
    }
  });
  return quantizeRows(floats, DIMS);
}

const hashesFrom = (prefix: string, count: number, start = 0) => Array.from({ length: count }, (_, i) => `${prefix}${start + i}`);

/** Every loaded row must equal the vector its hash was stored with. */
function expectRowsMatchHashes(loaded: { hashes: string[]; rows: Int8Rows }): void {
  const want = vectorsFor(loaded.hashes);
  expect(loaded.rows.data).toEqual(want.data);
  expect(loaded.rows.scales).toEqual(want.scales);
}

interface Backend {
  name: string;
  open: () => VectorStore;
}

const backends: Backend[] = [
  { name: 'IndexedDB (fake-indexeddb)', open: () => createIndexedDbVectorStore(`vectors-test-${++dbCounter}`) },
  { name: 'memory', open: () => createMemoryVectorStore() },
];

describe.each(backends)('VectorStore on $name', ({ open }) => {
  it('returns nothing for a model it has never seen', async () => {
    const loaded = await open().load(MODEL, DIMS);
    expect(loaded).toMatchObject({ hashes: [], problems: [], shardCount: 0 });
    expect(loaded.rows.data.length).toBe(0);
  });

  it('stores 25,000 vectors in 3 shards and loads them back as one contiguous block', async () => {
    const store = open();
    const hashes = hashesFrom('h', 25_000);
    await store.append(MODEL, DIMS, hashes, vectorsFor(hashes));
    const loaded = await store.load(MODEL, DIMS);
    expect(loaded.shardCount).toBe(3);
    expect(loaded.problems).toEqual([]);
    expect(loaded.hashes).toEqual(hashes);
    expect(loaded.rows.data.length).toBe(25_000 * DIMS);
    expectRowsMatchHashes(loaded);
  });

  it('keeps models apart and rejects rows whose shape disagrees with the hashes', async () => {
    const store = open();
    await store.append(MODEL, DIMS, ['a'], vectorsFor(['a']));
    await store.append('other@1', DIMS, ['b', 'c'], vectorsFor(['b', 'c']));
    expect((await store.load(MODEL, DIMS)).hashes).toEqual(['a']);
    expect((await store.load('other@1', DIMS)).hashes).toEqual(['b', 'c']);
    await expect(store.append(MODEL, DIMS, ['x', 'y'], vectorsFor(['x']))).rejects.toThrow(/2 hashes/);
  });

  it('merges many small appends (one per indexing batch) so shards stay few', async () => {
    const store = open();
    const all: string[] = [];
    for (let batch = 0; batch < 2 * MAX_SHARDS; batch++) {
      const hashes = hashesFrom(`b${batch}-`, 32);
      all.push(...hashes);
      await store.append(MODEL, DIMS, hashes, vectorsFor(hashes));
    }
    const loaded = await store.load(MODEL, DIMS);
    expect(loaded.shardCount).toBeLessThanOrEqual(MAX_SHARDS);
    expect(new Set(loaded.hashes)).toEqual(new Set(all));
    expectRowsMatchHashes(loaded);
  });

  it('drops the vector of a changed text on compaction (stale content hash), keeping the rest', async () => {
    const store = open();
    const before = ['p1-v1', 'p2-v1', 'p3-v1'];
    await store.append(MODEL, DIMS, before, vectorsFor(before));
    // Paper 2's abstract changed: its new hash is embedded and appended; the old vector is now stale.
    await store.append(MODEL, DIMS, ['p2-v2'], vectorsFor(['p2-v2']));
    const live = new Set(['p1-v1', 'p2-v2', 'p3-v1']);
    const loaded = await store.load(MODEL, DIMS);
    expect(loaded.hashes).toContain('p2-v1');
    expect(needsCompaction(loaded, live)).toBe(true);

    expect(await store.compact(MODEL, DIMS, live)).toEqual({ kept: 3, dropped: 1, shards: 1 });
    const after = await store.load(MODEL, DIMS);
    expect(new Set(after.hashes)).toEqual(live);
    expect(after.shardCount).toBe(1);
    expect(needsCompaction(after, live)).toBe(false);
    expectRowsMatchHashes(after);
  });

  it('clear removes everything for the model', async () => {
    const store = open();
    await store.append(MODEL, DIMS, ['a'], vectorsFor(['a']));
    await store.clear(MODEL);
    expect((await store.load(MODEL, DIMS)).hashes).toEqual([]);
  });
});

describe('VectorStore corruption (real IndexedDB semantics)', () => {
  async function storeWithData(): Promise<{ store: VectorStore; dbName: string; hashes: string[] }> {
    const dbName = `vectors-corrupt-${++dbCounter}`;
    const store = createIndexedDbVectorStore(dbName);
    const hashes = hashesFrom('c', 25_000);
    await store.append(MODEL, DIMS, hashes, vectorsFor(hashes));
    return { store, dbName, hashes };
  }

  it.each([
    ['float32 instead of int8 values', (good: Record<string, unknown>) => ({ ...good, data: new Float32Array(10_000 * DIMS) }), /Int8Array/],
    ['a truncated vector block', (good: Record<string, unknown>) => ({ ...good, data: new Int8Array(10) }), /10 values/],
    ['wrong dims', (good: Record<string, unknown>) => ({ ...good, dims: 8 }), /8 dims/],
    ['a NaN scale', (good: Record<string, unknown>) => ({ ...good, scales: new Float32Array(10_000).fill(NaN) }), /invalid scale/],
    ['not an object', () => 'garbage', /not an object/],
  ])('drops a shard holding %s, reports it, and keeps the other shards', async (_label, corrupt, why) => {
    const { store, dbName, hashes } = await storeWithData();
    const raw = createStore(dbName, 'vectors');
    const good = { dims: DIMS, hashes: hashes.slice(10_000, 20_000), data: new Int8Array(10_000 * DIMS), scales: new Float32Array(10_000) };
    await idbSet(shardKey(MODEL, 1), corrupt(good), raw);

    const loaded = await store.load(MODEL, DIMS);
    expect(loaded.problems).toHaveLength(1);
    expect(loaded.problems[0]).toMatch(/shard 1/);
    expect(loaded.problems[0]).toMatch(why);
    expect(loaded.hashes).toEqual([...hashes.slice(0, 10_000), ...hashes.slice(20_000)]);
    expectRowsMatchHashes(loaded);

    // The bad record is gone: the next load is clean, and the key no longer exists.
    const again = await store.load(MODEL, DIMS);
    expect(again.problems).toEqual([]);
    expect(again.shardCount).toBe(2);
    expect(await idbKeys(raw)).not.toContain(shardKey(MODEL, 1));
  });

  it('drops everything behind a corrupt manifest, then accepts new vectors', async () => {
    const { store, dbName } = await storeWithData();
    await idbSet(`${MODEL}|manifest`, { format: 1, dims: DIMS, shards: 'nope' }, createStore(dbName, 'vectors'));
    const loaded = await store.load(MODEL, DIMS);
    expect(loaded.hashes).toEqual([]);
    expect(loaded.problems[0]).toMatch(/manifest/);
    expect(await idbKeys(createStore(dbName, 'vectors'))).toEqual([]);
    await store.append(MODEL, DIMS, ['n1'], vectorsFor(['n1']));
    expect((await store.load(MODEL, DIMS)).hashes).toEqual(['n1']);
  });

  it('a manifest for other dims (model config changed) is dropped, not misread', async () => {
    const { store } = await storeWithData();
    const loaded = await store.load(MODEL, 32);
    expect(loaded.hashes).toEqual([]);
    expect(loaded.problems[0]).toMatch(/16 dims, expected 32/);
  });
});

describe('VectorStore across tabs', () => {
  it('two stores on the same database appending at once lose nothing (generation check + retry)', async () => {
    const dbName = `vectors-tabs-${++dbCounter}`;
    const tabA = createIndexedDbVectorStore(dbName);
    const tabB = createIndexedDbVectorStore(dbName);
    const a = hashesFrom('a', 50);
    const b = hashesFrom('b', 50);
    await Promise.all(
      a.map((_, i) => Promise.all([tabA.append(MODEL, DIMS, [a[i]], vectorsFor([a[i]])), tabB.append(MODEL, DIMS, [b[i]], vectorsFor([b[i]]))])),
    );
    const loaded = await tabA.load(MODEL, DIMS);
    expect(new Set(loaded.hashes)).toEqual(new Set([...a, ...b]));
    expectRowsMatchHashes(loaded);
  });
});

describe('quota', () => {
  it('a full store raises VectorStoreQuotaError and keeps what it had', async () => {
    const store = createMemoryVectorStore(100_000);
    const first = hashesFrom('q', 1000);
    await store.append(MODEL, DIMS, first, vectorsFor(first));
    const more = hashesFrom('r', 5000);
    const error = await store.append(MODEL, DIMS, more, vectorsFor(more)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorStoreQuotaError);
    expect((error as VectorStoreQuotaError).message).toMatch(/storage is full/);
    expect((await store.load(MODEL, DIMS)).hashes).toEqual(first);
  });

  it("recognises IndexedDB's QuotaExceededError DOMException", () => {
    expect(isQuotaError(new DOMException('full', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError(new DOMException('nope', 'DataError'))).toBe(false);
    expect(isQuotaError(new Error('QuotaExceededError'))).toBe(false);
  });
});

describe('openVectorStore', () => {
  it('chooses IndexedDB when it works', async () => {
    const opened = await openVectorStore(`vectors-open-${++dbCounter}`);
    expect(opened.store.kind).toBe('indexeddb');
    expect(opened.problem).toBeNull();
  });
});
