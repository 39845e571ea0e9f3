import 'fake-indexeddb/auto';
import { createStore, keys as idbKeys } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { CodeStore } from '../../src/index/compressed/code-store.ts';
import { CompressedIndex } from '../../src/index/compressed/compressed-index.ts';
import { CompressedSearchService, type InstallProgress, type InstallSpec, type PublishedFetcher } from '../../src/published/vectors/compressed-service.ts';
import { buildPublishedVectors } from '../../src/published/vectors/published-vectors.ts';
import { MemoryRowSource } from '../../src/index/compressed/row-source.ts';
import { PublishedLibraryError } from '../../src/published/errors.ts';
import { memorySink, MemoryRowFiles, syntheticRows } from './published-helpers.ts';
import { int8Mean } from '../../src/index/compressed/binary-codes.ts';

const DIMS = 64;
const COUNT = 700;
const rows = syntheticRows(COUNT, DIMS, 3);
const { sink, files } = memorySink();
// Several files per part, and codes files larger than one code-store shard would not be (700 < 65,536).
const vectors = buildPublishedVectors(rows, sink, { rowsPerFile: 300, codesPerFile: 256 });
const spec: InstallSpec = { id: 'a'.repeat(64), dims: DIMS, count: COUNT, ...vectors, baseUrl: 'https://lab.example/library/' };
const queries = [5, 123, 640].map((i) => Float32Array.from(rows.data.subarray(i * DIMS, (i + 1) * DIMS), (x) => x * rows.scales[i]));

let databases = 0;
const freshDb = () => `install-test-${databases++}`;

/** Serves the built files from memory, reporting progress in two steps; records which files it was asked for. */
function memoryFetcher(fail?: (path: string) => Error | Uint8Array | null): PublishedFetcher & { asked: string[] } {
  const asked: string[] = [];
  const fetcher = async (baseUrl: string, file: { path: string; bytes: number }, onBytes: (loaded: number) => void) => {
    expect(baseUrl).toBe(spec.baseUrl);
    asked.push(file.path);
    const failure = fail?.(file.path);
    if (failure instanceof Error) throw failure;
    if (failure instanceof Uint8Array) return failure;
    onBytes(Math.floor(file.bytes / 2));
    onBytes(file.bytes);
    return files.get(file.path)!;
  };
  return Object.assign(fetcher, { asked });
}

