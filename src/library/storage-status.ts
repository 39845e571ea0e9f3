import type { LibraryInfo } from './types.ts';

/**
 * What the browser says about this site's storage, and estimates of what a library costs, so the app can show
 * usage and quota, ask to keep the data (persistent storage), and warn before an import that would not fit.
 * `storage` is navigator.storage by default; tests pass fakes.
 */

export type StorageApi = Partial<Pick<StorageManager, 'estimate' | 'persist' | 'persisted'>>;

export interface StorageStatus {
  /** Bytes this site uses, per the browser (null when it cannot say). */
  usage: number | null;
  /** Bytes this site may use. */
  quota: number | null;
  /** Whether the browser has agreed not to evict this site's data under pressure. */
  persisted: boolean | null;
}

export type PersistenceResult = 'granted' | 'denied' | 'already' | 'unsupported';

function browserStorage(): StorageApi | undefined {
  return (globalThis as { navigator?: { storage?: StorageApi } }).navigator?.storage;
}

export async function readStorageStatus(storage: StorageApi | undefined = browserStorage()): Promise<StorageStatus> {
  const [estimate, persisted] = await Promise.all([
    storage?.estimate ? storage.estimate().catch(() => null) : null,
    storage?.persisted ? storage.persisted().catch(() => null) : null,
  ]);
  const number = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null);
  return { usage: number(estimate?.usage), quota: number(estimate?.quota), persisted: typeof persisted === 'boolean' ? persisted : null };
}

/** Asks the browser to keep this site's data (call when the person keeps a library); says what it answered. */
export async function requestPersistence(storage: StorageApi | undefined = browserStorage()): Promise<PersistenceResult> {
  if (!storage?.persist) return 'unsupported';
  try {
    if (storage.persisted && (await storage.persisted())) return 'already';
    return (await storage.persist()) ? 'granted' : 'denied';
  } catch {
    // Some browsers throw instead of answering (e.g. in a context that cannot persist).
    return 'unsupported';
  }
}

/** Bytes of one stored vector besides its dims int8 values: a float32 scale and its 32-character content hash. */
const VECTOR_OVERHEAD = 4 + 32;
/** Bytes of one content hash in a library's hash record. */
const HASH_BYTES = 32;

/**
 * An estimate, not a measurement, of one library's bytes on disk: its papers as serialized (UTF-8 JSON), its
 * hash record, and `vectorCount` int8 vectors of `dims` (the ones the cache holds; a vector two libraries share
 * counts in both). Checked against navigator.storage.estimate() deltas in headless Chromium 156 (SciFact
 * abstracts, 5,183 and 20,732 papers, 384 dims; `npx tsx .cache/probe/A/run.mts 1|4`): papers and hashes took
 * 0.63x this figure on disk (Chromium compresses large values), vectors 1.005x, the whole library 0.71x. So for
 * English text it errs high, which is the safe side for a quota check; other scripts and browsers differ.
 */
export function libraryBytesOnDisk(info: Pick<LibraryInfo, 'paperBytes' | 'hashBytes'>, vectorCount: number, dims: number): number {
  return info.paperBytes + info.hashBytes + vectorCount * (dims + VECTOR_OVERHEAD);
}

/**
 * What importing `paperCount` papers whose serialized text is `textBytes` (the parsed papers as JSON, or the
 * file's size as an upper bound) will add: papers, hashes and one vector each.
 */
export function estimateImportBytes(paperCount: number, textBytes: number, dims: number): number {
  return textBytes + paperCount * (HASH_BYTES + dims + VECTOR_OVERHEAD);
}

export type RoomCheck = { ok: true } | { ok: false; neededBytes: number; availableBytes: number };

/**
 * Whether `bytesNeeded` fits in what the quota leaves, with `margin` (a fraction of bytesNeeded) on top: the
 * estimate measured high in Chromium (see libraryBytesOnDisk) but is unmeasured elsewhere, and usage also grows
 * by write-ahead logs before they are compacted. An unknown quota or usage says ok: the app cannot know better,
 * and the import's own 'library-storage-full' still reports a refusal.
 */
export function roomForImport(status: Pick<StorageStatus, 'usage' | 'quota'>, bytesNeeded: number, margin = 0.1): RoomCheck {
  if (status.quota === null || status.usage === null) return { ok: true };
  const neededBytes = Math.round(bytesNeeded * (1 + margin));
  const availableBytes = Math.max(0, status.quota - status.usage);
  return neededBytes <= availableBytes ? { ok: true } : { ok: false, neededBytes, availableBytes };
}
