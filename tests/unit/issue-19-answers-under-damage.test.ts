import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import type { FileSink, FileSource, PublishedFile } from '../../src/base/files.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { paperBookOf } from '../../src/published/paper-book.ts';
import { publishedSearchable } from '../../src/published/published-library.ts';
import { buildStaticKeyword } from '../../src/published/static-keyword/build.ts';
import { StaticKeywordIndex } from '../../src/published/static-keyword/static-keyword-index.ts';
import { buildTextShards } from '../../src/published/text-shards/build.ts';
import { TextShardReader } from '../../src/published/text-shards/reader.ts';
import type { RankingParts } from '../../src/search/pipeline.ts';
import { FIRST_PAGE, MAX_QUERY_CHARS, memorySource, RESULT_LIMIT, searchLibrary, type QueryEmbedder } from '../../src/search/searcher.ts';
import { DEFAULT_RANKING, SearchIndex } from '../../src/search/search.ts';
import { seededRandom as rng } from '../../src/base/random.ts';
import { bundledPapers } from './published-helpers.ts';

/**
 * Issue 19.1: every answer belongs to its query. A published library (the real keyword and text shards of the 96
 * bundled papers, served from memory) with parts damaged as the hostile run damaged them: the search still
 * answers, from the parts that work, names the part that failed, and its `rest` settles.
 */
const papers = bundledPapers();
const DIMS = 16;

function unitVectors(count: number, seed: number): Float32Array {
  const random = rng(seed);
  const out = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) {
    let norm = 0;
    for (let d = 0; d < DIMS; d++) norm += (out[i * DIMS + d] = random() - 0.5) ** 2;
    for (let d = 0; d < DIMS; d++) out[i * DIMS + d] /= Math.sqrt(norm);
  }
  return out;
}

const exact = new SearchIndex(papers, QuantizedMatrix.fromFloat32(DIMS, unitVectors(papers.length, 1)), DEFAULT_RANKING);
const vector = unitVectors(1, 9);
const embedder: QueryEmbedder = { available: () => true, embedQuery: async () => vector };

/** The library's files in memory; `damage` flips 64 bytes of a file, `remove` deletes it (404). */
async function publishedLibrary() {
  const files = new Map<string, Uint8Array>();
  const sink: FileSink = (path, data) => {
    files.set(path, data.slice());
    return { path, bytes: data.length, sha256: bytesToHex(sha256(data)) };
  };
  const source: FileSource = async (file: PublishedFile) => {
    const data = files.get(file.path);
    if (!data) throw new Error(`HTTP 404 for ${file.path}`);
    return data;
  };
  const keywordManifest = buildStaticKeyword(papers, sink, { targetShardBytes: 2_000 });
  const textManifest = await buildTextShards(papers, sink, { papersPerShard: 8 });
  const damage = (path: string) => {
    const bytes = files.get(path)!;
    for (let i = 0; i < Math.min(64, bytes.length); i++) bytes[Math.floor(bytes.length / 3) + i] ^= 0xff;
  };
  const remove = (path: string) => files.delete(path);
  const keyword = new StaticKeywordIndex(keywordManifest, source);
  let meaningWorks = true;
  // Meaning is the exact index, answered asynchronously as the vectors' worker answers.
  const parts: RankingParts = {
    semantic: async (query, depth) => {
      if (!meaningWorks) throw new Error('the vectors worker stopped');
      return exact.semantic(query, depth);
    },
    keyword: (text, depth) => keyword.query(text, depth),
    rows: async (rows) => rows.map((row) => Float32Array.from(exact.vectors.row(row))),
  };
  const book = paperBookOf(new TextShardReader(textManifest, source));
  const searchable = publishedSearchable(book, parts, () => true);
  const breakMeaning = () => (meaningWorks = false);
  return { searchable, keywordManifest, textManifest, damage, remove, breakMeaning, keyword };
}

const QUERY = 'language model';