describe('CompressedSearchService.install', () => {
  it('installs codes and rows, is then installed and opens to the same results as the index built from the rows', async () => {
    const rowFiles = new MemoryRowFiles();
    const fetchFile = memoryFetcher();
    const service = new CompressedSearchService({ rowFiles, fetchFile });
    const db = freshDb();
    const progress: InstallProgress[] = [];
    expect(await service.installed(spec.id, db)).toBe(false);
    const outcome = await service.install(spec, (p) => progress.push(p), db);
    expect(outcome).toMatchObject({ ok: true, alreadyInstalled: false, fetchedBytes: spec.codes.files.concat(spec.rows.files).reduce((s, f) => s + f.bytes, 0) });
    expect(fetchFile.asked).toEqual([...spec.codes.files, ...spec.rows.files].map((f) => f.path));
    expect(await service.installed(spec.id, db)).toBe(true);

    const total = progress[0].totalBytes;
    expect(progress.every((p) => p.totalBytes === total)).toBe(true);
    expect(progress.at(-1)!.loadedBytes).toBe(total);
    for (let i = 1; i < progress.length; i++) expect(progress[i].loadedBytes).toBeGreaterThanOrEqual(progress[i - 1].loadedBytes);

    const opened = await service.open(spec.id, db, { candidates: 50 });
    expect(opened).toMatchObject({ count: COUNT, dims: DIMS, candidates: 50 });
    const reference = CompressedIndex.fromCodes(
      { dims: DIMS, bytes: vectors.codes.bytesPerCode, count: COUNT, center: int8Mean(rows), data: concat(vectors.codes.files.map((f) => files.get(f.path)!)) },
      new MemoryRowSource(rows),
      { candidates: 50 },
    );
    for (const query of queries) {
      const hits = service.searchTimed(query, 10).hits;
      expect(hits).toEqual(reference.search(query, 10));
      expect(hits.length).toBe(10);
    }
  });

  it('gives rows dequantized, for feedback, and refuses rows out of range', async () => {
    const service = new CompressedSearchService({ rowFiles: new MemoryRowFiles(), fetchFile: memoryFetcher() });
    const db = freshDb();
    await service.install(spec, undefined, db);
    await service.open(spec.id, db);
    const [a, b] = service.rows([0, 699]);
    expect(a).toEqual(Float32Array.from(rows.data.subarray(0, DIMS), (x) => x * rows.scales[0]));
    expect(b).toEqual(Float32Array.from(rows.data.subarray(699 * DIMS, 700 * DIMS), (x) => x * rows.scales[699]));
    expect(() => service.rows([700])).toThrow(/out of range/);
  });

  it('recognises a completed install by id and fetches nothing again', async () => {
    const rowFiles = new MemoryRowFiles();
    const db = freshDb();
    await new CompressedSearchService({ rowFiles, fetchFile: memoryFetcher() }).install(spec, undefined, db);
    const again = memoryFetcher();
    const progress: InstallProgress[] = [];
    // A new service, as after a page reload: only the stores remain.
    const outcome = await new CompressedSearchService({ rowFiles, fetchFile: again }).install(spec, (p) => progress.push(p), db);
    expect(outcome).toMatchObject({ ok: true, alreadyInstalled: true, fetchedBytes: 0 });
    expect(again.asked).toEqual([]);
    expect(progress.at(-1)).toEqual({ loadedBytes: progress[0].totalBytes, totalBytes: progress[0].totalBytes });
  });

  it('reports a failed download by code and file, leaves no install, and a later install redoes it completely', async () => {
    const rowFiles = new MemoryRowFiles();
    const db = freshDb();
    const second = spec.rows.files[1].path;
    const broken = memoryFetcher((path) => (path === second ? new PublishedLibraryError('file-unreachable', 'HTTP 503', path) : null));
    const service = new CompressedSearchService({ rowFiles, fetchFile: broken });
    const outcome = await service.install(spec, undefined, db);
    expect(outcome).toEqual({ ok: false, failure: { code: 'file-unreachable', file: second, detail: 'HTTP 503' } });
    expect(await service.installed(spec.id, db)).toBe(false);
    await expect(service.open(spec.id, db)).rejects.toMatchObject({ code: 'codes-missing' });
    // The half-written rows file and the codes stored so far are freed, not left to fill the quota.
    expect(rowFiles.files.size).toBe(0);
    expect(await idbKeys(createStore(db, 'codes'))).toEqual([]);

    const working = memoryFetcher();
    const retried = new CompressedSearchService({ rowFiles, fetchFile: working });
    expect(await retried.install(spec, undefined, db)).toMatchObject({ ok: true, alreadyInstalled: false });
    expect(working.asked.length).toBe(spec.codes.files.length + spec.rows.files.length);
    await retried.open(spec.id, db);
    expect(retried.rows([650])[0]).toEqual(Float32Array.from(rows.data.subarray(650 * DIMS, 651 * DIMS), (x) => x * rows.scales[650]));
    expect((await new CodeStore(db).manifest(spec.id)).shards).toEqual([256, 256, 188]);
  });

  it('is not installed when its rows file lost rows after the codes were committed', async () => {
    const rowFiles = new MemoryRowFiles();
    const db = freshDb();
    const service = new CompressedSearchService({ rowFiles, fetchFile: memoryFetcher() });
    await service.install(spec, undefined, db);
    const [stored] = rowFiles.files.values();
    stored.scales.pop();
    expect(await service.installed(spec.id, db)).toBe(false);
    await service.remove(spec.id, db);
    expect(rowFiles.files.size).toBe(0);
  });

  it('refuses a file of the wrong size with file-damaged, and an inconsistent spec with install-invalid', async () => {
    const db = freshDb();
    const short = memoryFetcher((path) => (path === spec.codes.files[0].path ? new Uint8Array(3) : null));
    expect(await new CompressedSearchService({ rowFiles: new MemoryRowFiles(), fetchFile: short }).install(spec, undefined, db)).toMatchObject({
      ok: false,
      failure: { code: 'file-damaged', file: spec.codes.files[0].path },
    });
    const fetchFile = memoryFetcher();
    const service = new CompressedSearchService({ rowFiles: new MemoryRowFiles(), fetchFile });
    const wrongCount = { ...spec, count: COUNT + 1 };
    expect(await service.install(wrongCount, undefined, db)).toMatchObject({ ok: false, failure: { code: 'install-invalid' } });
    const wrongBytes = { ...spec, rows: { ...spec.rows, files: spec.rows.files.map((f, i) => (i === 0 ? { ...f, bytes: f.bytes - 1 } : f)) } };
    expect(await service.install(wrongBytes, undefined, db)).toMatchObject({ ok: false, failure: { code: 'install-invalid' } });
    expect(fetchFile.asked).toEqual([]);
  });

  it('removes the installs of other libraries on request, keeping the one named', async () => {
    const rowFiles = new MemoryRowFiles();
    const db = freshDb();
    const service = new CompressedSearchService({ rowFiles, fetchFile: memoryFetcher() });
    const other = { ...spec, id: 'b'.repeat(64) };
    await service.install(spec, undefined, db);
    await service.install(other, undefined, db);
    expect(await service.removeOthers(other.id, db)).toEqual([spec.id]);
    expect(await service.installed(spec.id, db)).toBe(false);
    expect(await service.installed(other.id, db)).toBe(true);
    expect(rowFiles.files.size).toBe(1);
  });
});

describe('CompressedSearchService build from rows (begin, append, finish) on injected row files', () => {
  it('opens to the same results as the installed library built from the same rows and centre', async () => {
    const rowFiles = new MemoryRowFiles();
    const db = freshDb();
    const service = new CompressedSearchService({ rowFiles, fetchFile: memoryFetcher() });
    await service.begin('built', DIMS, COUNT, int8Mean(rows));
    for (let start = 0; start < COUNT; start += 256) {
      const end = Math.min(COUNT, start + 256);
      service.append({ dims: DIMS, data: rows.data.subarray(start * DIMS, end * DIMS), scales: rows.scales.subarray(start, end) });
    }
    expect((await service.finish(db)).count).toBe(COUNT);
    await service.open('built', db, { candidates: 50 });
    const built = queries.map((q) => service.search(q, 10));
    await service.install(spec, undefined, db);
    await service.open(spec.id, db, { candidates: 50 });
    expect(queries.map((q) => service.search(q, 10))).toEqual(built);
  });
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
