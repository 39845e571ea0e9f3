/**
 * The Node side of a published library's files (issue 10): a FileSink that writes each file under the output
 * folder atomically (a temporary name, then rename, so an interrupted run never leaves a half-written file under
 * its real name) and hashes it with node:crypto; and the clean-up of files an earlier run listed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileSink, PublishedFile } from '../src/base/files.ts';
import { allFiles, parsePublishedManifest, PUBLISHED_MANIFEST_FILE, type PublishedManifest } from '../src/published/manifest.ts';
import type { PublishedVectorsOptions } from '../src/published/vectors/published-vectors.ts';

export function writeAtomically(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

export function sha256File(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Totals of what a sink wrote, for `npm run index` to print. */
export interface SinkTally {
  files: number;
  bytes: number;
  /** Bytes per top folder ("codes", "rows", …). */
  byPart: Map<string, number>;
  largest: PublishedFile | null;
}

/** A FileSink writing under `root`; `tally` counts what it wrote. */
export function nodeFileSink(root: string): { sink: FileSink; tally: SinkTally } {
  const tally: SinkTally = { files: 0, bytes: 0, byPart: new Map(), largest: null };
  const sink: FileSink = (path, data) => {
    writeAtomically(join(root, path), data);
    const file = { path, bytes: data.byteLength, sha256: sha256File(data) };
    const part = path.split('/')[0];
    tally.files++;
    tally.bytes += file.bytes;
    tally.byPart.set(part, (tally.byPart.get(part) ?? 0) + file.bytes);
    if (!tally.largest || file.bytes > tally.largest.bytes) tally.largest = file;
    return file;
  };
  return { sink, tally };
}

/** The files the library.json in `root` lists, or null when there is none (or it does not parse). */
export function listedFiles(root: string): string[] | null {
  const path = join(root, PUBLISHED_MANIFEST_FILE);
  if (!existsSync(path)) return null;
  try {
    return allFiles(parsePublishedManifest(JSON.parse(readFileSync(path, 'utf8')), path)).map((file) => file.path);
  } catch {
    return null;
  }
}

/**
 * Deletes `paths` (relative to `root`) and then the folders they leave empty. Only files a manifest listed or
 * the exact layout's known names are passed here, never a whole folder: --out may hold the user's own files.
 */
export function removeFiles(root: string, paths: readonly string[]): number {
  const folders = new Set<string>();
  let removed = 0;
  for (const path of paths) {
    const full = join(root, path);
    if (!existsSync(full)) continue;
    rmSync(full, { force: true });
    removed++;
    for (let dir = dirname(path); dir !== '.' && dir !== ''; dir = dirname(dir)) folders.add(dir);
  }
  // Deepest first, so a parent is looked at after its children.
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) {
    const full = join(root, dir);
    if (existsSync(full) && readdirSync(full).length === 0) rmdirSync(full);
  }
  return removed;
}

/**
 * Rows per rows/ and codes/ file when `npm run index` publishes (issue 17.2): small enough that appending 1 % to
 * a large library rewrites one file of each instead of all of them (src/published/vectors' defaults put 200,000
 * rows in one file), so a visitor's stored copy, keyed by each file's sha256, stays mostly valid.
 */
export const UPDATE_ROWS_PER_FILE = 16_384;
export const UPDATE_CODES_PER_FILE = 65_536;

/**
 * Options that keep an update's unchanged files byte-identical: the previous manifest's sign-code centre (the
 * mean of all rows would move with every added paper and change every code file), as long as it was made by the
 * same model and the library has not more than doubled since (then the centre is recomputed once).
 */
export function updateFriendlyVectors(previous: PublishedManifest | null, modelKey: string, dims: number, count: number): PublishedVectorsOptions {
  const reuse = previous !== null && previous.modelKey === modelKey && previous.dims === dims && previous.count * 2 >= count;
  return { center: reuse ? Float32Array.from(previous.codes.center) : undefined, rowsPerFile: UPDATE_ROWS_PER_FILE, codesPerFile: UPDATE_CODES_PER_FILE };
}

/** The library.json in `root`, or null when there is none (or it does not parse). */
export function previousManifest(root: string): PublishedManifest | null {
  const path = join(root, PUBLISHED_MANIFEST_FILE);
  if (!existsSync(path)) return null;
  try {
    return parsePublishedManifest(JSON.parse(readFileSync(path, 'utf8')), path);
  } catch {
    return null;
  }
}
