/**
 * Retrieval quality over a BEIR-layout folder, through the same modules the browser runs:
 *   npm run eval -- --data <dir> [--split test|train] [--mode semantic|keyword|hybrid] [--model <id>]
 *                   [--half tune|held-out] [--int8] [--no-feedback] [--max-tokens <n>] [--speed <n>] [--json]
 * Prints nDCG@10, MRR@10, Recall@10, Recall@100; with --json the last stdout line is one JSON object.
 * Corpus and query vectors are cached under .cache/vectors/<model fingerprint key>/, keyed by content hash.
 * --half evaluates on one fixed half of the judged queries (the half fusion weights were / were not tuned on).
 * --int8 scores against int8-quantized document vectors (the app's in-memory form) instead of float32.
 * Ranking is the model's own (ModelSpec.ranking via rankingFor: fusion weight, feedback), as in the app;
 * --no-feedback turns the pseudo-relevance feedback off, for comparison.
 * --max-tokens <n> embeds documents cut at n tokens instead of the model's window (its vectors cache apart).
 * --speed <n> only measures Node embedding speed: embeds the first n documents (no cache) and prints docs/s.
 */
import { resolve } from 'node:path';
import { parseFlags, runTool, stringFlag, UsageError } from './cli.ts';
import { documentText } from '../src/base/paper-id.ts';
import type { Paper } from '../src/base/paper.ts';
import { DEFAULT_MODEL_ID, getModelSpec } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { loadBeirDataset } from '../src/eval/dataset.ts';
import { judgedQueries, rankQueries, scoreRankings, splitHalves } from '../src/eval/evaluate.ts';
import { embedPapersCached, embedQueriesCached } from '../src/eval/disk-vector-cache.ts';
import { VectorMatrix } from '../src/index/vector-matrix.ts';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import { DEFAULT_SEARCH_MODE, rankingFor, SEARCH_MODES, SearchIndex, type DocumentVectors, type SearchMode } from '../src/search/search.ts';

export const VECTOR_CACHE_DIR = resolve('.cache', 'vectors');

interface Args {
  data: string;
  split?: string;
  mode: SearchMode;
  model: string;
  half?: 'tune' | 'held-out';
  speed?: number;
  int8: boolean;
  maxTokens?: number;
  feedback: boolean;
  json: boolean;
}

function readArgs(argv: readonly string[]): Args {
  const flags = parseFlags(argv, {
    data: { type: 'string' },
    split: { type: 'string' },
    mode: { type: 'string' },
    model: { type: 'string' },
    half: { type: 'string' },
    speed: { type: 'string' },
    'max-tokens': { type: 'string' },
    int8: { type: 'boolean' },
    'no-feedback': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const value = (flag: string) => stringFlag(flags, flag.slice(2));
  const data = value('--data');
  if (!data) throw new UsageError('--data <dir> is required');
  const mode = (value('--mode') ?? DEFAULT_SEARCH_MODE) as SearchMode;
  if (!SEARCH_MODES.includes(mode)) throw new UsageError(`--mode must be one of ${SEARCH_MODES.join(', ')}`);
  const model = value('--model') ?? DEFAULT_MODEL_ID;
  getModelSpec(model);
  const half = value('--half');
  if (half !== undefined && half !== 'tune' && half !== 'held-out') throw new UsageError('--half must be tune or held-out');
  const speedText = value('--speed');
  const speed = speedText === undefined ? undefined : Number(speedText);
  if (speed !== undefined && !(Number.isInteger(speed) && speed > 0)) throw new UsageError('--speed needs a positive whole number of documents');
  const maxTokensText = value('--max-tokens');
  const maxTokens = maxTokensText === undefined ? undefined : Number(maxTokensText);
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 8)) throw new UsageError('--max-tokens needs a whole number of tokens above 8');
  return { data, split: value('--split'), mode, model, half, speed, maxTokens, int8: flags.int8 === true, feedback: flags['no-feedback'] !== true, json: flags.json === true };
}

