/**
 * The import step of `npm run bench` (issue 8): a 100,000-record library read, parsed and hashed in the app's
 * import worker, with the page's longest main-thread task, beside the old path (parseLibrary and contentHash on
 * the page's thread) in the same run. Also the same papers as `npm run index` output (corpus.json +
 * vectors.bin), which is how a library embedded once on a computer is brought into the browser.
 *
 * The library is generated here, deterministically, from SciFact's abstracts (read by path from the --data
 * folder, never copied): record i takes abstract i mod 5,183, its sentences rotated by the round and cut to
 * 200–700 characters (so the file is 48.9 MB, near the 52 MB of the earlier Node measurement), and its title
 * with " (round + 1)" from the second round on, so all 100,000 are distinct papers. JSON Lines without _id, as a
 * person's export would be: every id is computed from title and abstract.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchApi, ImportFigures } from '../src/bench/bench-api.ts';
import { parseBeirCorpus } from '../src/corpus/beir.ts';
import { parseLibrary } from '../src/corpus/import.ts';
import { contentHash } from '../src/base/paper-id.ts';
import { encodeVectorFile } from '../src/index/vector-file.ts';

export const IMPORT_COUNT = 100_000;
/** Not a real model: the step times the import, and the key only has to match (a string comparison). */
const BENCH_MODEL = { modelKey: 'bench-synthetic@0000000000000000', dims: 384 };

/** The generated library as JSON Lines. */
export function syntheticLibrary(scifactDir: string, count = IMPORT_COUNT): Buffer {
  const docs = parseBeirCorpus(readFileSync(join(scifactDir, 'corpus.jsonl'), 'utf8')).filter((doc) => doc.title && doc.abstract);
  const lines: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const doc = docs[i % docs.length];
    const round = Math.floor(i / docs.length);
    const sentences = doc.abstract.split(/(?<=[.!?])\s+/);
    const rotated = sentences.slice(round % sentences.length).concat(sentences.slice(0, round % sentences.length));
    const target = 200 + (Math.imul(i + 1, 2654435761) >>> 0) % 500; // Knuth's multiplicative hash: a fixed spread
    let text = '';
    for (const sentence of rotated) {
      if (text && text.length + sentence.length > target) break;
      text = text ? `${text} ${sentence}` : sentence;
    }
    lines[i] = JSON.stringify({ title: round === 0 ? doc.title : `${doc.title} (${round + 1})`, text });
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/** The same papers as `npm run index` would write them, with seeded vectors (the figures time the import only). */
export function syntheticIndexOutput(library: Buffer): { corpus: Buffer; vectors: Buffer } {
  const { papers } = parseLibrary('library.jsonl', library);
  let seed = 7;
  const vectors = new Float32Array(papers.length * BENCH_MODEL.dims);
  for (let i = 0; i < vectors.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    vectors[i] = (seed >> 8) / 2 ** 23;
  }
  // As encodeIndexOutput (precomputed-library.ts) writes them, without the bundle this step does not use.
  const file = { ...BENCH_MODEL, ids: papers.map((p) => p.id), hashes: papers.map(contentHash), vectors };
  return { corpus: Buffer.from(JSON.stringify({ papers })), vectors: Buffer.from(encodeVectorFile(file, 'int8')) };
}

/** The files the bench page fetches from /bench-data/ for this step. */
export function importBenchData(scifactDir: string): Record<string, Buffer> {
  const library = syntheticLibrary(scifactDir);
  const { corpus, vectors } = syntheticIndexOutput(library);
  return { 'import-100k.jsonl': library, 'import-100k-corpus.json': corpus, 'import-100k-vectors.bin': vectors };
}

type Call = <K extends keyof BenchApi>(name: K, ...args: Parameters<BenchApi[K]>) => Promise<Awaited<ReturnType<BenchApi[K]>>>;

export interface ImportRuns {
  worker: ImportFigures[];
  main: ImportFigures[];
  indexOutput: ImportFigures[];
}

/**
 * Alternates the three imports `runs` times on one page (a fresh page each would also time start-up), so all
 * see the same load. The worker path runs first in each round: it gets no advantage from a warm heap.
 */
export async function measureImports(call: Call, runs: number, log: (line: string) => void): Promise<ImportRuns> {
  const result: ImportRuns = { worker: [], main: [], indexOutput: [] };
  const describe = (f: ImportFigures) =>
    `${f.ms.toFixed(0)} ms, longest task ${f.longestTaskMs.toFixed(0)} ms (${f.longTasks} long tasks), longest gap ${f.maxGapMs.toFixed(0)} ms, ${f.papers} papers${f.vectors ? `, ${f.vectors} vectors` : ''}`;
  for (let run = 0; run < runs; run++) {
    result.worker.push(await call('importInWorker', ['import-100k.jsonl']));
    result.main.push(await call('importOnMainThread', 'import-100k.jsonl'));
    result.indexOutput.push(await call('importInWorker', ['import-100k-corpus.json', 'import-100k-vectors.bin'], BENCH_MODEL));
    log(`  import run ${run + 1}: worker ${describe(result.worker[run])}; main thread ${describe(result.main[run])}; corpus.json + vectors.bin ${describe(result.indexOutput[run])}`);
  }
  return result;
}
