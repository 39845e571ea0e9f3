import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/base/paper.ts';
import type { FileSink, FileSource, PublishedFile } from '../../src/base/files.ts';
import { isPublishedLibraryError, type PublishedErrorCode } from '../../src/published/errors.ts';
import { buildTextShards } from '../../src/published/text-shards/build.ts';
import { DEFAULT_PAPERS_PER_SHARD, gunzip, gzip, shardJson, textShardPath, type TextShardManifest } from '../../src/published/text-shards/format.ts';
import { TextShardReader } from '../../src/published/text-shards/reader.ts';

/** A library folder in memory: what the Node sink would write, and a source that records what is read. */
function memoryLibrary() {
  const files = new Map<string, Uint8Array>();
  const reads: string[] = [];
  const sink: FileSink = (path, data) => {
    files.set(path, data.slice());
    return { path, bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
  };
  const source: FileSource = async (file) => {
    reads.push(file.path);
    const data = files.get(file.path);
    if (!data) throw new Error(`no file ${file.path}`);
    return data.slice();
  };
  return { files, reads, sink, source };
}

function papers(count: number): Paper[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `p${i}`,
    title: `Title ${i} — ünïcödé`,
    abstract: `Abstract of paper ${i}. `.repeat(1 + (i % 3)),
    ...(i % 2 === 0 ? { authors: [`Ada ${i}`, 'Grace Hopper'], year: 2000 + (i % 25), venue: 'J. Tests', doi: `10.1/${i}`, url: `https://example.org/${i}`, arxivId: `2101.${String(i).padStart(5, '0')}` } : {}),
  }));
}

async function expectCode(promise: Promise<unknown>, code: PublishedErrorCode, file?: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPublishedLibraryError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  if (file !== undefined) expect((error as { file?: string }).file).toBe(file);
}

describe('buildTextShards', () => {
  it('writes consecutive rows per gzip shard, in order, and describes them in the manifest', async () => {
    const lib = memoryLibrary();
    const all = papers(10);
    const manifest = await buildTextShards(all, lib.sink, { papersPerShard: 4 });
    expect(manifest.version).toBe(1);
    expect(manifest.count).toBe(10);
    expect(manifest.papersPerShard).toBe(4);
    expect(manifest.files.map((f) => f.path)).toEqual(['text/t-00000.bin', 'text/t-00001.bin', 'text/t-00002.bin']);
    expect(manifest.totalBytes).toBe([...lib.files.values()].reduce((sum, data) => sum + data.byteLength, 0));
    let uncompressed = 0;
    for (const [shard, file] of manifest.files.entries()) {
      const json = await gunzip(lib.files.get(file.path)!);
      uncompressed += json.byteLength;
      const parsed = JSON.parse(new TextDecoder().decode(json)) as { first: number; papers: Paper[] };
      expect(parsed.first).toBe(shard * 4);
      expect(parsed.papers).toEqual(all.slice(shard * 4, shard * 4 + 4));
    }
    expect(manifest.uncompressedBytes).toBe(uncompressed);
    expect(manifest.totalBytes).toBeLessThan(manifest.uncompressedBytes);
  });

  it('uses the default shard size and writes no file for an empty library', async () => {
    const lib = memoryLibrary();
    const manifest = await buildTextShards(papers(DEFAULT_PAPERS_PER_SHARD + 1), lib.sink);
    expect(manifest.papersPerShard).toBe(DEFAULT_PAPERS_PER_SHARD);
    expect(manifest.files).toHaveLength(2);
    const empty = await buildTextShards([], memoryLibrary().sink);
    expect(empty).toMatchObject({ count: 0, files: [], totalBytes: 0, uncompressedBytes: 0 });
  });

  it('keeps only the Paper fields (stray properties of imported objects are not published)', async () => {
    const lib = memoryLibrary();
    const stray = { id: 'a', title: 'T', abstract: 'A', year: 1999, secret: 'not for publishing', vector: [1, 2] } as Paper;
    const manifest = await buildTextShards([stray], lib.sink);
    const text = new TextDecoder().decode(await gunzip(lib.files.get(manifest.files[0].path)!));
    expect(text).not.toContain('secret');
    expect(await new TextShardReader(manifest, lib.source).paper(0)).toEqual({ id: 'a', title: 'T', abstract: 'A', year: 1999 });
  });

  it('rejects a shard size that is not a positive integer', async () => {
    await expect(buildTextShards(papers(3), memoryLibrary().sink, { papersPerShard: 0 })).rejects.toThrow(RangeError);
    await expect(buildTextShards(papers(3), memoryLibrary().sink, { papersPerShard: 2.5 })).rejects.toThrow(RangeError);
  });
});

