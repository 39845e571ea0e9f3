/**
 * Ranking latency in Node, the synchronous path evaluation, tuning and the benchmarks use (`SearchIndex.rank`):
 * query vector and text to ranked ids, per mode, at each size. Issue 15 asks that one pipeline over sync or async
 * parts does not make this slower; run it on two checkouts back to back to compare.
 *
 *   npx tsx tools/bench-ranking.ts [--json] [--runs 3] [--sizes 5000,100000] [--queries 100] [--data <scifact dir>]
 *                                  [--baseline <checkout>]
 *
 * --baseline: also rank with another checkout's SearchIndex (e.g. main exported to a folder whose src/index is
 * this one's, unchanged), in the same process over the same vectors and keyword index, query by query in
 * alternating order, so both see the same load: keys prefixed `baseline_`.
 *
 * Papers: tools/synthetic-text.ts (SciFact documents mixed, read by path, never copied); vectors: seeded random
 * unit vectors around a few topics, int8 (the app's form); queries: SciFact claim texts with seeded random
 * vectors. Per run: 10 warm-up queries, then each query once per mode; p50/p95 per run, medians over runs.
 * Only the public API of SearchIndex is used, so the same file runs against an older checkout.
 * Not a test: it asserts nothing about speed.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import { SearchIndex } from '../src/search/search.ts';
import { KeywordIndex } from '../src/index/keyword.ts';
import { seededRandom } from '../src/base/random.ts';
import { median, quantile, round } from './stats.ts';
import { SCIFACT_DIR } from './synthetic-corpus.ts';
import { loadScifactPapers, syntheticPapers } from './synthetic-text.ts';

const DIMS = 384;
const MODES = ['semantic', 'hybrid', 'keyword'] as const;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

function unitVectors(count: number, random: () => number): Float32Array {
  const topics = Array.from({ length: 16 }, () => Float32Array.from({ length: DIMS }, () => random() - 0.5));
  const out = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) {
    const topic = topics[Math.floor(random() * topics.length)];
    let norm = 0;
    for (let d = 0; d < DIMS; d++) norm += (out[i * DIMS + d] = topic[d] + 0.8 * (random() - 0.5)) ** 2;
    const inverse = 1 / Math.sqrt(norm);
    for (let d = 0; d < DIMS; d++) out[i * DIMS + d] *= inverse;
  }
  return out;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const runs = Number(option('--runs', '3'));
  const sizes = option('--sizes', '5000,100000').split(',').map(Number);
  const queryCount = Number(option('--queries', '100'));
  const data = option('--data', SCIFACT_DIR);
  const sources = loadScifactPapers(join(data, 'corpus.jsonl'));
  const claims = readFileSync(join(data, 'queries.jsonl'), 'utf8').trim().split('\n').slice(0, queryCount).map((line) => (JSON.parse(line) as { text: string }).text);
  const random = seededRandom(7);
  const queryVectors = unitVectors(claims.length, random);
  const baselineDir = option('--baseline', '');
  const Baseline: typeof SearchIndex | null = baselineDir ? ((await import(resolve(baselineDir, 'src/search/search.ts'))) as { SearchIndex: typeof SearchIndex }).SearchIndex : null;
  const result: Record<string, number | number[]> = { load_average_1m_start: round(loadavg()[0], 2) };
  for (const size of sizes) {
    log(`${size} papers: building the index…`);
    const papers = syntheticPapers(size, 1, sources);
    const matrix = QuantizedMatrix.fromFloat32(DIMS, unitVectors(size, seededRandom(size)));
    const keyword = new KeywordIndex(papers);
    const sides: [string, SearchIndex][] = [['', new SearchIndex(papers, matrix, undefined, keyword)]];
    if (Baseline) sides.push(['baseline_', new Baseline(papers, matrix, undefined, keyword)]);
    const perRun = new Map<string, { p50: number[]; p95: number[] }>();
    for (let run = 0; run < runs; run++) {
      for (const [, index] of sides) for (let q = 0; q < 10; q++) for (const mode of MODES) index.rank(mode, claims[q], queryVectors.subarray(q * DIMS, (q + 1) * DIMS), 50);
      const times = new Map<string, number[]>();
      claims.forEach((text, q) => {
        const vector = queryVectors.subarray(q * DIMS, (q + 1) * DIMS);
        // Alternate which side goes first, so neither always finds the caches warm.
        const order = (q + run) % 2 === 0 ? sides : [...sides].reverse();
        for (const mode of MODES) {
          for (const [prefix, index] of order) {
            const started = performance.now();
            index.rank(mode, text, vector, 50);
            const key = `${prefix}${mode}`;
            times.set(key, [...(times.get(key) ?? []), performance.now() - started]);
          }
        }
      });
      for (const [key, values] of times) {
        const entry = perRun.get(key) ?? { p50: [], p95: [] };
        entry.p50.push(quantile(values, 0.5));
        entry.p95.push(quantile(values, 0.95));
        perRun.set(key, entry);
      }
      log(`  run ${run + 1}: ${[...perRun].map(([key, entry]) => `${key} p95 ${round(entry.p95[run], 2)} ms`).join(', ')} (load ${round(loadavg()[0], 2)})`);
    }
    const k = size >= 1000 ? `${size / 1000}k` : String(size);
    for (const [key, entry] of perRun) {
      result[`${key}_p50_ms_${k}`] = round(median(entry.p50), 2);
      result[`${key}_p95_ms_${k}`] = round(median(entry.p95), 2);
      result[`${key}_p95_ms_${k}_runs`] = entry.p95.map((x) => round(x, 2));
    }
  }
  result.load_average_1m_end = round(loadavg()[0], 2);
  if (json) console.log(JSON.stringify(result));
  else for (const [key, value] of Object.entries(result)) console.log(`${key}: ${Array.isArray(value) ? value.join(' / ') : value}`);
}

await main();
