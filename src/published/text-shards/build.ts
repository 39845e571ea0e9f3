/**
 * Writes a library's text shards (format.ts) through a FileSink: papers in row order, `papersPerShard` consecutive
 * rows per gzip-compressed JSON file. Pure TypeScript with web streams, so Node (`npm run index`) and tests share it.
 */
import type { Paper } from '../../base/paper.ts';
import { MAX_PUBLISHED_FILE_BYTES, type FileSink, type PublishedFile } from '../../base/files.ts';
import { DEFAULT_PAPERS_PER_SHARD, TEXT_SHARDS_VERSION, gzip, shardCount, shardJson, textShardPath, type TextShardManifest } from './format.ts';

export interface TextShardOptions {
  papersPerShard?: number;
  /** Shards compressed at once. zlib runs off the main thread in Node, so a few in parallel use both cores. */
  parallel?: number;
}

interface EncodedShard {
  path: string;
  data: Uint8Array;
  uncompressedBytes: number;
}

async function encodeShard(papers: ArrayLike<Paper>, shard: number, papersPerShard: number): Promise<EncodedShard> {
  const first = shard * papersPerShard;
  const rows = Array.from({ length: Math.min(papersPerShard, papers.length - first) }, (_, i) => papers[first + i]);
  const json = shardJson(first, rows);
  const data = await gzip(json);
  const path = textShardPath(shard);
  if (data.byteLength > MAX_PUBLISHED_FILE_BYTES) throw new RangeError(`${path} would be ${data.byteLength} bytes, over the published file limit; use fewer papers per shard`);
  return { path, data, uncompressedBytes: json.byteLength };
}

/**
 * Builds every shard and returns the manifest section; the sink sees the shards in order. `papers` may be any
 * ArrayLike (e.g. papers made on demand), so a million abstracts need not all be held at once.
 */
export async function buildTextShards(papers: ArrayLike<Paper>, sink: FileSink, options: TextShardOptions = {}): Promise<TextShardManifest> {
  const papersPerShard = options.papersPerShard ?? DEFAULT_PAPERS_PER_SHARD;
  const parallel = options.parallel ?? 4;
  if (!Number.isInteger(papersPerShard) || papersPerShard <= 0) throw new RangeError(`papersPerShard must be a positive integer, got ${papersPerShard}`);
  const shards = shardCount(papers.length, papersPerShard);
  const files: PublishedFile[] = [];
  let uncompressedBytes = 0;
  for (let start = 0; start < shards; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, shards - start) }, (_, i) => encodeShard(papers, start + i, papersPerShard));
    for (const shard of await Promise.all(batch)) {
      files.push(sink(shard.path, shard.data));
      uncompressedBytes += shard.uncompressedBytes;
    }
  }
  return {
    version: TEXT_SHARDS_VERSION,
    count: papers.length,
    papersPerShard,
    files,
    totalBytes: files.reduce((sum, file) => sum + file.bytes, 0),
    uncompressedBytes,
  };
}
