/**
 * What a +1 % update of a published library changes (issue 17.2): publishes N papers, then the same N plus 1 %
 * appended, through the code `npm run index` runs (src/published/build-library.ts with the update-friendly
 * options of tools/publish-files.ts for the compressed layout, encodeIndexOutput for the exact one), and counts the files whose bytes differ and the bytes a visitor who made
 * the library available offline downloads again (every new or changed file, library.json included).
 *
 *   node --max-old-space-size=8000 --import tsx tools/measure-update.ts [--sizes 10000,100000] [--data <scifact dir>]
 *                                                                      [--with-defaults]
 *
 * Text: tools/synthetic-text.ts (sentences of SciFact abstracts, read by path). Vectors: seeded random unit
 * vectors (their bytes per paper are the real ones; their values do not change which files differ). Not a test.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { FileSink } from '../src/base/files.ts';
import type { Paper } from '../src/base/paper.ts';
import { seededRandom } from '../src/base/random.ts';
import { quantizeRows } from '../src/index/quantized-matrix.ts';
import { encodeIndexOutput } from '../src/library/import/precomputed-library.ts';
import { buildPublishedLibrary, encodeManifest } from '../src/published/build-library.ts';
import { PUBLISHED_MANIFEST_FILE, type PublishedManifest } from '../src/published/manifest.ts';
import { parseFlags, stringFlag } from './cli.ts';
import { updateFriendlyVectors } from './publish-files.ts';
import { SCIFACT_DIR } from './synthetic-corpus.ts';
import { loadScifactPapers, syntheticPapers } from './synthetic-text.ts';

const DIMS = 384;
const TEXT_SEED = 20261206;
const MODEL_KEY = 'synthetic@measure-update';

type Files = Map<string, { bytes: number; sha256: string }>;
const sha = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

function randomUnitVectors(count: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(count * DIMS);
  for (let row = 0; row < count; row++) {
    let norm = 0;
    for (let d = 0; d < DIMS; d++) {
      const x = random() * 2 - 1;
      out[row * DIMS + d] = x;
      norm += x * x;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let d = 0; d < DIMS; d++) out[row * DIMS + d] *= scale;
  }
  return out;
}

/** `previous`: the manifest of the version before, for update-friendly options (tools/publish-files.ts); undefined = the defaults. */
async function compressedFiles(papers: readonly Paper[], vectors: Float32Array, previous?: PublishedManifest | null): Promise<{ files: Files; manifest: PublishedManifest }> {
  const files: Files = new Map();
  const sink: FileSink = (path, data) => {
    const file = { path, bytes: data.byteLength, sha256: sha(data) };
    files.set(path, file);
    return file;
  };
  const options = previous === undefined ? undefined : updateFriendlyVectors(previous, MODEL_KEY, DIMS, papers.length);
  const { manifest } = await buildPublishedLibrary({ name: 'measure', modelKey: MODEL_KEY, papers, rows: quantizeRows(vectors, DIMS), vectors: options }, sink);
  const manifestBytes = encodeManifest(manifest);
  files.set(PUBLISHED_MANIFEST_FILE, { bytes: manifestBytes.length, sha256: sha(manifestBytes) });
  return { files, manifest };
}

function exactFiles(papers: readonly Paper[], vectors: Float32Array): Files {
  const output = encodeIndexOutput(papers, { modelKey: MODEL_KEY, dims: DIMS }, vectors);
  const corpus = new TextEncoder().encode(output.corpus);
  return new Map([
    ['corpus.json', { bytes: corpus.length, sha256: sha(corpus) }],
    ['vectors.bin', { bytes: output.vectors.length, sha256: sha(output.vectors) }],
  ]);
}

/** Files new or changed in `after`, their bytes, and the totals. */
function difference(before: Files, after: Files) {
  const changed = [...after].filter(([path, file]) => before.get(path)?.sha256 !== file.sha256);
  const byPart = new Map<string, { files: number; bytes: number }>();
  for (const [path, file] of changed) {
    const part = path.includes('/') ? path.split('/')[0] : path;
    const entry = byPart.get(part) ?? { files: 0, bytes: 0 };
    byPart.set(part, { files: entry.files + 1, bytes: entry.bytes + file.bytes });
  }
  const total = [...after.values()].reduce((sum, file) => sum + file.bytes, 0);
  const changedBytes = changed.reduce((sum, [, file]) => sum + file.bytes, 0);
  return {
    files: after.size,
    bytes: total,
    changed_files: changed.length,
    removed_files: [...before.keys()].filter((path) => !after.has(path)).length,
    changed_bytes: changedBytes,
    changed_share: Number((changedBytes / total).toFixed(4)),
    by_part: Object.fromEntries(byPart),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv, { sizes: { type: 'string' }, data: { type: 'string' }, 'with-defaults': { type: 'boolean' } });
  const sizes = (stringFlag(flags, 'sizes') ?? '10000,100000').split(',').map(Number);
  const source = loadScifactPapers(join(stringFlag(flags, 'data') ?? SCIFACT_DIR, 'corpus.jsonl'));
  for (const n of sizes) {
    const m = n + Math.round(n / 100);
    const papers = syntheticPapers(m, TEXT_SEED, source);
    const vectors = randomUnitVectors(m, n);
    const before = papers.slice(0, n);
    const beforeVectors = vectors.subarray(0, n * DIMS);
    // As tools/index.ts publishes: the first version with no previous manifest, the update with the first's.
    const first = await compressedFiles(before, beforeVectors, null);
    const compressed = difference(first.files, (await compressedFiles(papers, vectors, first.manifest)).files);
    // The defaults of src/published/vectors (one rows file up to 200,000 papers, the centre recomputed), for comparison.
    const defaults = flags['with-defaults'] ? difference((await compressedFiles(before, beforeVectors)).files, (await compressedFiles(papers, vectors)).files) : undefined;
    const exact = difference(exactFiles(before, beforeVectors), exactFiles(papers, vectors));
    console.log(JSON.stringify({ papers_before: n, papers_after: m, compressed, compressed_default_options: defaults, exact }));
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
