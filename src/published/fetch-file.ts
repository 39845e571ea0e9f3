/**
 * The page's FileSource for a published library (issue 10): fetches a file relative to the library's folder,
 * checks its size and sha256 against the manifest, and keeps verified files in one Cache Storage cache so later
 * reads, and offline use, come from the browser's disk. In the spirit of src/embedding/verified-fetch.ts: a
 * damaged copy (stored or downloaded) is dropped and fetched once more, bypassing the HTTP cache; if it is still
 * wrong the read fails with 'file-damaged' naming the file, never handing damaged bytes to a decoder.
 *
 * Stored copies are keyed by URL + sha256, so a library republished under the same paths is never served stale:
 * the new manifest's hashes simply miss; `prune` deletes the old copies.
 */
import { sha256Hex } from '../embedding/verified-fetch.ts';
import { PublishedLibraryError } from './errors.ts';
import type { FileSource, PublishedFile } from '../base/files.ts';

/** The one cache every published library's files live in (not a workbox cache, so precache cleanup leaves it). */
export const LIBRARY_CACHE_NAME = 'paper-search-library-v1';

/** The parts of Cache Storage used here (so tests can pass an in-memory fake). */
export type CacheLike = Pick<Cache, 'match' | 'put' | 'delete' | 'keys'>;
export interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
}

export interface PublishedFileSourceOptions {
  fetch?: typeof fetch;
  /** Default: the global `caches`; null (or a context without it) stores nothing — reads still verify. */
  caches?: CacheStorageLike | null;
  cacheName?: string;
  /** Tells 'offline' from 'file-unreachable' when a fetch fails. Default: navigator.onLine. */
  isOnline?: () => boolean;
  /** Called before a damaged file (stored or downloaded) is fetched again. */
  onRepair?: (file: PublishedFile) => void;
  /**
   * Whether a plain read keeps the file in Cache Storage (default: every file). Files a part copies elsewhere
   * anyway (e.g. rescoring rows into OPFS) can say no, so they are not stored twice. `store` always keeps.
   */
  keep?: (file: PublishedFile) => boolean;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Bytes of the file received so far (from the network; restarts at 0 if the file is fetched again). */
  onBytes?: (loaded: number) => void;
}

export interface PublishedFileSource extends FileSource {
  (file: PublishedFile, options?: ReadOptions): Promise<Uint8Array>;
  /** The URL the file is fetched from. */
  url(file: PublishedFile): string;
  /** Whether this version of the file (its sha256) is stored for offline use. */
  has(file: PublishedFile): Promise<boolean>;
  /** `has` for many files with one listing of the cache (a library has thousands of files). */
  stored(files: readonly PublishedFile[]): Promise<boolean[]>;
  /** Downloads (unless already stored) and stores a file; rejects with a coded error when it cannot be stored. */
  store(file: PublishedFile, options?: ReadOptions): Promise<void>;
  /** Resolves when the files plain reads have fetched are stored (reads store in the background). */
  idle(): Promise<void>;
  /**
   * Deletes stored files of this library folder that `files` (the current manifest's) does not list, other versions
   * of a republished file included; returns how many were deleted. Other libraries' files are left alone.
   */
  prune(files: readonly PublishedFile[]): Promise<number>;
}

const defaultIsOnline = () => typeof navigator === 'undefined' || navigator.onLine !== false;

function defaultCaches(): CacheStorageLike | null {
  return typeof caches === 'undefined' ? null : caches;
}

async function matchesManifest(bytes: Uint8Array, file: PublishedFile): Promise<boolean> {
  return bytes.byteLength === file.bytes && (await sha256Hex(bytes.buffer as ArrayBuffer)) === file.sha256;
}

/** Reads a response body into a buffer of the expected size, reporting progress; null when the size is wrong. */
async function readBody(response: Response, file: PublishedFile, onBytes?: (loaded: number) => void): Promise<Uint8Array | null> {
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onBytes?.(bytes.byteLength);
    return bytes;
  }
  const bytes = new Uint8Array(file.bytes);
  const reader = response.body.getReader();
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > file.bytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    bytes.set(value, loaded);
    loaded += value.byteLength;
    onBytes?.(loaded);
  }
  return loaded === file.bytes ? bytes : null;
}

