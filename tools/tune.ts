/**
 * Grid search of ranking parameters on ONE fixed half of a dataset's judged queries, reported on both halves
 * (src/eval/evaluate.ts splitHalves), so the chosen defaults can be checked on queries they never saw:
 *   npx tsx tools/tune.ts keyword --data <dir> [--split train]
 *   npx tsx tools/tune.ts fusion  --data <dir> [--split train] [--model <id>] [--int8]
 *   npx tsx tools/tune.ts ranking --data <dir> [--split train] [--model <id>] [--int8]
 *   npx tsx tools/tune.ts expansion --data <dir> [--alpha a,b] [--beta a,b|plain] [--feedback w,w]
 *   npx tsx tools/tune.ts latency --data <dir> [--model <id>]
 *   npx tsx tools/tune.ts ensemble --data <dir> [--second <id>] [--w a,b] [--kw a,b]
 * Prints one line per setting, best (on the tuning half) last. Uses the app's KeywordIndex and fusion code.
 * `ranking` compares what can be added to the shipped hybrid (issue 9): pseudo-relevance feedback on the query
 * vector, through SearchIndex.rank itself (ModelSpec.ranking.feedback), and query-dependent keyword weights.
 * `expansion` scores document expansion by the title's vector, the query embedded with and without its
 * instruction, and BM25's title weight, with float32 and int8 vectors in one run.
 * `ensemble` adds a second encoder's cosine to the first's (score = cosine_1 + w x cosine_2, each over its own
 * vectors), then the shipped fusion and feedback, with float32 and int8 document vectors in one run.
 * `latency` times SearchIndex.rank in Node over 100,000 int8 vectors (the dataset's, repeated with seeded noise,
 * as tools/bench.ts does in the browser) with the model's feedback and without: what the second pass costs.
 */
import { resolve } from 'node:path';
import type { Query } from '../src/corpus/beir.ts';
import { DEFAULT_MODEL_ID } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { loadBeirDataset, type BeirDataset } from '../src/eval/dataset.ts';
import { judgedQueries, splitHalves } from '../src/eval/evaluate.ts';
import { meanScores, scoreQuery, type QueryScores } from '../src/eval/metrics.ts';
import { embedPapersCached, embedQueriesCached } from '../src/eval/disk-vector-cache.ts';
import { cosineScores } from '../src/index/cosine.ts';
import { cosineBlendOptions, fuse } from '../src/index/fusion.ts';
import { DEFAULT_KEYWORD_OPTIONS, KeywordIndex, type KeywordOptions } from '../src/index/keyword.ts';
import { topK, type Hit } from '../src/index/top-k.ts';
import { VectorMatrix } from '../src/index/vector-matrix.ts';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import { feedbackVector } from '../src/search/feedback.ts';
import { rankingFor, SearchIndex, type DocumentVectors, type RankingOptions, type SearchMode } from '../src/search/search.ts';
import { gaussian, seededOpenRandom } from '../src/base/random.ts';
import { parseCommandLine, runTool, UsageError, type ParsedOptions } from './cli.ts';

const DEPTH = 100;

const OPTIONS = {
  data: 'string', split: 'string', model: 'string', int8: 'boolean', second: 'string',
  alpha: 'string', beta: 'string', feedback: 'string', w: 'string', kw: 'string',
} as const;
type Options = ParsedOptions<typeof OPTIONS>;

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

