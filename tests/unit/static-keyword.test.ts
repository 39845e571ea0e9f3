import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { parseLibrary } from '../../src/corpus/import.ts';
import type { Paper } from '../../src/base/paper.ts';
import type { FileSink, FileSource, PublishedFile } from '../../src/base/files.ts';
import { DEFAULT_KEYWORD_OPTIONS, KeywordIndex } from '../../src/index/keyword.ts';
import { buildStaticKeyword, type StaticKeywordBuildOptions } from '../../src/published/static-keyword/build.ts';
import { StaticKeywordError, type StaticKeywordErrorCode } from '../../src/published/static-keyword/errors.ts';
import { decodeShard, encodeShard, encodeTermRecord } from '../../src/published/static-keyword/format.ts';
import type { StaticKeywordManifest } from '../../src/published/static-keyword/manifest.ts';
import { StaticKeywordIndex } from '../../src/published/static-keyword/static-keyword-index.ts';

/** A library kept in memory: the sink stores files, the source serves them and counts every read. */
function memoryLibrary() {
  const files = new Map<string, Uint8Array>();
  const reads: string[] = [];
  const sink: FileSink = (path, data) => {
    files.set(path, data.slice());
    return { path, bytes: data.length, sha256: bytesToHex(sha256(data)) };
  };
  const source: FileSource = async (file: PublishedFile) => {
    reads.push(file.path);
    const data = files.get(file.path);
    if (!data) throw new Error(`404 ${file.path}`);
    return data;
  };
  return { files, reads, sink, source };
}

function build(papers: readonly Paper[], options: StaticKeywordBuildOptions = {}) {
  const library = memoryLibrary();
  const manifest = buildStaticKeyword(papers, library.sink, options);
  return { ...library, manifest, index: new StaticKeywordIndex(manifest, library.source) };
}

/** Every term's quantiser step, from the library's shards as written. */
function stepsOf(manifest: StaticKeywordManifest, files: Map<string, Uint8Array>): Map<string, { step: number; lo: number }> {
  const steps = new Map<string, { step: number; lo: number }>();
  let at = 0;
  manifest.shardFileCounts.forEach((count, shard) => {
    const parts = manifest.files.slice(at, at + count);
    at += count;
    const next = manifest.shardFirstTerms[shard + 1] ?? null;
    const decoded = decodeShard(concat(parts.map((f) => files.get(f.path)!)), parts[0].path, { first: manifest.shardFirstTerms[shard], next });
    for (const [term, record] of decoded.terms) steps.set(term, { step: record.step, lo: record.lo });
  });
  return steps;
}

/** The largest error quantisation (and float32 sums) can put on one document's score for this query. */
function bound(steps: Map<string, { step: number; lo: number }>, index: StaticKeywordIndex, text: string): number {
  let total = 1e-5;
  for (const { term, count } of index.termsFor(text)) {
    const record = steps.get(term);
    if (record) total += (count * record.step) / 2 + count * 1e-6 * (record.lo + 255 * record.step);
  }
  return total;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function codeOf(promise: Promise<unknown>): Promise<StaticKeywordErrorCode | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (error instanceof StaticKeywordError) return error.code;
    throw error;
  }
}

const small: Paper[] = [
  { id: 'a', title: 'Protein folding', abstract: 'Proteins fold fast.' },
  { id: 'b', title: 'Optimizers', abstract: 'Optimizer states in 8 bits save memory.' },
  { id: 'c', title: 'A survey', abstract: 'This survey covers protein design and protein docking.' },
];

const fixture: Paper[] = parseLibrary('daily-papers.txt', readFileSync('data/daily-papers.txt')).papers;

