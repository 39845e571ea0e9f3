import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createVerifiedFetch, fetchVerified, FileDamagedError, FileUnreachableError, gunzip, sha256Hex } from '../../src/embedding/verified-fetch.ts';

const MODEL_URL = 'https://example.test/app/models/bge-small-en-v1.5/onnx/model_quantized.onnx';
const WASM_URL = 'https://example.test/app/assets/ort-wasm-simd-threaded.asyncify-abc123.wasm';
const GOOD = new TextEncoder().encode('the real model weights');
const BAD = new TextEncoder().encode('the real model weighty'); // one byte off
const GOOD_SHA = await sha256Hex(GOOD.slice().buffer);

type Answer = Uint8Array | number | Error | (() => Response);

/** A fetch that answers from a queue and records every call (url and the very init object it got). */
function fakeFetch(...answers: Answer[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const doFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unexpected fetch ${String(input)}`);
    if (answer instanceof Error) throw answer;
    if (typeof answer === 'function') return answer();
    if (typeof answer === 'number') return new Response('not here', { status: answer });
    return new Response(answer.slice(), { status: 200 });
  }) as typeof fetch;
  return { doFetch, calls };
}

function repairLog() {
  const repaired: string[] = [];
  const evicted: string[] = [];
  return {
    repaired,
    evicted,
    onRepair: (file: string) => void repaired.push(file),
    evict: async (url: string) => void evicted.push(url),
  };
}

const bytesOf = (buffer: ArrayBuffer) => new Uint8Array(buffer);

describe('fetchVerified', () => {
  it('returns good bytes from one fetch, without repair', async () => {
    const { doFetch, calls } = fakeFetch(GOOD);
    const log = repairLog();
    const bytes = await fetchVerified(MODEL_URL, GOOD_SHA, { ...log, fetch: doFetch });
    expect(bytesOf(bytes)).toEqual(GOOD);
    expect(calls).toHaveLength(1);
    expect(log.repaired).toEqual([]);
    expect(log.evicted).toEqual([]);
  });

  it('damaged bytes: onRepair once, evict, refetch with cache "reload", return the good second copy', async () => {
    const { doFetch, calls } = fakeFetch(BAD, GOOD);
    const log = repairLog();
    const init: RequestInit = { credentials: 'same-origin' };
    const bytes = await fetchVerified(MODEL_URL, GOOD_SHA, { ...log, fetch: doFetch }, init);
    expect(bytesOf(bytes)).toEqual(GOOD);
    expect(log.repaired).toEqual(['bge-small-en-v1.5/onnx/model_quantized.onnx']);
    expect(log.evicted).toEqual([MODEL_URL]);
    expect(calls.map((c) => c.url)).toEqual([MODEL_URL, MODEL_URL]);
    expect(calls[0].init).toBe(init);
    expect(calls[1].init).toEqual({ credentials: 'same-origin', cache: 'reload' });
  });

  it('damaged twice: FileDamagedError naming the file relative to /models/', async () => {
    const { doFetch, calls } = fakeFetch(BAD, BAD);
    const log = repairLog();
    const error = await fetchVerified(MODEL_URL, GOOD_SHA, { ...log, fetch: doFetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileDamagedError);
    expect((error as FileDamagedError).file).toBe('bge-small-en-v1.5/onnx/model_quantized.onnx');
    expect(calls).toHaveLength(2);
    expect(log.repaired).toHaveLength(1);
    // The damaged copy is not left in the cache either.
    expect(log.evicted).toEqual([MODEL_URL, MODEL_URL]);
  });

  it('names a file outside /models/ by its last path segment', async () => {
    const { doFetch } = fakeFetch(BAD, BAD);
    const error = await fetchVerified(WASM_URL, GOOD_SHA, { fetch: doFetch }).catch((e: unknown) => e);
    expect((error as FileDamagedError).file).toBe('ort-wasm-simd-threaded.asyncify-abc123.wasm');
  });

  it('HTTP 404 is FileUnreachableError, without a repair', async () => {
    const { doFetch, calls } = fakeFetch(404);
    const log = repairLog();
    const error = await fetchVerified(MODEL_URL, GOOD_SHA, { ...log, fetch: doFetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileUnreachableError);
    expect((error as FileUnreachableError).file).toBe('bge-small-en-v1.5/onnx/model_quantized.onnx');
    expect((error as Error).message).toContain('HTTP 404');
    expect(calls).toHaveLength(1);
    expect(log.repaired).toEqual([]);
  });

  it('a network TypeError is FileUnreachableError carrying its message', async () => {
    const { doFetch } = fakeFetch(new TypeError('Failed to fetch'));
    const error = await fetchVerified(MODEL_URL, GOOD_SHA, { fetch: doFetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileUnreachableError);
    expect((error as Error).message).toContain('Failed to fetch');
  });

  it('a damaged first copy and an unreachable second one is FileUnreachableError', async () => {
    const { doFetch } = fakeFetch(BAD, new TypeError('Failed to fetch'));
    const error = await fetchVerified(MODEL_URL, GOOD_SHA, { fetch: doFetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileUnreachableError);
  });

  it('a body that breaks mid-download counts as damaged and is fetched again', async () => {
    const broken = () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            controller.error(new TypeError('network connection lost'));
          },
        }),
      );
    const { doFetch, calls } = fakeFetch(broken, GOOD);
    const log = repairLog();
    const bytes = await fetchVerified(MODEL_URL, GOOD_SHA, { ...log, fetch: doFetch });
    expect(bytesOf(bytes)).toEqual(GOOD);
    expect(calls).toHaveLength(2);
    expect(log.repaired).toHaveLength(1);
  });

  it('an evict that fails does not stop the repair', async () => {
    const { doFetch } = fakeFetch(BAD, GOOD);
    const bytes = await fetchVerified(MODEL_URL, GOOD_SHA, { fetch: doFetch, evict: async () => Promise.reject(new Error('caches gone')) });
    expect(bytesOf(bytes)).toEqual(GOOD);
  });
});

describe('createVerifiedFetch', () => {
  const expectedSha256 = (url: string) => (url === MODEL_URL ? GOOD_SHA : undefined);

  it('verifies whole-file GETs of known files and answers a fresh 200 response', async () => {
    const { doFetch } = fakeFetch(BAD, GOOD);
    const log = repairLog();
    const verified = createVerifiedFetch({ expectedSha256, ...log, fetch: doFetch });
    const response = await verified(new URL(MODEL_URL));
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Length')).toBe(String(GOOD.byteLength));
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(GOOD);
    expect(log.repaired).toEqual(['bge-small-en-v1.5/onnx/model_quantized.onnx']);
  });

  it('rejects with FileDamagedError when both copies are damaged', async () => {
    const { doFetch } = fakeFetch(BAD, BAD);
    const verified = createVerifiedFetch({ expectedSha256, fetch: doFetch });
    await expect(verified(MODEL_URL)).rejects.toBeInstanceOf(FileDamagedError);
  });

  it('passes Range requests through untouched (the fetch sees the original init)', async () => {
    const { doFetch, calls } = fakeFetch(BAD);
    const log = repairLog();
    const verified = createVerifiedFetch({ expectedSha256, ...log, fetch: doFetch });
    const init: RequestInit = { headers: { Range: 'bytes=0-0' } };
    const response = await verified(MODEL_URL, init);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BAD);
    expect(calls).toHaveLength(1);
    expect(calls[0].init).toBe(init);
    expect(log.repaired).toEqual([]);
  });

  it('passes HEAD requests and unknown URLs through untouched', async () => {
    const { doFetch, calls } = fakeFetch(BAD, 404);
    const verified = createVerifiedFetch({ expectedSha256, fetch: doFetch });
    const head: RequestInit = { method: 'HEAD' };
    expect((await verified(MODEL_URL, head)).status).toBe(200);
    const other: RequestInit = { cache: 'no-store' };
    const response = await verified('https://example.test/app/models/bge-small-en-v1.5/README.md', other);
    expect(response.status).toBe(404); // not turned into FileUnreachableError
    expect(calls.map((c) => c.init)).toEqual([head, other]);
    expect(calls[0].init).toBe(head);
    expect(calls[1].init).toBe(other);
  });
});

// Big enough to span several DecompressionStream chunks; repetitive, so it compresses as the model does.
const PLAIN = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251 & (i % 3 === 0 ? 0xff : 0x0f));
const ZIPPED = new Uint8Array(gzipSync(PLAIN, { level: 9 }));
const PLAIN_SHA = await sha256Hex(PLAIN.slice().buffer);
const GZ_URL = `${MODEL_URL}.gz`;

describe('issue 16: files that travel gzip-compressed', () => {
  it('decompresses and checks the DECOMPRESSED bytes against the sha256', async () => {
    const { doFetch, calls } = fakeFetch(ZIPPED);
    const bytes = await fetchVerified(GZ_URL, PLAIN_SHA, { fetch: doFetch }, undefined, true);
    expect(await sha256Hex(bytes)).toBe(PLAIN_SHA);
    expect(calls).toHaveLength(1);
  });

  it('a truncated archive is damaged: repaired from a second download', async () => {
    const { doFetch, calls } = fakeFetch(ZIPPED.slice(0, ZIPPED.length >> 1), ZIPPED);
    const log = repairLog();
    const bytes = await fetchVerified(GZ_URL, PLAIN_SHA, { ...log, fetch: doFetch }, undefined, true);
    expect(await sha256Hex(bytes)).toBe(PLAIN_SHA);
    expect(log.repaired).toEqual(['bge-small-en-v1.5/onnx/model_quantized.onnx.gz']);
    expect(log.evicted).toEqual([GZ_URL]);
    expect(calls[1].init).toEqual({ cache: 'reload' });
  });

  it('an archive altered in its middle, twice, is FileDamagedError', async () => {
    const corrupt = ZIPPED.slice();
    for (let i = corrupt.length >> 1; i < (corrupt.length >> 1) + 64; i++) corrupt[i] ^= 0xff;
    const { doFetch } = fakeFetch(corrupt, corrupt);
    const error = await fetchVerified(GZ_URL, PLAIN_SHA, { fetch: doFetch }, undefined, true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileDamagedError);
  });

  it('a host that already decoded the .gz (Content-Encoding: gzip) hands over plain bytes, which are taken as they are', async () => {
    const { doFetch } = fakeFetch(PLAIN);
    expect(await sha256Hex(await fetchVerified(GZ_URL, PLAIN_SHA, { fetch: doFetch }, undefined, true))).toBe(PLAIN_SHA);
  });

  it('createVerifiedFetch asks for <url>.gz where gzipped() says so and answers transformers.js the plain bytes', async () => {
    const { doFetch, calls } = fakeFetch(ZIPPED);
    const verified = createVerifiedFetch({ expectedSha256: (url) => (url === MODEL_URL ? PLAIN_SHA : undefined), gzipped: (url) => url.endsWith('.onnx'), fetch: doFetch });
    const response = await verified(MODEL_URL);
    expect(calls.map((c) => c.url)).toEqual([GZ_URL]);
    expect(response.headers.get('Content-Length')).toBe(String(PLAIN.length));
    expect(await sha256Hex(await response.arrayBuffer())).toBe(PLAIN_SHA);
  });

  it('gunzip leaves bytes without a gzip header alone', async () => {
    expect(bytesOf(await gunzip(GOOD.slice().buffer))).toEqual(GOOD);
  });
});