/** Vectors of a dataset from the disk cache (embedding what is missing), as the eval tool gets them. */
async function loadVectors(dataset: BeirDataset, queries: readonly Query[], modelId: string, int8: boolean, withPlain = false) {
  const encoder = await loadNodeEncoder(modelId);
  const cache = resolve('.cache', 'vectors');
  const { vectors } = await embedPapersCached(encoder, dataset.papers, cache);
  const queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), cache);
  // The same claims without the query instruction (as documents: no prefix), for the two-view rows.
  const plain = withPlain ? await encoder.embedDocuments(queries.map((q) => q.text)) : new Float32Array(0);
  const plainVectors = withPlain ? queries.map((_, i) => plain.subarray(i * encoder.dims, (i + 1) * encoder.dims)) : [];
  await encoder.dispose();
  const matrix = int8 ? QuantizedMatrix.fromFloat32(encoder.dims, vectors) : new VectorMatrix(encoder.dims, dataset.papers.length, vectors);
  return { matrix, queryVectors, plainVectors };
}

function unit(vector: Float32Array): Float32Array {
  const norm = Math.hypot(...vector);
  return vector.map((x) => x / norm);
}

/**
 * The candidates of issue 9 beside the shipped hybrid: vector pseudo-relevance feedback (Rocchio) through
 * SearchIndex.rank with the feedback in the ranking options, query-dependent keyword weights, and (not
 * shippable without a second query embedding) the query embedded both with and without the instruction.
 */
async function tuneRanking(dataset: BeirDataset, queries: readonly Query[], modelId: string, int8: boolean): Promise<void> {
  const { matrix, queryVectors, plainVectors } = await loadVectors(dataset, queries, modelId, int8, true);
  const shipped = rankingFor(modelId);
  const base = new SearchIndex(dataset.papers, matrix, { ...shipped, feedback: null });
  const vectorOf = new Map(queries.map((q, i) => [q.id, i]));
  const withRanking = (ranking: RankingOptions) => new SearchIndex(dataset.papers, matrix, ranking, base.keyword);
  const rows: Row[] = [];
  const rankAll = (label: string, index: SearchIndex, mode: 'semantic' | 'hybrid') =>
    rows.push(evaluate(dataset, queries, label, (q) => index.rank(mode, q.text, queryVectors[vectorOf.get(q.id)!], DEPTH)));
  rankAll('semantic (no feedback)', base, 'semantic');
  rankAll(`hybrid, keyword weight ${shipped.fusion.keywordWeight} (no feedback)`, base, 'hybrid');
  for (const keywordWeight of [0.05, 0.065, 0.08])
    for (const docs of [1, 2, 3, 5])
      for (const weight of [0.1, 0.2, 0.3, 0.5]) {
        const index = withRanking({ fusion: cosineBlendOptions(keywordWeight), feedback: { docs, weight } });
        rankAll(`hybrid+feedback kw=${keywordWeight} docs=${docs} weight=${weight}`, index, 'hybrid');
        if (keywordWeight === 0.065) rankAll(`semantic+feedback docs=${docs} weight=${weight}`, index, 'semantic');
      }

  // Query-dependent keyword weight, no feedback: by query length, by the spread of the top-100 cosines, by how
  // far the best BM25 score stands above the second.
  const semantic = new Map(queries.map((q) => [q.id, base.semantic(queryVectors[vectorOf.get(q.id)!], DEPTH)]));
  const keyword = new Map(queries.map((q) => [q.id, base.keyword.query(q.text, DEPTH)]));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const length = (q: Query) => q.text.split(/\s+/).length;
  const spread = (q: Query) => semantic.get(q.id)![0].score - semantic.get(q.id)!.at(-1)!.score;
  const concentration = (q: Query) => {
    const hits = keyword.get(q.id)!;
    return hits.length < 2 ? 1 : Math.min(2, hits[0].score / hits[1].score);
  };
  for (const [name, feature] of [['query length', length], ['cosine spread', spread], ['BM25 top1/top2', concentration]] as const) {
    const typical = median(queries.map(feature));
    for (const power of [-0.5, -0.25, 0.25, 0.5, 1]) {
      const weight = (q: Query) => shipped.fusion.keywordWeight * Math.pow(feature(q) / typical, power);
      rows.push(evaluate(dataset, queries, `hybrid, kw weight x (${name} / median)^${power}`, (q) => fuse(semantic.get(q.id)!, keyword.get(q.id)!, cosineBlendOptions(weight(q)))));
    }
  }

  // Two views of the query: instruction + plain (needs a second query embedding per search; not shipped).
  for (const plainWeight of [0.5, 1]) {
    const mixed = new Map(queries.map((q, i) => [q.id, unit(queryVectors[i].map((x, d) => x + plainWeight * plainVectors[i][d]))]));
    rows.push(evaluate(dataset, queries, `semantic, query + ${plainWeight} x plain query`, (q) => base.rank('semantic', q.text, mixed.get(q.id)!, DEPTH)));
    for (const keywordWeight of [0.05, 0.065, 0.08]) {
      const index = withRanking({ fusion: cosineBlendOptions(keywordWeight), feedback: null });
      rows.push(evaluate(dataset, queries, `hybrid kw=${keywordWeight}, query + ${plainWeight} x plain query`, (q) => index.rank('hybrid', q.text, mixed.get(q.id)!, DEPTH)));
    }
  }
  report(rows);
}

