import type { Int8Rows } from '../quantized-matrix.ts';
import { CodedError } from '../../base/errors.ts';
import {
  MAX_SHARDS,
  SHARD_ROWS,
  checkManifest,
  checkShard,
  concatShards,
  cutShards,
  emptyManifest,
  keyPrefix,
  manifestKey,
  modelKeyOf,
  shardKey,
  validateAppend,
  type Manifest,
  type ShardInfo,
  type ShardRecord,
  type StoredVectors,
  type Write,
} from './shards.ts';

/**
 * Cache of document vectors (quantized, see quantized-matrix.ts) keyed by model fingerprint key and content hash.
 * One implementation of the logic, over two record backends: IndexedDB (idb-keyval, indexeddb-store.ts) and memory
 * (memory-store.ts, for private mode, no IndexedDB, or after a quota error).
 */

export interface LoadResult extends StoredVectors {
  /** Human-readable reasons some stored vectors were dropped (corrupt shard, bad manifest); empty when all is well. */
  problems: string[];
  shardCount: number;
}

export interface CompactResult {
  kept: number;
  dropped: number;
  shards: number;
}

export interface VectorStore {
  readonly kind: 'indexeddb' | 'memory';
  /** Every stored vector of `modelKey` that passed validation, in one contiguous block. */
  load(modelKey: string, dims: number): Promise<LoadResult>;
  /** Adds vectors (row i belongs to hashes[i]) in one transaction; merges small shards when they grow many. */
  append(modelKey: string, dims: number, hashes: readonly string[], rows: Int8Rows): Promise<void>;
  /** Rewrites the model's vectors into full shards, keeping only hashes in `keep` (drops stale texts' vectors). */
  compact(modelKey: string, dims: number, keep: ReadonlySet<string>): Promise<CompactResult>;
  /** Deletes everything stored for `modelKey`. */
  clear(modelKey: string): Promise<void>;
}

/**
 * What garbage collection needs beyond the cache operations (src/library/vector-gc.ts). Kept apart from
 * VectorStore so the app's cache wrappers and test doubles need not implement it.
 */
export interface PrunableVectorStore extends VectorStore {
  /**
   * Removes the vectors of `hashes` (every copy). Only shards holding one of them are rewritten, each in its
   * place in the manifest (so "last write wins" still picks the same copy of any other hash); vectors appended
   * meanwhile by another tab survive, since a conflicting commit is retried from a fresh read.
   */
  drop(modelKey: string, dims: number, hashes: ReadonlySet<string>): Promise<CompactResult>;
  /** Every model fingerprint key with records in the store (a manifest or orphaned shards), sorted. */
  modelKeys(): Promise<string[]>;
  /**
   * The content hashes of `modelKey`'s stored vectors, each once, without assembling the vectors: what a sweep
   * needs. (load() at 100,000 vectors blocked Chromium's main thread for 130-257 ms, mostly assembling rows.)
   */
  storedHashes(modelKey: string, dims: number): Promise<string[]>;
}

/** Storage is full (or the browser refused more). The UI can say so; search keeps working from memory. */
export class VectorStoreQuotaError extends CodedError<'storage-full'> {
  constructor(
    readonly bytesAttempted: number,
    cause?: unknown,
  ) {
    const megabytes = `${(bytesAttempted / 1e6).toFixed(1)} MB`;
    super('VectorStoreQuotaError', 'storage-full', megabytes, `Browser storage is full: could not save ${megabytes} of vectors; search still works but vectors will be recomputed next visit`, { cause });
  }
}

/** Generation a commit expects: a number, ABSENT (no manifest yet), or ANY (overwrite whatever is there). */
export const ABSENT = -1;
export const ANY = null;

