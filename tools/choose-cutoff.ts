/**
 * Chooses the relevance labels of src/search/relevance.ts by measurement, per mode, and checks them against the
 * targets of issue 18.4:
 *   npx tsx tools/choose-cutoff.ts [--scifact ../shared/bench/scifact] [--seed tests/fixtures/seed-dev]
 *                                  [--strong 0.5] [--good 0.2] [--float32] [--json]
 *
 * Every judged query of the SciFact tune half and of seed-dev is ranked by the app's SearchIndex.rank (int8
 * document vectors, the default ranking and query form, the app's 50 results). Each result is a (score, relevant?)
 * pair (in keyword mode the score is its keywordStrength, as relevance.ts compares it); the precision at each score
 * is their isotonic fit (src/eval/cutoff.ts), the two datasets weighing half each (so SciFact's 405 claims do not
 * drown seed-dev's 24 questions). The 'strong' threshold is the lowest score from which that precision is at least
 * --strong, the 'good' one the same for --good.
 *
 * Issue 18.4: claims are long, people type short questions. For the cosine modes a second feature may label a
 * result good below `good`: how far it stands above the query's background (relevance.ts queryScale: the score of
 * the 50th result), for results near the query's best (`standout: { min, weight, level, near }`, relevance.ts
 * standsOut). The tool grids them and keeps the settings that meet every target: "Nothing matched well" (no strong
 * or good result) for none of the seed-dev questions, of the short SciFact questions written for this project
 * (tests/fixtures/relevance/scifact-short-questions.json) and of the questions typed as people type them about the
 * bundled papers (bundled-typed-questions.json), for every nonsense string (nonsense-queries.json) on both corpora,
 * each by a margin (MIN_MARGIN), and a precision of what is labelled strong or good on the SciFact tune half no
 * lower than today's. Of those it takes the best F1 of the strong/good results on the tune half (then the widest
 * margin to nonsense). Off-topic questions on the bundled papers (bundled-off-topic-questions.json) are reported,
 * not a target. "Today" is main on 2026-12-06 before issue 18.4, measured by the same code: one view of the query,
 * keyword weight 0.065, feedback 0.2, fixed thresholds (TODAY).
 *
 * Prints a table per mode, today beside the choice, and the settings to put in the model spec (semantic, hybrid)
 * and in src/search/relevance.ts (keyword).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_MODEL_ID, type QueryViews, type RelevanceThresholds, type Standout } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { precisionByScore, thresholdFor, type JudgedScore } from '../src/eval/cutoff.ts';
import { loadBeirDataset, type BeirDataset } from '../src/eval/dataset.ts';
import { embedPapersCached, embedQueriesCached } from '../src/eval/disk-vector-cache.ts';
import { judgedQueries, splitHalves } from '../src/eval/evaluate.ts';
import { cosineBlendOptions } from '../src/index/fusion.ts';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import type { Hit } from '../src/index/top-k.ts';
import { VectorMatrix } from '../src/index/vector-matrix.ts';
import { BACKGROUND_RANK, keywordStrength, labelHits, plausibleLead, queryBackground, relevanceThresholds, standing } from '../src/search/relevance.ts';
import { rankingFor, SEARCH_MODES, SearchIndex, type RankingOptions, type SearchMode } from '../src/search/search.ts';
import { parseFlags, runTool, stringFlag, UsageError } from './cli.ts';

/** The app shows at most this many results (src/search/searcher.ts RESULT_LIMIT); the background is the last. */
const RESULTS = BACKGROUND_RANK;
const FIXTURES = resolve('tests', 'fixtures', 'relevance');
/**
 * A setting must leave every nonsense string's best result at least this far (in score) under it, and every
 * question's best result this far over it: the browser's int8 query vectors and Node's differ (cosine >= 0.998,
 * docs/quality.md "Browser and Node parity"), which moves scores in the third decimal.
 */
const MIN_MARGIN = 0.01;

/** The strings of a fixture `{ "queries": [...] }` of tests/fixtures/relevance. */
function fixtureQueries(file: string): string[] {
  return (JSON.parse(readFileSync(resolve(FIXTURES, file), 'utf8')) as { queries: string[] }).queries;
}

