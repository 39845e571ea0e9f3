/**
 * Index-time cost of a published library at scale (issue 10, parts 4 and 5): publishes N synthetic papers in the
 * compressed layout through the same code as `npm run index -- --layout compressed` (src/published/build-library.ts
 * with the Node file sink of tools/publish-files.ts), and prints seconds per stage, bytes per part and per paper,
 * and the largest corpus that fits a GitHub Pages site beside the app.
 *
 *   node --max-old-space-size=16000 --import tsx tools/bench-publish.ts [--papers 1000000] [--out <dir>] [--keep]
 *                                                                        [--dist dist] [--data <beir dir>]
 *
 * Vectors: src/index/compressed/synthetic.ts over SciFact's real vectors, as tools/bench-million.ts. Text:
 * tools/synthetic-text.ts (sentences of SciFact abstracts, mixed). Both are made before the clock starts: what is
 * timed is what `npm run index` does after embedding. A million abstracts' text is ~1.5 GB of strings in Node,
 * hence the larger heap. Not a test: it asserts nothing about speed.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_SYNTHETIC, SyntheticCorpus } from '../src/index/compressed/synthetic.ts';
import { buildPublishedLibrary, encodeManifest } from '../src/published/build-library.ts';
import { PUBLISHED_MANIFEST_FILE } from '../src/published/manifest.ts';
import { parseOptions, runTool } from './cli.ts';
import { nodeFileSink, writeAtomically } from './publish-files.ts';
import { loadSourceVectors, SCIFACT_DIR } from './synthetic-corpus.ts';
import { loadScifactPapers, syntheticPapers } from './synthetic-text.ts';

/** GitHub Pages: "Published GitHub Pages sites may be no larger than 1 GB" (taken as 10^9 bytes, the smaller reading). */
const PAGES_SITE_LIMIT = 1_000_000_000;
const TEXT_SEED = 20261126;

const log = (line: string) => process.stderr.write(line + '\n');
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** Bytes of every file under `dir`, except under the folders named in `skip` (relative to dir). */
function folderBytes(dir: string, skip: readonly string[] = [], prefix = ''): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix + entry.name;
    if (skip.includes(relative)) continue;
    if (entry.isDirectory()) total += folderBytes(join(dir, entry.name), skip, relative + '/');
    else total += statSync(join(dir, entry.name)).size;
  }
  return total;
}

async function main(argv: readonly string[]): Promise<void> {
  const o = parseOptions(argv, { papers: 'count', out: 'string', dist: 'string', data: 'string', keep: 'boolean' });
  const n = o.papers ?? 1_000_000;
  const out = resolve(o.out ?? join('.cache', 'bench-publish', String(n)));
  const dist = o.dist ?? 'dist';
  const data = o.data ?? SCIFACT_DIR;
  const keep = o.keep;
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, load_average_1m_start: round(loadavg()[0], 2) };
  log(`machine: ${JSON.stringify(machine)}`);

  let started = performance.now();
  const source = await loadSourceVectors(data, log);
  const corpus = new SyntheticCorpus(source.documents, source.dims, DEFAULT_SYNTHETIC);
  const rows = corpus.int8Matrix(n).int8Rows();
  const generateVectorsMs = performance.now() - started;
  log(`generated ${n} synthetic int8 rows in ${(generateVectorsMs / 1000).toFixed(1)} s`);
  started = performance.now();
  const papers = syntheticPapers(n, TEXT_SEED, loadScifactPapers(join(data, 'corpus.jsonl')));
  const generateTextMs = performance.now() - started;
  log(`generated ${n} synthetic papers in ${(generateTextMs / 1000).toFixed(1)} s`);

  rmSync(out, { recursive: true, force: true });
  const { sink, tally } = nodeFileSink(out);
  started = performance.now();
  const { manifest, ms } = await buildPublishedLibrary({ name: `synthetic-${n}`, modelKey: source.modelKey, papers, rows, keyword: { log } }, sink);
  const manifestBytes = encodeManifest(manifest);
  writeAtomically(join(out, PUBLISHED_MANIFEST_FILE), manifestBytes);
  const totalMs = performance.now() - started;

  const libraryBytes = tally.bytes + manifestBytes.length;
  const perPaper = libraryBytes / n;
  // The app beside the library: everything `vite build` emits except its own corpus (the bundled papers).
  const appBytes = folderBytes(dist, ['corpus']);
  const fits = Math.floor((PAGES_SITE_LIMIT - appBytes) / perPaper);
  const parts = Object.fromEntries(
    (['codes', 'rows', 'keyword', 'text'] as const).map((part) => {
      const files = part === 'codes' ? manifest.codes.files : part === 'rows' ? manifest.rows.files : manifest[part].files;
      return [part, { mb: round((tally.byPart.get(part) ?? 0) / 1e6, 2), files: files.length, bytes_per_paper: round((tally.byPart.get(part) ?? 0) / n, 1) }];
    }),
  );
  const summary = {
    machine: { ...machine, load_average_1m_end: round(loadavg()[0], 2), max_rss_mb: round(process.resourceUsage().maxRSS / 1024) },
    papers: n,
    generate_vectors_s: round(generateVectorsMs / 1000),
    generate_text_s: round(generateTextMs / 1000),
    stages_s: { codes_rows: round(ms.vectors / 1000), keyword: round(ms.keyword / 1000), text: round(ms.text / 1000), total_with_manifest: round(totalMs / 1000) },
    parts,
    library_json_kb: round(manifestBytes.length / 1024),
    files: tally.files + 1,
    largest_file: { path: tally.largest?.path, mb: round((tally.largest?.bytes ?? 0) / 1e6, 2) },
    library_mb: round(libraryBytes / 1e6, 1),
    bytes_per_paper: round(perPaper),
    app_mb: round(appBytes / 1e6, 1),
    pages_limit_mb: PAGES_SITE_LIMIT / 1e6,
    largest_corpus_in_pages_site: fits,
  };
  console.log(JSON.stringify(summary, null, 2));
  if (!keep) rmSync(out, { recursive: true, force: true });
}

runTool('bench-publish', main, 'usage: tools/bench-publish.ts [--papers N] [--out <dir>] [--keep] [--dist dist] [--data <beir dir>]');