/** What a backend must provide: batched reads, and an atomic compare-and-commit on the manifest's generation. */
export interface RecordBackend {
  readonly kind: VectorStore['kind'];
  get(keys: string[]): Promise<unknown[]>;
  keys(prefix: string): Promise<string[]>;
  /** Applies `write` in one transaction if the manifest's generation equals `expected`; false (nothing written) if not. */
  commitIf(manifestKey: string, expected: number | null, write: Write): Promise<boolean>;
}

/** Generation of a stored manifest value, ABSENT if there is none, and for a corrupt one NaN (matches nothing). */
export function generationOf(value: unknown): number {
  if (value === undefined) return ABSENT;
  const generation = (value as Partial<Manifest> | null)?.generation;
  return typeof generation === 'number' ? generation : NaN;
}

export function recordBytes(write: Write): number {
  return write.puts.reduce((n, [, v]) => n + ('data' in v ? v.data.byteLength + v.scales.byteLength + v.hashes.length * 64 : 256), 0);
}

/** Retries after a concurrent writer (another tab) changed the manifest between our read and our commit. */
const MAX_ATTEMPTS = 10;

interface Snapshot {
  manifest: Manifest;
  generation: number;
  shards: ShardRecord[];
  problems: string[];
  /** Keys of shards that failed validation, to delete. */
  bad: string[];
}