const pct = (x: number) => (100 * x).toFixed(2);

/** Embedding throughput of the app's encoder on real documents, cache bypassed (length-sorted batching included). */
async function measureSpeed(args: Args, papers: readonly Paper[]): Promise<void> {
  const encoder = await loadNodeEncoder(args.model, { maxTokens: args.maxTokens });
  const sample = papers.slice(0, args.speed).map(documentText);
  const started = performance.now();
  await encoder.embedDocuments(sample);
  const seconds = (performance.now() - started) / 1000;
  await encoder.dispose();
  const result = { model: args.model, docs: sample.length, seconds, docs_per_s: sample.length / seconds };
  console.log(`${args.model}: embedded ${sample.length} documents in ${seconds.toFixed(1)} s = ${result.docs_per_s.toFixed(1)} docs/s`);
  if (args.json) console.log(JSON.stringify(result));
}

async function main(argv: readonly string[]): Promise<void> {
  const args = readArgs(argv);
  const dataset = loadBeirDataset(args.data, args.split);
  if (args.speed) return measureSpeed(args, dataset.papers);
  let queries = judgedQueries(dataset.queries, dataset.qrels);
  if (args.half) queries = args.half === 'tune' ? splitHalves(queries).tune : splitHalves(queries).heldOut;
  const needsModel = args.mode !== 'keyword';
  const log = (line: string) => process.stderr.write(line + '\n');

  let vectors: DocumentVectors = new VectorMatrix(1, dataset.papers.length);
  let queryVectors: Float32Array[] | null = null;
  let embedRate: number | null = null;
  if (needsModel) {
    const encoder = await loadNodeEncoder(args.model, { maxTokens: args.maxTokens });
    log(`model ${encoder.key}; ${dataset.papers.length} documents`);
    const report = await embedPapersCached(encoder, dataset.papers, VECTOR_CACHE_DIR, (done, total) => {
      if (done % 256 < 32 || done === total) log(`  embedded ${done}/${total}`);
    });
    if (report.embedded > 0) {
      embedRate = report.embedded / report.seconds;
      log(`embedded ${report.embedded} documents in ${report.seconds.toFixed(1)} s (${embedRate.toFixed(1)} docs/s)`);
    } else log('all document vectors from cache');
    vectors = args.int8 ? QuantizedMatrix.fromFloat32(encoder.dims, report.vectors) : new VectorMatrix(encoder.dims, dataset.papers.length, report.vectors);
    queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), VECTOR_CACHE_DIR);
    await encoder.dispose();
  }

  const ranking = rankingFor(args.model);
  const index = new SearchIndex(dataset.papers, vectors, args.feedback ? ranking : { ...ranking, feedback: null });
  const scores = scoreRankings(queries, rankQueries(index, args.mode, queries, queryVectors), dataset.qrels);
  const result = {
    ...scores,
    queries: queries.length,
    docs: dataset.papers.length,
    mode: args.mode,
    model: needsModel ? args.model : null,
    split: dataset.split,
    half: args.half ?? 'all',
    vectors: needsModel ? (args.int8 ? 'int8' : 'float32') : null,
    feedback: needsModel ? index.ranking.feedback : null,
    embedded_docs_per_s: embedRate,
  };
  console.log(`${args.data} split=${dataset.split}${args.half ? ` half=${args.half}` : ''} mode=${args.mode} model=${result.model ?? '-'}${args.int8 && needsModel ? ' vectors=int8' : ''}${needsModel && !index.ranking.feedback ? ' feedback=off' : ''}`);
  console.log(`queries ${result.queries}  docs ${result.docs}`);
  console.log(`nDCG@10 ${pct(scores['ndcg@10'])}  MRR@10 ${pct(scores['mrr@10'])}  Recall@10 ${pct(scores['recall@10'])}  Recall@100 ${pct(scores['recall@100'])}`);
  if (args.json) console.log(JSON.stringify(result));
}

runTool('eval', main);
