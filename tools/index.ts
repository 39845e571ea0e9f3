/**
 * Precomputes a corpus's document vectors in Node with the same Encoder (model files, tokenizer, truncation,
 * pooling) as the browser, so a first visit embeds nothing, and publishes the corpus in one of two layouts:
 *
 *   npm run index -- --corpus <library file> --out <dir> [--layout auto|exact|compressed] [--vectors <vectors.bin>]
 *                    [--name <name>] [--model <id>] [--encoding int8|f32] [--no-cache] [--no-bundle]
 *
 * The corpus is read by the app's import code (src/corpus/import.ts, parseLibrary): BibTeX, RIS, CSL-JSON or a
 * JSON array, JSON Lines, CSV/TSV, arXiv Atom/OAI-PMH XML or a Daily Papers .txt listing.
 *
 * Exact layout (the app holds every vector and the keyword index in the tab): <dir>/corpus.json ({ papers }) and
 * <dir>/vectors.bin (vector-file.ts; modelKey = the encoder's fingerprint key, one content hash per paper; int8 by
 * default, as the app holds vectors), and <dir>/library.psl, both in one file (a vector file whose header also
 * carries the papers; src/corpus/precomputed-library.ts). The browser uses a vector only if both the key and the
 * paper's hash match. "Search your own papers…" imports either the pair or the .psl (--no-bundle leaves it out,
 * e.g. for the site's own corpus, which the app reads as the pair).
 *
 * Compressed layout (issue 10, for corpora too large for the tab): <dir>/library.json (src/published/manifest.ts)
 * and the files it lists under codes/, rows/, keyword/ and text/, each under 100 MB (GitHub Pages' limit).
 * `--layout auto` (the default) picks it from COMPRESSED_LAYOUT_FROM papers (src/published/layout-choice.ts).
 * Writing one layout removes the other's files from <dir> (only files it knows by name or that the old
 * library.json lists), so the app never finds both.
 *
 * Vectors come from --vectors (a vector file made for these papers by this model: reused for every paper whose
 * content hash it carries, refused if another model made it), then from .cache/vectors by content hash (the eval
 * tools' cache, so re-running after editing a few abstracts embeds only those), then the encoder. Prints docs/s,
 * and for the compressed layout bytes per part, file count, largest file and time per stage.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseLibrary } from '../src/corpus/import.ts';
import { parseFlags, stringFlag, UsageError } from './cli.ts';
import { contentHash, documentText } from '../src/base/paper-id.ts';
import { BUNDLE_FILE, checkModel, encodeIndexOutput, type ExpectedModel } from '../src/library/import/precomputed-library.ts';
import type { Paper } from '../src/base/paper.ts';
import { CorpusFormatError } from '../src/corpus/types.ts';
import type { Encoder } from '../src/embedding/encoder.ts';
import { fingerprintKey, modelFingerprint, weightsHashFromProvenance } from '../src/embedding/fingerprint.ts';
import { DEFAULT_MODEL_ID, getModelSpec } from '../src/embedding/models.ts';
import { loadNodeEncoder, locateModel, readProvenance } from '../src/embedding/node-encoder.ts';
import { embedPapersCached } from '../src/eval/disk-vector-cache.ts';
import { quantizeRows } from '../src/index/quantized-matrix.ts';
import { decodeVectorFile, type VectorEncoding } from '../src/index/vector-file.ts';
import { buildPublishedLibrary, encodeManifest } from '../src/published/build-library.ts';
import { chooseLayout, COMPRESSED_LAYOUT_FROM, type LayoutRequest, type PublishedLayout } from '../src/published/layout-choice.ts';
import { allFiles, PUBLISHED_MANIFEST_FILE } from '../src/published/manifest.ts';
import { listedFiles, nodeFileSink, previousManifest, removeFiles, updateFriendlyVectors, writeAtomically, type SinkTally } from './publish-files.ts';
import { embedShard, parseShard, type ShardSpec } from './vector-shards.ts';
import { DiskVectorCache } from '../src/eval/disk-vector-cache.ts';

/** Where vectors are kept between runs, by model fingerprint key then content hash (src/eval/disk-vector-cache.ts). */
const DEFAULT_VECTOR_CACHE = join('.cache', 'vectors');
const DEFAULT_SHARD_DIR = join('.cache', 'vector-shards');

interface Args {
  corpus: string;
  out: string;
  model: string;
  encoding: VectorEncoding;
  cache: boolean;
  bundle: boolean;
  layout: LayoutRequest;
  vectors: string | undefined;
  name: string | undefined;
  /** The content-addressed vector cache (issue 17.2), outside any site folder. */
  cacheDir: string;
  /** Print one JSON line last (for `npm run publish` and CI). */
  json: boolean;
  /** Embed only this share of the uncached papers into a shard file (issue 17.3); no site output. */
  shard: ShardSpec | undefined;
  shardDir: string;
}