export class ShardedVectorStore implements PrunableVectorStore {
  /** Serialises this tab's operations; other tabs are handled by the generation check. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly backend: RecordBackend) {}

  get kind(): VectorStore['kind'] {
    return this.backend.kind;
  }

  load(modelKey: string, dims: number): Promise<LoadResult> {
    return this.serialise(async () => {
      const snap = await this.read(modelKey, dims, null);
      if (snap.bad.length > 0 || snap.problems.length > 0) await this.dropBad(modelKey, snap);
      return { ...concatShards(snap.shards, dims), problems: snap.problems, shardCount: snap.shards.length };
    });
  }

  async append(modelKey: string, dims: number, hashes: readonly string[], rows: Int8Rows): Promise<void> {
    validateAppend(dims, hashes, rows);
    if (hashes.length === 0) return;
    return this.serialise(() =>
      this.retry(async () => {
        // Only small shards are read, and only when a merge is due; plain appends read just the manifest.
        const head = await this.read(modelKey, dims, []);
        if (head.problems.length > 0) return this.dropBad(modelKey, head).then(() => false as const);
        const manifest = structuredClone(head.manifest);
        const write: Write = { puts: cutShards(modelKey, manifest, { hashes: [...hashes], rows }), deletes: [] };
        if (manifest.shards.length > MAX_SHARDS) await this.mergeSmall(modelKey, dims, manifest, write);
        write.puts.push([manifestKey(modelKey), { ...manifest, generation: head.generation + 1 }]);
        return this.commit(modelKey, head.generation, write);
      }).then(() => undefined),
    );
  }

  compact(modelKey: string, dims: number, keep: ReadonlySet<string>): Promise<CompactResult> {
    return this.serialise(() =>
      this.retry(async () => {
        const snap = await this.read(modelKey, dims, null);
        const before = snap.shards.reduce((n, s) => n + s.hashes.length, 0);
        const kept = concatShards(snap.shards, dims, (hash) => keep.has(hash));
        const manifest = { ...emptyManifest(dims), nextShard: snap.manifest.nextShard };
        const puts: Write['puts'] = cutShards(modelKey, manifest, kept);
        // A corrupt manifest has no usable generation: everything under the model's prefix is rewritten anyway.
        const expected = Number.isInteger(snap.generation) ? snap.generation : ANY;
        puts.push([manifestKey(modelKey), { ...manifest, generation: Math.max(snap.generation, 0) + 1 || 1 }]);
        const fresh = new Set(puts.map(([key]) => key));
        // Every other key of this model goes: old shards, bad shards, orphans of any earlier bug.
        const deletes = (await this.backend.keys(keyPrefix(modelKey))).filter((key) => !fresh.has(key));
        const done = await this.commit(modelKey, expected, { puts, deletes });
        return done && { kept: kept.hashes.length, dropped: before - kept.hashes.length, shards: manifest.shards.length };
      }),
    );
  }

  drop(modelKey: string, dims: number, hashes: ReadonlySet<string>): Promise<CompactResult> {
    return this.serialise(() =>
      this.retry(async () => {
        const snap = await this.read(modelKey, dims, null);
        // Corrupt records first (as load does); then start again from what is left.
        if (snap.problems.length > 0) return this.dropBad(modelKey, snap).then(() => false as const);
        const manifest: Manifest = { ...snap.manifest, shards: [] };
        const write: Write = { puts: [], deletes: [] };
        let kept = 0;
        let dropped = 0;
        snap.manifest.shards.forEach((info, i) => {
          const shard = snap.shards[i];
          const gone = shard.hashes.reduce((n, hash) => n + (hashes.has(hash) ? 1 : 0), 0);
          dropped += gone;
          kept += shard.hashes.length - gone;
          if (gone === 0) return void manifest.shards.push(info);
          write.deletes.push(shardKey(modelKey, info.id));
          const rest = concatShards([shard], dims, (hash) => !hashes.has(hash));
          if (rest.hashes.length > 0) write.puts.push(...cutShards(modelKey, manifest, rest));
        });
        if (dropped === 0) return { kept, dropped, shards: manifest.shards.length };
        write.puts.push([manifestKey(modelKey), { ...manifest, generation: snap.generation + 1 }]);
        const done = await this.commit(modelKey, snap.generation, write);
        return done && { kept, dropped, shards: manifest.shards.length };
      }),
    );
  }

  storedHashes(modelKey: string, dims: number): Promise<string[]> {
    return this.serialise(async () => {
      const snap = await this.read(modelKey, dims, null);
      if (snap.bad.length > 0 || snap.problems.length > 0) await this.dropBad(modelKey, snap);
      const hashes = new Set<string>();
      for (const shard of snap.shards) for (const hash of shard.hashes) hashes.add(hash);
      return [...hashes];
    });
  }

  modelKeys(): Promise<string[]> {
    return this.serialise(async () => {
      const models = new Set<string>();
      for (const key of await this.backend.keys('')) {
        const model = modelKeyOf(key);
        if (model !== null) models.add(model);
      }
      return [...models].sort();
    });
  }

  clear(modelKey: string): Promise<void> {
    return this.serialise(async () => {
      const deletes = await this.backend.keys(keyPrefix(modelKey));
      await this.commit(modelKey, ANY, { puts: [], deletes });
    });
  }

  private serialise<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async retry<T>(attempt: () => Promise<T | false>): Promise<T> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const result = await attempt();
      if (result !== false) return result;
      // Random back-off, so two tabs that collided do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * (i + 1)));
    }
    throw new Error(`VectorStore: gave up after ${MAX_ATTEMPTS} concurrent modifications of the same model's vectors`);
  }

  private async commit(modelKey: string, expected: number | null, write: Write): Promise<boolean> {
    try {
      return await this.backend.commitIf(manifestKey(modelKey), expected, write);
    } catch (error) {
      throw isQuotaError(error) ? new VectorStoreQuotaError(recordBytes(write), error) : error;
    }
  }

  /**
   * Reads the manifest and the shards listed in `only` (all of them when null), validating each.
   * A manifest that fails validation counts as no manifest, with a problem; its shards are unreachable and go too.
   */
  private async read(modelKey: string, dims: number, only: readonly ShardInfo[] | null): Promise<Snapshot> {
    const [raw] = await this.backend.get([manifestKey(modelKey)]);
    const generation = generationOf(raw);
    const checked = raw === undefined ? emptyManifest(dims) : checkManifest(raw, dims);
    if (typeof checked === 'string') {
      const bad = (await this.backend.keys(keyPrefix(modelKey))).filter((key) => key !== manifestKey(modelKey));
      return { manifest: emptyManifest(dims), generation, shards: [], problems: [`stored vectors of ${modelKey} dropped: ${checked}`], bad };
    }
    const infos = only ?? checked.shards;
    const values = await this.backend.get(infos.map((info) => shardKey(modelKey, info.id)));
    const snap: Snapshot = { manifest: checked, generation, shards: [], problems: [], bad: [] };
    infos.forEach((info, i) => {
      const shard = checkShard(values[i], info, dims);
      if (typeof shard !== 'string') return void snap.shards.push(shard);
      snap.problems.push(`stored vectors of ${modelKey}, shard ${info.id}, dropped: it ${shard}`);
      snap.bad.push(shardKey(modelKey, info.id));
    });
    return snap;
  }

