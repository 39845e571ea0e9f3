/**
 * `library.json`, the manifest of a published library (issue 10): what `npm run index -- --layout compressed`
 * writes last, beside the part folders, and the first thing the page fetches. It lists every file of the library
 * with its size and sha256 (files.ts) and holds what each part's reader needs besides its files:
 *
 *   codes/   sign codes, the first pass (src/index/compressed/published-vectors.ts)
 *   rows/    int8 rescoring rows, installed once into the worker's OPFS file (same module)
 *   keyword/ static inverted index, BM25 impacts precomputed (src/index/static-keyword/)
 *   text/    titles and abstracts, gzip shards (src/corpus/text-shards/)
 *
 * Row i of every part is paper i of the corpus given to `npm run index` (Hit.index).
 */
import { sha256Hex } from '../base/hash.ts';
import { codeBytes } from '../index/compressed/binary-codes.ts';
import { rowBytes, type PublishedCodes, type PublishedRows, type PublishedVectors } from './vectors/published-vectors.ts';
import { checkManifest as checkKeywordSection, type StaticKeywordManifest } from './static-keyword/manifest.ts';
import { shardCount, TEXT_SHARDS_VERSION, type TextShardManifest } from './text-shards/format.ts';
import { PublishedLibraryError } from './errors.ts';
import type { PublishedFile } from '../base/files.ts';

export const PUBLISHED_MANIFEST_FILE = 'library.json';
export const PUBLISHED_FORMAT = 'paper-search-published';
export const PUBLISHED_VERSION = 1;

export interface PublishedManifest {
  format: typeof PUBLISHED_FORMAT;
  version: typeof PUBLISHED_VERSION;
  /** Shown to the reader (the corpus file's name unless `npm run index` was given one). */
  name: string;
  /** Papers, i.e. rows of every part. */
  count: number;
  dims: number;
  /** The encoder's fingerprint key (as vector files carry it): queries must be embedded by that model. */
  modelKey: string;
  /** libraryId(allFiles(manifest)): the browser keys its installed and cached copies by it. */
  id: string;
  codes: PublishedCodes;
  rows: PublishedRows;
  keyword: StaticKeywordManifest;
  text: TextShardManifest;
  /** Bytes of all files listed (library.json itself not included). */
  totalBytes: number;
}

/** What the builders produced, for assembleManifest. */
export interface PublishedParts {
  name: string;
  modelKey: string;
  dims: number;
  count: number;
  vectors: PublishedVectors;
  keyword: StaticKeywordManifest;
  text: TextShardManifest;
}

/** Every file of the library, part by part (codes, rows, keyword, text), each part in its own order. */
export function allFiles(manifest: Pick<PublishedManifest, 'codes' | 'rows' | 'keyword' | 'text'>): PublishedFile[] {
  return [...manifest.codes.files, ...manifest.rows.files, ...manifest.keyword.files, ...manifest.text.files];
}

/**
 * sha256 over the files' paths and sha256s, in allFiles order: the same files give the same id, any changed,
 * added, removed or moved file gives another, so a republished library is never mistaken for an installed one.
 */
export function libraryId(files: readonly PublishedFile[]): string {
  return sha256Hex(files.map((file) => `${file.path} ${file.sha256}\n`).join(''));
}

/** The manifest of the parts, with its id and total size. */
export function assembleManifest(parts: PublishedParts): PublishedManifest {
  const sections = { codes: parts.vectors.codes, rows: parts.vectors.rows, keyword: parts.keyword, text: parts.text };
  const files = allFiles(sections);
  return {
    format: PUBLISHED_FORMAT,
    version: PUBLISHED_VERSION,
    name: parts.name,
    count: parts.count,
    dims: parts.dims,
    modelKey: parts.modelKey,
    id: libraryId(files),
    ...sections,
    totalBytes: files.reduce((sum, file) => sum + file.bytes, 0),
  };
}

type Fail = (problem: string) => never;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
/** Relative, '/'-separated, no '..' or empty segments: a path that stays inside the library's folder. */
const SAFE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

function checkFiles(value: unknown, folder: string, section: string, fail: Fail): PublishedFile[] {
  if (!Array.isArray(value)) return fail(`${section}.files is not a list`);
  value.forEach((file: unknown, i) => {
    const at = `${section}.files[${i}]`;
    if (!isObject(file)) fail(`${at} is not an object`);
    const { path, bytes, sha256 } = file as Record<string, unknown>;
    if (typeof path !== 'string' || !SAFE_PATH.test(path) || !path.startsWith(`${folder}/`)) fail(`${at}.path ${JSON.stringify(path)} is not a relative path under ${folder}/`);
    if (!isCount(bytes)) fail(`${at}.bytes is not a byte count`);
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) fail(`${at}.sha256 is not 64 lowercase hex digits`);
  });
  return value as PublishedFile[];
}