/** Queries that should match nothing well in any library of papers (keyboard mash, markup, random words, errands). */
export const NONSENSE_QUERIES: readonly string[] = fixtureQueries('nonsense-queries.json');

/** What main shipped on 2026-12-06, before issue 16.6 and 18.4: the baseline every target is measured against. */
const TODAY = {
  views: null as QueryViews | null,
  ranking: { fusion: cosineBlendOptions(0.065), feedback: { docs: 1, weight: 0.2 } } as RankingOptions,
  relevance: { semantic: { strong: 0.812, good: 0.78 }, hybrid: { strong: 0.881, good: 0.861 } } as Record<'semantic' | 'hybrid', RelevanceThresholds>,
};

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

/** A query with what is judged relevant to it (empty for nonsense). */
interface Asked {
  id: string;
  text: string;
  relevant: ReadonlySet<string>;
}

/** The questions of a fixture `{ "questions": [{ id, text, relevant }] }` of tests/fixtures/relevance. */
function fixtureQuestions(file: string): Asked[] {
  const { questions } = JSON.parse(readFileSync(resolve(FIXTURES, file), 'utf8')) as { questions: { id: string; text: string; relevant: string[] }[] };
  return questions.map((q) => ({ id: q.id, text: q.text, relevant: new Set(q.relevant) }));
}

/** Strings no paper answers, as queries with nothing judged relevant (ids `<prefix>-<i>`). */
function unanswerable(texts: readonly string[], prefix: string): Asked[] {
  return texts.map((text, i) => ({ id: `${prefix}-${i}`, text, relevant: new Set<string>() }));
}

/** One side's ranking of one query: its hits and which are judged relevant. */
interface Ranked {
  hits: Hit[];
  relevant: boolean[];
  /** Judged-relevant papers in all (for recall). */
  total: number;
  query: string;
}

/** A query set ranked by both sides, per mode. */
type Rankings = Record<'today' | 'shipped', Record<SearchMode, Ranked[]>>;

interface Corpus {
  name: string;
  dataset: BeirDataset;
  papers: number;
  sets: Record<string, Rankings>;
}

async function loadCorpus(name: string, dir: string, int8: boolean, extra: Record<string, Asked[]>): Promise<Corpus> {
  const dataset = loadBeirDataset(dir);
  const judged = judgedQueries(dataset.queries, dataset.qrels);
  const asked = (queries: typeof judged): Asked[] =>
    queries.map((q) => ({ id: q.id, text: q.text, relevant: new Set([...dataset.qrels.get(q.id)!].filter(([, grade]) => grade > 0).map(([id]) => id)) }));
  const sets: Record<string, Asked[]> = name === 'scifact' ? { tune: asked(splitHalves(judged).tune), heldOut: asked(splitHalves(judged).heldOut) } : { questions: asked(judged) };
  Object.assign(sets, extra, { nonsense: unanswerable(NONSENSE_QUERIES, 'nonsense') });
  const encoder = await loadNodeEncoder(DEFAULT_MODEL_ID);
  const cache = resolve('.cache', 'vectors');
  const { vectors } = await embedPapersCached(encoder, dataset.papers, cache);
  const matrix = int8 ? QuantizedMatrix.fromFloat32(encoder.dims, vectors) : new VectorMatrix(encoder.dims, dataset.papers.length, vectors);
  const sides = { today: { views: TODAY.views, ranking: TODAY.ranking }, shipped: { views: encoder.spec.ranking.queryViews, ranking: rankingFor(DEFAULT_MODEL_ID) } };
  const out: Record<string, Rankings> = {};
  for (const [setName, queries] of Object.entries(sets)) {
    const rankings = {} as Rankings;
    for (const [sideName, side] of Object.entries(sides) as Array<['today' | 'shipped', (typeof sides)['today']]>) {
      const queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), cache, side.views);
      const index = new SearchIndex(dataset.papers, matrix, side.ranking);
      rankings[sideName] = Object.fromEntries(
        SEARCH_MODES.map((mode) => [
          mode,
          queries.map((q, i): Ranked => {
            const hits = index.rank(mode, q.text, mode === 'keyword' ? null : queryVectors[i], RESULTS);
            return { hits, relevant: hits.map((hit) => q.relevant.has(dataset.papers[hit.index].id)), total: q.relevant.size, query: q.text };
          }),
        ]),
      ) as Record<SearchMode, Ranked[]>;
    }
    out[setName] = rankings;
  }
  await encoder.dispose();
  return { name, dataset, papers: dataset.papers.length, sets: out };
}

