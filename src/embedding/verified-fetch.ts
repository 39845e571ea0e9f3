import { CodedError } from '../base/errors.ts';
import { timed } from '../base/measure.ts';
import type { VerifiedCopies } from './verified-copies.ts';

/**
 * Fetches the model's files and onnxruntime's wasm and checks each against its known sha256 before anything
 * uses it. A file may travel gzip-compressed (the built site's model and wasm, issue 16): it is decompressed
 * here (DecompressionStream) and the DECOMPRESSED bytes are checked, so a damaged or truncated archive is
 * caught like any damaged file. A truncated or altered file (a broken download, a proxy, a stale cached copy) is evicted from
 * Cache Storage and fetched once more from the network; if it is still wrong, loading stops with
 * FileDamagedError instead of handing onnxruntime bytes that fail deep inside with a protobuf error.
 */

export class FileDamagedError extends CodedError<'files-damaged'> {
  constructor(readonly file: string) {
    super('FileDamagedError', 'files-damaged', file, `${file} does not match its published sha256, even after downloading it again`);
  }
}

export class FileUnreachableError extends CodedError<'files-unreachable'> {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('FileUnreachableError', 'files-unreachable', reason, `${file} could not be downloaded (${reason})`);
  }
}

export interface VerifiedFetchOptions {
  /** Expected sha256 (hex) for a URL, or undefined for files that are not checked. */
  expectedSha256(url: string): string | undefined;
  /** True when the site serves this URL as `<url>.gz` (gzip); its sha256 is that of the decompressed bytes. */
  gzipped?(url: string): boolean;
  /** Called before a damaged file is fetched again. */
  onRepair?(file: string): void;
  /** Evicts a URL from every cache that may have served it (Cache Storage in the browser). */
  evict?(url: string): Promise<void>;
  fetch?: typeof fetch;
  /** Decompressed, verified copies of gzipped files, read before the archive (verified-copies.ts). */
  copies?: VerifiedCopies;
}

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Fetches `url`; a network error or an HTTP error status becomes FileUnreachableError naming `file`. */
export async function fetchFile(url: string, file: string, init?: RequestInit, doFetch: typeof fetch = fetch): Promise<Response> {
  let response: Response;
  try {
    response = await doFetch(url, init);
  } catch (error) {
    throw new FileUnreachableError(file, (error as Error).message || 'network error');
  }
  if (!response.ok) throw new FileUnreachableError(file, `HTTP ${response.status}`);
  return response;
}

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * The bytes of a gzip file. A host that labels `.gz` files with Content-Encoding: gzip has the browser decompress
 * them already: no gzip header left, so the bytes are taken as they are (the sha256 check decides either way).
 */
export async function gunzip(bytes: ArrayBuffer): Promise<ArrayBuffer> {
  if (!isGzip(new Uint8Array(bytes))) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

/** Reads a whole response (decompressing it when `gzip`) and checks it; returns the bytes or null when damaged. */
async function download(doFetch: typeof fetch, url: string, file: string, init: RequestInit | undefined, expected: string, gzip: boolean): Promise<ArrayBuffer | null> {
  const response = await timed(`file:open ${file}`, fetchFile(url, file, init, doFetch));
  let bytes: ArrayBuffer;
  try {
    bytes = await timed(`file:read ${file}`, () => response.arrayBuffer());
    // A truncated or altered archive fails here (bad CRC, unexpected end): damaged, like a bad hash.
    if (gzip) bytes = await timed(`file:gunzip ${file}`, () => gunzip(bytes));
  } catch {
    // The connection broke mid-body: a damaged download, not a missing file.
    return null;
  }
  return (await timed(`file:sha256 ${file}`, () => sha256Hex(bytes))) === expected ? bytes : null;
}

/**
 * Fetches `url` and returns its bytes only if they match `expected`; repairs once. `gzip`: the file at `url` is
 * gzip-compressed and `expected` is the sha256 of its decompressed bytes, which are returned.
 */
export async function fetchVerified(url: string, expected: string, options: Omit<VerifiedFetchOptions, 'expectedSha256' | 'gzipped'>, init?: RequestInit, gzip = false): Promise<ArrayBuffer> {
  const doFetch = options.fetch ?? fetch;
  const file = fileName(url);
  const first = await download(doFetch, url, file, init, expected, gzip);
  if (first) return first;
  options.onRepair?.(file);
  await options.evict?.(url).catch(() => undefined);
  const second = await download(doFetch, url, file, { ...init, cache: 'reload' }, expected, gzip);
  if (second) return second;
  await options.evict?.(url).catch(() => undefined);
  throw new FileDamagedError(file);
}

/**
 * fetchVerified; for a gzipped file, the decompressed copy `options.copies` kept (under `keyUrl`) is read and
 * checked first, and a freshly verified download is kept for the next visit (issue 16.5: no gunzip then).
 */
export async function fetchVerifiedOrKept(url: string, expected: string, options: Omit<VerifiedFetchOptions, 'expectedSha256' | 'gzipped'>, init?: RequestInit, gzip = false, keyUrl = url): Promise<ArrayBuffer> {
  const copies = gzip ? options.copies : undefined;
  const kept = copies ? await timed(`file:kept ${fileName(keyUrl)}`, () => copies.read(keyUrl, expected)) : null;
  if (kept) return kept;
  const bytes = await fetchVerified(url, expected, options, init, gzip);
  void copies?.keep(keyUrl, expected, bytes);
  return bytes;
}

/**
 * A fetch for transformers.js (`env.fetch`): whole-file GETs of known files are verified (and fetched as
 * `<url>.gz` where `gzipped` says so); range probes and unknown files pass through untouched.
 */
export function createVerifiedFetch(options: VerifiedFetchOptions): FetchLike {
  const doFetch = options.fetch ?? fetch;
  return async (input, init) => {
    const requested = String(input);
    const expected = options.expectedSha256(requested);
    const gzip = expected !== undefined && (options.gzipped?.(requested) ?? false);
    const url = gzip ? `${requested}.gz` : requested;
    const headers = new Headers(init?.headers);
    if (!expected || headers.has('Range') || (init?.method ?? 'GET') !== 'GET') return doFetch(url, init);
    const bytes = await fetchVerifiedOrKept(url, expected, options, init, gzip, requested);
    return new Response(bytes, { status: 200, headers: { 'Content-Length': String(bytes.byteLength) } });
  };
}

/** Removes `url` from every Cache Storage cache (the service worker's precache included), ignoring ?revision. */
export async function evictFromCacheStorage(url: string): Promise<void> {
  if (typeof caches === 'undefined') return;
  const path = new URL(url, self.location.href).pathname;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      if (new URL(request.url).pathname === path) await cache.delete(request);
    }
  }
}

function fileName(url: string): string {
  const path = new URL(url, 'http://x/').pathname;
  const models = path.indexOf('/models/');
  return models >= 0 ? path.slice(models + '/models/'.length) : path.slice(path.lastIndexOf('/') + 1);
}
