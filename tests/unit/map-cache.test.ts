import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { isMapLayout, libraryFingerprint, MapCache, mapCacheKey } from '../../src/map/map-cache.ts';
import { computeMap } from '../../src/map/map-service.ts';
import { DEFAULT_MAP_PARAMS, MAP_ALGORITHM_VERSION, resolveParams } from '../../src/map/params.ts';
import type { MapLayout } from '../../src/map/types.ts';
import { topicRows, topicTexts } from './map-fixtures.ts';

const MODEL = 'bge-small-en-v1.5@79cb630bdda34152';
const HASHES = ['a1', 'b2', 'c3', 'd4'];

describe('the projection cache key', () => {
  const key = (hashes = HASHES, model = MODEL, params = DEFAULT_MAP_PARAMS) => mapCacheKey(model, hashes, params);

  it('is the same for the same library, model and parameters', () => {
    expect(key([...HASHES])).toBe(key());
    expect(key(HASHES, MODEL, resolveParams({}))).toBe(key());
    // Naming a default explicitly is the same request.
    expect(key(HASHES, MODEL, resolveParams({ seed: DEFAULT_MAP_PARAMS.seed }))).toBe(key());
  });

  it('changes when a paper is edited, added, removed or moved', () => {
    const keys = new Set([key(), key(['a1', 'b2', 'c3', 'd5']), key([...HASHES, 'e5']), key(HASHES.slice(1)), key(['b2', 'a1', 'c3', 'd4'])]);
    expect(keys.size).toBe(5);
  });

  it('does not confuse two libraries whose hashes concatenate alike', () => {
    expect(libraryFingerprint(['ab', 'c'])).not.toBe(libraryFingerprint(['a', 'bc']));
  });

  it('changes with the model and with every parameter', () => {
    expect(key(HASHES, 'all-MiniLM-L6-v2@0123456789abcdef')).not.toBe(key());
    const changed = { sampleSize: 100, pcaDims: 32, nNeighbors: 10, minDist: 0.3, epochs: 50, placeNeighbors: 3, clusters: 4, keywords: 2, keywordDocs: 50, seed: 1 };
    expect(Object.keys(changed).sort()).toEqual(Object.keys(DEFAULT_MAP_PARAMS).sort());
    for (const [name, value] of Object.entries(changed)) {
      expect(key(HASHES, MODEL, resolveParams({ [name]: value })), name).not.toBe(key());
    }
  });

  it('names the algorithm version', () => {
    expect(key()).toContain(`/v${MAP_ALGORITHM_VERSION}/`);
  });

  it('rejects parameters out of range with a bad-input code naming the field', () => {
    expect(() => resolveParams({ sampleSize: 1 })).toThrow(expect.objectContaining({ code: 'bad-input', message: expect.stringContaining('sampleSize') }));
    expect(() => resolveParams({ minDist: Number.NaN })).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(() => resolveParams({ nNeighbors: 2.5 })).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(() => resolveParams({ bogus: 1 } as never)).toThrow(expect.objectContaining({ code: 'bad-input', message: expect.stringContaining('bogus') }));
  });
});

function smallLayout(seed = 1): MapLayout {
  const { rows, group } = topicRows(40, 3, seed);
  return computeMap({ rows, texts: topicTexts(group), params: { sampleSize: 40, epochs: 20 } });
}

describe('MapCache (IndexedDB)', () => {
  it('gives back a stored layout with its typed arrays', async () => {
    const cache = MapCache.open(`map-test-${Math.random()}`);
    const layout = smallLayout();
    await cache.put('k1', layout);
    const loaded = await cache.get('k1');
    expect(loaded?.points).toBeInstanceOf(Float32Array);
    expect(loaded?.clusterOf).toBeInstanceOf(Uint16Array);
    expect(Array.from(loaded!.points)).toEqual(Array.from(layout.points));
    expect(loaded?.clusters).toEqual(layout.clusters);
    expect(await cache.get('other')).toBeNull();
  });

  it('keeps only the most recently used layouts', async () => {
    const cache = MapCache.open(`map-test-${Math.random()}`, 2);
    const layout = smallLayout();
    await cache.put('k1', layout);
    await cache.put('k2', layout);
    expect(await cache.get('k1')).not.toBeNull(); // k1 is now the most recent
    await cache.put('k3', layout);
    expect(await cache.get('k2')).toBeNull();
    expect(await cache.get('k1')).not.toBeNull();
    expect(await cache.get('k3')).not.toBeNull();
  });

  it('drops an entry that is not a layout instead of returning it', async () => {
    const name = `map-test-${Math.random()}`;
    const cache = MapCache.open(name);
    const layout = smallLayout();
    const torn = { ...layout, points: layout.points.slice(0, 10) };
    await cache.put('torn', torn as MapLayout);
    expect(await cache.get('torn')).toBeNull();
    // Gone, not just skipped: a second cache over the same database does not find it either.
    const { get, createStore } = await import('idb-keyval');
    expect(await get('torn', createStore(name, 'layouts'))).toBeUndefined();
  });

  it('checks sizes and cluster ids when validating', () => {
    const layout = smallLayout();
    expect(isMapLayout(layout)).toBe(true);
    expect(isMapLayout({ ...layout, clusterOf: new Uint16Array(layout.count).fill(layout.clusters.length) })).toBe(false);
    expect(isMapLayout({ ...layout, points: Array.from(layout.points) })).toBe(false);
    expect(isMapLayout(null)).toBe(false);
  });
});