/**
 * Extra vectors for the expansion variants, cached like the eval's (content-addressed) in their own folder so
 * that they never touch the shared document cache: each paper's title alone, and each claim embedded as a
 * document (no instruction). Both go through `embedDocuments`, i.e. as passages.
 */
async function loadExtraVectors(dataset: BeirDataset, queries: readonly Query[], modelId: string) {
  const encoder = await loadNodeEncoder(modelId);
  const root = resolve('.cache', 'vectors-extra');
  const asPassages = (texts: string[]) => texts.map((text, i) => ({ id: String(i), title: '', abstract: text }));
  const titles = await embedPapersCached(encoder, asPassages(dataset.papers.map((p) => p.title ?? '')), root);
  const plain = await embedPapersCached(encoder, asPassages(queries.map((q) => q.text)), root);
  await encoder.dispose();
  const rows = (v: Float32Array) => Array.from({ length: v.length / encoder.dims }, (_, i) => v.subarray(i * encoder.dims, (i + 1) * encoder.dims));
  return { titleVectors: rows(titles.vectors), plainVectors: rows(plain.vectors) };
}

/** normalise(a + weight x b), row by row; rows whose `skip` is true keep `a` as it is. */
function mixRows(a: Float32Array, b: readonly Float32Array[], weight: number, dims: number, skip: (row: number) => boolean = () => false): Float32Array {
  const out = Float32Array.from(a);
  if (weight === 0) return out;
  for (let r = 0; r < b.length; r++) {
    if (skip(r)) continue;
    const row = out.subarray(r * dims, (r + 1) * dims);
    for (let d = 0; d < dims; d++) row[d] += weight * b[r][d];
    const inverse = 1 / Math.hypot(...row);
    for (let d = 0; d < dims; d++) row[d] *= inverse;
  }
  return out;
}

/** A keyword index that answers a repeated (text, k) from memory: the grid below asks each claim many times. */
class MemoKeywordIndex extends KeywordIndex {
  private readonly memo = new Map<string, Hit[]>();
  override query(text: string, k: number, overrides: Parameters<KeywordIndex['query']>[2] = {}): Hit[] {
    if (Object.keys(overrides).length > 0) return super.query(text, k, overrides);
    const key = `${k}\u0000${text}`;
    if (!this.memo.has(key)) this.memo.set(key, super.query(text, k));
    return this.memo.get(key)!;
  }
}

/**
 * A SearchIndex whose cosine passes are remembered per query-vector object (shared between the indexes of one
 * matrix), so settings that differ only after the first pass do not score the corpus again. Results are those
 * of SearchIndex.rank: the same method, answered from memory.
 */