const USAGE =
  'usage: npm run index -- --corpus <file.bib|.ris|.json|.jsonl|.csv|.tsv|.xml|.txt> --out <dir> [--layout auto|exact|compressed] ' +
  '[--vectors <vectors.bin>] [--name <name>] [--model <id>] [--encoding int8|f32] [--no-cache] [--no-bundle] [--cache-dir <dir>] [--json]\n' +
  '       npm run index -- --corpus <file> --shard i/N [--shard-dir <dir>] [--cache-dir <dir>]   (then npm run merge-vectors)';

/** The exact layout's files, removed when the compressed one is written. */
const EXACT_FILES = ['corpus.json', 'vectors.bin', BUNDLE_FILE];

function parseArgs(argv: readonly string[]): Args {
  const flags = parseFlags(argv, {
    corpus: { type: 'string' },
    out: { type: 'string' },
    model: { type: 'string' },
    encoding: { type: 'string' },
    layout: { type: 'string' },
    vectors: { type: 'string' },
    name: { type: 'string' },
    'no-cache': { type: 'boolean' },
    'no-bundle': { type: 'boolean' },
    'cache-dir': { type: 'string' },
    json: { type: 'boolean' },
    shard: { type: 'string' },
    'shard-dir': { type: 'string' },
  });
  const value = (flag: string) => stringFlag(flags, flag.slice(2));
  const corpus = value('--corpus');
  const out = value('--out');
  const shardText = value('--shard');
  const shard = shardText === undefined ? undefined : parseShard(shardText);
  if (!corpus || (!out && !shard)) throw new UsageError('--corpus and --out are required (--out not with --shard)');
  const model = value('--model') ?? DEFAULT_MODEL_ID;
  getModelSpec(model);
  const encoding = value('--encoding') ?? 'int8';
  if (encoding !== 'int8' && encoding !== 'f32') throw new UsageError('--encoding must be int8 or f32');
  const layout = value('--layout') ?? 'auto';
  if (layout !== 'auto' && layout !== 'exact' && layout !== 'compressed') throw new UsageError('--layout must be auto, exact or compressed');
  const vectors = value('--vectors');
  if (vectors !== undefined && !existsSync(vectors)) throw new UsageError(`--vectors ${vectors}: no such file`);
  const name = value('--name');
  if (name === '') throw new UsageError('--name must not be empty');
  const cacheDir = resolve(value('--cache-dir') ?? DEFAULT_VECTOR_CACHE);
  const shardDir = resolve(value('--shard-dir') ?? DEFAULT_SHARD_DIR);
  return {
    ...{ corpus, out: out ?? '', model, encoding, cache: flags['no-cache'] !== true, bundle: flags['no-bundle'] !== true, layout, vectors, name },
    ...{ cacheDir, json: flags.json === true, shard, shardDir },
  };
}

/** The encoder's fingerprint key and dims, from its PROVENANCE.json, without loading the model. */
function expectedModel(modelId: string): ExpectedModel {
  const spec = getModelSpec(modelId);
  const weightsSha256 = weightsHashFromProvenance(readProvenance(locateModel(modelId)));
  return { modelKey: fingerprintKey(modelFingerprint(spec, weightsSha256)), dims: spec.dims };
}

interface Vectors {
  /** count x dims, row i = papers[i]. */
  vectors: Float32Array;
  reused: number;
  embedded: number;
  fromCache: number;
  seconds: number;
}

/**
 * Rows of the --vectors file whose content hash matches a paper (model checked first, as the app does:
 * precomputed-library.ts checkModel); returns the papers still without a vector.
 */
function reuseVectors(path: string, papers: readonly Paper[], model: ExpectedModel, into: Float32Array): number[] {
  const file = decodeVectorFile(new Uint8Array(readFileSync(path)), path);
  checkModel(path, file, model);
  const rowOf = new Map<string, number>();
  file.hashes.forEach((hash, row) => rowOf.set(hash, row));
  const missing: number[] = [];
  papers.forEach((paper, i) => {
    const row = rowOf.get(contentHash(paper));
    if (row === undefined) missing.push(i);
    else into.set(file.vectors.subarray(row * model.dims, (row + 1) * model.dims), i * model.dims);
  });
  return missing;
}