/** How many leading results the app labels strong or good, and strong (relevance.ts's rule, with candidate thresholds). */
function plausibleCount(mode: SearchMode, ranked: Ranked, thresholds: RelevanceThresholds, papers: number): { plausible: number; strong: number } {
  return plausibleLead(labelHits(mode, ranked.hits, thresholds, { query: ranked.query, papers }));
}

interface SetStats {
  queries: number;
  /** Queries told "Nothing matched well" (no strong or good result). */
  nothingWell: number;
  /** Results labelled strong or good per query, their precision and recall. */
  shownPerQuery: number;
  precision: number;
  recall: number;
  /** The same for strong alone. */
  strongPrecision: number;
  /** Relevant results labelled strong or good. */
  hits: number;
}

function setStats(mode: SearchMode, rankings: readonly Ranked[], thresholds: RelevanceThresholds, papers: number): SetStats {
  let nothingWell = 0;
  let shown = 0;
  let hits = 0;
  let total = 0;
  let strongShown = 0;
  let strongHits = 0;
  for (const ranked of rankings) {
    const { plausible, strong } = plausibleCount(mode, ranked, thresholds, papers);
    if (plausible === 0) nothingWell++;
    shown += plausible;
    strongShown += strong;
    for (let i = 0; i < plausible; i++) if (ranked.relevant[i]) hits++;
    for (let i = 0; i < strong; i++) if (ranked.relevant[i]) strongHits++;
    total += ranked.total;
  }
  return { queries: rankings.length, nothingWell, shownPerQuery: shown / rankings.length, precision: hits / shown, recall: total > 0 ? hits / total : NaN, strongPrecision: strongHits / strongShown, hits };
}

/** The (score, relevant) pairs of `rankings`, for the isotonic fit. */
function samples(mode: SearchMode, rankings: readonly Ranked[], papers: number): JudgedScore[] {
  return rankings.flatMap((ranked) => ranked.hits.map((hit, i) => ({ score: mode === 'keyword' ? keywordStrength(hit.score, ranked.query, papers) : hit.score, relevant: ranked.relevant[i] })));
}

/** The datasets' results weighted so that each dataset has the same say, whatever its number of results. */
function balanced(...sets: ReadonlyArray<readonly JudgedScore[]>): JudgedScore[] {
  return sets.flatMap((set) => set.map((sample) => ({ ...sample, weight: 1 / set.length })));
}

/** Rounded up to 3 decimals, as they are written in the spec: never below the measured crossing. */
const ceil3 = (x: number) => Math.ceil(x * 1000 - 1e-9) / 1000;
const pct = (x: number) => (Number.isNaN(x) ? '–' : (100 * x).toFixed(1));

interface Evaluation {
  thresholds: RelevanceThresholds;
  tune: SetStats;
  heldOut: SetStats;
  seedDev: SetStats;
  short: SetStats;
  typed: SetStats;
  offTopic: SetStats;
  nonsenseScifact: SetStats;
  nonsenseSeed: SetStats;
}

/** `withHeldOut` false while searching the grid: the held-out half is never used to choose. */
function evaluate(mode: SearchMode, side: 'today' | 'shipped', thresholds: RelevanceThresholds, scifact: Corpus, seed: Corpus, withHeldOut = true): Evaluation {
  const at = (corpus: Corpus, set: string) => setStats(mode, corpus.sets[set][side][mode], thresholds, corpus.papers);
  return {
    thresholds,
    tune: at(scifact, 'tune'),
    heldOut: withHeldOut ? at(scifact, 'heldOut') : at(scifact, 'nonsense'),
    seedDev: at(seed, 'questions'),
    short: at(scifact, 'short'),
    typed: at(seed, 'typed'),
    offTopic: at(seed, 'offTopic'),
    nonsenseScifact: at(scifact, 'nonsense'),
    nonsenseSeed: at(seed, 'nonsense'),
  };
}

