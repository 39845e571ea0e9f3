import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadLibraryMap, type MapRemote, type MapWorkerHandle } from '../../src/map/map-client.ts';
import { MapCache } from '../../src/map/map-cache.ts';
import { MapService, type MapOutcome } from '../../src/map/map-service.ts';
import { WorkerError } from '../../src/base/errors.ts';
import { type MapInput } from '../../src/map/types.ts';
import { topicRows, topicTexts } from './map-fixtures.ts';

/**
 * The client with the real MapService in place of the worker (comlink's transfer/proxy markers are plain
 * objects and functions outside a worker), counting spawns and terminations.
 */
function fakeWorkers(build?: (input: MapInput) => Promise<MapOutcome>) {
  const counts = { spawned: 0, terminated: 0 };
  const spawn = (): MapWorkerHandle => {
    counts.spawned++;
    const service = new MapService();
    const api = { build: build ?? ((input: MapInput, onProgress: never) => service.build(input, onProgress)) } as unknown as MapRemote;
    return { api, terminate: () => void counts.terminated++ };
  };
  return { counts, spawn };
}

function request(count = 120) {
  const { rows, group } = topicRows(count, 3);
  return { modelKey: 'model@1', hashes: group.map((_, i) => `h${i}`), rows, texts: topicTexts(group), params: { epochs: 30, sampleSize: 60 } };
}

afterEach(() => vi.unstubAllGlobals());

describe('loadLibraryMap', () => {
  it('computes a map once, then serves the same library from the cache without a worker', async () => {
    const cache = MapCache.open(`map-client-${Math.random()}`);
    const { counts, spawn } = fakeWorkers();
    const phases = new Set<string>();
    const first = await loadLibraryMap(request(), { cache, spawn, onProgress: (p) => phases.add(p.phase) });
    expect(first.fromCache).toBe(false);
    expect(first.layout.count).toBe(120);
    expect(phases).toContain('layout');
    expect(counts).toEqual({ spawned: 1, terminated: 1 });

    const second = await loadLibraryMap(request(), { cache, spawn });
    expect(second.fromCache).toBe(true);
    expect(Array.from(second.layout.points)).toEqual(Array.from(first.layout.points));
    expect(counts.spawned).toBe(1);

    // Another parameter is another map.
    const third = await loadLibraryMap({ ...request(), params: { ...request().params, seed: 9 } }, { cache, spawn });
    expect(third.fromCache).toBe(false);
    expect(counts.spawned).toBe(2);
  });

  it('still returns the map when it cannot be cached, saying why', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const cache = MapCache.open('map-client-none');
    expect(cache.available).toBe(false);
    const { spawn } = fakeWorkers();
    const loaded = await loadLibraryMap(request(), { cache, spawn });
    expect(loaded.fromCache).toBe(false);
    expect(loaded.cacheProblem).toMatch(/IndexedDB is not available/);
  });

  it('rejects with the worker failure code and terminates the worker', async () => {
    const { counts, spawn } = fakeWorkers(async () => ({ ok: false, code: 'bad-input', detail: 'texts and vectors disagree' }));
    await expect(loadLibraryMap(request(), { cache: null, spawn })).rejects.toMatchObject({ name: 'MapError', code: 'bad-input' });
    expect(counts.terminated).toBe(1);
  });

  it('rejects with worker-failed when the worker dies', async () => {
    const spawn = (): MapWorkerHandle => {
      // What spawnService's api does when its worker crashes mid-call.
      const api = { build: () => Promise.reject(new WorkerError('worker-crashed', 'the map worker: out of memory')) } as unknown as MapRemote;
      return { api, terminate: () => {} };
    };
    await expect(loadLibraryMap(request(), { cache: null, spawn })).rejects.toMatchObject({ code: 'worker-failed' });
  });

  it('stops and terminates the worker when aborted', async () => {
    const { counts, spawn } = fakeWorkers(() => new Promise(() => {}));
    const controller = new AbortController();
    const loading = loadLibraryMap(request(), { cache: null, spawn, signal: controller.signal });
    await vi.waitFor(() => expect(counts.spawned).toBe(1));
    controller.abort(new DOMException('library changed', 'AbortError'));
    await expect(loading).rejects.toMatchObject({ name: 'AbortError' });
    expect(counts.terminated).toBe(1);
  });

  it('refuses hashes or texts that do not match the vectors, before starting a worker', async () => {
    const { counts, spawn } = fakeWorkers();
    await expect(loadLibraryMap({ ...request(), hashes: ['h0'] }, { cache: null, spawn })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(loadLibraryMap({ ...request(), texts: ['only one'] }, { cache: null, spawn })).rejects.toMatchObject({ code: 'bad-input' });
    expect(counts.spawned).toBe(0);
  });

  it('sends the worker only the texts whose words are counted, asking a text function for just those', async () => {
    const base = request(300);
    const sent: MapInput[] = [];
    const service = new MapService();
    const { spawn } = fakeWorkers((input) => (sent.push(input), service.build(input)));
    const asked = new Set<number>();
    const texts = (row: number) => (asked.add(row), (base.texts as string[])[row]);
    const { layout } = await loadLibraryMap({ ...base, texts, params: { ...base.params, keywordDocs: 50 } }, { cache: null, spawn });
    expect(sent[0].texts).toHaveLength(50);
    expect(Array.from(sent[0].textRows!)).toEqual([...asked].sort((a, b) => a - b));
    expect(layout.clusters.every((c) => c.keywords.length > 0)).toBe(true);
  });
});
