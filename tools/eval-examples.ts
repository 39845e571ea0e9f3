/**
 * Find by example, measured (issue 9): how well do pinned papers find the other relevant papers?
 *   npx tsx tools/eval-examples.ts --data <BEIR dir> [--split test|train] [--half tune|held-out] [--int8] [--json]
 *                                  [--sweep [--stage 1|2|3|4]] [--speed]
 * For every judged query with >= 2 relevant documents, each relevant document in turn is the one example (and,
 * with >= 3 relevant, each pair is the two examples); the examples are removed from the ranking and from the
 * judgements, and nDCG@10 / Recall@10 score how the remaining relevant documents rank. Per query the scores are
 * averaged over its example choices, then macro-averaged over queries. Methods: the typed query alone
 * (semantic and hybrid), centroid, classifier, and each with the typed query at its defaults (EXAMPLE_DEFAULTS),
 * all through `rankByExamples` (src/search/examples.ts), the app's own path.
 * A third setting adds a "not this": the best-ranked non-relevant paper of the one-example centroid ranking, and
 * compares using it as a negative with merely hiding it.
 * --sweep prints the grid the defaults were chosen from, in 4 stages (choose on --half tune only).
 * --speed times the example ranker on 100,000 synthetic int8 rows beside plain semantic ranking (medians).
 * Document and query vectors come from the eval cache (.cache/vectors), as in tools/eval.ts.
 */
import { resolve } from 'node:path';
import { parseFlags, runTool, stringFlag, UsageError } from './cli.ts';
import type { Query } from '../src/corpus/beir.ts';
import type { Paper } from '../src/base/paper.ts';
import { DEFAULT_MODEL_ID } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { loadBeirDataset } from '../src/eval/dataset.ts';
import { embedPapersCached, embedQueriesCached } from '../src/eval/disk-vector-cache.ts';
import { judgedQueries, splitHalves } from '../src/eval/evaluate.ts';
import { ndcgAtK, recallAtK } from '../src/eval/metrics.ts';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import { VectorMatrix } from '../src/index/vector-matrix.ts';
import {
  DEFAULT_CLASSIFIER,
  DEFAULT_EXAMPLE_METHOD,
  EXAMPLE_DEFAULTS,
  EXAMPLE_METHODS,
  exampleRows,
  rankByExamples,
  rankExcluding,
  sampleBackgroundIndices,
  rowsOf,
  trainClassifier,
  type ExampleOptions,
} from '../src/search/examples.ts';
import { SearchIndex } from '../src/search/search.ts';
import { gaussian, seededRandom } from '../src/base/random.ts';

const VECTOR_CACHE_DIR = resolve('.cache', 'vectors');
const K = 10;

interface Args {
  data: string;
  split?: string;
  half?: 'tune' | 'held-out';
  int8: boolean;
  json: boolean;
  sweep: boolean;
  /** Only this stage of the sweep (1-4). */
  stage?: number;
  speed: boolean;
}

function readArgs(argv: readonly string[]): Args {
  const flags = parseFlags(argv, {
    data: { type: 'string' },
    split: { type: 'string' },
    half: { type: 'string' },
    int8: { type: 'boolean' },
    json: { type: 'boolean' },
    sweep: { type: 'boolean' },
    stage: { type: 'string' },
    speed: { type: 'boolean' },
  });
  const data = stringFlag(flags, 'data');
  const speed = flags.speed === true;
  if (!data && !speed) throw new UsageError('--data <dir> is required (or --speed alone)');
  const half = stringFlag(flags, 'half');
  if (half !== undefined && half !== 'tune' && half !== 'held-out') throw new UsageError('--half must be tune or held-out');
  const stageText = stringFlag(flags, 'stage');
  const stage = stageText === undefined ? undefined : Number(stageText);
  if (stage !== undefined && ![1, 2, 3, 4].includes(stage)) throw new UsageError('--stage must be 1, 2, 3 or 4');
  if (stage !== undefined && flags.sweep !== true) throw new UsageError('--stage only applies with --sweep');
  return { data: data ?? '', split: stringFlag(flags, 'split'), half, int8: flags.int8 === true, json: flags.json === true, sweep: flags.sweep === true, stage, speed };
}

/** One evaluation case: a query, the examples taken from its relevant documents, and what is left to find. */
interface Case {
  query: Query;
  vector: Float32Array;
  positive: string[];
  negative: string[];
  /** Judgements without the examples: what the ranking should find. */
  remaining: Map<string, number>;
}

type Setting = 'one example' | 'two examples' | 'one example + not this';

function relevantIds(judgements: ReadonlyMap<string, number>): string[] {
  return [...judgements].filter(([, grade]) => grade > 0).map(([id]) => id).sort();
}

