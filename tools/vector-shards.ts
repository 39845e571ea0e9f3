/**
 * Embedding spread across machines (issue 17.3): `npm run index -- --corpus <file> --shard i/N` embeds one N-th
 * of the papers the vector cache does not hold yet and writes those vectors, keyed by content hash, to a shard
 * file; `npm run merge-vectors -- <shard files…>` adds every shard's vectors to the cache; the publish that
 * follows finds them all there and embeds nothing.
 *
 * Why shards are whole batches: the int8 model quantizes activations per batch (dynamic quantization), so a
 * vector depends on the texts it was batched with. Every machine plans the same batches the one-machine path
 * would (src/embedding/batching.ts over the same missing papers, the same token counts), takes batches
 * b ≡ i (mod N), and runs each batch as one call; so the merged vectors are the one machine's, bit for bit
 * (tests/integration/vector-shards.test.ts checks the published files byte for byte).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentHash, documentText } from '../src/base/paper-id.ts';
import type { Paper } from '../src/base/paper.ts';
import { planBatches } from '../src/embedding/batching.ts';
import type { Encoder } from '../src/embedding/encoder.ts';
import { DiskVectorCache } from '../src/eval/disk-vector-cache.ts';
import { decodeVectorFile, encodeVectorFile } from '../src/index/vector-file.ts';
import { UsageError } from './cli.ts';
import { writeAtomically } from './publish-files.ts';

/** Must equal src/embedding/encoder.ts's MAX_BATCH_TOKENS / MAX_BATCH_SIZE, so the plan is the encoder's. */
const MAX_BATCH_TOKENS = 1024;
const MAX_BATCH_SIZE = 32;

export interface ShardSpec {
  /** 0-based. */
  index: number;
  count: number;
}

/** "i/N" with 0 <= i < N. */
export function parseShard(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index >= count) throw new UsageError(`--shard ${text}: expected i/N with 0 <= i < N (e.g. 0/4)`);
  return { index, count };
}

/** The shard file a runner writes (and uploads), under `dir`. */
export function shardFileName(shard: ShardSpec): string {
  return `shard-${shard.index}-of-${shard.count}.vec`;
}

/** The papers whose vectors `cache` lacks, in corpus order: the same list embedPapersCached embeds. */
export function missingPapers(papers: readonly Paper[], cache: DiskVectorCache): Paper[] {
  return papers.filter((paper) => !cache.get(contentHash(paper)));
}

/** The batches the encoder would run for these papers, in its order (indices into `papers`). */
export function plannedBatches(encoder: Encoder, papers: readonly Paper[]): number[][] {
  const counts = encoder.tokenCounts(papers.map((paper) => encoder.spec.documentPrefix + documentText(paper)));
  return planBatches(counts, MAX_BATCH_TOKENS, MAX_BATCH_SIZE).batches;
}

export interface ShardReport {
  /** Papers the cache lacked (all shards together). */
  missing: number;
  /** Of those, the ones this shard embedded. */
  embedded: number;
  batches: number;
  seconds: number;
  file: string;
}

/** Embeds this shard's batches of the papers missing from `cache`, and writes them to `<dir>/shard-i-of-N.vec`. */
export async function embedShard(
  encoder: Encoder,
  papers: readonly Paper[],
  cache: DiskVectorCache,
  shard: ShardSpec,
  dir: string,
  log: (line: string) => void,
): Promise<ShardReport> {
  const missing = missingPapers(papers, cache);
  const mine = plannedBatches(encoder, missing).filter((_, b) => b % shard.count === shard.index);
  const hashes: string[] = [];
  const vectors: Float32Array[] = [];
  const started = performance.now();
  for (const batch of mine) {
    // One call per planned batch: the encoder re-plans these texts into exactly this one batch.
    const embedded = await encoder.embedDocuments(batch.map((i) => documentText(missing[i])));
    batch.forEach((i, row) => {
      hashes.push(contentHash(missing[i]));
      vectors.push(embedded.slice(row * encoder.dims, (row + 1) * encoder.dims));
    });
    if (hashes.length % 512 < batch.length) log(`  shard ${shard.index}/${shard.count}: embedded ${hashes.length}`);
  }
  const file = join(dir, shardFileName(shard));
  const all = new Float32Array(hashes.length * encoder.dims);
  vectors.forEach((vector, i) => all.set(vector, i * encoder.dims));
  writeAtomically(file, encodeVectorFile({ modelKey: encoder.key, dims: encoder.dims, ids: hashes, hashes, vectors: all }));
  return { missing: missing.length, embedded: hashes.length, batches: mine.length, seconds: (performance.now() - started) / 1000, file };
}

export interface MergeReport {
  files: number;
  added: number;
  /** Rows the cache already held (a shard re-run, or overlapping shards). */
  known: number;
}

/**
 * Adds every shard file's vectors to the cache of their model (refusing a file made by another model than
 * `modelKey`, naming it). Order-independent: a hash is stored once, whichever file brings it first.
 */
export function mergeShards(files: readonly string[], cacheRoot: string, modelKey: string, dims: number): MergeReport {
  const cache = DiskVectorCache.open(cacheRoot, modelKey, dims, 'documents');
  let added = 0;
  let known = 0;
  for (const path of files) {
    if (!existsSync(path)) throw new UsageError(`${path}: no such shard file`);
    const file = decodeVectorFile(new Uint8Array(readFileSync(path)), path);
    if (file.modelKey !== modelKey || file.dims !== dims) {
      throw new Error(`${path}: made by ${file.modelKey} (${file.dims} dimensions), but this app embeds with ${modelKey} (${dims}); embed it again`);
    }
    file.hashes.forEach((hash, row) => {
      if (cache.get(hash)) known++;
      else {
        cache.set(hash, file.vectors.subarray(row * dims, (row + 1) * dims));
        added++;
      }
    });
  }
  cache.save();
  return { files: files.length, added, known };
}
