/**
 * Text shards (issue 10, part 3): the titles, abstracts and metadata of a published library, in gzip-compressed
 * JSON files of consecutive rows, fetched when a result is shown. Runs in Node (`npm run index`) and in the page
 * alike: CompressionStream / DecompressionStream are globals in both.
 *
 * A shard holds `{ "v": 1, "first": <row of its first paper>, "papers": [Paper, ...] }`. The `first` field lets the
 * reader check that the file it was given is the one it asked for, beyond the sha256 check of the file source.
 */
import type { Paper } from '../../base/paper.ts';
import type { PublishedFile } from '../../base/files.ts';
import { PublishedLibraryError } from '../errors.ts';

export const TEXT_SHARDS_VERSION = 1;

/**
 * Papers per shard, chosen by measurement (docs/performance.md, "A million abstracts: text shards"): a first page
 * of 10 results from random rows touches ~10 shards, so its bytes grow with the shard size, while the number of
 * files at 1,000,000 papers shrinks with it. 64 keeps a first page at ~0.37 MB and a million papers in 15,625
 * files (well under the ~20k a static site should carry), at a compression ratio within a few percent of larger shards.
 */
export const DEFAULT_PAPERS_PER_SHARD = 64;

/** The text part of `library.json`. */
export interface TextShardManifest {
  version: typeof TEXT_SHARDS_VERSION;
  /** Number of papers (rows 0..count-1). */
  count: number;
  papersPerShard: number;
  /** Shard i holds rows [i * papersPerShard, min(count, (i + 1) * papersPerShard)). */
  files: PublishedFile[];
  /** Sum of the shards' (compressed) sizes: what downloading all of them costs. */
  totalBytes: number;
  /** Sum of the shards' JSON sizes before compression. */
  uncompressedBytes: number;
}

/**
 * The Paper fields a shard keeps, in a fixed order. The type check below fails to compile when Paper gains a field
 * that is not listed here, so a new field is never silently dropped from published libraries.
 */
export const PAPER_FIELDS = ['id', 'title', 'abstract', 'authors', 'year', 'venue', 'doi', 'url', 'arxivId', 'citationKey'] as const satisfies readonly (keyof Paper)[];
type UnlistedPaperField = Exclude<keyof Paper, (typeof PAPER_FIELDS)[number]>;
const everyPaperFieldListed: UnlistedPaperField extends never ? true : never = true;
void everyPaperFieldListed;

/** "text/t-00042.bin": `.bin` (application/octet-stream) so no server or proxy decodes the gzip on the way. */
export function textShardPath(shard: number): string {
  return `text/t-${String(shard).padStart(5, '0')}.bin`;
}

export function shardCount(count: number, papersPerShard: number): number {
  return Math.ceil(count / papersPerShard);
}

/** Only the listed fields, so stray runtime properties of imported objects never reach a published file. */
function storedPaper(paper: Paper): Paper {
  const stored: Record<string, unknown> = {};
  for (const field of PAPER_FIELDS) if (paper[field] !== undefined) stored[field] = paper[field];
  return stored as unknown as Paper;
}

async function throughStream(bytes: Uint8Array, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export const gzip = (bytes: Uint8Array) => throughStream(bytes, new CompressionStream('gzip'));
export const gunzip = (bytes: Uint8Array) => throughStream(bytes, new DecompressionStream('gzip'));

/** One shard's JSON (before compression). */
export function shardJson(first: number, papers: readonly Paper[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: TEXT_SHARDS_VERSION, first, papers: papers.map(storedPaper) }));
}

const isOptional = (value: unknown, type: 'string' | 'number') => value === undefined || typeof value === type;

function isPaper(value: unknown): value is Paper {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.id === 'string' &&
    typeof p.title === 'string' &&
    typeof p.abstract === 'string' &&
    (p.authors === undefined || (Array.isArray(p.authors) && p.authors.every((a) => typeof a === 'string'))) &&
    isOptional(p.year, 'number') &&
    isOptional(p.venue, 'string') &&
    isOptional(p.doi, 'string') &&
    isOptional(p.url, 'string') &&
    isOptional(p.arxivId, 'string') &&
    isOptional(p.citationKey, 'string')
  );
}

/**
 * Decompresses and checks one shard: it must be the shard that starts at `first` and hold `expected` papers.
 * Anything else is 'text-shard-corrupt' naming `path`.
 */
export async function decodeShard(bytes: Uint8Array, path: string, first: number, expected: number): Promise<Paper[]> {
  const corrupt = (detail: string) => new PublishedLibraryError('text-shard-corrupt', detail, path);
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(await gunzip(bytes));
  } catch (error) {
    throw corrupt(`does not decompress: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw corrupt(`does not parse: ${(error as Error).message}`);
  }
  const shard = parsed as { v?: unknown; first?: unknown; papers?: unknown };
  if (typeof parsed !== 'object' || parsed === null || shard.v !== TEXT_SHARDS_VERSION) throw corrupt(`not a version ${TEXT_SHARDS_VERSION} text shard`);
  if (shard.first !== first) throw corrupt(`starts at row ${String(shard.first)}, expected ${first}`);
  if (!Array.isArray(shard.papers) || shard.papers.length !== expected) throw corrupt(`expected ${expected} papers`);
  const bad = shard.papers.findIndex((paper) => !isPaper(paper));
  if (bad >= 0) throw corrupt(`row ${first + bad} is not a paper`);
  return shard.papers as Paper[];
}
