/**
 * Chooses the relevance thresholds of src/search/relevance.ts by measurement, per mode:
 *   npx tsx tools/choose-cutoff.ts [--scifact ../shared/bench/scifact] [--seed tests/fixtures/seed-dev]
 *                                  [--strong 0.5] [--good 0.2] [--float32] [--json]
 *
 * Every judged query of the SciFact tune half and of seed-dev is ranked by the app's SearchIndex.rank (int8
 * document vectors, the default ranking, the app's 50 results). Each result is a (score, relevant?) pair (in
 * keyword mode the score is its keywordStrength, as relevance.ts compares it); the
 * precision at each score is their isotonic fit (src/eval/cutoff.ts), the two datasets weighing half each (so
 * SciFact's 405 claims do not drown seed-dev's 24 questions). The 'strong' threshold is the lowest score from which that precision is at least
 * --strong, the 'good' one the same for --good. Then it reports, at the strong threshold, precision and recall of
 * what is shown on the tune half, the held-out half (not used to choose) and seed-dev, and how many results
 * nonsense queries get above it on each corpus (the target: none).
 *
 * Prints a table per mode and the thresholds to put in the model spec (semantic, hybrid) and in
 * src/search/relevance.ts (keyword).
 */
import { resolve } from 'node:path';
import type { Query } from '../src/corpus/beir.ts';
import { DEFAULT_MODEL_ID, type RelevanceThresholds } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { cutStats, precisionByScore, thresholdFor, type JudgedScore } from '../src/eval/cutoff.ts';
import { loadBeirDataset, type BeirDataset } from '../src/eval/dataset.ts';
import { embedPapersCached, embedQueriesCached } from '../src/eval/disk-vector-cache.ts';
import { judgedQueries, splitHalves } from '../src/eval/evaluate.ts';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import { VectorMatrix } from '../src/index/vector-matrix.ts';
import { keywordStrength, relevanceThresholds } from '../src/search/relevance.ts';
import { SEARCH_MODES, SearchIndex, type SearchMode } from '../src/search/search.ts';
import { parseFlags, runTool, stringFlag, UsageError } from './cli.ts';

/** The app shows at most this many results (src/search/searcher.ts RESULT_LIMIT). */
const RESULTS = 50;

/**
 * Queries that should match nothing well in any corpus of papers: keyboard mashing, markup, filler text, digits,
 * punctuation, and everyday requests no paper answers.
 */
export const NONSENSE_QUERIES: readonly string[] = [
  'asdf qwerty',
  '<img src=x onerror=alert(1)>',
  'lorem ipsum dolor sit amet',
  'zxcvbnm',
  'aaaaaaaaaaaa',
  '12345 67890',
  '!!!???',
  'recipe for banana bread',
  'cheap flights to paris',
  'who won the football match yesterday',
];

interface Args {
  scifact: string;
  seed: string;
  strong: number;
  good: number;
  int8: boolean;
  json: boolean;
}

function readArgs(argv: readonly string[]): Args {
  const flags = parseFlags(argv, {
    scifact: { type: 'string' },
    seed: { type: 'string' },
    strong: { type: 'string' },
    good: { type: 'string' },
    float32: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const level = (name: string, fallback: number) => {
    const value = Number(stringFlag(flags, name) ?? fallback);
    if (!(value > 0 && value <= 1)) throw new UsageError(`--${name} must be a precision in (0, 1]`);
    return value;
  };
  const args = {
    scifact: stringFlag(flags, 'scifact') ?? resolve('..', 'shared', 'bench', 'scifact'),
    seed: stringFlag(flags, 'seed') ?? resolve('tests', 'fixtures', 'seed-dev'),
    strong: level('strong', 0.5),
    good: level('good', 0.2),
    int8: flags.float32 !== true,
    json: flags.json === true,
  };
  if (args.good > args.strong) throw new UsageError('--good must not exceed --strong');
  return args;
}

interface Corpus {
  name: string;
  dataset: BeirDataset;
  index: SearchIndex;
  /** Judged queries and their vectors, by id. */
  vectors: Map<string, Float32Array>;
  nonsense: Float32Array[];
}

async function loadCorpus(name: string, dir: string, int8: boolean): Promise<Corpus & { queries: Query[] }> {
  const dataset = loadBeirDataset(dir);
  const queries = judgedQueries(dataset.queries, dataset.qrels);
  const encoder = await loadNodeEncoder(DEFAULT_MODEL_ID);
  const cache = resolve('.cache', 'vectors');
  const { vectors } = await embedPapersCached(encoder, dataset.papers, cache);
  const queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), cache);
  const nonsense = await embedQueriesCached(encoder, NONSENSE_QUERIES, cache);
  await encoder.dispose();
  const matrix = int8 ? QuantizedMatrix.fromFloat32(encoder.dims, vectors) : new VectorMatrix(encoder.dims, dataset.papers.length, vectors);
  return { name, dataset, queries, index: new SearchIndex(dataset.papers, matrix), vectors: new Map(queries.map((q, i) => [q.id, queryVectors[i]])), nonsense };
}

