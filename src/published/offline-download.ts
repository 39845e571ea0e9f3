/**
 * "Make this library available offline" (issue 10, part 3): stores every file of a published library in Cache
 * Storage through the library's file source. What is missing and how many bytes it costs is known before anything
 * is downloaded (the UI shows it and asks); the download reports progress, runs a few files at a time, stops on
 * request, and resumes where it stopped, because files already stored are skipped. A failure names its file and
 * keeps everything stored so far.
 */
import { PublishedLibraryError, isPublishedLibraryError } from './errors.ts';
import type { PublishedFile } from '../base/files.ts';
import type { PublishedFileSource } from './fetch-file.ts';

/** What the download needs of a file source (publishedFileSource provides it; tests pass fakes). */
export type OfflineSource = Pick<PublishedFileSource, 'stored' | 'store'>;

export interface OfflinePlan {
  /** Files not stored yet, in the order given. */
  missing: PublishedFile[];
  missingBytes: number;
  files: number;
  bytes: number;
}

export interface OfflineProgress {
  loadedBytes: number;
  totalBytes: number;
  /** Files this download has to fetch (the plan's missing files). */
  files: number;
  doneFiles: number;
}

export type OfflineOutcome =
  | { status: 'complete'; progress: OfflineProgress }
  | { status: 'cancelled'; progress: OfflineProgress }
  /** `error.file` names the file that failed; files stored before it stay stored. */
  | { status: 'failed'; progress: OfflineProgress; error: PublishedLibraryError };

export interface OfflineDownloadOptions {
  signal?: AbortSignal;
  /** Files downloaded at once. */
  concurrency?: number;
  onProgress?: (progress: OfflineProgress) => void;
}

export const DEFAULT_OFFLINE_CONCURRENCY = 4;

const sumBytes = (files: readonly PublishedFile[]) => files.reduce((sum, file) => sum + file.bytes, 0);

/** What downloading `files` for offline use would fetch, before fetching anything. */
export async function planOfflineDownload(files: readonly PublishedFile[], source: Pick<OfflineSource, 'stored'>): Promise<OfflinePlan> {
  const stored = await source.stored(files);
  const missing = files.filter((_, i) => !stored[i]);
  return { missing, missingBytes: sumBytes(missing), files: files.length, bytes: sumBytes(files) };
}

/**
 * Downloads and stores the plan's missing files. Resolves (never rejects) with how it ended; a file stored by
 * someone else meanwhile (the page reading it) is skipped by the source, not fetched again.
 */
export async function downloadForOffline(plan: OfflinePlan, source: OfflineSource, options: OfflineDownloadOptions = {}): Promise<OfflineOutcome> {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_OFFLINE_CONCURRENCY);
  const progress: OfflineProgress = { loadedBytes: 0, totalBytes: plan.missingBytes, files: plan.missing.length, doneFiles: 0 };
  const report = () => options.onProgress?.({ ...progress });
  // Stops the files in flight when the caller cancels or one file fails, without touching the caller's signal.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort);
  let failure: PublishedLibraryError | undefined;
  let next = 0;

  async function fetchOne(file: PublishedFile): Promise<void> {
    let counted = 0;
    const onBytes = (loaded: number) => {
      // A file fetched again after damage restarts at 0: count only the bytes of its latest attempt.
      progress.loadedBytes += Math.min(loaded, file.bytes) - counted;
      counted = Math.min(loaded, file.bytes);
      report();
    };
    try {
      await source.store(file, { signal: stop.signal, onBytes });
    } catch (error) {
      // Bytes of a file that is not stored are not progress: after a stop, loadedBytes is what is stored.
      progress.loadedBytes -= counted;
      throw error;
    }
    progress.loadedBytes += file.bytes - counted;
    progress.doneFiles++;
    report();
  }

  async function runner(): Promise<void> {
    while (!stop.signal.aborted && next < plan.missing.length) {
      const file = plan.missing[next++];
      try {
        await fetchOne(file);
      } catch (error) {
        if (stop.signal.aborted && isPublishedLibraryError(error, 'download-cancelled')) return;
        failure ??= isPublishedLibraryError(error) ? error : new PublishedLibraryError('file-unreachable', (error as Error).message || String(error), file.path);
        stop.abort();
      }
    }
  }

  try {
    report();
    if (options.signal?.aborted) stop.abort();
    await Promise.all(Array.from({ length: Math.min(concurrency, plan.missing.length) }, runner));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (failure) return { status: 'failed', progress: { ...progress }, error: failure };
  if (options.signal?.aborted) return { status: 'cancelled', progress: { ...progress } };
  return { status: 'complete', progress: { ...progress } };
}

export interface OfflinePartStatus {
  /** The path's first folder ('codes', 'rows', 'keyword', 'text'), or 'library' for files at the top. */
  part: string;
  files: number;
  storedFiles: number;
  bytes: number;
  storedBytes: number;
}

export interface OfflineStatus {
  parts: OfflinePartStatus[];
  files: number;
  storedFiles: number;
  bytes: number;
  storedBytes: number;
  /** Every file is stored: the library works with no network. */
  complete: boolean;
}

export function partOf(path: string): string {
  const slash = path.indexOf('/');
  return slash > 0 ? path.slice(0, slash) : 'library';
}

/** Which parts of a library are stored for offline use, by count and bytes, parts in order of first appearance. */
export async function offlineStatus(files: readonly PublishedFile[], source: Pick<OfflineSource, 'stored'>): Promise<OfflineStatus> {
  const stored = await source.stored(files);
  const parts = new Map<string, OfflinePartStatus>();
  files.forEach((file, i) => {
    const name = partOf(file.path);
    let part = parts.get(name);
    if (!part) parts.set(name, (part = { part: name, files: 0, storedFiles: 0, bytes: 0, storedBytes: 0 }));
    part.files++;
    part.bytes += file.bytes;
    if (stored[i]) {
      part.storedFiles++;
      part.storedBytes += file.bytes;
    }
  });
  const list = [...parts.values()];
  const storedFiles = list.reduce((sum, part) => sum + part.storedFiles, 0);
  return {
    parts: list,
    files: files.length,
    storedFiles,
    bytes: sumBytes(files),
    storedBytes: list.reduce((sum, part) => sum + part.storedBytes, 0),
    complete: storedFiles === files.length,
  };
}