describe('TextShardReader', () => {
  async function built(count: number, papersPerShard: number) {
    const lib = memoryLibrary();
    const all = papers(count);
    const manifest = await buildTextShards(all, lib.sink, { papersPerShard });
    return { lib, all, manifest };
  }

  it('returns the papers at the rows asked for, in that order, repeats included, fetching only their shards', async () => {
    const { lib, all, manifest } = await built(25, 4);
    const reader = new TextShardReader(manifest, lib.source);
    const rows = [24, 0, 13, 3, 13, 1];
    expect(await reader.papers(rows)).toEqual(rows.map((row) => all[row]));
    expect([...lib.reads].sort()).toEqual([textShardPath(0), textShardPath(3), textShardPath(6)]);
    expect(await reader.papers([])).toEqual([]);
  });

  it('shares one fetch between concurrent requests for a shard and serves repeats from memory', async () => {
    const { lib, all, manifest } = await built(12, 4);
    const reader = new TextShardReader(manifest, lib.source);
    const [a, b] = await Promise.all([reader.papers([1]), reader.papers([2, 3])]);
    expect([...a, ...b]).toEqual([all[1], all[2], all[3]]);
    expect(lib.reads).toEqual([textShardPath(0)]);
    expect(reader.isDecoded(0)).toBe(true);
    await reader.paper(0);
    expect(lib.reads).toHaveLength(1);
  });

  it('keeps at most maxCachedShards decoded, dropping the least recently used', async () => {
    const { lib, manifest } = await built(12, 4);
    const reader = new TextShardReader(manifest, lib.source, { maxCachedShards: 2 });
    await reader.paper(0); // [0]
    await reader.paper(4); // [0, 1]
    await reader.paper(0); // [1, 0]: 0 used last
    await reader.paper(8); // [0, 2]: 1 dropped
    expect([reader.isDecoded(0), reader.isDecoded(4), reader.isDecoded(8)]).toEqual([true, false, true]);
    await reader.paper(4);
    expect(lib.reads).toEqual([textShardPath(0), textShardPath(1), textShardPath(2), textShardPath(1)]);
  });

  it('forgets a failed fetch, so the next request tries again', async () => {
    const { lib, all, manifest } = await built(4, 4);
    let fail = true;
    const flaky: FileSource = async (file) => {
      if (fail) {
        fail = false;
        throw new Error('network down');
      }
      return lib.source(file);
    };
    const reader = new TextShardReader(manifest, flaky);
    await expect(reader.paper(1)).rejects.toThrow('network down');
    expect(await reader.paper(1)).toEqual(all[1]);
  });

  it('rejects rows outside the library with row-out-of-range', async () => {
    const { lib, manifest } = await built(5, 4);
    const reader = new TextShardReader(manifest, lib.source);
    await expectCode(reader.papers([5]), 'row-out-of-range');
    await expectCode(reader.papers([-1]), 'row-out-of-range');
    await expectCode(reader.papers([1.5]), 'row-out-of-range');
    expect(lib.reads).toEqual([]);
  });

  describe('damaged shards are text-shard-corrupt, naming the file', () => {
    async function readWith(bytes: (manifest: TextShardManifest, lib: ReturnType<typeof memoryLibrary>) => Promise<Uint8Array> | Uint8Array) {
      const { lib, manifest } = await built(8, 4);
      lib.files.set(manifest.files[0].path, await bytes(manifest, lib));
      return new TextShardReader(manifest, lib.source).paper(0);
    }
    const path = textShardPath(0);

    it('not gzip', () => expectCode(readWith(() => new TextEncoder().encode('{"v":1}')), 'text-shard-corrupt', path));
    it('truncated gzip', () => expectCode(readWith((m, lib) => lib.files.get(m.files[0].path)!.subarray(0, 30)), 'text-shard-corrupt', path));
    it('gzip of something that is not JSON', async () => expectCode(readWith(() => gzip(new TextEncoder().encode('not json'))), 'text-shard-corrupt', path));
    it('gzip of invalid UTF-8', async () => expectCode(readWith(() => gzip(new Uint8Array([0x22, 0xff, 0xfe, 0x22]))), 'text-shard-corrupt', path));
    it('another shard in its place', async () => expectCode(readWith((m, lib) => lib.files.get(m.files[1].path)!), 'text-shard-corrupt', path));
    it('the wrong number of papers', async () => expectCode(readWith(() => gzip(shardJson(0, papers(3)))), 'text-shard-corrupt', path));
    it('a paper without a title', async () => {
      const broken = papers(4).map((p, i) => (i === 2 ? { ...p, title: undefined } : p)) as Paper[];
      await expectCode(readWith(() => gzip(shardJson(0, broken))), 'text-shard-corrupt', path);
    });
    it('another format version', async () => {
      const json = JSON.stringify({ v: 2, first: 0, papers: papers(4) });
      await expectCode(readWith(() => gzip(new TextEncoder().encode(json))), 'text-shard-corrupt', path);
    });
  });

  it('refuses a manifest whose file list does not fit its count', async () => {
    const { lib, manifest } = await built(8, 4);
    const short: TextShardManifest = { ...manifest, files: manifest.files.slice(0, 1) as PublishedFile[] };
    expect(() => new TextShardReader(short, lib.source)).toThrow(expect.objectContaining({ code: 'text-shard-corrupt' }));
  });
});