/**
 * How far (in score) a query's best result clears the rule: positive when it is labelled strong or good, negative
 * when it stays under. Through the standout, the score it would need with the background fixed.
 */
function clearance(t: RelevanceThresholds, ranked: Ranked): number {
  const top = ranked.hits[0].score;
  const standout = t.standout;
  const bySpread = standout ? Math.min(top - standout.min, (standing(standout, top, queryBackground(ranked.hits)!) - standout.level) / (1 + standout.weight)) : -Infinity;
  return Math.max(top - t.good, bySpread);
}

/** The balance of precision and recall of what is labelled strong or good: what the choice maximises. */
function f1(s: SetStats): number {
  return s.precision + s.recall > 0 ? (2 * s.precision * s.recall) / (s.precision + s.recall) : 0;
}

/** Every target of issue 18.4 met, against today's precision on the tune half. */
function meetsTargets(e: Evaluation, today: Evaluation): boolean {
  return (
    e.seedDev.nothingWell === 0 &&
    e.short.nothingWell === 0 &&
    e.typed.nothingWell === 0 &&
    e.nonsenseScifact.nothingWell === e.nonsenseScifact.queries &&
    e.nonsenseSeed.nothingWell === e.nonsenseSeed.queries &&
    e.tune.precision >= today.tune.precision
  );
}

/** How close to the query's best result a result must score for the standout to apply: the best alone, or all (1). */
const NEARS = [0, 0.02, 0.05, 1];

/**
 * The grid tried: `good` from the fitted threshold up to `strong` (a higher good buys back the precision a standout
 * costs), each without a standout and with every (near, floor, weight, level): a hit below good is good when it
 * scores at least the floor, within `near` of the best result, and score + weight * (score - background) reaches the
 * level (relevance.ts standing).
 */
function candidateGrid(fitted: RelevanceThresholds): RelevanceThresholds[] {
  const steps = (from: number, to: number, step: number) => Array.from({ length: Math.max(0, Math.floor((to - from) / step + 1e-9)) + 1 }, (_, i) => Number((from + i * step).toFixed(3)));
  const out: RelevanceThresholds[] = [];
  for (const good of steps(fitted.good, fitted.strong, 0.008)) {
    out.push({ strong: fitted.strong, good });
    for (const near of NEARS)
      for (const weight of [0.5, 1, 2, 3, 4])
        for (const min of steps(0.55, good, 0.02))
          for (const level of steps(min + weight * 0.04, good + weight * 0.3, 0.005)) out.push({ strong: fitted.strong, good, standout: { min, weight, level, near } });
  }
  return out;
}

function printEvaluation(label: string, e: Evaluation): void {
  const t = e.thresholds;
  const near = (s: Standout) => (s.near >= 1 ? '' : s.near === 0 ? ' (the best result only)' : ` (within ${s.near} of the best)`);
  const standout = t.standout ? `, or >= ${t.standout.min} with score + ${t.standout.weight} x (score - background) >= ${t.standout.level}${near(t.standout)}` : '';
  console.log(`   ${label}: strong >= ${t.strong}, good >= ${t.good}${standout}`);
  console.log('   | queries | "Nothing matched well" | strong or good per query | their precision | recall | strong precision |');
  const rows: Array<[string, SetStats]> = [
    ['SciFact tune', e.tune],
    ['SciFact held-out', e.heldOut],
    ['SciFact short questions', e.short],
    ['seed-dev', e.seedDev],
    ['typed questions on the bundled papers', e.typed],
    ['off-topic questions on the bundled papers (reported)', e.offTopic],
    ['nonsense on SciFact', e.nonsenseScifact],
    ['nonsense on seed-dev', e.nonsenseSeed],
  ];
  for (const [name, s] of rows) console.log(`   | ${name} (${s.queries}) | ${s.nothingWell} | ${s.shownPerQuery.toFixed(2)} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.strongPrecision)} |`);
}