function without(judgements: ReadonlyMap<string, number>, ids: readonly string[]): Map<string, number> {
  return new Map([...judgements].filter(([id]) => !ids.includes(id)));
}

/** Every single relevant document (queries with >= 2) and every pair (queries with >= 3) as examples. */
function exampleCases(queries: readonly Query[], vectors: readonly Float32Array[], qrels: ReadonlyMap<string, ReadonlyMap<string, number>>): Record<'one example' | 'two examples', Case[]> {
  const one: Case[] = [];
  const two: Case[] = [];
  queries.forEach((query, q) => {
    const judgements = qrels.get(query.id) ?? new Map<string, number>();
    const relevant = relevantIds(judgements);
    if (relevant.length >= 2) {
      for (const id of relevant) one.push({ query, vector: vectors[q], positive: [id], negative: [], remaining: without(judgements, [id]) });
    }
    if (relevant.length >= 3) {
      for (let a = 0; a < relevant.length; a++) {
        for (let b = a + 1; b < relevant.length; b++) {
          const pair = [relevant[a], relevant[b]];
          two.push({ query, vector: vectors[q], positive: pair, negative: [], remaining: without(judgements, pair) });
        }
      }
    }
  });
  return { 'one example': one, 'two examples': two };
}

/** "Not this": the best-ranked non-relevant paper by the one-example centroid, what a person would reject first. */
function notThisCases(index: SearchIndex, one: readonly Case[]): Case[] {
  return one.map((c) => {
    const hits = rankByExamples(index, { positive: c.positive, negative: [] }, null, K, { method: 'centroid' });
    const rejected = hits.map((hit) => index.papers[hit.index].id).find((id) => !((c.remaining.get(id) ?? 0) > 0));
    return { ...c, negative: rejected ? [rejected] : [] };
  });
}

interface Method {
  name: string;
  rank(index: SearchIndex, c: Case): string[];
}

function queryAlone(mode: 'semantic' | 'hybrid'): Method {
  return {
    name: `query alone (${mode})`,
    rank: (index, c) => rankExcluding(index, mode, c.query.text, c.vector, K, new Set(exampleRows(index, [...c.positive, ...c.negative]))).map((h) => index.papers[h.index].id),
  };
}

function byExamples(name: string, options: Partial<ExampleOptions>, withQuery: boolean): Method {
  return {
    name,
    rank: (index, c) =>
      rankByExamples(index, { positive: c.positive, negative: c.negative }, withQuery ? { text: c.query.text, vector: c.vector } : null, K, options).map(
        (h) => index.papers[h.index].id,
      ),
  };
}

/** "Hidden only": the negative is excluded from the list but does not steer the direction. */
function hiddenOnly(name: string, options: Partial<ExampleOptions>): Method {
  return {
    name,
    rank: (index, c) => {
      const exclude = new Set(exampleRows(index, [...c.positive, ...c.negative]));
      const hits = rankByExamples(index, { positive: c.positive, negative: [] }, null, K + c.negative.length, options);
      return hits.filter((h) => !exclude.has(h.index)).slice(0, K).map((h) => index.papers[h.index].id);
    },
  };
}

/** The table: the typed query alone, each method alone and each with the typed query, at their defaults. */
function mainMethods(): Method[] {
  const withQuery = (method: 'centroid' | 'classifier') => {
    const o = EXAMPLE_DEFAULTS[method];
    return byExamples(`${method} + query (${o.mode}, query weight ${o.queryWeight})`, { method }, true);
  };
  return [
    queryAlone('semantic'),
    queryAlone('hybrid'),
    byExamples('centroid', { method: 'centroid' }, false),
    byExamples('classifier', { method: 'classifier' }, false),
    withQuery('centroid'),
    withQuery('classifier'),
  ];
}

/** "Not this" at the default weight and at Rocchio's customary 0.5 / the balanced 1, beside merely hiding it. */
function notThisMethods(): Method[] {
  return EXAMPLE_METHODS.flatMap((method) => {
    const weights = [...new Set([EXAMPLE_DEFAULTS[method].negativeWeight, method === 'centroid' ? 0.5 : 1])];
    return [
      hiddenOnly(`${method}, "not this" only hidden`, { method, negativeWeight: 0 }),
      ...weights.filter((w) => w > 0).map((negativeWeight) => byExamples(`${method} with "not this" (weight ${negativeWeight})`, { method, negativeWeight }, false)),
    ];
  });
}

interface Score {
  ndcg: number;
  recall: number;
  /** Queries averaged over (each query's example choices are averaged first). */
  queries: number;
  cases: number;
}

