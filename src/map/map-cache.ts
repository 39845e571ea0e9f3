import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import { sha256Hex } from '../base/hash.ts';
import { MAP_ALGORITHM_VERSION, paramsKey } from './params.ts';
import type { MapLayout, ProjectionParams } from './types.ts';

/**
 * Computed maps kept in IndexedDB, so a library is projected once: keyed by what the layout depends on, the
 * library's content fingerprint (ordered content hashes: same papers in the same order), the model key (the
 * vectors) and the parameters + algorithm version. Any change gives a new key; only the most recently used few
 * layouts are kept (a 100,000-paper layout is 1 MB).
 */

export const MAP_DB_NAME = 'paper-search-map';
const RECENT_KEY = 'recent';
const DEFAULT_MAX_ENTRIES = 3;

/** sha256 of the ordered content hashes: changes when a paper is added, removed, edited or moved. */
export function libraryFingerprint(hashes: readonly string[]): string {
  return sha256Hex(hashes.join('\n')).slice(0, 32);
}

export function mapCacheKey(modelKey: string, hashes: readonly string[], params: ProjectionParams): string {
  return `map/v${MAP_ALGORITHM_VERSION}/${modelKey}/${libraryFingerprint(hashes)}/${hashes.length}/${paramsKey(params)}`;
}

export class MapCache {
  private constructor(
    private readonly store: UseStore | null,
    private readonly maxEntries: number,
  ) {}

  /** IndexedDB-backed when possible; without IndexedDB nothing is found and nothing kept (the map still works). */
  static open(dbName = MAP_DB_NAME, maxEntries = DEFAULT_MAX_ENTRIES): MapCache {
    try {
      return new MapCache(typeof indexedDB === 'undefined' ? null : createStore(dbName, 'layouts'), maxEntries);
    } catch {
      return new MapCache(null, maxEntries);
    }
  }

  get available(): boolean {
    return this.store !== null;
  }

  /** The layout stored under `key`, or null (none, storage unavailable, or an unreadable entry, which is dropped). */
  async get(key: string): Promise<MapLayout | null> {
    if (!this.store) return null;
    const value = await get<unknown>(key, this.store);
    if (value === undefined) return null;
    if (!isMapLayout(value)) {
      await del(key, this.store);
      return null;
    }
    await this.touch(key);
    return value;
  }

  /** Stores `layout` under `key` and forgets the least recently used layouts beyond the limit. */
  async put(key: string, layout: MapLayout): Promise<void> {
    if (!this.store) throw new Error('IndexedDB is not available in this browser');
    await set(key, layout, this.store);
    await this.touch(key);
  }

  private async touch(key: string): Promise<void> {
    const store = this.store!;
    const stored = await get<unknown>(RECENT_KEY, store);
    const recent = Array.isArray(stored) ? stored.filter((k): k is string => typeof k === 'string' && k !== key) : [];
    recent.unshift(key);
    for (const old of recent.splice(this.maxEntries)) await del(old, store);
    await set(RECENT_KEY, recent, store);
  }
}

/** A stored value is used only if it has the layout's shape, sizes included (a torn or foreign entry is not). */
export function isMapLayout(value: unknown): value is MapLayout {
  const v = value as MapLayout | null;
  if (typeof v !== 'object' || v === null || !Number.isInteger(v.count) || v.count < 0) return false;
  if (!(v.points instanceof Float32Array) || v.points.length !== v.count * 2) return false;
  if (!(v.clusterOf instanceof Uint16Array) || v.clusterOf.length !== v.count) return false;
  if (!Array.isArray(v.clusters) || typeof v.params !== 'object' || v.params === null || typeof v.stats !== 'object' || v.stats === null) return false;
  const clustersOk = v.clusters.every(
    (c, i) => c?.id === i && Number.isInteger(c.size) && Number.isFinite(c.x) && Number.isFinite(c.y) && Array.isArray(c.keywords) && c.keywords.every((k) => typeof k === 'string'),
  );
  if (!clustersOk) return false;
  for (const c of v.clusterOf) if (c >= v.clusters.length) return false;
  return true;
}
