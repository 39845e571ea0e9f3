import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, inject, test } from 'vitest';
import type { Provenance } from '../../src/embedding/fingerprint.ts';
import { clearFaults, clearRequests, requestedPaths, setFaults } from './faults.ts';

/**
 * The e2e server (tests/e2e/static-server.ts) serves the build as GitHub Pages does, and its fault injection
 * does what the tests that use it rely on. Node's fetch, no browser.
 */
const SITE = inject('siteDir');
const url = (path: string) => new URL(path, inject('baseUrl')).href;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The first built file with this extension, as a path relative to the site (e.g. "corpus/vectors.bin"). */
function builtFile(extension: string, prefer?: RegExp): string {
  const files = filesUnder(SITE).map((path) => relative(SITE, path).split('\\').join('/')).filter((path) => extname(path) === extension);
  const file = files.find((path) => prefer?.test(path) ?? true) ?? files[0];
  if (!file) throw new Error(`no ${extension} file in the build at ${SITE}`);
  return file;
}

function expectNoIsolationHeaders(response: Response): void {
  expect(response.headers.get('cross-origin-opener-policy')).toBeNull();
  expect(response.headers.get('cross-origin-embedder-policy')).toBeNull();
}

describe('serves the build as GitHub Pages does', () => {
  test.each([
    ['.html', /^index\.html$/, 'text/html'],
    ['.js', /^sw\.js$/, 'text/javascript'],
    ['.css', undefined, 'text/css'],
    ['.json', /^corpus\/corpus\.json$/, 'application/json'],
    ['.gz', /model_quantized\.onnx\.gz$/, 'application/gzip'],
    ['.mjs', /ort-wasm/, 'text/javascript'],
    ['.bin', /^corpus\/vectors\.bin$/, 'application/octet-stream'],
    ['.svg', undefined, 'image/svg+xml'],
    ['.webmanifest', undefined, 'application/manifest+json'],
  ])('%s: 200, Content-Type, Content-Length = the file, the same bytes, no COOP/COEP', async (extension, prefer, type) => {
    const file = builtFile(extension, prefer);
    const response = await fetch(url(file));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')?.split(';')[0]).toBe(type);
    expectNoIsolationHeaders(response);
    const expected = readFileSync(join(SITE, file));
    expect(Number(response.headers.get('content-length'))).toBe(expected.length);
    expect(Buffer.from(await response.arrayBuffer()).equals(expected)).toBe(true);
  });

  test('issue 16.5: the model is served as onnxruntime\'s optimized graph, under the source model\'s fingerprint', async () => {
    const modelDir = 'models/bge-small-en-v1.5';
    const source = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../public', modelDir, 'PROVENANCE.json'), 'utf8')) as Provenance;
    const served = (await (await fetch(url(`${modelDir}/PROVENANCE.json`))).json()) as Provenance;
    // The fingerprint's hashes are the source's, so vectors stored and precomputed stay valid.
    expect(served.sha256).toEqual(source.sha256);
    const optimized = served.optimized?.['onnx/model_quantized.onnx'];
    expect(optimized?.level).toBe('extended');
    const bytes = gunzipSync(Buffer.from(await (await fetch(url(`${modelDir}/onnx/model_quantized.onnx.gz`))).arrayBuffer()));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(optimized?.sha256);
    expect(optimized?.sha256).not.toBe(source.sha256['onnx/model_quantized.onnx']);
  });

  test('the base path: /paper-search redirects to /paper-search/, which is index.html; HEAD has the headers only', async () => {
    const base = new URL(inject('baseUrl'));
    const redirect = await fetch(url(base.pathname.slice(0, -1)), { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe(base.pathname);
    const index = await fetch(base);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expectNoIsolationHeaders(index);
    expect(await index.text()).toBe(readFileSync(join(SITE, 'index.html'), 'utf8'));
    const head = await fetch(base, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(statSync(join(SITE, 'index.html')).size);
    expect(await head.text()).toBe('');
  });

  test('404 for a missing file, for anything outside the base path, and for a path escaping the site folder', async () => {
    for (const path of ['no-such-file.js', 'corpus/missing.json', '/other/index.html', '/index.html', '..%2fpackage.json']) {
      const response = await fetch(url(path));
      expect(response.status, path).toBe(404);
      await response.arrayBuffer();
    }
    const malformed = await fetch(url('index.html%00'));
    expect(malformed.status).toBe(400);
    expect((await fetch(inject('baseUrl'))).status).toBe(200);
  });
});

describe('fault injection (POST/DELETE /__faults, GET/DELETE /__requests)', () => {
  afterEach(clearFaults);

  test('status: 404 on corpus/corpus.json until cleared, then 200; other files unaffected', async () => {
    await setFaults([{ path: 'corpus/corpus\\.json$', fault: 'status', status: 404 }]);
    expect((await fetch(url('corpus/corpus.json'))).status).toBe(404);
    expect((await fetch(url('corpus/corpus.json'))).status).toBe(404);
    const other = await fetch(url('corpus/vectors.bin'));
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    await clearFaults();
    const healthy = await fetch(url('corpus/corpus.json'));
    expect(healthy.status).toBe(200);
    expect(await healthy.text()).toBe(readFileSync(join(SITE, 'corpus/corpus.json'), 'utf8'));
  });

  test('status 500 with times: 1 fails once, then the file is served', async () => {
    await setFaults([{ path: 'corpus/corpus\\.json$', fault: 'status', status: 500, times: 1 }]);
    expect((await fetch(url('corpus/corpus.json'))).status).toBe(500);
    const second = await fetch(url('corpus/corpus.json'));
    expect(second.status).toBe(200);
    await second.arrayBuffer();
  });

  test('truncate: the full Content-Length is announced, the body stops after the given bytes', async () => {
    const size = statSync(join(SITE, 'corpus/vectors.bin')).size;
    await setFaults([{ path: 'vectors\\.bin$', fault: 'truncate', bytes: 1000 }]);
    const response = await fetch(url('corpus/vectors.bin'));
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBe(size);
    let received = 0;
    const reader = response.body!.getReader();
    const read = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received += value.byteLength;
      }
    };
    await expect(read()).rejects.toThrow();
    expect(received).toBe(1000);
  });

  test('abort: the connection is dropped without an answer', async () => {
    await setFaults([{ path: 'corpus/corpus\\.json$', fault: 'abort' }]);
    await expect(fetch(url('corpus/corpus.json'))).rejects.toThrow();
  });

  test('corrupt: status 200, same length, bytes differ only in the middle', async () => {
    const original = readFileSync(join(SITE, 'corpus/vectors.bin'));
    await setFaults([{ path: 'vectors\\.bin$', fault: 'corrupt' }]);
    const response = await fetch(url('corpus/vectors.bin'));
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(original.length);
    const differing = [...body.keys()].filter((i) => body[i] !== original[i]);
    expect(differing.length).toBeGreaterThan(0);
    expect(Math.min(...differing)).toBeGreaterThan(original.length / 4);
    expect(Math.max(...differing)).toBeLessThan((original.length * 3) / 4);
  });

  test('the first matching rule applies; a malformed rule is refused with 400', async () => {
    await setFaults([
      { path: 'corpus/', fault: 'status', status: 503 },
      { path: 'corpus/corpus\\.json$', fault: 'status', status: 404 },
    ]);
    expect((await fetch(url('corpus/corpus.json'))).status).toBe(503);
    const bad = await fetch(url('/__faults'), { method: 'POST', body: JSON.stringify({ rules: [{ path: 'x', fault: 'status' }] }) });
    expect(bad.status).toBe(400);
    await expect(setFaults([{ path: '(', fault: 'abort' }])).rejects.toThrow(/400/);
  });

  test('requestedPaths lists the URL paths (no query) since the last clear, repeats included; control calls are not listed', async () => {
    await clearRequests();
    for (const path of ['corpus/corpus.json?v=1', 'corpus/corpus.json', 'missing.txt']) await (await fetch(url(path))).arrayBuffer();
    const base = new URL(inject('baseUrl')).pathname;
    expect(await requestedPaths()).toEqual([`${base}corpus/corpus.json`, `${base}corpus/corpus.json`, `${base}missing.txt`]);
    await clearRequests();
    expect(await requestedPaths()).toEqual([]);
  });
});