function score(index: SearchIndex, cases: readonly Case[], method: Method): Score {
  const byQuery = new Map<string, { ndcg: number; recall: number; n: number }>();
  for (const c of cases) {
    const ranking = method.rank(index, c);
    const entry = byQuery.get(c.query.id) ?? { ndcg: 0, recall: 0, n: 0 };
    entry.ndcg += ndcgAtK(ranking, c.remaining, K);
    entry.recall += recallAtK(ranking, c.remaining, K);
    entry.n++;
    byQuery.set(c.query.id, entry);
  }
  const perQuery = [...byQuery.values()];
  const avg = (pick: (e: { ndcg: number; recall: number; n: number }) => number) =>
    perQuery.length === 0 ? 0 : perQuery.reduce((sum, e) => sum + pick(e) / e.n, 0) / perQuery.length;
  return { ndcg: avg((e) => e.ndcg), recall: avg((e) => e.recall), queries: perQuery.length, cases: cases.length };
}

const pct = (x: number) => (100 * x).toFixed(2);

/**
 * The grid the defaults were chosen from, in stages (choose on the tune half only; objective: the mean nDCG@10 of
 * the one- and two-example settings): 1. classifier L2 x background size, trained to convergence; 2. gradient steps, at the default L2
 * and background; 3. query weight x mode for each method; 4. "not this" weight for each method.
 */
function sweep(index: SearchIndex, settings: Record<Setting, Case[]>, only: number | undefined, log: (line: string) => void): Record<string, Record<string, number>> {
  const both: Setting[] = ['one example', 'two examples'];
  const grid: [string, Partial<ExampleOptions>, boolean, Setting[], number][] = [];
  // Stage 1 trains to convergence (400 steps; Nesterov at l2 0.001 needs ~200), so a weak penalty is not judged
  // by an unfinished fit; stage 2 then finds how few steps the chosen setting needs.
  for (const l2 of [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1]) {
    for (const backgroundSize of [256, 512, 1024]) {
      grid.push([`classifier l2 ${l2} background ${backgroundSize}`, { method: 'classifier', classifier: { ...DEFAULT_CLASSIFIER, l2, backgroundSize, steps: 400 } }, false, both, 1]);
    }
  }
  for (const steps of [10, 25, 50, 100, 200, 400]) {
    grid.push([`classifier steps ${steps}`, { method: 'classifier', classifier: { ...DEFAULT_CLASSIFIER, steps } }, false, both, 2]);
  }
  for (const method of EXAMPLE_METHODS) {
    for (const mode of ['semantic', 'hybrid'] as const) {
      for (const queryWeight of [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5]) grid.push([`${method} + query ${mode} weight ${queryWeight}`, { method, mode, queryWeight }, true, both, 3]);
    }
  }
  for (const method of EXAMPLE_METHODS) {
    for (const negativeWeight of [0, 0.05, 0.1, 0.25, 0.5, 1]) grid.push([`${method} "not this" weight ${negativeWeight}`, { method, negativeWeight }, false, ['one example + not this'], 4]);
  }
  const out: Record<string, Record<string, number>> = {};
  for (const [name, options, withQuery, on, stage] of grid) {
    if (only !== undefined && stage !== only) continue;
    const method = byExamples(name, options, withQuery);
    out[name] = Object.fromEntries(on.map((s) => [s, score(index, settings[s], method).ndcg]));
    const objective = on.reduce((sum, s) => sum + out[name][s], 0) / on.length;
    log(`${name.padEnd(44)} ${on.map((s) => `${s}: ${pct(out[name][s])}`).join('  ')}${on.length > 1 ? `  mean: ${pct(objective)}` : ''}`);
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Seeded unit vectors (mulberry32 + Box-Muller): only the shapes matter for timing. */
function syntheticRows(count: number, dims: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(count * dims);
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let d = 0; d < dims; d++) {
      const g = gaussian(random);
      out[r * dims + d] = g;
      sum += g * g;
    }
    const n = Math.sqrt(sum);
    for (let d = 0; d < dims; d++) out[r * dims + d] /= n;
  }
  return out;
}

