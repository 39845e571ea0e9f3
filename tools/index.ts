/**
 * Precomputes a corpus's document vectors in Node with the same Encoder (model files, tokenizer, truncation,
 * pooling) as the browser, so a first visit embeds nothing:
 *
 *   npm run index -- --corpus <library file> --out <dir> [--model <id>] [--encoding int8|f32] [--no-cache] [--no-bundle]
 *
 * The corpus is read by the app's import code (src/corpus/import.ts, parseLibrary): BibTeX, RIS, CSL-JSON or a
 * JSON array, JSON Lines, CSV/TSV, arXiv Atom/OAI-PMH XML or a Daily Papers .txt listing.
 *
 * Writes <dir>/corpus.json ({ papers }) and <dir>/vectors.bin (vector-file.ts; modelKey = the encoder's fingerprint
 * key, one content hash per paper; int8 by default, as the app holds vectors), and <dir>/library.psl, both in one
 * file (a vector file whose header also carries the papers; src/corpus/precomputed-library.ts). The browser uses a
 * vector only if both the key and the paper's hash match. "Search your own papers…" imports either the pair or
 * the .psl (--no-bundle leaves it out, e.g. for the site's own corpus, which the app reads as the pair).
 * Vectors are cached under .cache/vectors by content hash (the eval tools' cache), so re-running after editing a
 * few abstracts embeds only those. Prints docs/s.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseLibrary } from '../src/corpus/import.ts';
import { parseFlags, stringFlag, UsageError } from './cli.ts';
import { documentText } from '../src/corpus/paper-id.ts';
import { BUNDLE_FILE, encodeIndexOutput } from '../src/corpus/precomputed-library.ts';
import { CorpusFormatError, type Paper } from '../src/corpus/types.ts';
import type { Encoder } from '../src/embedding/encoder.ts';
import { DEFAULT_MODEL_ID, getModelSpec } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { embedPapersCached } from '../src/eval/disk-vector-cache.ts';
import type { VectorEncoding } from '../src/index/vector-file.ts';

interface Args {
  corpus: string;
  out: string;
  model: string;
  encoding: VectorEncoding;
  cache: boolean;
  bundle: boolean;
}

const USAGE = 'usage: npm run index -- --corpus <file.bib|.ris|.json|.jsonl|.csv|.tsv|.xml|.txt> --out <dir> [--model <id>] [--encoding int8|f32] [--no-cache] [--no-bundle]';

function parseArgs(argv: readonly string[]): Args {
  const flags = parseFlags(argv, {
    corpus: { type: 'string' },
    out: { type: 'string' },
    model: { type: 'string' },
    encoding: { type: 'string' },
    'no-cache': { type: 'boolean' },
    'no-bundle': { type: 'boolean' },
  });
  const value = (flag: string) => stringFlag(flags, flag.slice(2));
  const corpus = value('--corpus');
  const out = value('--out');
  if (!corpus || !out) throw new UsageError('--corpus and --out are required');
  const model = value('--model') ?? DEFAULT_MODEL_ID;
  getModelSpec(model);
  const encoding = value('--encoding') ?? 'int8';
  if (encoding !== 'int8' && encoding !== 'f32') throw new UsageError('--encoding must be int8 or f32');
  return { corpus, out, model, encoding, cache: flags['no-cache'] !== true, bundle: flags['no-bundle'] !== true };
}

/** Embeds without the disk cache (for one-off corpora that should not fill .cache). */
async function embedUncached(encoder: Encoder, papers: readonly Paper[], log: (line: string) => void): Promise<{ vectors: Float32Array; embedded: number; seconds: number }> {
  const started = performance.now();
  const vectors = await encoder.embedDocuments(papers.map(documentText), ({ done, total }) => {
    if (done % 512 < 32 || done === total) log(`  embedded ${done}/${total}`);
  });
  return { vectors, embedded: papers.length, seconds: (performance.now() - started) / 1000 };
}

function writeAtomically(path: string, data: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
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
  const encoder = await loadNodeEncoder(args.model);
  log(`${papers.length} papers from ${args.corpus}; model ${encoder.key}`);
  const report = args.cache
    ? await embedPapersCached(encoder, papers, resolve('.cache', 'vectors'), (done, total) => {
        if (done % 512 < 32 || done === total) log(`  embedded ${done}/${total}`);
      })
    : await embedUncached(encoder, papers, log);
  await encoder.dispose();

  mkdirSync(args.out, { recursive: true });
  const output = encodeIndexOutput(papers, { modelKey: encoder.key, dims: encoder.dims }, report.vectors, args.encoding);
  writeAtomically(join(args.out, 'corpus.json'), output.corpus);
  writeAtomically(join(args.out, 'vectors.bin'), output.vectors);
  if (args.bundle) writeAtomically(join(args.out, BUNDLE_FILE), output.bundle);

  const rate = report.embedded > 0 ? `${(report.embedded / report.seconds).toFixed(1)} docs/s` : 'all from cache';
  console.log(
    `indexed ${papers.length} papers: embedded ${report.embedded} in ${report.seconds.toFixed(1)} s (${rate}), ` +
      `${papers.length - report.embedded} from cache; wrote ${join(args.out, 'corpus.json')} and ${join(args.out, 'vectors.bin')} ` +
      `(${args.encoding}, ${(output.vectors.length / 1024).toFixed(0)} KiB)` +
      (args.bundle ? `, and both in ${join(args.out, BUNDLE_FILE)} (${(output.bundle.length / 1024).toFixed(0)} KiB)` : ''),
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
  else if (error instanceof CorpusFormatError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