class MemoSearchIndex extends SearchIndex {
  constructor(papers: BeirDataset['papers'], vectors: VectorMatrix | QuantizedMatrix, ranking: RankingOptions, keyword: KeywordIndex, private readonly passes: WeakMap<Float32Array, Hit[]>) {
    super(papers, vectors, ranking, keyword);
  }
  override semantic(queryVector: Float32Array, k: number): Hit[] {
    const known = this.passes.get(queryVector);
    if (known && known.length >= k) return known.slice(0, k);
    const hits = super.semantic(queryVector, k);
    this.passes.set(queryVector, hits);
    return hits;
  }
}

/** The expansion grid; each list can be narrowed from the command line (--alpha, --beta, --feedback as lists). */
interface ExpansionGrid {
  alphas: number[];
  betas: number[];
  /** Feedback from the top fused hit with these weights; 0 = off. */
  feedbackWeights: number[];
  /** Also retune BM25's title weight (on today's vectors and queries). */
  bm25: boolean;
}

function expansionGrid(options: Options): ExpansionGrid {
  const list = (value: string | undefined, fallback: number[]) => value?.split(',').map((x) => (x === 'plain' ? Infinity : Number(x))) ?? fallback;
  const narrowed = [options.alpha, options.beta, options.feedback].some((value) => value !== undefined);
  return { alphas: list(options.alpha, [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1]), betas: list(options.beta, [0, 0.5, 1]), feedbackWeights: list(options.feedback, [0, 0.2]), bm25: !narrowed };
}

/**
 * Issue 9's remaining levers, all scored with float32 AND int8 document vectors in one run (tune / held-out):
 * (a) document expansion: each stored vector = normalise(v(title + abstract) + alpha x v(title)), one vector per
 * paper as today; (b) the same with the query embedded with and without the instruction (query + beta x plain);
 * (c) BM25's title weight retuned jointly with the keyword weight. Each with and without the shipped feedback.
 * The winner is the best on the tune half averaged over the two vector forms (as the shipped settings were chosen);
 * the held-out half is printed, never used to choose.
 */