/** What the thresholds apply to (src/search/relevance.ts): the score, or in keyword mode its keywordStrength. */
function comparable(corpus: Corpus, mode: SearchMode, query: string, score: number): number {
  return mode === 'keyword' ? keywordStrength(score, query, corpus.dataset.papers.length) : score;
}

/** The (score, relevant) pairs of the app's results for `queries`. */
function samples(corpus: Corpus, mode: SearchMode, queries: readonly Query[]): { samples: JudgedScore[]; relevant: number } {
  const out: JudgedScore[] = [];
  let relevant = 0;
  for (const query of queries) {
    const judgements = corpus.dataset.qrels.get(query.id)!;
    for (const grade of judgements.values()) if (grade > 0) relevant++;
    const hits = corpus.index.rank(mode, query.text, corpus.vectors.get(query.id)!, RESULTS);
    for (const hit of hits) out.push({ score: comparable(corpus, mode, query.text, hit.score), relevant: (judgements.get(corpus.dataset.papers[hit.index].id) ?? 0) > 0 });
  }
  return { samples: out, relevant };
}

/** The datasets' results weighted so that each dataset has the same say, whatever its number of results. */
function balanced(...sets: ReadonlyArray<readonly JudgedScore[]>): JudgedScore[] {
  return sets.flatMap((set) => set.map((sample) => ({ ...sample, weight: 1 / set.length })));
}

const pct = (x: number) => (Number.isNaN(x) ? '–' : (100 * x).toFixed(1));

async function main(argv: readonly string[]): Promise<void> {
  const args = readArgs(argv);
  const scifact = await loadCorpus('scifact', args.scifact, args.int8);
  const seed = await loadCorpus('seed-dev', args.seed, args.int8);
  const { tune, heldOut } = splitHalves(scifact.queries);
  const report: Record<string, unknown> = {};
  for (const mode of SEARCH_MODES) {
    const tuneSet = samples(scifact, mode, tune);
    const seedSet = samples(seed, mode, seed.queries);
    const blocks = precisionByScore(balanced(tuneSet.samples, seedSet.samples));
    // Rounded up to 3 decimals, as they are written in the spec: never below the measured crossing.
    const ceil3 = (x: number) => Math.ceil(x * 1000 - 1e-9) / 1000;
    const chosen: RelevanceThresholds = { strong: ceil3(thresholdFor(blocks, args.strong)), good: ceil3(thresholdFor(blocks, args.good)) };
    const perDataset = {
      scifactTune: thresholdFor(precisionByScore(tuneSet.samples), args.strong),
      seedDev: thresholdFor(precisionByScore(seedSet.samples), args.strong),
    };
    const heldSet = samples(scifact, mode, heldOut);
    const at = (set: { samples: JudgedScore[]; relevant: number }, queries: number) => {
      const stats = cutStats(set.samples, chosen.strong, set.relevant);
      return { ...stats, perQuery: stats.shown / queries };
    };
    const nonsense = (corpus: Corpus) =>
      NONSENSE_QUERIES.map((text, i) => corpus.index.rank(mode, text, corpus.nonsense[i], RESULTS).filter((hit) => comparable(corpus, mode, text, hit.score) >= chosen.strong).length);
    const cut = {
      thresholds: chosen,
      inUse: relevanceThresholds(mode),
      strongThresholdPerDataset: perDataset,
      tune: at(tuneSet, tune.length),
      heldOut: at(heldSet, heldOut.length),
      seedDev: at(seedSet, seed.queries.length),
      nonsenseStrong: { scifact: nonsense(scifact), seedDev: nonsense(seed) },
      precisionBlocks: blocks.filter((b) => b.precision >= 0.05).map((b) => ({ from: b.min, to: b.max, precision: Number(b.precision.toFixed(3)) })),
    };
    report[mode] = cut;
    console.log(`\n## ${mode}: strong >= ${chosen.strong} (precision ${args.strong}), good >= ${chosen.good} (precision ${args.good})`);
    console.log(`   in use now: ${JSON.stringify(cut.inUse)}; strong threshold fitted on SciFact tune alone ${perDataset.scifactTune.toFixed(4)}, seed-dev alone ${perDataset.seedDev.toFixed(4)}`);
    console.log('   | queries | shown per query | precision | recall |');
    for (const [label, s] of [['SciFact tune', cut.tune], ['SciFact held-out', cut.heldOut], ['seed-dev', cut.seedDev]] as const)
      console.log(`   | ${label} | ${s.perQuery.toFixed(2)} | ${pct(s.precision)} | ${pct(s.recall)} |`);
    console.log(`   nonsense queries, results >= strong: SciFact ${cut.nonsenseStrong.scifact.join(' ')}; seed-dev ${cut.nonsenseStrong.seedDev.join(' ')}`);
    console.log(`   precision by score (isotonic fit, blocks >= 5%): ${cut.precisionBlocks.map((b) => `${b.from.toFixed(3)}..${b.to.toFixed(3)}: ${b.precision}`).join('; ')}`);
  }
  if (args.json) console.log(JSON.stringify({ levels: { strong: args.strong, good: args.good }, vectors: args.int8 ? 'int8' : 'float32', ...report }));
}

runTool('choose-cutoff', main);
