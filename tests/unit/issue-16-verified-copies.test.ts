import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { keptLater, verifiedCopies, type CacheLike } from '../../src/embedding/verified-copies.ts';
import { createVerifiedFetch, sha256Hex } from '../../src/embedding/verified-fetch.ts';

/**
 * Issue 16.5: a repeat visit reads the model's decompressed, verified bytes instead of decompressing the
 * archive again; the sha256 check still decides whether anything is used.
 */
const MODEL_URL = 'https://example.test/app/models/bge-small-en-v1.5/onnx/model_quantized.onnx';
const MODEL = new TextEncoder().encode('the real model weights');
const SHA = await sha256Hex(MODEL.slice().buffer);

/** Cache Storage's part the copies use, in memory (Node has no Cache Storage). */
function memoryCache() {
  const entries = new Map<string, Uint8Array>();
  const cache: CacheLike = {
    match: async (key) => {
      const bytes = entries.get(String(key));
      return bytes ? new Response(bytes.slice()) : undefined;
    },
    put: async (key, response) => void entries.set(String(key), new Uint8Array(await response.arrayBuffer())),
    delete: async (key) => entries.delete(key instanceof Request ? key.url : String(key)),
    keys: async () => [...entries.keys()].map((url) => new Request(url)),
  };
  return { cache, entries };
}

function servedArchive() {
  const requests: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    requests.push(String(input));
    return new Response(gzipSync(MODEL).slice(), { status: 200 });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const text = async (response: Response) => new TextDecoder().decode(await response.arrayBuffer());

describe('verified copies of the decompressed model (issue 16.5)', () => {
  it('a first load decompresses and keeps the verified bytes; the next load reads them without fetching the archive', async () => {
    const { cache, entries } = memoryCache();
    const copies = verifiedCopies({ open: async () => cache, sha256: sha256Hex });
    const first = servedArchive();
    const load = (fetch: typeof globalThis.fetch) => createVerifiedFetch({ expectedSha256: () => SHA, gzipped: () => true, copies, fetch })(MODEL_URL);
    expect(await text(await load(first.fetch))).toBe('the real model weights');
    expect(first.requests).toEqual([`${MODEL_URL}.gz`]);
    await expect.poll(() => [...entries.keys()]).toEqual([`${MODEL_URL}?sha256=${SHA}`]);

    const second = servedArchive();
    expect(await text(await load(second.fetch))).toBe('the real model weights');
    expect(second.requests).toEqual([]);
  });

  it('a damaged kept copy is dropped, never used: the archive is fetched and verified as on a first visit', async () => {
    const { cache, entries } = memoryCache();
    entries.set(`${MODEL_URL}?sha256=${SHA}`, new TextEncoder().encode('the real model weighty'));
    const copies = verifiedCopies({ open: async () => cache, sha256: sha256Hex });
    const served = servedArchive();
    const response = await createVerifiedFetch({ expectedSha256: () => SHA, gzipped: () => true, copies, fetch: served.fetch })(MODEL_URL);
    expect(await text(response)).toBe('the real model weights');
    expect(served.requests).toEqual([`${MODEL_URL}.gz`]);
    await expect.poll(async () => new TextDecoder().decode(entries.get(`${MODEL_URL}?sha256=${SHA}`))).toBe('the real model weights');
  });

  it('a copy kept for another sha256 (an older model) is not used, and keeping the new one drops it', async () => {
    const { cache, entries } = memoryCache();
    const older = `${MODEL_URL}?sha256=${'0'.repeat(64)}`;
    entries.set(older, new TextEncoder().encode('an older model'));
    const copies = verifiedCopies({ open: async () => cache, sha256: sha256Hex });
    expect(await copies.read(MODEL_URL, SHA)).toBeNull();
    await copies.keep(MODEL_URL, SHA, MODEL.slice().buffer);
    expect([...entries.keys()]).toEqual([`${MODEL_URL}?sha256=${SHA}`]);
  });

  it('no Cache Storage, or one that refuses to store: loading works as before', async () => {
    const none = verifiedCopies({ open: async () => null, sha256: sha256Hex });
    const full = memoryCache();
    full.cache.put = async () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const refusing = verifiedCopies({ open: async () => full.cache, sha256: sha256Hex });
    for (const copies of [none, refusing]) {
      const served = servedArchive();
      const response = await createVerifiedFetch({ expectedSha256: () => SHA, gzipped: () => true, copies, fetch: served.fetch })(MODEL_URL);
      expect(await text(response)).toBe('the real model weights');
      await copies.keep(MODEL_URL, SHA, MODEL.slice().buffer);
    }
    expect(full.entries.size).toBe(0);
  });
});

describe('copies kept later (issue 16.5: nothing written while onnxruntime starts)', () => {
  it('keep waits for flush; reads go through at once; a second flush writes nothing again', async () => {
    const { cache, entries } = memoryCache();
    const copies = verifiedCopies({ open: async () => cache, sha256: sha256Hex });
    await copies.keep(MODEL_URL, SHA, MODEL.slice().buffer);
    const later = keptLater(copies);
    expect(await later.copies.read(MODEL_URL, SHA)).not.toBeNull();
    const other = 'https://example.test/app/assets/ort-wasm-simd-threaded.wasm';
    await later.copies.keep(other, SHA, MODEL.slice().buffer);
    expect(entries.size).toBe(1);
    await later.flush();
    expect(entries.size).toBe(2);
    entries.clear();
    await later.flush();
    expect(entries.size).toBe(0);
  });
});