async function tuneExpansion(dataset: BeirDataset, queries: readonly Query[], modelId: string, grid: ExpansionGrid): Promise<void> {
  const encoder = await loadNodeEncoder(modelId);
  const cache = resolve('.cache', 'vectors');
  const { vectors } = await embedPapersCached(encoder, dataset.papers, cache);
  const queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), cache);
  const dims = encoder.dims;
  await encoder.dispose();
  const { titleVectors, plainVectors } = await loadExtraVectors(dataset, queries, modelId);
  const shipped = rankingFor(modelId);
  const noTitle = (row: number) => !dataset.papers[row].title;
  const keywordBy = new Map<number, KeywordIndex>();
  const keywordIndex = (titleBoost: number) => {
    if (!keywordBy.has(titleBoost)) keywordBy.set(titleBoost, new MemoKeywordIndex(dataset.papers, { ...DEFAULT_KEYWORD_OPTIONS, titleBoost }));
    return keywordBy.get(titleBoost)!;
  };
  const position = new Map(queries.map((q, i) => [q.id, i]));
  // beta = Infinity: the plain view alone.
  const queryFor = (beta: number) =>
    beta === 0 ? queryVectors : beta === Infinity ? plainVectors : queries.map((_, i) => unit(queryVectors[i].map((x, d) => x + beta * plainVectors[i][d])));
  interface TwoRows { label: string; f32: Row; int8: Row }
  const rows: TwoRows[] = [];
  const mean = (r: TwoRows, half: 'tune' | 'heldOut') => (r.f32[half]['ndcg@10'] + r.int8[half]['ndcg@10']) / 2;
  for (const alpha of grid.alphas) {
    const expanded = mixRows(vectors, titleVectors, alpha, dims, noTitle);
    const matrices = { f32: new VectorMatrix(dims, dataset.papers.length, expanded), int8: QuantizedMatrix.fromFloat32(dims, expanded) };
    const passes = { f32: new WeakMap<Float32Array, Hit[]>(), int8: new WeakMap<Float32Array, Hit[]>() };
    console.error(`alpha ${alpha}: ${rows.length} settings so far`);
    for (const beta of grid.betas) {
      const mixed = queryFor(beta);
      const score = (label: string, mode: SearchMode, ranking: RankingOptions, titleBoost = DEFAULT_KEYWORD_OPTIONS.titleBoost) => {
        const [f32, int8] = (['f32', 'int8'] as const).map((form) => {
          const index = new MemoSearchIndex(dataset.papers, matrices[form], ranking, keywordIndex(titleBoost), passes[form]);
          return evaluate(dataset, queries, label, (q) => index.rank(mode, q.text, mixed[position.get(q.id)!], DEPTH));
        });
        rows.push({ label, f32, int8 });
      };
      const views = `alpha=${alpha} beta=${beta}`;
      score(`semantic ${views}`, 'semantic', { ...shipped, feedback: null });
      for (const keywordWeight of [0.05, 0.065, 0.08])
        for (const feedback of grid.feedbackWeights.map((weight) => (weight === 0 ? null : { docs: 1, weight }))) {
          const ranking = { fusion: cosineBlendOptions(keywordWeight), feedback };
          score(`hybrid ${views} kw=${keywordWeight} feedback=${feedback ? `${feedback.docs}x${feedback.weight}` : 'off'}`, 'hybrid', ranking);
          // (c) BM25 title weight, on today's vectors and queries only.
          if (alpha === 0 && beta === 0 && grid.bm25)
            for (const titleBoost of [0, 1, 2, 3]) score(`hybrid ${views} kw=${keywordWeight} feedback=${feedback ? 'on' : 'off'} bm25 title=${titleBoost}`, 'hybrid', ranking, titleBoost);
        }
    }
  }
  rows.sort((a, b) => mean(a, 'tune') - mean(b, 'tune'));
  const pair = (r: TwoRows, half: 'tune' | 'heldOut' | 'all') => `${(100 * r.f32[half]['ndcg@10']).toFixed(2)} / ${(100 * r.int8[half]['ndcg@10']).toFixed(2)}`;
  console.log('nDCG@10, float32 / int8 document vectors; sorted by the tune half (mean of the two forms), best last');
  for (const r of rows) console.log(`${r.label.padEnd(62)} tune ${pair(r, 'tune')} | held-out ${pair(r, 'heldOut')} | all ${pair(r, 'all')}`);
}

/** Full-corpus cosines of `query` against `vectors`, in a fresh array (QuantizedMatrix reuses its buffer). */
function allCosines(vectors: DocumentVectors, query: Float32Array): Float32Array {
  return vectors instanceof QuantizedMatrix ? Float32Array.from(vectors.scores(query)) : cosineScores(vectors, query);
}

/**
 * SearchIndex.rank over two encoders at once. A query vector is the two encoders' query vectors end to end
 * ([first | second]); a paper scores cosine_first + secondWeight x cosine_second, each over its own vectors, so
 * fusion and feedback run as shipped: feedback moves each half toward the top fused hits' vectors in its own
 * space (feedbackVector per encoder, each renormalised), so the scores stay a sum of two cosines. The first
 * pass's cosines are remembered per query-vector object (`passes`, shared by the indexes of one vector form),
 * so settings that differ only in weights do not score the corpus again.
 */
class EnsembleSearchIndex extends SearchIndex {
  constructor(
    papers: BeirDataset['papers'],
    first: DocumentVectors,
    private readonly second: DocumentVectors,
    /** [first, second]: a paper scores weights[0] x cosine_first + weights[1] x cosine_second. */
    private readonly weights: readonly [number, number],
    ranking: RankingOptions,
    keyword: KeywordIndex,
    private readonly passes: WeakMap<Float32Array, [Float32Array, Float32Array]>,
  ) {
    super(papers, first, ranking, keyword);
  }