  /** Removes corrupt records found by a load. Best effort: if another tab wrote meanwhile, the next load retries. */
  private async dropBad(modelKey: string, snap: Snapshot): Promise<void> {
    const badIds = new Set(snap.bad);
    const manifest = { ...snap.manifest, shards: snap.manifest.shards.filter((s) => !badIds.has(shardKey(modelKey, s.id))) };
    const manifestOk = Number.isInteger(snap.generation);
    const puts: Write['puts'] = manifestOk ? [[manifestKey(modelKey), { ...manifest, generation: snap.generation + 1 }]] : [];
    const deletes = manifestOk ? snap.bad : [...snap.bad, manifestKey(modelKey)];
    await this.commit(modelKey, manifestOk ? snap.generation : ANY, { puts, deletes });
  }

  /** Merges every shard smaller than SHARD_ROWS (including the ones being appended) into full shards. */
  private async mergeSmall(modelKey: string, dims: number, manifest: Manifest, write: Write): Promise<void> {
    const pending = new Map(write.puts.map(([key, value]) => [key, value as ShardRecord]));
    const small = manifest.shards.filter((s) => s.count < SHARD_ROWS);
    const stored = small.filter((s) => !pending.has(shardKey(modelKey, s.id)));
    const values = await this.backend.get(stored.map((s) => shardKey(modelKey, s.id)));
    const storedById = new Map(stored.map((s, i) => [s.id, values[i]]));
    const records: ShardRecord[] = [];
    for (const info of small) {
      const record = pending.get(shardKey(modelKey, info.id)) ?? checkShard(storedById.get(info.id), info, dims);
      if (typeof record !== 'string') records.push(record);
    }
    const smallIds = new Set(small.map((s) => s.id));
    manifest.shards = manifest.shards.filter((s) => !smallIds.has(s.id));
    const merged = cutShards(modelKey, manifest, concatShards(records, dims));
    write.puts = [...write.puts.filter(([key]) => !small.some((s) => shardKey(modelKey, s.id) === key)), ...merged];
    write.deletes.push(...stored.map((s) => shardKey(modelKey, s.id)));
  }
}

/** QuotaExceededError as IndexedDB reports it (a DOMException on the request or the aborted transaction). */
export function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || error instanceof VectorStoreQuotaError;
}

/**
 * A storage failure in words a person can act on. Chromium's QuotaExceededError from an aborted transaction has
 * an empty message (the old notice read "could not be saved in this browser ()"), so the quota is named here and
 * the browser's own words, when it has any, follow.
 */
export function storageFailureReason(error: unknown): string {
  if (error instanceof VectorStoreQuotaError) return error.message;
  const name = (error as { name?: unknown } | null)?.name;
  const raw = (error as { message?: unknown } | null)?.message;
  const message = typeof raw === 'string' ? raw.trim() : '';
  if (isQuotaError(error)) return `the browser's storage for this site is full (${message ? `${String(name)}: ${message}` : String(name)})`;
  if (message) return message;
  return typeof name === 'string' && name ? name : `an unexplained failure (${String(error)})`;
}
