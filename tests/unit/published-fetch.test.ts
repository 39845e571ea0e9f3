import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPublishedLibraryError, type PublishedErrorCode } from '../../src/published/errors.ts';
import { LIBRARY_CACHE_NAME, publishedFileSource, type PublishedFileSourceOptions } from '../../src/published/fetch-file.ts';
import type { PublishedFile } from '../../src/base/files.ts';
import { FakeCacheStorage } from '../support/fake-cache-storage.ts';

const BASE = 'https://lab.example/papers/corpus/';
const encode = (text: string) => new TextEncoder().encode(text);

function published(path: string, data: Uint8Array): PublishedFile {
  return { path, bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

const GOOD = encode('shard zero: the real bytes');
const FILE = published('text/t-00000.bin', GOOD);
const FILE_URL = BASE + FILE.path;
const KEY = `${FILE_URL}?sha256=${FILE.sha256}`;
const SAME_LENGTH_BAD = encode('shard zero: the real bytez');

type Answer = Uint8Array | number | Error | (() => Response);

/** A server answering from a queue per URL (then the library's real bytes); records each request. */
function fakeServer(files: Record<string, Uint8Array>, queued: Record<string, Answer[]> = {}) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const doFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init });
    if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const answer = queued[url]?.shift() ?? files[url];
    if (answer === undefined) return new Response('not found', { status: 404 });
    if (answer instanceof Error) throw answer;
    if (typeof answer === 'function') return answer();
    if (typeof answer === 'number') return new Response('error', { status: answer });
    return new Response(answer.slice(), { status: 200 });
  }) as typeof fetch;
  return { doFetch, calls };
}

function setup(queued: Record<string, Answer[]> = {}, options: PublishedFileSourceOptions = {}, storage = new FakeCacheStorage()) {
  const server = fakeServer({ [FILE_URL]: GOOD }, queued);
  const repaired: string[] = [];
  const source = publishedFileSource(BASE, { fetch: server.doFetch, caches: storage, onRepair: (file) => void repaired.push(file.path), ...options });
  return { source, server, storage, repaired, cache: () => storage.open(LIBRARY_CACHE_NAME) };
}

async function expectCode(promise: Promise<unknown>, code: PublishedErrorCode, file = FILE.path): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPublishedLibraryError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  expect((error as { file?: string }).file).toBe(file);
}

