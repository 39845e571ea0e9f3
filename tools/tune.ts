/**
 * Grid search of ranking parameters on ONE fixed half of a dataset's judged queries, reported on both halves
 * (src/eval/evaluate.ts splitHalves), so the chosen defaults can be checked on queries they never saw:
 *   npx tsx tools/tune.ts keyword --data <dir> [--split train]
 *   npx tsx tools/tune.ts fusion  --data <dir> [--split train] [--model <id>] [--int8]
 * Prints one line per setting, best (on the tuning half) last. Uses the app's KeywordIndex and fusion code.
 */
import { resolve } from 'node:path';
import type { Query } from '../src/corpus/beir.ts';
import { DEFAULT_MODEL_ID } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { loadBeirDataset, type BeirDataset } from '../src/eval/dataset.ts';
import { judgedQueries, splitHalves } from '../src/eval/evaluate.ts';
import { meanScores, scoreQuery, type QueryScores } from '../src/eval/metrics.ts';
import { embedPapersCached, embedQueriesCached } from '../src/eval/disk-vector-cache.ts';
import { fuse } from '../src/index/fusion.ts';
import { DEFAULT_KEYWORD_OPTIONS, KeywordIndex, type KeywordOptions } from '../src/index/keyword.ts';
import type { Hit } from '../src/index/top-k.ts';
import { VectorMatrix } from '../src/index/vector-matrix.ts';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import { SearchIndex } from '../src/search/search.ts';

const DEPTH = 100;

function arg(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

function score(dataset: BeirDataset, queries: readonly Query[], hits: ReadonlyMap<string, Hit[]>): QueryScores {
  return meanScores(queries.map((q) => scoreQuery(hits.get(q.id)!.map((h) => dataset.papers[h.index].id), dataset.qrels.get(q.id)!)));
}

const f = (s: QueryScores) => `nDCG@10 ${(100 * s['ndcg@10']).toFixed(2)} R@100 ${(100 * s['recall@100']).toFixed(2)}`;

interface Row {
  label: string;
  tune: QueryScores;
  heldOut: QueryScores;
  all: QueryScores;
}

function report(rows: Row[]): void {
  rows.sort((a, b) => a.tune['ndcg@10'] - b.tune['ndcg@10']);
  for (const r of rows) console.log(`${r.label.padEnd(48)} tune ${f(r.tune)} | held-out ${f(r.heldOut)} | all ${f(r.all)}`);
}

function evaluate(dataset: BeirDataset, queries: readonly Query[], label: string, rank: (q: Query) => Hit[]): Row {
  const hits = new Map(queries.map((q) => [q.id, rank(q)]));
  const { tune, heldOut } = splitHalves(queries);
  return { label, tune: score(dataset, tune, hits), heldOut: score(dataset, heldOut, hits), all: score(dataset, queries, hits) };
}

function tuneKeyword(dataset: BeirDataset, queries: readonly Query[]): void {
  const rows: Row[] = [];
  const grid = (stem: boolean, titleBoosts: number[], ks: number[], bs: number[], ds: number[], coords: boolean[]) => {
    const index = new KeywordIndex(dataset.papers, { ...DEFAULT_KEYWORD_OPTIONS, stem });
    for (const titleBoost of titleBoosts)
      for (const k of ks)
        for (const b of bs)
          for (const d of ds)
            for (const coordination of coords) {
              const overrides: Partial<KeywordOptions> = { titleBoost, bm25: { k, b, d }, coordination };
              const label = `stem=${stem} title=${titleBoost} k=${k} b=${b} d=${d} coord=${coordination}`;
              rows.push(evaluate(dataset, queries, label, (q) => index.query(q.text, DEPTH, overrides)));
            }
  };
  // MiniSearch's defaults without stemming, then a grid around Lucene/Anserini's BM25 settings with stemming.
  grid(false, [1], [1.2], [0.7], [0.5], [true]);
  grid(true, [0, 0.5, 1], [0.9, 1.2], [0.4, 0.75], [0, 0.5], [true, false]);
  report(rows);
}

async function tuneFusion(dataset: BeirDataset, queries: readonly Query[], modelId: string, int8: boolean): Promise<void> {
  const encoder = await loadNodeEncoder(modelId);
  const cache = resolve('.cache', 'vectors');
  const { vectors } = await embedPapersCached(encoder, dataset.papers, cache);
  const queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), cache);
  await encoder.dispose();
  const matrix = int8 ? QuantizedMatrix.fromFloat32(encoder.dims, vectors) : new VectorMatrix(encoder.dims, dataset.papers.length, vectors);
  const index = new SearchIndex(dataset.papers, matrix);
  const semantic = new Map(queries.map((q, i) => [q.id, index.semantic(queryVectors[i], DEPTH)]));
  const keyword = new Map(queries.map((q) => [q.id, index.keyword.query(q.text, DEPTH)]));
  const rows: Row[] = [
    evaluate(dataset, queries, 'semantic only', (q) => semantic.get(q.id)!),
    evaluate(dataset, queries, 'keyword only', (q) => keyword.get(q.id)!),
  ];
  for (const k of [1, 5, 10, 20, 40, 60, 100])
    for (const keywordWeight of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1, 1.25]) {
      const options = { k, semanticWeight: 1, keywordWeight };
      rows.push(evaluate(dataset, queries, `rrf k=${k} wSem=1 wKey=${keywordWeight}`, (q) => fuse(semantic.get(q.id)!, keyword.get(q.id)!, options)));
    }
  for (const keywordWeight of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1]) {
    const options = { k: 0, semanticWeight: 1, keywordWeight, method: 'blend' as const };
    rows.push(evaluate(dataset, queries, `blend wSem=1 wKey=${keywordWeight}`, (q) => fuse(semantic.get(q.id)!, keyword.get(q.id)!, options)));
  }
  // Raw cosine + keyword bonus: keywordWeight is in cosine units (bge's top cosines span ~0.1-0.3 per query).
  for (let i = 2; i <= 30; i++) {
    const keywordWeight = i / 200;
    const options = { k: 0, semanticWeight: 1, keywordWeight, method: 'cosine-blend' as const };
    rows.push(evaluate(dataset, queries, `cosine-blend wSem=1 wKey=${keywordWeight}`, (q) => fuse(semantic.get(q.id)!, keyword.get(q.id)!, options)));
  }
  report(rows);
}

async function main(argv: readonly string[]): Promise<void> {
  const what = argv[0];
  const data = arg(argv, '--data');
  if (!data || (what !== 'keyword' && what !== 'fusion')) throw new Error('usage: tools/tune.ts keyword|fusion --data <dir> [--split s] [--model id] [--int8]');
  const dataset = loadBeirDataset(data, arg(argv, '--split'));
  const queries = judgedQueries(dataset.queries, dataset.qrels);
  if (what === 'keyword') tuneKeyword(dataset, queries);
  else await tuneFusion(dataset, queries, arg(argv, '--model') ?? DEFAULT_MODEL_ID, argv.includes('--int8'));
}

await main(process.argv.slice(2));