describe('issue 19: every answer belongs to its query (a published library with damaged parts)', () => {
  it('a damaged and a missing text shard: the results still come, "text unavailable" in place of their text, the texts named, and `rest` settles', async () => {
    const library = await publishedLibrary();
    const expected = exact.rank('hybrid', QUERY, vector, RESULT_LIMIT);
    const shardOf = (row: number) => Math.floor(row / library.textManifest.papersPerShard);
    // The shard of the first hit is damaged, the shard of a later one deleted.
    const damaged = shardOf(expected[0].index);
    const missing = expected.map((hit) => shardOf(hit.index)).find((shard) => shard !== damaged)!;
    library.damage(library.textManifest.files[damaged].path);
    library.remove(library.textManifest.files[missing].path);

    const first = await searchLibrary(library.searchable, embedder, QUERY, 'hybrid');
    expect(first.hits.map((hit) => hit.index)).toEqual(expected.slice(0, FIRST_PAGE).map((hit) => hit.index));
    expect(first.unavailable.map((problem) => problem.part)).toEqual(['texts']);
    expect(first.fallback).toBeNull();
    const standIn = first.papers[expected[0].index];
    expect(standIn.title).toMatch(/Text unavailable/);
    expect(standIn.abstract).toMatch(/^Text unavailable/);
    const full = await first.rest!;
    expect(full.hits.map((hit) => hit.index)).toEqual(expected.map((hit) => hit.index));
    expect(full.unavailable.map((problem) => problem.part)).toEqual(['texts']);
    for (const hit of full.hits) {
      const paper = full.papers[hit.index];
      if ([damaged, missing].includes(shardOf(hit.index))) expect(paper.abstract).toMatch(/^Text unavailable/);
      else expect(paper).toEqual(papers[hit.index]);
    }
  });

  it('a damaged keyword shard: Hybrid answers by meaning, Keywords by meaning too, and the keywords are named, not meaning', async () => {
    const library = await publishedLibrary();
    const [term] = library.keyword.termsFor(QUERY);
    const shard = library.keywordManifest.shardFirstTerms.findLastIndex((first) => first <= term.term);
    for (const file of library.keywordManifest.files.filter((f) => f.path.includes(`s${String(shard).padStart(5, '0')}`))) library.damage(file.path);

    const hybrid = await searchLibrary(library.searchable, embedder, QUERY, 'hybrid');
    expect(hybrid.unavailable.map((problem) => problem.part)).toEqual(['keywords']);
    expect(hybrid.fallback).toBeNull();
    // Fusion with no keyword hits: what the exact index gives for words that match nothing.
    expect((await hybrid.rest)!.hits.map((hit) => hit.index)).toEqual(exact.rank('hybrid', 'qqqzzz', vector, RESULT_LIMIT).map((hit) => hit.index));

    const keywords = await searchLibrary(library.searchable, embedder, QUERY, 'keyword');
    expect(keywords.unavailable.map((problem) => problem.part)).toEqual(['keywords']);
    expect((await keywords.rest)!.hits.length).toBe(RESULT_LIMIT);
  });

  it("meaning's part fails: the keyword ranking answers, marked as such, and meaning is named", async () => {
    const library = await publishedLibrary();
    const byWords = (await library.keyword.query(QUERY, RESULT_LIMIT)).map((hit) => hit.index);
    library.breakMeaning();
    for (const mode of ['semantic', 'hybrid'] as const) {
      const outcome = await searchLibrary(library.searchable, embedder, QUERY, mode);
      expect(outcome.unavailable.map((problem) => problem.part)).toEqual(['meaning']);
      expect(outcome.fallback).toBe('query-failed');
      expect(((await outcome.rest) ?? outcome).hits.map((hit) => hit.index)).toEqual(byWords);
    }
  });

  it('a second query gets its own answer even when parts fail (nothing of the first one is kept)', async () => {
    const library = await publishedLibrary();
    library.remove(library.textManifest.files[0].path);
    const first = await searchLibrary(library.searchable, embedder, 'tamoxifen breast cancer', 'keyword');
    const second = await searchLibrary(library.searchable, embedder, 'state space sequence models', 'keyword');
    expect(second.query).toBe('state space sequence models');
    expect(second.hits.map((hit) => hit.index)).not.toEqual(first.hits.map((hit) => hit.index));
    const byWords = await library.keyword.query('state space sequence models', RESULT_LIMIT);
    expect(((await second.rest) ?? second).hits.map((hit) => hit.index)).toEqual(byWords.map((hit) => hit.index));
  });
});

describe('issue 19: a very long query is cut, with a note', () => {
  it('a 240 KB query is ranked by its first MAX_QUERY_CHARS characters (cut at a word), and says how long it was', async () => {
    const long = 'state space models for long sequences '.repeat(6_400);
    const asked: string[] = [];
    const outcome = await searchLibrary(memorySource({ papers, keyword: exact.keyword, index: exact, present: new Uint8Array(papers.length).fill(1), complete: true }), { available: () => true, embedQuery: async (text) => (asked.push(text), vector) }, long, 'hybrid');
    expect(outcome.queryCut).toBe(long.trim().length);
    expect(outcome.query).toBe(long);
    expect(asked[0].length).toBeLessThanOrEqual(MAX_QUERY_CHARS);
    expect(asked[0].length).toBeGreaterThan(MAX_QUERY_CHARS - 20);
    expect(long.startsWith(asked[0])).toBe(true);
    expect(outcome.hits.length).toBeGreaterThan(0);
  });
});
