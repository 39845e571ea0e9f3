import type { Int8Rows } from '../../index/quantized-matrix.ts';
import { encodeVectorFile, type VectorEncoding, type VectorRowsFile } from '../../index/vector-file.ts';
import { Collector, type ImportSummary } from '../../corpus/formats/collector.ts';
import { LineIndex, PROGRESS_EVERY, type Progress } from '../../corpus/formats/fields.ts';
import { candidateFromObject } from '../../corpus/formats/json.ts';
import { contentHash } from '../../base/paper-id.ts';
import type { Paper } from '../../base/paper.ts';
import { CorpusFormatError } from '../../corpus/types.ts';

/**
 * What `npm run index` writes (tools/index.ts), read back by the app so a library embedded once on a computer
 * loads without embedding again:
 *
 * - `corpus.json`: `{"papers": [{id, title, abstract, authors?, year?, venue?, doi?, url?, arxivId?}, …]}`;
 * - `vectors.bin`: the vector file (src/index/vector-file.ts) keyed by model fingerprint and content hashes;
 * - `library.psl`: both in one file, a vector file whose header also carries `papers` (the bundle).
 *
 * A vector is used only for a paper whose content hash it carries, and only if it was made by the model this
 * app runs: papers without a vector are left to embed, vectors from another model are refused
 * ('vectors-wrong-model'). Pure and synchronous; runs in the import worker (import-service.ts).
 */

/** The model the app embeds with: what a precomputed vector must have been made by. */
export interface ExpectedModel {
  modelKey: string;
  dims: number;
}

/**
 * Precomputed vectors for the imported papers, in the shape the app's vector resolution takes
 * (src/index/resolve-vectors.ts VectorSource): row i belongs to the paper whose content hash is hashes[i].
 */
export interface PrecomputedVectors {
  modelKey: string;
  dims: number;
  hashes: string[];
  rows: Int8Rows;
  /** Papers with no vector in the file (edited since, or added): the app embeds them. */
  missing: number;
  /** Vectors whose paper is not among the imported ones (left out of `rows`). */
  unused: number;
}

/** The three files `npm run index` writes, as bytes. */
export interface IndexOutput {
  /** corpus.json */
  corpus: string;
  /** vectors.bin */
  vectors: Uint8Array;
  /** library.psl: the vector file with `papers` in its header. */
  bundle: Uint8Array;
}

/** File name of the bundle `npm run index` writes beside corpus.json and vectors.bin. */
export const BUNDLE_FILE = 'library.psl';

/** Encodes what `npm run index` writes for `papers` and their float vectors (row i = papers[i]). */
export function encodeIndexOutput(papers: readonly Paper[], model: ExpectedModel, vectors: Float32Array, encoding: VectorEncoding = 'int8'): IndexOutput {
  const file = { modelKey: model.modelKey, dims: model.dims, ids: papers.map((p) => p.id), hashes: papers.map(contentHash), vectors };
  return {
    corpus: JSON.stringify({ papers }),
    vectors: encodeVectorFile(file, encoding),
    bundle: encodeVectorFile({ ...file, papers: [...papers] }, encoding),
  };
}

/** `{"papers": …}` at the start: the corpus.json of `npm run index`, not a library export. */
export function isIndexCorpus(text: string): boolean {
  return /^\s*\{\s*"papers"\s*:/.test(text.slice(0, 256));
}

/** The readable part of a fingerprint key ("bge-small-en-v1.5@79cb630bdda34152" → its model id). */
function modelIdOf(key: string): string {
  const at = key.lastIndexOf('@');
  return at > 0 ? key.slice(0, at) : key;
}

/**
 * Refuses vectors made by another model (or another version of the same model: other weights, tokenizer,
 * pooling or prefixes all change the fingerprint key), naming both in plain words.
 */
export function checkModel(file: string, vectors: Pick<VectorRowsFile, 'modelKey' | 'dims'>, expected: ExpectedModel): void {
  if (vectors.modelKey === expected.modelKey && vectors.dims === expected.dims) return;
  const found = modelIdOf(vectors.modelKey);
  const wanted = modelIdOf(expected.modelKey);
  const made =
    found === wanted
      ? `these vectors were made with another version of ${found} (${vectors.modelKey}, ${vectors.dims} dimensions) than this app uses (${expected.modelKey}, ${expected.dims} dimensions)`
      : `these vectors were made with ${found} (${vectors.modelKey}, ${vectors.dims} dimensions); this app uses ${wanted} (${expected.modelKey}, ${expected.dims} dimensions)`;
  throw new CorpusFormatError(file, 1, `${made}: run npm run index again with this version of the app, or import the papers alone to embed them here`, 'vectors-wrong-model');
}

/**
 * Offsets where the elements of the top-level "papers" array start, for line numbers (the text is known to be
 * valid JSON). One pass that skips strings; only keys and values at the top two levels matter.
 */
function paperOffsets(source: string): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let inPapers = false;
  let expectValue = false;
  let key = '';
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (inPapers && depth === 2 && expectValue) {
      offsets.push(i);
      expectValue = false;
    }
    if (c === 0x22) {
      const start = i;
      for (i++; i < source.length; i++) {
        const s = source.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
      if (depth === 1) key = source.slice(start, i + 1);
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 2 && c === 0x5b && key === '"papers"') inPapers = expectValue = true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 1) inPapers = false;
    } else if (c === 0x2c && depth === 2 && inPapers) {
      expectValue = true;
    }
  }
  return offsets;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Papers as `npm run index` wrote them: ids kept (a vector's paper is found by content hash, but the ids are
 * what the app's URLs and results show), text kept exactly (so content hashes match the vectors), metadata read
 * by the same field mapping as JSON imports. `lineOf(i)` gives the line paper i starts on.
 */
function collectPapers(file: string, papers: unknown, lineOf: (index: number) => number, progress: Progress): { papers: Paper[]; summary: ImportSummary } {
  if (!Array.isArray(papers)) throw new CorpusFormatError(file, 1, `expected "papers" to be a list of papers, found ${kind(papers)}`, 'wrong-type');
  const collector = new Collector(file, false);
  papers.forEach((value: unknown, index) => {
    const line = lineOf(index);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CorpusFormatError(file, line, `expected papers[${index}] to be an object with an "id" and a "title", found ${kind(value)}`, 'not-an-object');
    }
    const record = value as Record<string, unknown>;
    if (typeof record.id !== 'string' || record.id === '') {
      throw new CorpusFormatError(file, line, `expected "id" in papers[${index}] to be a non-empty string, found ${kind(record.id)}`, 'wrong-type');
    }
    collector.add({ ...candidateFromObject(record, line, file, ` in papers[${index}]`), explicitId: record.id });
    if ((index + 1) % PROGRESS_EVERY === 0) progress((index + 1) / papers.length);
  });
  return { papers: collector.papers, summary: collector.finish('expected at least one paper in "papers", found an empty list') };
}

