import type { Int8Rows } from '../quantized-matrix.ts';

/**
 * The storage layout shared by every VectorStore backend, as pure functions over plain values (the backends only
 * do I/O). Per model fingerprint key there is one manifest record and a few large shard records:
 *
 *   "<modelKey>|manifest"      -> Manifest
 *   "<modelKey>|shard|<id>"    -> ShardRecord: up to SHARD_ROWS quantized vectors with their content hashes
 *
 * Large shards keep IndexedDB fast (100,000 vectors are ~10 records, not 100,000 keys); the manifest lists them,
 * so a shard written without its manifest update (impossible in one transaction, but possible by hand) is ignored.
 */

/** Rows per full shard: 10,000 x 384 int8 = 3.8 MB, a size IndexedDB reads and writes in one go comfortably. */
export const SHARD_ROWS = 10_000;
/** More shards than this (small appends during indexing) triggers merging the small ones on append. */
export const MAX_SHARDS = 24;
const FORMAT = 1;

export interface ShardInfo {
  id: number;
  count: number;
}

export interface Manifest {
  format: number;
  /** Bumped by every write: a writer commits only if it is unchanged since it read (two tabs may index at once). */
  generation: number;
  dims: number;
  nextShard: number;
  shards: ShardInfo[];
}

export interface ShardRecord {
  dims: number;
  hashes: string[];
  data: Int8Array;
  scales: Float32Array;
}

export const manifestKey = (modelKey: string): string => `${modelKey}|manifest`;
export const shardKey = (modelKey: string, id: number): string => `${modelKey}|shard|${String(id).padStart(6, '0')}`;
export const keyPrefix = (modelKey: string): string => `${modelKey}|`;

/** The model key a record key belongs to (the inverse of manifestKey and shardKey); null for any other key. */
export function modelKeyOf(key: string): string | null {
  return /^(.+)\|(?:manifest|shard\|\d+)$/s.exec(key)?.[1] ?? null;
}

/** Vectors of one model, in one contiguous block: row i is the vector of the text whose content hash is hashes[i]. */
export interface StoredVectors {
  hashes: string[];
  rows: Int8Rows;
}

export interface Write {
  puts: [string, Manifest | ShardRecord][];
  deletes: string[];
}

/** Reads a manifest value; a problem string when it is not one (or is for other dims). */
export function checkManifest(value: unknown, dims: number): Manifest | string {
  if (typeof value !== 'object' || value === null) return 'manifest is not an object';
  const m = value as Partial<Manifest>;
  if (m.format !== FORMAT) return `manifest format ${String(m.format)} is not ${FORMAT}`;
  if (m.dims !== dims) return `manifest is for ${String(m.dims)} dims, expected ${dims}`;
  if (!Number.isInteger(m.generation) || !Number.isInteger(m.nextShard) || !Array.isArray(m.shards)) return 'manifest lacks generation, nextShard or shards';
  const shardsOk = m.shards.every((s) => typeof s === 'object' && s !== null && Number.isInteger(s.id) && Number.isInteger(s.count) && s.count > 0);
  return shardsOk ? (m as Manifest) : 'manifest lists a malformed shard';
}

/**
 * Checks a shard value before any of its vectors are used: wrong types, shapes, a count that disagrees with the
 * manifest or non-finite scales all mean the record cannot be trusted, and it is dropped.
 */
export function checkShard(value: unknown, info: ShardInfo, dims: number): ShardRecord | string {
  if (typeof value !== 'object' || value === null) return value === undefined ? 'is missing' : 'is not an object';
  const s = value as Partial<ShardRecord>;
  if (s.dims !== dims) return `has ${String(s.dims)} dims, expected ${dims}`;
  if (!Array.isArray(s.hashes) || !s.hashes.every((h) => typeof h === 'string')) return 'has no list of content hashes';
  if (!(s.data instanceof Int8Array)) return 'holds no Int8Array of vectors';
  if (!(s.scales instanceof Float32Array)) return 'holds no Float32Array of scales';
  const count = s.hashes.length;
  if (count !== info.count) return `holds ${count} vectors, the manifest says ${info.count}`;
  if (s.data.length !== count * dims) return `holds ${s.data.length} values for ${count} x ${dims}`;
  if (s.scales.length !== count) return `holds ${s.scales.length} scales for ${count} vectors`;
  for (const scale of s.scales) if (!(scale >= 0 && Number.isFinite(scale))) return `has an invalid scale ${scale}`;
  return s as ShardRecord;
}

export function emptyManifest(dims: number): Manifest {
  return { format: FORMAT, generation: 0, dims, nextShard: 0, shards: [] };
}

/** Cuts rows into shard records of at most SHARD_ROWS, numbered from manifest.nextShard (which it advances). */
export function cutShards(modelKey: string, manifest: Manifest, vectors: StoredVectors): [string, ShardRecord][] {
  const { dims } = vectors.rows;
  const out: [string, ShardRecord][] = [];
  for (let start = 0; start < vectors.hashes.length; start += SHARD_ROWS) {
    const end = Math.min(vectors.hashes.length, start + SHARD_ROWS);
    const id = manifest.nextShard++;
    manifest.shards.push({ id, count: end - start });
    out.push([
      shardKey(modelKey, id),
      {
        dims,
        hashes: vectors.hashes.slice(start, end),
        // slice copies: the record must not share a buffer with the caller (or with a WebAssembly memory).
        data: vectors.rows.data.slice(start * dims, end * dims),
        scales: vectors.rows.scales.slice(start, end),
      },
    ]);
  }
  return out;
}

/** Concatenates shards into one contiguous block, keeping only hashes `keep` accepts, each hash once (last write wins). */
export function concatShards(shards: readonly ShardRecord[], dims: number, keep: (hash: string) => boolean = () => true): StoredVectors {
  const last = new Map<string, [number, number]>();
  shards.forEach((shard, s) => shard.hashes.forEach((hash, r) => keep(hash) && last.set(hash, [s, r])));
  const hashes = [...last.keys()];
  const data = new Int8Array(hashes.length * dims);
  const scales = new Float32Array(hashes.length);
  let row = 0;
  for (const [s, r] of last.values()) {
    data.set(shards[s].data.subarray(r * dims, (r + 1) * dims), row * dims);
    scales[row++] = shards[s].scales[r];
  }
  return { hashes, rows: { dims, data, scales } };
}

export function validateAppend(dims: number, hashes: readonly string[], rows: Int8Rows): void {
  if (rows.dims !== dims) throw new Error(`VectorStore.append: rows have ${rows.dims} dims, expected ${dims}`);
  if (rows.scales.length !== hashes.length || rows.data.length !== hashes.length * dims) {
    throw new Error(`VectorStore.append: ${hashes.length} hashes, ${rows.scales.length} scales, ${rows.data.length / dims} rows`);
  }
}

/** Compaction pays off when shards are many, or when a quarter of the stored vectors belong to no current text. */
export function needsCompaction(stored: { hashes: readonly string[]; shardCount: number }, liveHashes: ReadonlySet<string>): boolean {
  if (stored.shardCount > Math.max(1, Math.ceil(stored.hashes.length / SHARD_ROWS)) + 2) return true;
  const stale = stored.hashes.reduce((n, hash) => n + (liveHashes.has(hash) ? 0 : 1), 0);
  return stale > 0 && stale >= stored.hashes.length / 4;
}
