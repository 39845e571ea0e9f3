/**
 * Node side of the million-abstract benchmark (issue 10, part 5): SciFact's real vectors as the source of the
 * synthetic corpus (src/index/compressed/synthetic.ts), the exact int8 top-k per query vector computed once and
 * cached under .cache/compressed/, and statistics showing how the synthetic set compares with the real one.
 * Used by tools/bench-million.ts and tools/eval-compressed.ts.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Query } from '../src/corpus/beir.ts';
import { DEFAULT_MODEL_ID } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { loadBeirDataset, type BeirDataset } from '../src/eval/dataset.ts';
import { judgedQueries } from '../src/eval/evaluate.ts';
import { embedPapersCached, embedQueriesCached } from '../src/eval/disk-vector-cache.ts';
import type { SyntheticCorpus } from '../src/index/compressed/synthetic.ts';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import { topK } from '../src/index/top-k.ts';

export const SCIFACT_DIR = resolve('..', 'shared', 'bench', 'scifact');
const VECTOR_CACHE = resolve('.cache', 'vectors');
const TRUTH_CACHE = resolve('.cache', 'compressed');

export interface SourceVectors {
  dataset: BeirDataset;
  modelKey: string;
  dims: number;
  /** SciFact's document vectors (float32, unit length), one row per paper in corpus order. */
  documents: Float32Array;
  /** The judged claims and their query vectors (same order). */
  queries: Query[];
  queryVectors: Float32Array[];
}

/** SciFact's document and judged-query vectors from the eval cache (embedding in Node whatever is missing). */
export async function loadSourceVectors(dataDir = SCIFACT_DIR, log: (line: string) => void = () => {}): Promise<SourceVectors> {
  const dataset = loadBeirDataset(dataDir);
  const queries = judgedQueries(dataset.queries, dataset.qrels);
  const encoder = await loadNodeEncoder(DEFAULT_MODEL_ID);
  try {
    const report = await embedPapersCached(encoder, dataset.papers, VECTOR_CACHE, (done, total) => {
      if (done % 512 < 32) log(`  embedding ${dataDir} for the cache: ${done}/${total}`);
    });
    const queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), VECTOR_CACHE);
    return { dataset, modelKey: encoder.key, dims: encoder.dims, documents: report.vectors, queries, queryVectors };
  } finally {
    await encoder.dispose();
  }
}

const hex = (bytes: Uint8Array) => bytesToHex(sha256(bytes)).slice(0, 16);
const floatBytes = (vectors: Float32Array) => new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);

/**
 * The exact int8 top-k (row ids, best first) among the first `size` synthetic rows for each query vector, for
 * each of `sizes`: what the app's QuantizedMatrix + topK return. Cached in .cache/compressed/ under a key made
 * of everything it depends on (source vectors, generator options, size, query vectors, k), so a changed input
 * never reuses a stale file. Rows are prefixes of one sequence, so one matrix of the largest size missing
 * answers every size (topK over the first `size` scores); `matrix` may pass one already built.
 */
export function groundTruth(
  corpus: SyntheticCorpus,
  sizes: readonly number[],
  queryVectors: readonly Float32Array[],
  k: number,
  log: (line: string) => void = () => {},
  matrix?: () => QuantizedMatrix,
): Map<number, number[][]> {
  const queries = new Float32Array(queryVectors.length * corpus.dims);
  queryVectors.forEach((q, i) => queries.set(q, i * corpus.dims));
  const stem = `${hex(floatBytes(corpus.source))}-${hex(new TextEncoder().encode(JSON.stringify(corpus.options)))}-${hex(floatBytes(queries))}-${k}`;
  const fileOf = (size: number) => join(TRUTH_CACHE, `truth-${stem}-${size}.json`);
  const out = new Map<number, number[][]>();
  for (const size of sizes) if (existsSync(fileOf(size))) out.set(size, JSON.parse(readFileSync(fileOf(size), 'utf8')) as number[][]);
  const missing = sizes.filter((size) => !out.has(size));
  if (missing.length === 0) return out;
  const started = performance.now();
  const largest = Math.max(...missing);
  const rows = matrix ? matrix() : corpus.int8Matrix(largest);
  if (rows.count < largest) throw new Error(`groundTruth: ${rows.count} rows given, ${largest} needed`);
  const results = missing.map(() => [] as number[][]);
  for (const q of queryVectors) {
    const scores = rows.scores(q);
    missing.forEach((size, i) => results[i].push(topK(scores, k, size).map((hit) => hit.index)));
  }
  mkdirSync(TRUTH_CACHE, { recursive: true });
  missing.forEach((size, i) => {
    const file = fileOf(size);
    writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(results[i]));
    renameSync(`${file}.${process.pid}.tmp`, file);
    out.set(size, results[i]);
  });
  log(`  ground truth for ${missing.join(', ')} rows x ${queryVectors.length} queries: ${((performance.now() - started) / 1000).toFixed(1)} s (cached in ${TRUTH_CACHE})`);
  return out;
}

export interface SetStatistics {
  /** Nearest-neighbour cosine (int8) of each sampled row within its own set: 10th, 50th, 90th percentiles. */
  nn: [number, number, number];
  /** Median over sampled rows of the mean cosine to the whole set. */
  meanCosine: number;
}

/** How tight the set is: nearest-neighbour and mean cosines over `sample` rows. */
export function setStatistics(vectors: Float32Array, dims: number, sample = 1500): SetStatistics {
  const count = vectors.length / dims;
  const matrix = QuantizedMatrix.fromFloat32(dims, vectors);
  const nn: number[] = [];
  const means: number[] = [];
  for (let i = 0; i < Math.min(sample, count); i++) {
    const scores = matrix.scores(vectors.subarray(i * dims, (i + 1) * dims));
    nn.push(topK(scores, 2)[1].score);
    means.push(scores.reduce((a, b) => a + b, 0) / count);
  }
  return { nn: [percentile(nn, 0.1), percentile(nn, 0.5), percentile(nn, 0.9)], meanCosine: percentile(means, 0.5) };
}

/** For sampled synthetic rows, the cosine to the closest real vector: 50th, 90th, 99th percentiles (no near-copies). */
export function closestSource(corpus: SyntheticCorpus, sample = 1500): [number, number, number] {
  const matrix = QuantizedMatrix.fromFloat32(corpus.dims, corpus.source);
  const rows = corpus.rows(0, sample);
  const best = Array.from({ length: sample }, (_, i) => topK(matrix.scores(rows.subarray(i * corpus.dims, (i + 1) * corpus.dims)), 1)[0].score);
  return [percentile(best, 0.5), percentile(best, 0.9), percentile(best, 0.99)];
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))].toFixed(3));
}
