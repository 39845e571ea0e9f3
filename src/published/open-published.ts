import * as Comlink from 'comlink';
import { TextShardReader } from './text-shards/reader.ts';
import { CompressedIndexError } from '../index/compressed/errors.ts';
import { spawnCompressedWorker, type CompressedWorker } from './vectors/compressed-client.ts';
import type { InstallProgress } from './vectors/compressed-service.ts';
import { StaticKeywordIndex } from './static-keyword/static-keyword-index.ts';
import { PUBLISHED_ERROR_CODES, PublishedLibraryError, type PublishedErrorCode } from './errors.ts';
import { publishedFileSource, type PublishedFileSource } from './fetch-file.ts';
import type { PublishedFile } from '../base/files.ts';
import { allFiles, parsePublishedManifest, type PublishedManifest } from './manifest.ts';
import { downloadForOffline, planOfflineDownload } from './offline-download.ts';
import { paperBookOf } from './paper-book.ts';
import { publishedSearchable, type PublishedLibrary, type PublishedOfflineState, type PublishedPartState } from './published-library.ts';

/**
 * The site's published library, if `corpus/library.json` exists: null when the site ships its papers whole
 * (corpus.json), or when the manifest cannot be fetched at all (offline before any copy; the bundled path then
 * says so). A manifest that is there but wrong throws, with its code.
 */
export async function openSitePublishedLibrary(url: string): Promise<PublishedLibrary | null> {
  const response = await fetch(url).catch(() => null);
  if (!response || !hasManifest(response)) return null;
  const json: unknown = await response.json().catch(() => {
    throw new PublishedLibraryError('manifest-invalid', 'not JSON', 'library.json');
  });
  const manifest = parsePublishedManifest(json, url);
  return publishedLibrary(manifest, new URL('./', url).href, publishedFileSource(new URL('./', url).href), spawnCompressedWorker);
}

/**
 * Whether the answer is a manifest to read (issue 18): a 404 means no published library, and so does a page:
 * `vite dev` and `vite preview` answer an unknown path with index.html (200, text/html). Other failures throw.
 */
export function hasManifest(response: Response): boolean {
  if (response.status === 404) return false;
  if (!response.ok) throw new PublishedLibraryError('file-unreachable', `HTTP ${response.status}`, 'library.json');
  return !/^text\/html\b/i.test(response.headers.get('content-type') ?? '');
}

const isPublishedCode = (code: string): code is PublishedErrorCode => Object.hasOwn(PUBLISHED_ERROR_CODES, code);

const sum = (files: readonly PublishedFile[]) => files.reduce((total, file) => total + file.bytes, 0);

/**
 * Composes the parts: keyword shards and text shards read through the verified file source (each file kept in
 * Cache Storage once read), vectors installed into and searched by the compressed-index worker.
 */
export function publishedLibrary(manifest: PublishedManifest, baseUrl: string, source: PublishedFileSource, spawn: () => CompressedWorker): PublishedLibrary {
  const keyword = new StaticKeywordIndex(manifest.keyword, source);
  const text = new TextShardReader(manifest.text, source);
  const book = paperBookOf(text);
  let worker: CompressedWorker | null = null;
  let opened = false;
  const api = () => (worker ??= spawn()).api;
  const vectorBytes = sum(manifest.codes.files) + sum(manifest.rows.files);
  const shardFiles = [...manifest.keyword.files, ...manifest.text.files];

  // Older versions of republished files are dropped once, here, not on every write (fetch-file.ts says why).
  void source.prune(allFiles(manifest)).catch(() => undefined);

  async function partState(part: PublishedPartState['part'], files: readonly PublishedFile[]): Promise<PublishedPartState> {
    // Files read by searches are stored in the background: count them once they are.
    await source.idle();
    const stored = await source.stored(files);
    return { part, storedBytes: sum(files.filter((_, i) => stored[i])), totalBytes: sum(files) };
  }

  return {
    name: manifest.name,
    count: manifest.count,
    modelKey: manifest.modelKey,
    searchable: publishedSearchable(
      book,
      {
        semantic: (vector, depth) => api().search(vector, depth),
        keyword: (query, depth) => keyword.query(query, depth),
        rows: (rows) => api().rows([...rows]),
      },
      () => opened,
    ),
    async installVectors(onProgress) {
      const report = (progress: InstallProgress) => onProgress({ loaded: progress.loadedBytes, total: progress.totalBytes });
      const outcome = await api().install({ id: manifest.id, dims: manifest.dims, count: manifest.count, codes: manifest.codes, rows: manifest.rows, baseUrl }, Comlink.proxy(report));
      if (!outcome.ok) {
        const { code, detail, file } = outcome.failure;
        throw isPublishedCode(code) ? new PublishedLibraryError(code, detail, file) : new CompressedIndexError(code, file ? `${file}: ${detail}` : detail);
      }
      await api().open(manifest.id);
      opened = true;
      // Copies of earlier versions of the site's library are dead weight once this one opens.
      void api().removeOthers(manifest.id).catch(() => undefined);
    },
    async offlineState(): Promise<PublishedOfflineState> {
      const vectorsHere = opened || (await api().installed(manifest.id).catch(() => false));
      const parts: PublishedPartState[] = [
        { part: 'vectors', storedBytes: vectorsHere ? vectorBytes : 0, totalBytes: vectorBytes },
        await partState('keywords', manifest.keyword.files),
        await partState('texts', manifest.text.files),
      ];
      return { parts, missingBytes: parts.reduce((total, part) => total + part.totalBytes - part.storedBytes, 0) };
    },
    async downloadForOffline(onProgress, signal) {
      const plan = await planOfflineDownload(shardFiles, source);
      const ended = await downloadForOffline(plan, source, { signal, onProgress: (progress) => onProgress({ loaded: progress.loadedBytes, total: progress.totalBytes }) });
      if (ended.status === 'failed') throw ended.error;
      return ended.status;
    },
    dispose() {
      worker?.terminate();
      worker = null;
    },
  };
}