/** Times the example ranker on 100,000 int8 rows next to plain semantic ranking, in the same process. */
function measureSpeed(log: (line: string) => void): Record<string, number> {
  const count = 100_000;
  const dims = 384;
  const runs = 15;
  const papers: Paper[] = Array.from({ length: count }, (_, i) => ({ id: `p${i}`, title: '', abstract: '' }));
  const index = new SearchIndex(papers, QuantizedMatrix.fromFloat32(dims, syntheticRows(count, dims, 7)));
  const query = syntheticRows(1, dims, 11);
  const o = EXAMPLE_DEFAULTS.classifier;
  const cases: Record<string, () => unknown> = {
    'semantic rank (baseline)': () => index.rank('semantic', '', query, K),
    'centroid, 1 positive': () => rankByExamples(index, { positive: ['p5'], negative: [] }, null, K, { method: 'centroid' }),
    'classifier sample + training only, 1 positive': () => {
      const exclude = new Set([5]);
      const background = rowsOf(index.vectors, sampleBackgroundIndices(count, o.classifier.backgroundSize, exclude, o.classifier.seed));
      return trainClassifier([index.vectors.row(5)], [], background, o.classifier);
    },
    'classifier, 1 positive (sample + train + rank)': () => rankByExamples(index, { positive: ['p5'], negative: [] }, null, K, { method: 'classifier' }),
    'classifier, 3 positives + 1 negative + query': () =>
      rankByExamples(index, { positive: ['p5', 'p77', 'p999'], negative: ['p4242'] }, { text: '', vector: query }, K, { method: 'classifier' }),
  };
  const result: Record<string, number> = {};
  // Interleaved runs, so load changes hit every case alike; the first round warms the JIT and is dropped.
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let run = 0; run <= runs; run++) {
    for (const [name, fn] of Object.entries(cases)) {
      const started = performance.now();
      fn();
      if (run > 0) times[name].push(performance.now() - started);
    }
  }
  for (const name of Object.keys(cases)) {
    result[name] = median(times[name]);
    log(`${name.padEnd(50)} median ${result[name].toFixed(1)} ms over ${runs} runs`);
  }
  return result;
}

async function main(argv: readonly string[]): Promise<void> {
  const args = readArgs(argv);
  const log = (line: string) => process.stderr.write(line + '\n');
  if (args.speed) {
    const speed = measureSpeed((line) => console.log(line));
    if (args.json) console.log(JSON.stringify({ speed_ms: speed, rows: 100_000, options: EXAMPLE_DEFAULTS }));
    return;
  }
  const dataset = loadBeirDataset(args.data, args.split);
  let queries = judgedQueries(dataset.queries, dataset.qrels);
  if (args.half) queries = args.half === 'tune' ? splitHalves(queries).tune : splitHalves(queries).heldOut;
  const encoder = await loadNodeEncoder(DEFAULT_MODEL_ID);
  const report = await embedPapersCached(encoder, dataset.papers, VECTOR_CACHE_DIR, (done, total) => {
    if (done % 256 < 32 || done === total) log(`  embedded ${done}/${total}`);
  });
  const vectors = args.int8 ? QuantizedMatrix.fromFloat32(encoder.dims, report.vectors) : new VectorMatrix(encoder.dims, dataset.papers.length, report.vectors);
  const queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), VECTOR_CACHE_DIR);
  await encoder.dispose();
  const index = new SearchIndex(dataset.papers, vectors);

  const examples = exampleCases(queries, queryVectors, dataset.qrels);
  const settings: Record<Setting, Case[]> = { ...examples, 'one example + not this': notThisCases(index, examples['one example']) };
  // Hybrid results depend on the model's ranking spec (fusion weight, feedback): printed so every table names it.
  const { fusion, feedback } = index.ranking;
  const ranking = `keyword weight ${fusion.keywordWeight}, feedback ${feedback ? `${feedback.docs} doc(s) x ${feedback.weight}` : 'none'}`;
  console.log(`${args.data} split=${dataset.split} half=${args.half ?? 'all'} vectors=${args.int8 ? 'int8' : 'float32'} model=${DEFAULT_MODEL_ID}`);
  console.log(`hybrid ranking: ${ranking}`);
  console.log(`judged queries ${queries.length}; with >= 2 relevant ${score(index, examples['one example'], queryAlone('semantic')).queries}; with >= 3 relevant ${score(index, examples['two examples'], queryAlone('semantic')).queries}`);
  if (args.sweep) {
    const grid = sweep(index, settings, args.stage, (line) => console.log(line));
    if (args.json) console.log(JSON.stringify({ data: args.data, half: args.half ?? 'all', ranking: index.ranking, sweep: grid }));
    return;
  }
  const results: Record<string, Record<string, Score>> = {};
  const plan: [Setting, Method[]][] = [
    ['one example', mainMethods()],
    ['two examples', mainMethods()],
    ['one example + not this', notThisMethods()],
  ];
  for (const [setting, methods] of plan) {
    const cases = settings[setting];
    results[setting] = {};
    if (cases.length === 0) continue;
    console.log(`\n${setting}: ${cases.length} cases`);
    for (const method of methods) {
      const s = score(index, cases, method);
      results[setting][method.name] = s;
      console.log(`  ${method.name.padEnd(44)} nDCG@10 ${pct(s.ndcg)}  R@10 ${pct(s.recall)}  (${s.queries} queries)`);
    }
  }
  if (args.json) {
    console.log(JSON.stringify({ data: args.data, split: dataset.split, half: args.half ?? 'all', vectors: args.int8 ? 'int8' : 'float32', judged: queries.length, ranking: index.ranking, defaultMethod: DEFAULT_EXAMPLE_METHOD, options: EXAMPLE_DEFAULTS, results }));
  }
}

runTool('eval-examples', main);
