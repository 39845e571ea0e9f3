import type { PrunableVectorStore } from '../index/persistence/index.ts';
import { browserLocks, withLibraryLock, type LockManagerLike } from './library-lock.ts';
import type { LibraryStore } from './library-store.ts';

/**
 * Deleting cached vectors no library needs. Two ways in: at once for the hashes of a library just deleted
 * (dropLibraryVectors), and a scheduled sweep for everything else (sweepVectors, VectorGarbageCollector).
 *
 * Why a sweep cannot lose a vector someone needs. A vector (model m, hash h) is deleted by sweep k only if
 *  (1) h is in no stored library and not in `extraReferenced` (the bundled corpus, the corpus open in this tab)
 *      when sweep k reads them, and
 *  (2) h was also unreferenced when an earlier sweep read them, at least `graceMs` before (its "mark", persisted
 *      in the library database with its time, so it holds across tabs and reloads).
 * Who could still want h?
 *  - A library created in another tab after sweep k's read. The read, the deletion and the marks' write run
 *    holding the library lock exclusively (library-lock.ts), and LibraryStore.create holds it shared: that
 *    library was either seen by the read, or created after the deletion committed; its tab reads the cache only
 *    after creating the library, finds h missing, and embeds it. Without Web Locks the window is the sweep's own
 *    few hundred milliseconds and the cost is the same re-embedding on that tab's next load, never a wrong result:
 *    a missing vector is embedded, it is never replaced by another text's.
 *  - Vectors another tab appends while the sweep runs: their hashes carry no old mark, so (2) keeps them, and the
 *    deletion (PrunableVectorStore.drop) removes only the named hashes, re-reading after any concurrent commit.
 *  - An import still being embedded: the app creates its library before embedding (so its hashes are referenced
 *    throughout), this tab never sweeps while `busy()`, and an unsaved import in another tab keeps its vectors
 *    for `graceMs` after they were last referenced.
 * Whole vector sets of other model keys (an older model fingerprint) go by the same two-pass rule.
 */

export interface ModelRef {
  modelKey: string;
  dims: number;
}

export type GcVectorStore = Pick<PrunableVectorStore, 'storedHashes' | 'drop' | 'modelKeys' | 'clear'>;
export type GcLibraries = Pick<LibraryStore, 'referencedHashes' | 'readGcMarks' | 'writeGcMarks'>;

/** Persisted between sweeps: when each unreferenced hash / model key was first seen unreferenced (ms epoch). */
export interface GcMarks {
  version: 1;
  /** When the last sweep ran (any tab), or null. */
  sweptAt: number | null;
  hashes: Record<string, number>;
  models: Record<string, number>;
}

export const GC_DEFAULTS = {
  /** A vector unreferenced for this long (two sweeps at least this far apart) is deleted. */
  graceMs: 10 * 60_000,
  /** Sweeps (in any tab) at least this far apart: a sweep reads every vector of the model. */
  minIntervalMs: 10 * 60_000,
};

export interface DropOptions {
  locks?: LockManagerLike | null;
}

/**
 * Deletes, now, the vectors of a deleted library that nothing else references. `stillReferenced` is read under
 * the library lock when given as a function (pass one that reads LibraryStore.referencedHashes and adds the
 * bundled corpus's and the open corpus's hashes), so a library created meanwhile in another tab counts.
 * Returns how many vectors were deleted.
 */
export function dropLibraryVectors(
  store: Pick<PrunableVectorStore, 'drop'>,
  modelKey: string,
  dims: number,
  deletedHashes: Iterable<string>,
  stillReferenced: ReadonlySet<string> | (() => Promise<ReadonlySet<string>>),
  options: DropOptions = {},
): Promise<number> {
  return withLibraryLock(lockManager(options.locks), 'exclusive', async () => {
    const keep = typeof stillReferenced === 'function' ? await stillReferenced() : stillReferenced;
    const drop = new Set([...deletedHashes].filter((hash) => !keep.has(hash)));
    return drop.size === 0 ? 0 : (await store.drop(modelKey, dims, drop)).dropped;
  });
}

export interface SweepOptions {
  store: GcVectorStore;
  libraries: GcLibraries;
  /** The model in use: its unreferenced vectors are swept; every other model key's set is swept whole. */
  model: ModelRef;
  /** Hashes referenced outside the library store: the bundled corpus, the corpus open in this tab. */
  extraReferenced?: () => Iterable<string>;
  graceMs?: number;
  minIntervalMs?: number;
  now?: () => number;
  locks?: LockManagerLike | null;
}

export type SweepResult =
  | { swept: false; reason: 'recent' }
  | {
      swept: true;
      /** Vectors of the current model deleted / marked for the next sweep. */
      droppedVectors: number;
      markedVectors: number;
      droppedModels: string[];
      markedModels: string[];
    };

