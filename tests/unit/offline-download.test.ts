import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LIBRARY_CACHE_NAME, publishedFileSource } from '../../src/published/fetch-file.ts';
import type { PublishedFile } from '../../src/base/files.ts';
import { downloadForOffline, offlineStatus, planOfflineDownload, type OfflineProgress } from '../../src/published/offline-download.ts';
import { FakeCacheStorage } from '../support/fake-cache-storage.ts';

const BASE = 'https://lab.example/corpus/';

function library(paths: string[]) {
  const data = new Map<string, Uint8Array>();
  const files: PublishedFile[] = paths.map((path, i) => {
    const bytes = new TextEncoder().encode(`${path} `.repeat(i + 1));
    data.set(BASE + path, bytes);
    return { path, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  return { files, data };
}

const LIBRARY = library(['library.json', 'codes/c-0.bin', 'rows/r-0.bin', 'keyword/k-0.bin', 'keyword/k-1.bin', 'text/t-00000.bin', 'text/t-00001.bin', 'text/t-00002.bin']);

/**
 * Waits (event-loop turns, not a clock) until `condition` holds: hashing and the fake cache take a varying number
 * of turns (crypto.subtle runs on Node's thread pool).
 */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 100_000; turn++) {
    if (condition()) return;
    await new Promise((done) => setImmediate(done));
  }
  throw new Error('condition never held');
}

/**
 * A server whose answers wait until the test releases them (held = true), so tests see how many downloads run at
 * once and can cancel between files without timers. `failing` paths answer 404.
 */
function heldServer(data: Map<string, Uint8Array>, { held = false, failing = [] as string[], damaged = [] as string[] } = {}) {
  const requested: string[] = [];
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const doFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    requested.push(url.slice(BASE.length));
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (held) await new Promise<void>((release) => waiting.push(release));
      if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      if (failing.includes(url.slice(BASE.length))) return new Response('gone', { status: 404 });
      if (damaged.includes(url.slice(BASE.length))) return new Response(data.get(url)!.map((byte) => byte ^ 1));
      return new Response(data.get(url)!.slice());
    } finally {
      inFlight--;
    }
  }) as typeof fetch;
  /** Releases the oldest waiting request, first waiting for one to arrive. */
  const releaseOne = async () => {
    await until(() => waiting.length > 0);
    waiting.shift()!();
  };
  return { doFetch, requested, releaseOne, waiting, maxInFlight: () => maxInFlight };
}

function sourceFor(server: { doFetch: typeof fetch }, storage = new FakeCacheStorage()) {
  return { source: publishedFileSource(BASE, { fetch: server.doFetch, caches: storage }), storage };
}

const total = (files: readonly PublishedFile[]) => files.reduce((sum, file) => sum + file.bytes, 0);

describe('planOfflineDownload', () => {
  it('says which files are missing and their bytes before downloading anything', async () => {
    const server = heldServer(LIBRARY.data);
    const { source } = sourceFor(server);
    await source(LIBRARY.files[5]);
    await source.idle();
    const requestedBefore = server.requested.length;
    const plan = await planOfflineDownload(LIBRARY.files, source);
    expect(server.requested).toHaveLength(requestedBefore);
    expect(plan.missing.map((f) => f.path)).toEqual(LIBRARY.files.filter((_, i) => i !== 5).map((f) => f.path));
    expect(plan.missingBytes).toBe(total(LIBRARY.files) - LIBRARY.files[5].bytes);
    expect(plan).toMatchObject({ files: LIBRARY.files.length, bytes: total(LIBRARY.files) });
  });
});