/** A codes or rows section: files of whole rows of `bytesPerRow`, `count` rows in all. */
function checkRowFiles(value: unknown, section: 'codes' | 'rows', count: number, bytesPerRow: number, fail: Fail): void {
  if (!isObject(value)) fail(`${section} is not an object`);
  const { files, rowsPerFile } = value as Record<string, unknown>;
  const listed = checkFiles(files, section, section, fail);
  if (!Array.isArray(rowsPerFile) || !rowsPerFile.every((n) => isCount(n) && n > 0)) return fail(`${section}.rowsPerFile is not a list of positive row counts`);
  if (rowsPerFile.length !== listed.length) fail(`${section} lists ${listed.length} files but ${rowsPerFile.length} row counts`);
  const rows = (rowsPerFile as number[]).reduce((a, b) => a + b, 0);
  if (rows !== count) fail(`${section} files hold ${rows} rows, the library ${count}`);
  listed.forEach((file, i) => {
    if (file.bytes !== rowsPerFile[i] * bytesPerRow) fail(`${file.path} is listed with ${file.bytes} bytes, ${rowsPerFile[i]} rows of ${bytesPerRow} bytes are ${rowsPerFile[i] * bytesPerRow}`);
  });
}

function checkCodes(value: unknown, count: number, dims: number, fail: Fail): void {
  if (!isObject(value)) fail('codes is not an object');
  const { center, bytesPerCode } = value as Record<string, unknown>;
  if (!Array.isArray(center) || center.length !== dims || !center.every((x) => typeof x === 'number' && Number.isFinite(x))) fail(`codes.center is not a list of ${dims} numbers`);
  if (bytesPerCode !== codeBytes(dims)) fail(`codes.bytesPerCode is ${String(bytesPerCode)}, codes of ${dims} dims take ${codeBytes(dims)}`);
  checkRowFiles(value, 'codes', count, codeBytes(dims), fail);
}

function checkKeyword(value: unknown, count: number, fail: Fail): void {
  if (!isObject(value)) fail('keyword is not an object');
  try {
    checkKeywordSection(value as unknown as StaticKeywordManifest);
  } catch (error) {
    fail(`keyword: ${(error as Error).message}`);
  }
  const keyword = value as unknown as StaticKeywordManifest;
  checkFiles(keyword.files, 'keyword', 'keyword', fail);
  if (keyword.docCount !== count) fail(`keyword indexes ${keyword.docCount} papers, the library has ${count}`);
}

function checkText(value: unknown, count: number, fail: Fail): void {
  if (!isObject(value)) fail('text is not an object');
  const text = value as unknown as TextShardManifest;
  if (text.version !== TEXT_SHARDS_VERSION) fail(`text shards of version ${String(text.version)}, this app reads ${TEXT_SHARDS_VERSION}`);
  if (text.count !== count) fail(`text holds ${String(text.count)} papers, the library ${count}`);
  if (!(Number.isInteger(text.papersPerShard) && text.papersPerShard > 0)) fail('text.papersPerShard is not a positive integer');
  const files = checkFiles(text.files, 'text', 'text', fail);
  if (files.length !== shardCount(count, text.papersPerShard)) fail(`text lists ${files.length} shards, ${count} papers at ${text.papersPerShard} per shard need ${shardCount(count, text.papersPerShard)}`);
}

/**
 * The parsed JSON of a library.json, checked field by field before any part reads it: throws
 * PublishedLibraryError 'manifest-invalid' naming the first problem (`where`: the URL or path it came from).
 */
export function parsePublishedManifest(json: unknown, where: string): PublishedManifest {
  const fail: Fail = (problem) => {
    throw new PublishedLibraryError('manifest-invalid', `${where}: ${problem}`, PUBLISHED_MANIFEST_FILE);
  };
  if (!isObject(json)) return fail('not a JSON object');
  if (json.format !== PUBLISHED_FORMAT) fail(`format is ${JSON.stringify(json.format)}, expected "${PUBLISHED_FORMAT}"`);
  if (json.version !== PUBLISHED_VERSION) {
    fail(typeof json.version === 'number' && json.version > PUBLISHED_VERSION ? `version ${json.version} was written by a newer version of this app (this one reads ${PUBLISHED_VERSION})` : `version is ${JSON.stringify(json.version)}, expected ${PUBLISHED_VERSION}`);
  }
  const { name, count, dims, modelKey, id, totalBytes } = json;
  if (typeof name !== 'string' || name === '') fail('name is not a non-empty string');
  if (!isCount(count) || count === 0) return fail(`count is ${JSON.stringify(count)}, expected a positive integer`);
  if (!Number.isInteger(dims) || (dims as number) <= 0) return fail(`dims is ${JSON.stringify(dims)}, expected a positive integer`);
  if (typeof modelKey !== 'string' || modelKey === '') fail('modelKey is not a non-empty string');
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) fail('id is not 64 lowercase hex digits');
  checkCodes(json.codes, count, dims as number, fail);
  checkRowFiles(json.rows, 'rows', count, rowBytes(dims as number), fail);
  checkKeyword(json.keyword, count, fail);
  checkText(json.text, count, fail);
  const manifest = json as unknown as PublishedManifest;
  const files = allFiles(manifest);
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) fail(`${file.path} is listed twice`);
    seen.add(file.path);
  }
  const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
  if (totalBytes !== bytes) fail(`totalBytes is ${JSON.stringify(totalBytes)}, the files listed add up to ${bytes}`);
  if (id !== libraryId(files)) fail('id does not match the files listed (edited by hand, or the files changed)');
  return manifest;
}
