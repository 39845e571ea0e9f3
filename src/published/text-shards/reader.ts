/**
 * Reads papers by row from a library's text shards (format.ts): fetches only the shards the rows fall in, in
 * parallel, through the library's FileSource (which verifies and caches the files), and keeps the most recently
 * used decoded shards in memory so paging through results and re-showing them costs nothing.
 */
import type { Paper } from '../../base/paper.ts';
import type { FileSource } from '../../base/files.ts';
import { ShardCache } from '../../base/shard-cache.ts';
import { PublishedLibraryError } from '../errors.ts';
import { decodeShard, shardCount, type TextShardManifest } from './format.ts';

export interface TextShardReaderOptions {
  /** Decoded shards kept in memory (least recently used dropped first). 32 × 64 papers is a few MB of strings. */
  maxCachedShards?: number;
}

export const DEFAULT_MAX_CACHED_SHARDS = 32;

export class TextShardReader {
  /** Decoded shards by shard number, the most recently used kept. */
  private readonly decoded: ShardCache<number, Paper[]>;

  constructor(
    readonly manifest: TextShardManifest,
    private readonly source: FileSource,
    options: TextShardReaderOptions = {},
  ) {
    this.decoded = new ShardCache((shard) => this.load(shard), { limit: Math.max(1, options.maxCachedShards ?? DEFAULT_MAX_CACHED_SHARDS) });
    const expected = shardCount(manifest.count, manifest.papersPerShard);
    if (manifest.files.length !== expected) {
      throw new PublishedLibraryError('text-shard-corrupt', `the manifest lists ${manifest.files.length} text shards for ${manifest.count} papers, expected ${expected}`);
    }
  }

  get count(): number {
    return this.manifest.count;
  }

  /** The papers at `rows`, in the same order (a row may repeat). Rejects with a coded PublishedLibraryError. */
  async papers(rows: readonly number[]): Promise<Paper[]> {
    for (const row of rows) {
      if (!Number.isInteger(row) || row < 0 || row >= this.count) throw new PublishedLibraryError('row-out-of-range', `row ${row} of ${this.count}`);
    }
    const per = this.manifest.papersPerShard;
    const shards = [...new Set(rows.map((row) => Math.floor(row / per)))];
    const loaded = new Map(await Promise.all(shards.map(async (shard) => [shard, await this.decoded.get(shard)] as const)));
    return rows.map((row) => loaded.get(Math.floor(row / per))![row % per]);
  }

  async paper(row: number): Promise<Paper> {
    return (await this.papers([row]))[0];
  }

  /** Whether a row's shard is decoded in memory (showing it needs no fetch, no decompression). */
  isDecoded(row: number): boolean {
    return this.decoded.has(Math.floor(row / this.manifest.papersPerShard));
  }

  private async load(shard: number): Promise<Paper[]> {
    const file = this.manifest.files[shard];
    const first = shard * this.manifest.papersPerShard;
    const expected = Math.min(this.manifest.papersPerShard, this.count - first);
    return decodeShard(await this.source(file), file.path, first, expected);
  }
}