/** Embeds without the disk cache (for one-off corpora that should not fill .cache). */
async function embedUncached(encoder: Encoder, papers: readonly Paper[], log: (line: string) => void): Promise<Float32Array> {
  return encoder.embedDocuments(papers.map(documentText), ({ done, total }) => {
    if (done % 512 < 32 || done === total) log(`  embedded ${done}/${total}`);
  });
}

/** Fills `into` from the disk cache when it holds every missing paper's vector; false (nothing filled) otherwise. */
function cachedVectors(cacheDir: string, papers: readonly Paper[], missing: readonly number[], model: ExpectedModel, into: Float32Array): boolean {
  const cache = DiskVectorCache.open(cacheDir, model.modelKey, model.dims, 'documents');
  const rows = missing.map((i) => cache.get(contentHash(papers[i])));
  if (rows.some((row) => row === undefined)) return false;
  missing.forEach((paper, j) => into.set(rows[j]!, paper * model.dims));
  return true;
}

async function paperVectors(args: Args, papers: readonly Paper[], log: (line: string) => void): Promise<Vectors & ExpectedModel> {
  const model = expectedModel(args.model);
  const vectors = new Float32Array(papers.length * model.dims);
  const missing = args.vectors ? reuseVectors(args.vectors, papers, model, vectors) : papers.map((_, i) => i);
  if (args.vectors) log(`${args.vectors}: vectors for ${papers.length - missing.length} of ${papers.length} papers`);
  const result = { ...model, vectors, reused: papers.length - missing.length, embedded: 0, fromCache: 0, seconds: 0 };
  if (missing.length === 0) return result;
  // Everything already in the vector cache (a republish, or after merge-vectors): no model to load.
  if (args.cache && cachedVectors(args.cacheDir, papers, missing, model, vectors)) return { ...result, fromCache: missing.length };
  const encoder = await loadNodeEncoder(args.model);
  log(`${missing.length} papers to embed; model ${encoder.key}`);
  if (encoder.key !== model.modelKey) throw new Error(`the loaded encoder's key ${encoder.key} differs from ${model.modelKey} computed from its PROVENANCE.json`);
  const toEmbed = missing.map((i) => papers[i]);
  const started = performance.now();
  try {
    if (args.cache) {
      const report = await embedPapersCached(encoder, toEmbed, args.cacheDir, (done, total) => {
        if (done % 512 < 32 || done === total) log(`  embedded ${done}/${total}`);
      });
      missing.forEach((paper, j) => vectors.set(report.vectors.subarray(j * model.dims, (j + 1) * model.dims), paper * model.dims));
      return { ...result, embedded: report.embedded, fromCache: missing.length - report.embedded, seconds: report.seconds };
    }
    const embedded = await embedUncached(encoder, toEmbed, log);
    missing.forEach((paper, j) => vectors.set(embedded.subarray(j * model.dims, (j + 1) * model.dims), paper * model.dims));
    return { ...result, embedded: missing.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    await encoder.dispose();
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `--shard i/N`: this machine's share of the uncached papers, into a shard file for merge-vectors. */
async function indexShard(args: Args, shard: ShardSpec, papers: readonly Paper[], log: (line: string) => void): Promise<void> {
  const model = expectedModel(args.model);
  const cache = DiskVectorCache.open(args.cacheDir, model.modelKey, model.dims, 'documents');
  const encoder = await loadNodeEncoder(args.model);
  try {
    const report = await embedShard(encoder, papers, cache, shard, args.shardDir, log);
    const rate = report.embedded > 0 ? `${(report.embedded / report.seconds).toFixed(1)} docs/s` : 'none embedded';
    log(`shard ${shard.index}/${shard.count}: ${report.missing} papers not in ${args.cacheDir}; embedded ${report.embedded} (${report.batches} batches) in ${report.seconds.toFixed(1)} s (${rate}) into ${report.file}`);
    if (args.json) console.log(JSON.stringify({ papers: papers.length, missing: report.missing, embedded: report.embedded, seconds: Number(report.seconds.toFixed(1)), shard: `${shard.index}/${shard.count}`, file: report.file }));
  } finally {
    await encoder.dispose();
  }
}

function writeExact(args: Args, papers: readonly Paper[], vectors: Vectors & ExpectedModel): string {
  const output = encodeIndexOutput(papers, vectors, vectors.vectors, args.encoding);
  // Read before anything is removed: the old manifest names the compressed files to delete.
  const stale = listedFiles(args.out);
  writeAtomically(join(args.out, 'corpus.json'), output.corpus);
  writeAtomically(join(args.out, 'vectors.bin'), output.vectors);
  if (args.bundle) writeAtomically(join(args.out, BUNDLE_FILE), output.bundle);
  const removed = removeFiles(args.out, [PUBLISHED_MANIFEST_FILE, ...(stale ?? [])]);
  return (
    `wrote ${join(args.out, 'corpus.json')} and ${join(args.out, 'vectors.bin')} (${args.encoding}, ${(output.vectors.length / 1024).toFixed(0)} KiB)` +
    (args.bundle ? `, and both in ${join(args.out, BUNDLE_FILE)} (${(output.bundle.length / 1024).toFixed(0)} KiB)` : '') +
    (removed > 0 ? `; removed ${removed} files of the compressed layout` : '')
  );
}

function describeTally(tally: SinkTally): string {
  const parts = [...tally.byPart].map(([part, bytes]) => `${part}/ ${mb(bytes)}`).join(', ');
  return `${tally.files} files, ${mb(tally.bytes)} (${parts}); largest ${tally.largest?.path} ${mb(tally.largest?.bytes ?? 0)}`;
}

async function writeCompressed(args: Args, papers: readonly Paper[], vectors: Vectors & ExpectedModel, log: (line: string) => void): Promise<string> {
  if (args.encoding === 'f32') log('note: --encoding f32 applies to the exact layout; the compressed layout stores int8 rows');
  const stale = listedFiles(args.out);
  // Read before anything is written: a republish keeps the old centre, so unchanged code files stay the same.
  const options = updateFriendlyVectors(previousManifest(args.out), vectors.modelKey, vectors.dims, papers.length);
  const { sink, tally } = nodeFileSink(args.out);
  const rows = quantizeRows(vectors.vectors, vectors.dims);
  const name = args.name ?? basename(args.corpus, extname(args.corpus));
  const { manifest, ms } = await buildPublishedLibrary({ name, modelKey: vectors.modelKey, papers, rows, keyword: { log }, vectors: options }, sink);
  // Last, so a folder with a library.json always holds every file it lists.
  const manifestBytes = encodeManifest(manifest);
  writeAtomically(join(args.out, PUBLISHED_MANIFEST_FILE), manifestBytes);
  const current = new Set(allFiles(manifest).map((file) => file.path));
  const removed = removeFiles(args.out, [...EXACT_FILES, ...(stale ?? []).filter((path) => !current.has(path))]);
  return (
    `wrote ${join(args.out, PUBLISHED_MANIFEST_FILE)} (${(manifestBytes.length / 1024).toFixed(0)} KiB, id ${manifest.id.slice(0, 16)}) and ${describeTally(tally)}; ` +
    `${(tally.bytes / papers.length).toFixed(0)} bytes per paper; stages: embedding ${vectors.seconds.toFixed(1)} s, codes/rows ${seconds(ms.vectors)}, ` +
    `keyword ${seconds(ms.keyword)}, text ${seconds(ms.text)}` +
    (removed > 0 ? `; removed ${removed} stale files` : '')
  );
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const log = (line: string) => process.stderr.write(line + '\n');
  const { papers, format, summary } = parseLibrary(args.corpus, new Uint8Array(readFileSync(args.corpus)));
  log(
    `${args.corpus}: ${format}, ${summary.records} records, ${summary.imported} papers (${summary.titleOnly} title only), ` +
      `${summary.duplicatesMerged} duplicates merged, ${summary.skipped.length} skipped` +
      summary.skipped.slice(0, 5).map((skip) => `\n  line ${skip.line}: ${skip.reason}`).join(''),
  );
  if (args.shard) return indexShard(args, args.shard, papers, log);
  const layout: PublishedLayout = chooseLayout(papers.length, args.layout);
  log(`layout: ${layout}${args.layout === 'auto' ? ` (auto: compressed from ${COMPRESSED_LAYOUT_FROM} papers)` : ''}`);
  const vectors = await paperVectors(args, papers, log);

  const wrote = layout === 'exact' ? writeExact(args, papers, vectors) : await writeCompressed(args, papers, vectors, log);
  const rate = vectors.embedded > 0 ? `${(vectors.embedded / vectors.seconds).toFixed(1)} docs/s` : 'none embedded';
  const line =
    `indexed ${papers.length} papers: embedded ${vectors.embedded} in ${vectors.seconds.toFixed(1)} s (${rate}), ` +
    `${vectors.fromCache} from cache, ${vectors.reused} from ${args.vectors ?? 'no --vectors file'}; ${wrote}`;
  if (!args.json) return console.log(line);
  log(line);
  const result = { papers: papers.length, embedded: vectors.embedded, reused: vectors.fromCache + vectors.reused, layout, seconds: Number(vectors.seconds.toFixed(1)) };
  console.log(JSON.stringify(result));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
  else if (error instanceof CorpusFormatError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