describe('publishedFileSource', () => {
  it('fetches the file relative to the library folder, verifies it, stores it keyed by URL + sha256, then reads the stored copy', async () => {
    const { source, server, cache } = setup();
    expect(source.url(FILE)).toBe(FILE_URL);
    expect(await source.has(FILE)).toBe(false);
    expect(await source(FILE)).toEqual(GOOD);
    expect(server.calls.map((c) => c.url)).toEqual([FILE_URL]);
    await source.idle(); // reads store in the background
    expect((await cache()).urls).toEqual([KEY]);
    expect(await source.has(FILE)).toBe(true);
    expect(await source(FILE)).toEqual(GOOD);
    expect(server.calls).toHaveLength(1);
  });

  it('stores read files once no read is downloading, so writes do not compete with the fetches of a page', async () => {
    const OTHER = published('text/t-00001.bin', encode('shard one'));
    let release = () => {};
    const slow = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start: (controller) =>
            void (release = () => {
              controller.enqueue(encode('shard one'));
              controller.close();
            }),
        }),
      );
    const { source, cache } = setup({ [BASE + OTHER.path]: [slow] });
    const slowRead = source(OTHER);
    expect(await source(FILE)).toEqual(GOOD);
    await new Promise((done) => setImmediate(done));
    expect((await cache()).urls).toEqual([]);
    release();
    expect(await slowRead).toEqual(encode('shard one'));
    await source.idle();
    expect((await cache()).urls.sort()).toEqual([KEY, `${BASE}${OTHER.path}?sha256=${OTHER.sha256}`].sort());
  });

  it('a damaged download is fetched once more, bypassing the HTTP cache, and the good copy is kept', async () => {
    const { source, server, repaired, cache } = setup({ [FILE_URL]: [SAME_LENGTH_BAD] });
    expect(await source(FILE)).toEqual(GOOD);
    expect(repaired).toEqual([FILE.path]);
    expect(server.calls.map((c) => c.init?.cache)).toEqual([undefined, 'reload']);
    await source.idle();
    expect((await cache()).urls).toEqual([KEY]);
  });

  it('a body longer or shorter than the manifest says counts as damaged', async () => {
    const longer = setup({ [FILE_URL]: [encode('shard zero: the real bytes, and more')] });
    expect(await longer.source(FILE)).toEqual(GOOD);
    const shorter = setup({ [FILE_URL]: [GOOD.subarray(0, 5)] });
    expect(await shorter.source(FILE)).toEqual(GOOD);
    expect([longer.repaired, shorter.repaired]).toEqual([[FILE.path], [FILE.path]]);
  });

  it('a connection that breaks mid-body counts as damaged', async () => {
    const broken = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(GOOD.slice(0, 4));
            controller.error(new TypeError('network error'));
          },
        }),
      );
    const { source, repaired } = setup({ [FILE_URL]: [broken] });
    expect(await source(FILE)).toEqual(GOOD);
    expect(repaired).toEqual([FILE.path]);
  });

  it('damaged twice: file-damaged naming the file, and nothing stored', async () => {
    const { source, server, cache } = setup({ [FILE_URL]: [SAME_LENGTH_BAD, SAME_LENGTH_BAD] });
    await expectCode(source(FILE), 'file-damaged');
    expect(server.calls).toHaveLength(2);
    await source.idle();
    expect((await cache()).urls).toEqual([]);
  });

  it('a damaged stored copy is dropped and downloaded again', async () => {
    const { source, server, repaired, cache } = setup();
    await (await cache()).put(KEY, new Response(SAME_LENGTH_BAD.slice()));
    expect(await source(FILE)).toEqual(GOOD);
    expect(repaired).toEqual([FILE.path]);
    expect(server.calls).toHaveLength(1);
    await source.idle();
    expect(await (await (await cache()).match(KEY))!.arrayBuffer()).toEqual(GOOD.buffer);
  });

  it('a republished file (new sha256) misses the old copy; prune deletes old copies of this library only', async () => {
    const { source, storage, cache } = setup();
    await source(FILE);
    await source.idle();
    expect(await source.has(FILE)).toBe(true);
    const otherLibrary = publishedFileSource('https://lab.example/papers/other/', { fetch: fakeServer({ 'https://lab.example/papers/other/text/t-00000.bin': GOOD }).doFetch, caches: storage });
    await otherLibrary.store(FILE);

    const NEW = encode('shard zero, republished');
    const newFile = published(FILE.path, NEW);
    const republished = publishedFileSource(BASE + 'library.json', { fetch: fakeServer({ [FILE_URL]: NEW }).doFetch, caches: storage });
    expect(await republished.has(newFile)).toBe(false);
    expect(await republished(newFile)).toEqual(NEW);
    await republished.idle();
    expect(await republished.prune([newFile])).toBe(1);
    expect((await cache()).urls.sort()).toEqual([`${FILE_URL}?sha256=${newFile.sha256}`, `https://lab.example/papers/other/text/t-00000.bin?sha256=${FILE.sha256}`]);
    expect(await source.has(FILE)).toBe(false);
    expect(await republished.prune([newFile])).toBe(0);
  });

  it('an HTTP error is file-unreachable, without a second try', async () => {
    const { source, server } = setup({ [FILE_URL]: [503] });
    await expectCode(source(FILE), 'file-unreachable');
    expect(server.calls).toHaveLength(1);
  });

  it('a network error is offline when the browser is offline, file-unreachable when online', async () => {
    await expectCode(setup({ [FILE_URL]: [new TypeError('Failed to fetch')] }, { isOnline: () => false }).source(FILE), 'offline');
    await expectCode(setup({ [FILE_URL]: [new TypeError('Failed to fetch')] }, { isOnline: () => true }).source(FILE), 'file-unreachable');
  });

  it('offline, a stored file is read without the network', async () => {
    const storage = new FakeCacheStorage();
    const online = setup({}, {}, storage).source;
    await online(FILE);
    await online.idle();
    const offline = setup({ [FILE_URL]: [new TypeError('Failed to fetch')] }, { isOnline: () => false }, storage);
    expect(await offline.source(FILE)).toEqual(GOOD);
    expect(offline.server.calls).toEqual([]);
  });

  it('plain reads of one file at the same time share one download', async () => {
    const { source, server } = setup();
    const [a, b] = await Promise.all([source(FILE), source(FILE)]);
    expect(a).toEqual(GOOD);
    expect(b).toEqual(GOOD);
    expect(server.calls).toHaveLength(1);
  });

  it('reports the bytes received as they arrive', async () => {
    const chunked = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(GOOD.slice(0, 10));
            controller.enqueue(GOOD.slice(10));
            controller.close();
          },
        }),
      );
    const { source } = setup({ [FILE_URL]: [chunked] });
    const seen: number[] = [];
    expect(await source(FILE, { onBytes: (loaded) => void seen.push(loaded) })).toEqual(GOOD);
    expect(seen).toEqual([10, GOOD.byteLength]);
  });

  it('an aborted read is download-cancelled', async () => {
    const { source } = setup();
    const controller = new AbortController();
    controller.abort();
    await expectCode(source(FILE, { signal: controller.signal }), 'download-cancelled');
  });

  it('without Cache Storage, reads still verify; nothing is stored; store is storage-unavailable', async () => {
    const { source, server } = setup({ [FILE_URL]: [SAME_LENGTH_BAD] }, { caches: null });
    expect(await source(FILE)).toEqual(GOOD);
    expect(server.calls).toHaveLength(2);
    expect(await source.has(FILE)).toBe(false);
    expect(await source.stored([FILE])).toEqual([false]);
    await expectCode(source.store(FILE), 'storage-unavailable');
  });

  it('a full quota does not fail a read, but fails store with storage-full', async () => {
    const { source, cache } = setup({}, {}, new FakeCacheStorage(GOOD.byteLength - 1));
    expect(await source(FILE)).toEqual(GOOD);
    await source.idle();
    expect((await cache()).urls).toEqual([]);
    await expectCode(source.store(FILE), 'storage-full');
  });

  it('keep: false reads without storing; store stores anyway, and skips files already stored', async () => {
    const { source, server, cache } = setup({}, { keep: (file) => !file.path.startsWith('text/') });
    await source(FILE);
    await source.idle();
    expect((await cache()).urls).toEqual([]);
    await source.store(FILE);
    expect((await cache()).urls).toEqual([KEY]);
    await source.store(FILE);
    expect(server.calls).toHaveLength(2);
  });

  it('stored() answers for many files from one listing of the cache', async () => {
    const { source, storage } = setup();
    const other = published('keyword/k-0001.bin', encode('other'));
    await source(FILE);
    await source.idle();
    const cache = await storage.open(LIBRARY_CACHE_NAME);
    const before = cache.calls.length;
    expect(await source.stored([other, FILE, { ...FILE, sha256: '0'.repeat(64) }])).toEqual([false, true, false]);
    expect(cache.calls.slice(before).map((c) => c.method)).toEqual(['keys']);
  });
});