export function publishedFileSource(baseUrl: string, options: PublishedFileSourceOptions = {}): PublishedFileSource {
  const base = new URL(baseUrl, globalThis.location?.href);
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const storage = options.caches === undefined ? defaultCaches() : options.caches;
  const cacheName = options.cacheName ?? LIBRARY_CACHE_NAME;
  const isOnline = options.isOnline ?? defaultIsOnline;
  const keep = options.keep ?? (() => true);
  const shared = new Map<string, Promise<Uint8Array>>();
  /** Stores of read files, waiting for the downloads in progress to end; then running. */
  const toStore: (() => Promise<void>)[] = [];
  const background = new Set<Promise<void>>();
  let downloading = 0;
  let opened: Promise<CacheLike> | undefined;

  const fileUrl = (file: PublishedFile) => new URL(file.path, base).href;
  /** The stored copy's key: the file's URL with its sha256, so another version of the file never matches. */
  const cacheKey = (file: PublishedFile) => {
    const key = new URL(file.path, base);
    key.searchParams.set('sha256', file.sha256);
    return key.href;
  };

  function openCache(): Promise<CacheLike> | null {
    if (!storage) return null;
    opened ??= storage.open(cacheName);
    return opened;
  }

  const cancelled = (file: PublishedFile) => new PublishedLibraryError('download-cancelled', 'aborted', file.path);

  /** One network attempt: the verified bytes, or null when they are damaged (wrong size or hash, broken body). */
  async function attempt(file: PublishedFile, cache: RequestCache | undefined, read: ReadOptions): Promise<Uint8Array | null> {
    let response: Response;
    try {
      response = await doFetch(fileUrl(file), { signal: read.signal, cache });
    } catch (error) {
      if (read.signal?.aborted) throw cancelled(file);
      throw new PublishedLibraryError(isOnline() ? 'file-unreachable' : 'offline', (error as Error).message || 'network error', file.path);
    }
    if (!response.ok) throw new PublishedLibraryError('file-unreachable', `HTTP ${response.status}`, file.path);
    let bytes: Uint8Array | null;
    try {
      bytes = await readBody(response, file, read.onBytes);
    } catch {
      if (read.signal?.aborted) throw cancelled(file);
      // The connection broke mid-body: a damaged download, not a missing file.
      return null;
    }
    return bytes && (await matchesManifest(bytes, file)) ? bytes : null;
  }

  async function download(file: PublishedFile, read: ReadOptions): Promise<Uint8Array> {
    const first = await attempt(file, undefined, read);
    if (first) return first;
    options.onRepair?.(file);
    // 'reload': a stale or damaged copy in the HTTP cache must not answer the second try.
    const second = await attempt(file, 'reload', read);
    if (second) return second;
    throw new PublishedLibraryError('file-damaged', `expected ${file.bytes} bytes with sha256 ${file.sha256}`, file.path);
  }

  /** The stored copy if it is intact; a damaged one is dropped (and reported), so the caller downloads again. */
  async function fromCache(cache: CacheLike, file: PublishedFile): Promise<Uint8Array | null> {
    const hit = await cache.match(cacheKey(file));
    if (!hit) return null;
    const bytes = new Uint8Array(await hit.arrayBuffer());
    if (await matchesManifest(bytes, file)) return bytes;
    await cache.delete(cacheKey(file));
    options.onRepair?.(file);
    return null;
  }

  async function put(cache: CacheLike, file: PublishedFile, bytes: Uint8Array): Promise<void> {
    // No clean-up of other versions here: a delete with ignoreSearch scans every entry of the cache in Chromium,
    // once per file of a 15,000-file library. `prune` removes them all with one listing.
    const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) };
    await cache.put(cacheKey(file), new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
  }

  async function read(file: PublishedFile, readOptions: ReadOptions = {}): Promise<Uint8Array> {
    const cache = await openCache()?.catch(() => null);
    const stored = cache ? await fromCache(cache, file) : null;
    if (stored) return stored;
    downloading++;
    let bytes: Uint8Array;
    try {
      bytes = await download(file, readOptions);
    } catch (error) {
      if (--downloading === 0) storeQueued();
      throw error;
    }
    downloading--;
    // Storing is a convenience for a read: a full quota must not stop the page from showing the file, nor must the
    // write delay it (awaited, it made a first page of text ~1.9x slower; docs/performance.md, "A million
    // abstracts: text shards"). It waits until no read is downloading, so it does not compete with a page's fetches.
    if (cache && keep(file)) toStore.push(() => put(cache, file, bytes).catch(() => undefined));
    if (downloading === 0) storeQueued();
    return bytes;
  }

  function storeQueued(): void {
    for (const store of toStore.splice(0)) {
      const storing = store();
      background.add(storing);
      void storing.finally(() => background.delete(storing));
    }
  }

  function sharedRead(file: PublishedFile, readOptions?: ReadOptions): Promise<Uint8Array> {
    // Calls with a signal or progress are the caller's own; plain reads of one file share a single download.
    if (readOptions) return read(file, readOptions);
    const key = cacheKey(file);
    let pending = shared.get(key);
    if (!pending) {
      pending = read(file).finally(() => shared.delete(key));
      shared.set(key, pending);
    }
    return pending;
  }

  async function requireCache(file: PublishedFile): Promise<CacheLike> {
    const cache = await openCache()?.catch(() => null);
    if (!cache) throw new PublishedLibraryError('storage-unavailable', 'no Cache Storage in this context', file.path);
    return cache;
  }

  const source = sharedRead as PublishedFileSource;
  source.url = fileUrl;
  source.has = async (file) => {
    const cache = await openCache()?.catch(() => null);
    return cache ? (await cache.match(cacheKey(file))) !== undefined : false;
  };
  source.stored = async (files) => {
    const cache = await openCache()?.catch(() => null);
    if (!cache) return files.map(() => false);
    const keys = new Set((await cache.keys()).map((request) => request.url));
    return files.map((file) => keys.has(cacheKey(file)));
  };
  source.idle = async () => {
    while (background.size > 0 || (toStore.length > 0 && downloading === 0)) {
      storeQueued();
      await Promise.all(background);
    }
  };
  source.prune = async (files) => {
    const cache = await openCache()?.catch(() => null);
    if (!cache) return 0;
    const current = new Set(files.map(cacheKey));
    // Only this library's folder (a library published inside another's folder would be pruned with it).
    const folder = new URL('./', base).href;
    const stale = (await cache.keys()).filter((request) => request.url.startsWith(folder) && !current.has(request.url));
    for (const request of stale) await cache.delete(request);
    return stale.length;
  };
  source.store = async (file, readOptions = {}) => {
    const cache = await requireCache(file);
    if (await cache.match(cacheKey(file))) return;
    if (readOptions.signal?.aborted) throw cancelled(file);
    const bytes = await download(file, readOptions);
    try {
      await put(cache, file, bytes);
    } catch (error) {
      throw new PublishedLibraryError('storage-full', (error as Error).message || String(error), file.path);
    }
  };
  return source;
}