describe('buildStaticKeyword + StaticKeywordIndex', () => {
  it('scores a one-term query as the BM25+ formula by hand, and as KeywordIndex', async () => {
    const { index } = build(small);
    const hits = await index.query('protein', 10);
    // "protein" (stemmed) is in a's title and text and in c's text (twice). N = 3; title df 1, text df 2.
    // Field lengths are distinct raw tokens, stop words included: titles a 2, b 1, c 2 (avg 5/3); texts a 5,
    // b 8, c 8 ("a survey this covers protein design and docking"; avg 7).
    const { k, b, d } = DEFAULT_KEYWORD_OPTIONS.bm25!;
    const idf = (df: number) => Math.log(1 + (3 - df + 0.5) / (df + 0.5));
    const bm = (tf: number, df: number, len: number, avg: number) => idf(df) * (d + (tf * (k + 1)) / (tf + k * (1 - b + (b * len) / avg)));
    const a = 0.5 * bm(1, 1, 2, 5 / 3) + bm(2, 2, 5, 7);
    const c = bm(2, 2, 8, 7);
    expect(hits.map((h) => h.index)).toEqual([0, 2]);
    // Two postings: their impacts are the two ends of the quantiser's range, so exact up to float32.
    expect(hits[0].score).toBeCloseTo(a, 5);
    expect(hits[1].score).toBeCloseTo(c, 5);
    const exact = new KeywordIndex(small).query('protein', 10);
    expect(exact.map((h) => h.index)).toEqual([0, 2]);
    expect(exact[0].score).toBeCloseTo(a, 10);
    expect(exact[1].score).toBeCloseTo(c, 10);
  });

  it('counts a repeated query term once per occurrence, as MiniSearch does', async () => {
    const { index } = build(small);
    const once = await index.query('survey', 10);
    const twice = await index.query('survey survey', 10);
    expect(twice[0].score).toBeCloseTo(2 * once[0].score, 5);
    expect(new KeywordIndex(small).query('survey survey', 10)[0].score).toBeCloseTo(twice[0].score, 5);
  });

  it('matches KeywordIndex on the bundled papers: scores within the quantisation bound, same ranking', async () => {
    const { index, manifest, files } = build(fixture);
    const steps = stepsOf(manifest, files);
    const exact = new KeywordIndex(fixture);
    const queries = fixture.map((p) => p.title);
    queries.push('diffusion transformer video generation', 'reinforcement learning from human feedback reward model', 'lora quantization');
    let identical = 0;
    for (const text of queries) {
      const all = exact.query(text, Infinity);
      const expected = all.slice(0, 10);
      const got = await index.query(text, 10);
      const tolerance = bound(steps, index, text);
      const exactScore = new Map(all.map((h) => [h.index, h.score]));
      for (const hit of got) expect(Math.abs(hit.score - exactScore.get(hit.index)!)).toBeLessThanOrEqual(tolerance);
      // Any difference in order is between documents whose exact scores are within twice the bound.
      got.forEach((hit, i) => expect(Math.abs(exactScore.get(hit.index)! - expected[i].score)).toBeLessThanOrEqual(2 * tolerance));
      if (got.map((h) => h.index).join() === expected.map((h) => h.index).join()) identical++;
    }
    // Long (title) queries add up to one rounding per term, so near-ties can swap: 90 of 99 top-10 lists were
    // identical when this was written, every difference within the bound checked above.
    expect(identical / queries.length).toBeGreaterThanOrEqual(0.85);
  });

  it('routes every term to the shard that holds it; terms outside every range find nothing', async () => {
    const { index, manifest, files } = build(fixture, { targetShardBytes: 2048 });
    expect(manifest.shardFirstTerms.length).toBeGreaterThan(20);
    let checked = 0;
    manifest.shardFirstTerms.forEach((first, shard) => {
      const path = manifest.files[shard].path; // one file per shard here
      const decoded = decodeShard(files.get(path)!, path, { first, next: manifest.shardFirstTerms[shard + 1] ?? null });
      for (const term of decoded.terms.keys()) {
        expect(index.shardOf(term)).toBe(shard);
        checked++;
      }
    });
    expect(checked).toBe(manifest.termCount);
    expect(index.shardOf('')).toBe(-1);
    expect(index.shardOf('\uffff')).toBe(manifest.shardFirstTerms.length - 1);
    expect(await index.query('zzzzqqq xyzzyplugh', 10)).toEqual([]);
    expect(await index.query('the of and', 10)).toEqual([]);
  });

  it('gives a term with big postings a shard of its own, split into parts above the file limit', async () => {
    const papers: Paper[] = Array.from({ length: 3000 }, (_, i) => ({ id: `p${i}`, title: `common ${i % 2 ? 'odd' : 'even'}`, abstract: `alpha${i} beta${i % 50} common text` }));
    const whole = build(papers, { targetShardBytes: 2048 });
    const split = build(papers, { targetShardBytes: 2048, maxFileBytes: 1000 });
    const shard = split.index.shardOf('common');
    const own = split.manifest.files.slice(split.manifest.shardFileCounts.slice(0, shard).reduce((a, b) => a + b, 0)).slice(0, split.manifest.shardFileCounts[shard]);
    expect(own.length).toBeGreaterThan(3);
    expect(own.every((file) => file.bytes <= 1000)).toBe(true);
    expect(split.manifest.files.every((file) => file.bytes <= 1000)).toBe(true);
    // Its neighbours start their own shards: "common" alone in its range.
    expect(split.manifest.shardFirstTerms[shard]).toBe('common');
    const expected = await whole.index.query('common even beta7', 20);
    expect(await split.index.query('common even beta7', 20)).toEqual(expected);
    expect(expected.map((h) => h.index)).toEqual(new KeywordIndex(papers).query('common even beta7', 20).map((h) => h.index));
  });

  it('fetches each shard once: a second query and concurrent queries reuse it', async () => {
    const { index, reads } = build(fixture, { targetShardBytes: 4096 });
    await Promise.all([index.query('diffusion model', 5), index.query('diffusion model', 5), index.query('model diffusion', 5)]);
    const first = reads.length;
    expect(first).toBe(new Set(reads).size);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(2);
    await index.query('diffusion models', 5);
    expect(reads.length).toBe(first);
    await index.prefetch('robot manipulation');
    const afterPrefetch = reads.length;
    await index.query('robot manipulation', 5);
    expect(reads.length).toBe(afterPrefetch);
  });

  it('evicts the least recently used shard beyond its cache budget and fetches it again when needed', async () => {
    const library = memoryLibrary();
    const manifest = buildStaticKeyword(fixture, library.sink, { targetShardBytes: 4096 });
    const index = new StaticKeywordIndex(manifest, library.source, { cacheBytes: 1 });
    await index.query('diffusion', 5);
    await index.query('robot', 5);
    expect(index.cachedShards).toBe(1);
    await index.query('diffusion', 5);
    expect(library.reads.filter((p) => p === library.reads[0]).length).toBe(2);
  });

  it('fails with a code, never with partial results, when a shard is damaged or missing', async () => {
    const corrupt = build(fixture);
    const path = corrupt.manifest.files[corrupt.index.shardOf('diffus')].path;
    const bytes = corrupt.files.get(path)!;
    bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
    expect(await codeOf(corrupt.index.query('diffusion', 5))).toBe('shard-corrupt');

    const truncated = build(fixture);
    const tpath = truncated.manifest.files[0].path;
    truncated.files.set(tpath, truncated.files.get(tpath)!.subarray(0, 100));
    expect(await codeOf(truncated.index.query(truncated.manifest.shardFirstTerms[0], 5))).toBe('shard-corrupt');

    const missing = build(fixture);
    missing.files.clear();
    expect(await codeOf(missing.index.query('diffusion', 5))).toBe('shard-missing');
    // A failed fetch is not cached: once the file is back, the query works.
    const restored = build(fixture);
    const failing = new StaticKeywordIndex(restored.manifest, async (file) => {
      if (restored.reads.length === 0) {
        restored.reads.push('failed');
        throw new Error('offline');
      }
      return restored.source(file);
    });
    expect(await codeOf(failing.query('diffusion', 5))).toBe('shard-missing');
    expect(await failing.query('diffusion', 5)).toEqual(await restored.index.query('diffusion', 5));
    expect((await failing.query('diffusion', 5)).length).toBeGreaterThan(0);

    const swapped = build(fixture, { targetShardBytes: 4096 });
    const [f0, f1] = swapped.manifest.files;
    const other = swapped.files.get(f1.path)!;
    swapped.files.set(f0.path, other);
    const lying = new StaticKeywordIndex({ ...swapped.manifest, files: [{ ...f0, bytes: other.length }, ...swapped.manifest.files.slice(1)] }, swapped.source);
    expect(await codeOf(lying.query(swapped.manifest.shardFirstTerms[0], 5))).toBe('shard-corrupt');
  });

  it('refuses a manifest of another version or with inconsistent shard lists', () => {
    const { manifest, source } = build(small);
    const code = (m: StaticKeywordManifest) => {
      try {
        new StaticKeywordIndex(m, source);
        return 'no error';
      } catch (error) {
        return (error as StaticKeywordError).code;
      }
    };
    expect(code({ ...manifest, version: 2 })).toBe('manifest-invalid');
    expect(code({ ...manifest, shardFileCounts: [...manifest.shardFileCounts, 1] })).toBe('manifest-invalid');
    expect(code(manifest)).toBe('no error');
  });

  it('refuses options static shards cannot serve', () => {
    const { sink } = memoryLibrary();
    expect(() => buildStaticKeyword(small, sink, { keyword: { ...DEFAULT_KEYWORD_OPTIONS, prefix: true } })).toThrow();
    expect(() => buildStaticKeyword(small, sink, { keyword: { ...DEFAULT_KEYWORD_OPTIONS, coordination: true } })).toThrow();
  });

  it('scores without the title field when titleBoost is 0 and without stemming when stem is false, as KeywordIndex', async () => {
    const options = { ...DEFAULT_KEYWORD_OPTIONS, titleBoost: 0, stem: false };
    const { index } = build(fixture, { keyword: options });
    const exact = new KeywordIndex(fixture, options);
    for (const text of ['video diffusion models', 'language model agents']) {
      const got = await index.query(text, 10);
      const expected = exact.query(text, 10);
      got.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i].score, 1));
    }
  });
});