/** corpus.json text (isIndexCorpus) → papers. Malformed JSON and misplaced fields give the line. */
export function parseIndexCorpus(file: string, source: string, progress: Progress): { papers: Paper[]; summary: ImportSummary } {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    throw new CorpusFormatError(file, 1, `expected the corpus.json that npm run index writes ({"papers": […]}); the JSON is malformed (${(error as Error).message})`, 'malformed-json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CorpusFormatError(file, 1, `expected {"papers": […]}, found ${kind(value)}`, 'not-an-object');
  }
  // A file as `npm run index` writes it is one line: every paper is on line 1. Otherwise one pass finds where
  // each paper starts.
  const oneLine = !source.trimEnd().includes('\n');
  const offsets = oneLine ? [] : paperOffsets(source);
  const lines = oneLine ? null : new LineIndex(source);
  const lineOf = (index: number): number => (lines ? lines.lineAt(offsets[index] ?? 0) : 1);
  return collectPapers(file, (value as Record<string, unknown>).papers, lineOf, progress);
}

/** A bundle's papers (from its vector-file header) → papers. The header is one line: positions are list indices. */
export function papersFromBundle(file: string, papers: unknown[], progress: Progress): { papers: Paper[]; summary: ImportSummary } {
  return collectPapers(file, papers, () => 1, progress);
}

/**
 * The file's vectors that belong to `hashes` (the papers' content hashes, in paper order), as rows in paper
 * order: the app takes them as they are. Papers without a vector are counted as missing. A file none of whose
 * vectors belongs to these papers is refused ('vectors-other-papers'): it was paired with the wrong corpus.
 */
export function matchVectors(file: string, vectors: VectorRowsFile, hashes: readonly string[], progress: (done: number) => void): PrecomputedVectors {
  const { dims, rows } = vectors;
  const rowOf = new Map<string, number>();
  vectors.hashes.forEach((hash, row) => rowOf.set(hash, row));
  const picked: number[] = [];
  const pickedHashes: string[] = [];
  const taken = new Set<string>();
  let missing = 0;
  hashes.forEach((hash, i) => {
    const row = rowOf.get(hash);
    if (row === undefined) missing++;
    else if (!taken.has(hash)) {
      taken.add(hash);
      picked.push(row);
      pickedHashes.push(hash);
    }
    if ((i + 1) % PROGRESS_EVERY === 0) progress(i + 1);
  });
  if (picked.length === 0 && vectors.hashes.length > 0 && hashes.length > 0) {
    throw new CorpusFormatError(
      file,
      1,
      `none of its ${vectors.hashes.length} vectors belongs to the ${hashes.length} chosen papers (no content hash matches): choose the corpus.json written together with it`,
      'vectors-other-papers',
    );
  }
  const unused = vectors.hashes.length - picked.length;
  const inOrder = unused === 0 && picked.every((row, i) => row === i);
  // Rows already in paper order are handed over as they are; otherwise copied, leaving out the unused ones.
  const data = inOrder ? rows.data : new Int8Array(picked.length * dims);
  const scales = inOrder ? rows.scales : new Float32Array(picked.length);
  if (!inOrder) {
    picked.forEach((row, i) => {
      data.set(rows.data.subarray(row * dims, (row + 1) * dims), i * dims);
      scales[i] = rows.scales[row];
    });
  }
  progress(hashes.length);
  return { modelKey: vectors.modelKey, dims, hashes: pickedHashes, rows: { dims, data, scales }, missing, unused };
}