describe('downloadForOffline', () => {
  it('stores every missing file, reporting progress up to the total announced in the plan', async () => {
    const server = heldServer(LIBRARY.data);
    const { source } = sourceFor(server);
    const plan = await planOfflineDownload(LIBRARY.files, source);
    const seen: OfflineProgress[] = [];
    const outcome = await downloadForOffline(plan, source, { onProgress: (p) => void seen.push(p) });
    expect(outcome).toEqual({ status: 'complete', progress: { loadedBytes: plan.missingBytes, totalBytes: plan.missingBytes, files: 8, doneFiles: 8 } });
    expect(seen[0]).toEqual({ loadedBytes: 0, totalBytes: plan.missingBytes, files: 8, doneFiles: 0 });
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].loadedBytes).toBeGreaterThanOrEqual(seen[i - 1].loadedBytes);
      expect(seen[i].doneFiles).toBeGreaterThanOrEqual(seen[i - 1].doneFiles);
    }
    expect((await planOfflineDownload(LIBRARY.files, source)).missing).toEqual([]);
    expect((await offlineStatus(LIBRARY.files, source)).complete).toBe(true);
  });

  it('runs at most `concurrency` downloads at once', async () => {
    const server = heldServer(LIBRARY.data, { held: true });
    const { source } = sourceFor(server);
    const plan = await planOfflineDownload(LIBRARY.files, source);
    let finished = false;
    const done = downloadForOffline(plan, source, { concurrency: 3 }).finally(() => (finished = true));
    await until(() => server.waiting.length === 3);
    while (!finished) {
      await until(() => finished || server.waiting.length > 0);
      if (!finished) await server.releaseOne();
    }
    expect((await done).status).toBe('complete');
    expect(server.maxInFlight()).toBe(3);
    expect(server.requested).toHaveLength(8);
  });

  it('cancelled: keeps the files stored so far, and the next download fetches only the rest', async () => {
    const server = heldServer(LIBRARY.data, { held: true });
    const { source, storage } = sourceFor(server);
    const plan = await planOfflineDownload(LIBRARY.files, source);
    const controller = new AbortController();
    let doneFiles = 0;
    let finished = false;
    const done = downloadForOffline(plan, source, { concurrency: 2, signal: controller.signal, onProgress: (p) => void (doneFiles = p.doneFiles) }).finally(() => (finished = true));
    await server.releaseOne();
    await until(() => doneFiles === 1 && server.waiting.length === 2);
    await server.releaseOne();
    await until(() => doneFiles === 2 && server.waiting.length === 2);
    controller.abort();
    while (!finished) {
      await until(() => finished || server.waiting.length > 0);
      if (!finished) await server.releaseOne();
    }
    const outcome = await done;
    expect(outcome.status).toBe('cancelled');
    expect(outcome.progress.doneFiles).toBe(2);
    expect((await storage.open(LIBRARY_CACHE_NAME)).urls).toHaveLength(2);

    const rest = await planOfflineDownload(LIBRARY.files, source);
    expect(rest.missing).toHaveLength(6);
    expect(rest.missingBytes).toBe(plan.missingBytes - outcome.progress.loadedBytes);
    const resumed = heldServer(LIBRARY.data);
    const again = sourceFor(resumed, storage).source;
    expect((await downloadForOffline(rest, again)).status).toBe('complete');
    expect(resumed.requested).toEqual(rest.missing.map((f) => f.path));
  });

  it('an already aborted signal downloads nothing', async () => {
    const server = heldServer(LIBRARY.data);
    const { source } = sourceFor(server);
    const controller = new AbortController();
    controller.abort();
    const outcome = await downloadForOffline(await planOfflineDownload(LIBRARY.files, source), source, { signal: controller.signal });
    expect(outcome.status).toBe('cancelled');
    expect(server.requested).toEqual([]);
  });

  it('a failing file is reported by path and code; files stored before it stay, no new file starts after it', async () => {
    const server = heldServer(LIBRARY.data, { failing: ['keyword/k-0.bin'] });
    const { source } = sourceFor(server);
    const plan = await planOfflineDownload(LIBRARY.files, source);
    const outcome = await downloadForOffline(plan, source, { concurrency: 1 });
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(outcome.error.code).toBe('file-unreachable');
    expect(outcome.error.file).toBe('keyword/k-0.bin');
    expect(outcome.progress.doneFiles).toBe(3);
    expect(server.requested).toEqual(['library.json', 'codes/c-0.bin', 'rows/r-0.bin', 'keyword/k-0.bin']);
    expect(await source.stored(LIBRARY.files.slice(0, 3))).toEqual([true, true, true]);
  });

  it('a file damaged on every try fails with file-damaged, and its bytes do not count as loaded', async () => {
    const server = heldServer(LIBRARY.data, { damaged: ['rows/r-0.bin'] });
    const { source } = sourceFor(server);
    const plan = await planOfflineDownload(LIBRARY.files, source);
    const seen: OfflineProgress[] = [];
    const outcome = await downloadForOffline(plan, source, { concurrency: 1, onProgress: (p) => void seen.push(p) });
    expect(outcome.status === 'failed' && [outcome.error.code, outcome.error.file]).toEqual(['file-damaged', 'rows/r-0.bin']);
    expect(Math.max(...seen.map((p) => p.loadedBytes))).toBeGreaterThan(total(LIBRARY.files.slice(0, 2)));
    expect(outcome.progress).toMatchObject({ doneFiles: 2, loadedBytes: total(LIBRARY.files.slice(0, 2)) });
  });
});

describe('offlineStatus', () => {
  it('counts files and bytes stored per part, in order of first appearance', async () => {
    const server = heldServer(LIBRARY.data);
    const { source } = sourceFor(server);
    const [library, codes, , , keyword1, , text1] = LIBRARY.files;
    for (const file of [library, keyword1, text1]) await source.store(file);
    const status = await offlineStatus(LIBRARY.files, source);
    const part = (name: string) => status.parts.find((p) => p.part === name);
    expect(status.parts.map((p) => p.part)).toEqual(['library', 'codes', 'rows', 'keyword', 'text']);
    expect(part('library')).toEqual({ part: 'library', files: 1, storedFiles: 1, bytes: library.bytes, storedBytes: library.bytes });
    expect(part('codes')).toEqual({ part: 'codes', files: 1, storedFiles: 0, bytes: codes.bytes, storedBytes: 0 });
    expect(part('keyword')).toMatchObject({ files: 2, storedFiles: 1, storedBytes: keyword1.bytes });
    expect(part('text')).toMatchObject({ files: 3, storedFiles: 1, storedBytes: text1.bytes, bytes: total(LIBRARY.files.slice(5)) });
    expect(status).toMatchObject({ files: 8, storedFiles: 3, bytes: total(LIBRARY.files), storedBytes: library.bytes + keyword1.bytes + text1.bytes, complete: false });
  });
});
