import type { PublishedFile } from '../../base/files.ts';
import type { Bm25Params } from '../../index/keyword.ts';
import { StaticKeywordError } from './errors.ts';

export const STATIC_KEYWORD_FORMAT_VERSION = 1;

/** What the scores were computed with; the page tokenises queries with the same `stem`. */
export interface StaticKeywordScoring {
  /** Porter stemming of index and query terms. */
  stem: boolean;
  /** Title field weight (0: the title field is not scored, as KeywordIndex does). */
  titleBoost: number;
  bm25: Bm25Params;
}

/**
 * The keyword part of library.json. Small at 1M documents: one short string and one small number per shard
 * plus the file list. Shard i holds the terms t with shardFirstTerms[i] <= t < shardFirstTerms[i + 1] (JS string
 * order); its bytes are the concatenation of its next shardFileCounts[i] entries of `files` (a shard is split
 * only when it exceeds the published file limit, so almost every count is 1).
 */
export interface StaticKeywordManifest {
  format: 'static-keyword';
  version: number;
  docCount: number;
  termCount: number;
  postingCount: number;
  scoring: StaticKeywordScoring;
  shardFirstTerms: string[];
  shardFileCounts: number[];
  files: PublishedFile[];
}

/** Throws 'manifest-invalid' unless the section is one this reader understands and is self-consistent. */
export function checkManifest(manifest: StaticKeywordManifest): void {
  const fail = (detail: string) => {
    throw new StaticKeywordError('manifest-invalid', detail);
  };
  if (manifest?.format !== 'static-keyword') fail(`format ${String(manifest?.format)}`);
  if (manifest.version !== STATIC_KEYWORD_FORMAT_VERSION) fail(`version ${manifest.version}, this reader reads ${STATIC_KEYWORD_FORMAT_VERSION}`);
  if (!Number.isInteger(manifest.docCount) || manifest.docCount < 0) fail(`docCount ${manifest.docCount}`);
  const { shardFirstTerms: firsts, shardFileCounts: counts, files } = manifest;
  if (!Array.isArray(firsts) || !Array.isArray(counts) || !Array.isArray(files) || firsts.length !== counts.length) fail('shard arrays differ in length');
  if (counts.reduce((sum, n) => sum + n, 0) !== files.length || counts.some((n) => !Number.isInteger(n) || n < 1)) fail('shard file counts do not add up to the file list');
  for (let i = 1; i < firsts.length; i++) if (!(firsts[i - 1] < firsts[i])) fail(`shard boundaries out of order at ${i}`);
}