  private halves(queryVector: Float32Array): [Float32Array, Float32Array] {
    const dims = this.vectors.dims;
    return [queryVector.subarray(0, dims), queryVector.subarray(dims)];
  }

  override semantic(queryVector: Float32Array, k: number): Hit[] {
    let cosines = this.passes.get(queryVector);
    if (!cosines) {
      const [a, b] = this.halves(queryVector);
      cosines = [allCosines(this.vectors, a), allCosines(this.second, b)];
      this.passes.set(queryVector, cosines);
    }
    const [a, b] = cosines;
    const summed = new Float32Array(a.length);
    const [wa, wb] = this.weights;
    for (let i = 0; i < a.length; i++) summed[i] = wa * a[i] + wb * b[i];
    return topK(summed, k);
  }

  override feedbackQuery(queryVector: Float32Array, top: readonly Hit[], weight: number): Float32Array {
    const [a, b] = this.halves(queryVector);
    const out = new Float32Array(queryVector.length);
    out.set(feedbackVector(a, top.map((hit) => this.vectors.row(hit.index)), weight));
    out.set(feedbackVector(b, top.map((hit) => this.second.row(hit.index)), weight), a.length);
    return out;
  }
}

/** Document and query vectors of one encoder from the eval's disk cache (embedding what is missing). */
async function cachedVectors(dataset: BeirDataset, queries: readonly Query[], modelId: string) {
  const encoder = await loadNodeEncoder(modelId);
  const cache = resolve('.cache', 'vectors');
  const { vectors } = await embedPapersCached(encoder, dataset.papers, cache, (done, total) => {
    if (done % 512 < 32 || done === total) console.error(`${modelId}: embedded ${done}/${total}`);
  });
  const queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), cache);
  await encoder.dispose();
  return { dims: encoder.dims, vectors, queryVectors };
}

/**
 * Two encoders (issue 9): the shipped model's cosine plus w x a second model's (default e5-small-v2, its query
 * and passage prefixes as models.ts gives them), fused with BM25 by the shipped cosine blend and with the
 * shipped feedback. The keyword weight is retuned jointly with w: the summed score spans ~(1 + w) times the
 * cosine range, so the grid is base x (1 + w). Chosen like the shipped settings: best on the tune half averaged
 * over float32 and int8 document vectors (both encoders' in the same form); held-out is printed, never used.
 */