async function main(argv: readonly string[]): Promise<void> {
  const args = readArgs(argv);
  const scifact = await loadCorpus('scifact', args.scifact, args.int8, { short: fixtureQuestions('scifact-short-questions.json') });
  const seed = await loadCorpus('seed-dev', args.seed, args.int8, {
    typed: fixtureQuestions('bundled-typed-questions.json'),
    offTopic: unanswerable(fixtureQueries('bundled-off-topic-questions.json'), 'off-topic'),
  });
  const report: Record<string, unknown> = {};
  for (const mode of SEARCH_MODES) {
    const fitted = precisionByScore(balanced(samples(mode, scifact.sets.tune.shipped[mode], scifact.papers), samples(mode, seed.sets.questions.shipped[mode], seed.papers)));
    const fixed: RelevanceThresholds = { strong: ceil3(thresholdFor(fitted, args.strong)), good: ceil3(thresholdFor(fitted, args.good)) };
    console.log(`\n## ${mode}: fitted strong >= ${fixed.strong} (precision ${args.strong}), good >= ${fixed.good} (precision ${args.good}); in use: ${JSON.stringify(relevanceThresholds(mode))}`);
    const todayThresholds = mode === 'keyword' ? relevanceThresholds('keyword')! : TODAY.relevance[mode];
    const today = evaluate(mode, 'today', todayThresholds, scifact, seed);
    printEvaluation('today (main, 2026-12-06)', today);
    const plain = evaluate(mode, 'shipped', fixed, scifact, seed);
    printEvaluation('fitted thresholds alone, shipped ranking', plain);
    let chosen = plain;
    let feasible = 0;
    if (mode !== 'keyword') {
      // Margins in score units, so that neither side of the line is a knife edge: how far the nonsense queries'
      // best results stay under the rule, and how far every question's best result clears it.
      const nonsense = [...scifact.sets.nonsense.shipped[mode], ...seed.sets.nonsense.shipped[mode]];
      const questions = [...scifact.sets.short.shipped[mode], ...seed.sets.questions.shipped[mode], ...seed.sets.typed.shipped[mode]];
      const margin = (t: RelevanceThresholds) => Math.min(...nonsense.map((r) => -clearance(t, r)));
      const questionMargin = (t: RelevanceThresholds) => Math.min(...questions.map((r) => clearance(t, r)));
      const grid = candidateGrid(fixed);
      let best: Evaluation | null = null;
      for (const candidate of grid) {
        const e = evaluate(mode, 'shipped', candidate, scifact, seed, false);
        if (!meetsTargets(e, today) || margin(candidate) < MIN_MARGIN || questionMargin(candidate) < MIN_MARGIN) continue;
        feasible++;
        if (!best || f1(e.tune) > f1(best.tune) || (f1(e.tune) === f1(best.tune) && margin(candidate) > margin(best.thresholds))) best = e;
      }
      if (best) chosen = evaluate(mode, 'shipped', best.thresholds, scifact, seed);
      const margins = best ? `margins of the choice: nonsense ${margin(best.thresholds).toFixed(3)}, questions ${questionMargin(best.thresholds).toFixed(3)}` : '';
      console.log(`   settings meeting every target: ${feasible} of ${grid.length}; ${margins}`);
      printEvaluation(best ? 'chosen (best F1 of strong/good on tune)' : 'nothing meets every target; fitted thresholds alone', chosen);
      const inUse = relevanceThresholds(mode);
      if (inUse) printEvaluation('in use now (model spec)', evaluate(mode, 'shipped', inUse, scifact, seed));
    }
    report[mode] = { today, fitted: plain, chosen, feasible, inUse: relevanceThresholds(mode) };
  }
  if (args.json) console.log(JSON.stringify({ levels: { strong: args.strong, good: args.good }, vectors: args.int8 ? 'int8' : 'float32', ...report }));
}

runTool('choose-cutoff', main);