describe('shard format', () => {
  it('round-trips doc-id gaps of one to four varint bytes and the impacts', async () => {
    const docs = [0, 5, 200, 70_000, 3_000_000];
    const impacts = Uint8Array.from([0, 255, 17, 128, 3]);
    const data = encodeShard([encodeTermRecord({ term: 'gap', docs, impacts, lo: 1.5, step: 0.25 })]);
    const library = memoryLibrary();
    const file = library.sink('keyword/s00000.bin', data);
    const manifest: StaticKeywordManifest = {
      format: 'static-keyword',
      version: 1,
      docCount: 3_000_001,
      termCount: 1,
      postingCount: docs.length,
      scoring: { stem: false, titleBoost: 0, bm25: { k: 1, b: 0.5, d: 0.5 } },
      shardFirstTerms: ['gap'],
      shardFileCounts: [1],
      files: [file],
    };
    const hits = await new StaticKeywordIndex(manifest, library.source).query('gap', 10);
    const expected = docs.map((doc, i) => ({ index: doc, score: 1.5 + impacts[i] * 0.25 })).sort((a, b) => b.score - a.score);
    expect(hits).toEqual(expected);
    // One row beyond the library: corrupt, not a silent out-of-range write.
    expect(await codeOf(new StaticKeywordIndex({ ...manifest, docCount: 3_000_000 }, library.source).query('gap', 10))).toBe('shard-corrupt');
  });
});