/** One mark-and-sweep pass (see the argument at the top of this file). */
export function sweepVectors(options: SweepOptions): Promise<SweepResult> {
  const { store, libraries, model, graceMs = GC_DEFAULTS.graceMs, minIntervalMs = GC_DEFAULTS.minIntervalMs, now = Date.now } = options;
  return withLibraryLock(lockManager(options.locks), 'exclusive', async (): Promise<SweepResult> => {
    const previous = readMarks(await libraries.readGcMarks());
    const time = now();
    if (previous.sweptAt !== null && time - previous.sweptAt < minIntervalMs && time >= previous.sweptAt) return { swept: false, reason: 'recent' };
    const referenced = await libraries.referencedHashes();
    for (const hash of options.extraReferenced?.() ?? []) referenced.add(hash);
    const due = (since: number | undefined) => since !== undefined && time - since >= graceMs;

    const stored = await store.storedHashes(model.modelKey, model.dims);
    const marks: GcMarks = { version: 1, sweptAt: time, hashes: {}, models: {} };
    const drop = new Set<string>();
    for (const hash of stored) {
      if (referenced.has(hash)) continue;
      if (due(previous.hashes[hash])) drop.add(hash);
      else marks.hashes[hash] = previous.hashes[hash] ?? time;
    }
    const dropped = drop.size > 0 ? (await store.drop(model.modelKey, model.dims, drop)).dropped : 0;

    const droppedModels: string[] = [];
    for (const key of await store.modelKeys()) {
      if (key === model.modelKey) continue;
      if (!due(previous.models[key])) marks.models[key] = previous.models[key] ?? time;
      else {
        await store.clear(key);
        droppedModels.push(key);
      }
    }
    await libraries.writeGcMarks(marks);
    return { swept: true, droppedVectors: dropped, markedVectors: Object.keys(marks.hashes).length, droppedModels, markedModels: Object.keys(marks.models) };
  });
}

/** Marks as stored, or empty ones when absent or malformed (then nothing is due: the next sweep only marks). */
export function readMarks(value: unknown): GcMarks {
  const empty: GcMarks = { version: 1, sweptAt: null, hashes: {}, models: {} };
  const v = value as Partial<GcMarks> | null | undefined;
  if (typeof v !== 'object' || v === null || v.version !== 1) return empty;
  const times = (record: unknown): Record<string, number> | null =>
    typeof record === 'object' && record !== null && Object.values(record).every((t) => Number.isFinite(t)) ? (record as Record<string, number>) : null;
  const hashes = times(v.hashes);
  const models = times(v.models);
  if (!hashes || !models) return empty;
  return { version: 1, sweptAt: Number.isFinite(v.sweptAt) ? (v.sweptAt as number) : null, hashes, models };
}

/** The timer functions the scheduler uses (tests pass vitest's fake timers through the globals). */
export interface GcTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** When the browser has it: the sweep waits for an idle period (at most `timeout` ms). */
  requestIdleCallback?: (callback: () => void, options: { timeout: number }) => unknown;
}

export interface CollectorOptions extends Omit<SweepOptions, 'model'> {
  /** The model in use now; null (model not ready) postpones the sweep. */
  model: () => ModelRef | null;
  /** True while an import is being embedded (or anything else the sweep must not run beside). */
  busy: () => boolean;
  /** Wait after start (or poke) before the first sweep: the page settles first. */
  idleDelayMs?: number;
  /** Wait before trying again when busy or without a model. */
  busyRetryMs?: number;
  /** Longest wait for an idle period once the delay has passed. */
  idleTimeoutMs?: number;
  timers?: GcTimers;
  onSwept?: (result: SweepResult) => void;
  /** A sweep that failed (storage error, a corrupt library record); the next one is scheduled anyway. */
  onError?: (error: unknown) => void;
}

/**
 * Runs sweepVectors off the search path: after a delay, in an idle period, never while `busy()`, one at a time,
 * then again every `minIntervalMs`. Its store operations go through the vector store's own queue, so they
 * interleave with this tab's appends without racing them. Cost, headless Chromium, a 100,000-paper library with
 * 101,000 stored vectors: 0.23-0.53 s per sweep, in main-thread tasks of at most 50-174 ms (reading the hash
 * lists; `npx tsx .cache/probe/A/run2.mts 100000`, three runs of three sweeps).
 */
export class VectorGarbageCollector {
  private timer: unknown = null;
  private running: Promise<SweepResult | null> | null = null;
  private stopped = true;

  constructor(private readonly options: CollectorOptions) {}

  /** Schedules the first sweep after `idleDelayMs`. */
  start(): void {
    this.stopped = false;
    this.arm(this.options.idleDelayMs ?? 30_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs a sweep now unless one is running (then returns that one); null when busy or without a model. */
  sweepNow(): Promise<SweepResult | null> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<SweepResult | null> {
    const model = this.options.model();
    if (!model || this.options.busy()) return null;
    const result = await sweepVectors({ ...this.options, model });
    this.options.onSwept?.(result);
    return result;
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.fire(), ms);
  }

  private fire(): void {
    this.timer = null;
    if (this.stopped) return;
    const retry = this.options.busyRetryMs ?? 60_000;
    if (this.options.busy() || !this.options.model()) return this.arm(retry);
    const go = () => {
      if (this.stopped) return;
      this.sweepNow().then(
        (result) => this.arm(result === null ? retry : (this.options.minIntervalMs ?? GC_DEFAULTS.minIntervalMs)),
        (error: unknown) => {
          this.options.onError?.(error);
          this.arm(this.options.minIntervalMs ?? GC_DEFAULTS.minIntervalMs);
        },
      );
    };
    const idle = this.timers.requestIdleCallback;
    if (idle) idle(go, { timeout: this.options.idleTimeoutMs ?? 10_000 });
    else go();
  }

  private get timers(): GcTimers {
    return this.options.timers ?? defaultTimers();
  }
}

function defaultTimers(): GcTimers {
  const g = globalThis as typeof globalThis & { requestIdleCallback?: (cb: () => void, opts: { timeout: number }) => number };
  return {
    setTimeout: (callback, ms) => g.setTimeout(callback, ms),
    clearTimeout: (handle) => g.clearTimeout(handle as ReturnType<typeof setTimeout>),
    requestIdleCallback: g.requestIdleCallback ? (callback, opts) => g.requestIdleCallback!(callback, opts) : undefined,
  };
}

function lockManager(locks: LockManagerLike | null | undefined): LockManagerLike | null {
  return locks === undefined ? browserLocks() : locks;
}
