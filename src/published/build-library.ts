/**
 * Builds every part of a published library (issue 10) through one FileSink and assembles its manifest: the one
 * sequence `npm run index -- --layout compressed` (tools/index.ts) and the tests run. Pure TypeScript: Node's
 * sink writes files, a test's keeps them in memory. library.json itself is left to the caller, to be written
 * last, so a folder with a manifest always has all the files it lists.
 */
import type { Paper } from '../base/paper.ts';
import { buildTextShards, type TextShardOptions } from './text-shards/build.ts';
import { buildPublishedVectors, type PublishedVectorsOptions, type RowBatches } from './vectors/published-vectors.ts';
import type { Int8Rows } from '../index/quantized-matrix.ts';
import { buildStaticKeyword, type StaticKeywordBuildOptions } from './static-keyword/build.ts';
import type { FileSink } from '../base/files.ts';
import { assembleManifest, type PublishedManifest } from './manifest.ts';

export interface PublishInput {
  name: string;
  /** Fingerprint key of the encoder that made the rows. */
  modelKey: string;
  /** Row i of every part is papers[i]. */
  papers: readonly Paper[];
  /** Their vectors as the app holds them (int8), whole or in batches. */
  rows: Int8Rows | RowBatches;
  vectors?: PublishedVectorsOptions;
  keyword?: StaticKeywordBuildOptions;
  text?: TextShardOptions;
}

/** Milliseconds per stage, for `npm run index` to print. */
export interface PublishTimings {
  vectors: number;
  keyword: number;
  text: number;
}

export async function buildPublishedLibrary(input: PublishInput, sink: FileSink): Promise<{ manifest: PublishedManifest; ms: PublishTimings }> {
  const { papers, rows } = input;
  const count = 'batches' in rows ? rows.count : rows.scales.length;
  if (count !== papers.length) throw new Error(`buildPublishedLibrary: ${count} vectors for ${papers.length} papers`);
  const timed = async <T>(build: () => T | Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await build();
    return [result, performance.now() - started];
  };
  const [vectors, vectorsMs] = await timed(() => buildPublishedVectors(rows, sink, input.vectors));
  const [keyword, keywordMs] = await timed(() => buildStaticKeyword(papers, sink, input.keyword));
  const [text, textMs] = await timed(() => buildTextShards(papers, sink, input.text));
  const manifest = assembleManifest({ name: input.name, modelKey: input.modelKey, dims: rows.dims, count, vectors, keyword, text });
  return { manifest, ms: { vectors: vectorsMs, keyword: keywordMs, text: textMs } };
}

/** library.json's bytes: compact JSON (at 1,000,000 papers the file list alone is ~2 MB pretty-printed). */
export function encodeManifest(manifest: PublishedManifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(manifest));
}