async function tuneEnsemble(dataset: BeirDataset, queries: readonly Query[], modelId: string, secondId: string, options: Options): Promise<void> {
  const list = (value: string | undefined, fallback: number[]) => value?.split(',').map(Number) ?? fallback;
  const weights = list(options.w, [0, 0.25, 0.5, 0.75, 1, 1.5]);
  const bases = list(options.kw, [0.035, 0.05, 0.065, 0.08]);
  const first = await cachedVectors(dataset, queries, modelId);
  const second = await cachedVectors(dataset, queries, secondId);
  const count = dataset.papers.length;
  const matrices = {
    f32: [new VectorMatrix(first.dims, count, first.vectors), new VectorMatrix(second.dims, count, second.vectors)],
    int8: [QuantizedMatrix.fromFloat32(first.dims, first.vectors), QuantizedMatrix.fromFloat32(second.dims, second.vectors)],
  } as const;
  const joined = queries.map((_, i) => {
    const out = new Float32Array(first.dims + second.dims);
    out.set(first.queryVectors[i]);
    out.set(second.queryVectors[i], first.dims);
    return out;
  });
  const position = new Map(queries.map((q, i) => [q.id, i]));
  const keyword = new MemoKeywordIndex(dataset.papers, DEFAULT_KEYWORD_OPTIONS);
  const passes = { f32: new WeakMap<Float32Array, [Float32Array, Float32Array]>(), int8: new WeakMap<Float32Array, [Float32Array, Float32Array]>() };
  const { feedback } = rankingFor(modelId);
  interface TwoRows { label: string; f32: Row; int8: Row }
  const rows: TwoRows[] = [];
  const score = (label: string, mode: SearchMode, w: readonly [number, number], ranking: RankingOptions) => {
    const [f32, int8] = (['f32', 'int8'] as const).map((form) => {
      const index = new EnsembleSearchIndex(dataset.papers, matrices[form][0], matrices[form][1], w, ranking, keyword, passes[form]);
      return evaluate(dataset, queries, label, (q) => index.rank(mode, q.text, joined[position.get(q.id)!], DEPTH));
    });
    rows.push({ label, f32, int8 });
  };
  for (const w of weights) {
    console.error(`w ${w}: ${rows.length} settings so far`);
    score(`semantic w=${w}`, 'semantic', [1, w], { fusion: cosineBlendOptions(0), feedback: null });
    for (const base of bases) {
      const keywordWeight = Number((base * (1 + w)).toFixed(4));
      score(`hybrid w=${w} kw=${keywordWeight} (${base} x (1+w)) feedback`, 'hybrid', [1, w], { fusion: cosineBlendOptions(keywordWeight), feedback });
    }
  }
  // The second encoder alone (first weighted 0), with the same fusion and feedback, for reference.
  score(`semantic ${secondId} alone`, 'semantic', [0, 1], { fusion: cosineBlendOptions(0), feedback: null });
  for (const keywordWeight of bases) score(`hybrid ${secondId} alone kw=${keywordWeight} feedback`, 'hybrid', [0, 1], { fusion: cosineBlendOptions(keywordWeight), feedback });
  const mean = (r: TwoRows, half: 'tune' | 'heldOut') => (r.f32[half]['ndcg@10'] + r.int8[half]['ndcg@10']) / 2;
  rows.sort((a, b) => mean(a, 'tune') - mean(b, 'tune'));
  const pair = (r: TwoRows, half: 'tune' | 'heldOut' | 'all') => `${(100 * r.f32[half]['ndcg@10']).toFixed(2)} / ${(100 * r.int8[half]['ndcg@10']).toFixed(2)}`;
  console.log(`${modelId} + w x ${secondId}; nDCG@10, float32 / int8 document vectors; sorted by the tune half (mean of the two forms), best last`);
  for (const r of rows) console.log(`${r.label.padEnd(52)} tune ${pair(r, 'tune')} | held-out ${pair(r, 'heldOut')} | all ${pair(r, 'all')}`);
}

async function measureLatency(dataset: BeirDataset, queries: readonly Query[], modelId: string): Promise<void> {
  const COUNT = 100_000;
  const { matrix: source, queryVectors } = await loadVectors(dataset, queries, modelId, false);
  const dims = source.dims;
  const random = seededOpenRandom(42); // as the bench page draws its synthetic rows
  const matrix = new QuantizedMatrix(dims, COUNT);
  const row = new Float32Array(dims);
  for (let i = 0; i < COUNT; i++) {
    const base = (source as VectorMatrix).row(i % source.count);
    for (let d = 0; d < dims; d++) row[d] = base[d] + 0.01 * gaussian(random);
    const norm = Math.hypot(...row);
    matrix.appendFloat32(row.map((x) => x / norm));
  }
  const papers = Array.from({ length: COUNT }, (_, i) => dataset.papers[i % dataset.papers.length]);
  const shipped = rankingFor(modelId);
  if (!shipped.feedback) throw new Error(`${modelId} ships no feedback: nothing to time`);
  const on = new SearchIndex(papers, matrix, shipped);
  const off = new SearchIndex(papers, matrix, { ...shipped, feedback: null }, on.keyword);
  const sample = queries.slice(0, 100);
  const times = { semantic: { on: [] as number[], off: [] as number[] }, hybrid: { on: [] as number[], off: [] as number[] } };
  for (let round = 0; round < 3; round++)
    for (const mode of ['semantic', 'hybrid'] as const)
      sample.forEach((q, i) => {
        // Alternate the order so that neither side always runs on a warmer cache.
        for (const [label, index] of (i + round) % 2 ? ([['on', on], ['off', off]] as const) : ([['off', off], ['on', on]] as const)) {
          const started = performance.now();
          index.rank(mode, q.text, queryVectors[i], 50);
          times[mode][label].push(performance.now() - started);
        }
      });
  // The feedback step alone (what rank adds to a hybrid query): centroid, second scoring pass, second fusion.
  // The whole hybrid query is dominated by MiniSearch over 100,000 documents, whose run-to-run noise on a shared
  // machine exceeds this step, so it is timed on its own as well.
  const step: number[] = [];
  for (let round = 0; round < 3; round++)
    sample.forEach((q, i) => {
      const keyword = on.keyword.query(q.text, 100);
      const first = fuse(on.semantic(queryVectors[i], 100), keyword, shipped.fusion);
      const started = performance.now();
      fuse(on.semantic(on.feedbackQuery(queryVectors[i], first.slice(0, shipped.feedback!.docs), shipped.feedback!.weight), 100), keyword, shipped.fusion);
      step.push(performance.now() - started);
    });
  // Where a shipped hybrid query's time goes, as the app's Details panel shows it (SearchIndex.rankTimed).
  const split = { scoreMs: [] as number[], keywordMs: [] as number[], fusionMs: [] as number[] };
  sample.forEach((q, i) => {
    const { timings } = on.rankTimed('hybrid', q.text, queryVectors[i], 50);
    for (const phase of ['scoreMs', 'keywordMs', 'fusionMs'] as const) split[phase].push(timings[phase]);
  });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
  console.log(`hybrid split (rankTimed), median of ${sample.length}: scoring ${median(split.scoreMs).toFixed(2)} ms, keywords ${median(split.keywordMs).toFixed(2)} ms, fusion ${median(split.fusionMs).toFixed(2)} ms`);
  console.log(`feedback step alone (centroid + scoring ${COUNT} int8 vectors + top-100 + fusion), median of ${step.length}: ${median(step).toFixed(2)} ms, p95 ${[...step].sort((a, b) => a - b)[Math.floor(step.length * 0.95)].toFixed(2)} ms`);
  for (const mode of ['semantic', 'hybrid'] as const) {
    const [a, b] = [median(times[mode].on), median(times[mode].off)];
    console.log(`${mode} rank over ${COUNT} int8 vectors, median of ${times[mode].on.length}: feedback ${a.toFixed(2)} ms, none ${b.toFixed(2)} ms, added ${(a - b).toFixed(2)} ms`);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const { options, positionals } = parseCommandLine(argv, OPTIONS, true);
  const [what] = positionals;
  const data = options.data;
  if (!data || positionals.length !== 1 || !['keyword', 'fusion', 'ranking', 'expansion', 'ensemble', 'latency'].includes(what)) throw new UsageError('say what to tune, and --data');
  const dataset = loadBeirDataset(data, options.split);
  const queries = judgedQueries(dataset.queries, dataset.qrels);
  const modelId = options.model ?? DEFAULT_MODEL_ID;
  if (what === 'keyword') tuneKeyword(dataset, queries);
  else if (what === 'fusion') await tuneFusion(dataset, queries, modelId, options.int8);
  else if (what === 'ranking') await tuneRanking(dataset, queries, modelId, options.int8);
  else if (what === 'expansion') await tuneExpansion(dataset, queries, modelId, expansionGrid(options));
  else if (what === 'ensemble') await tuneEnsemble(dataset, queries, modelId, options.second ?? 'e5-small-v2', options);
  else await measureLatency(dataset, queries, modelId);
}

runTool('tune', main, 'usage: tools/tune.ts keyword|fusion|ranking|expansion|ensemble|latency --data <dir> [--split s] [--model id] [--int8]');
