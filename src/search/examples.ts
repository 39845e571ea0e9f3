import { seededRandom } from '../base/random.ts';
import type { Hit } from '../index/top-k.ts';
import { rankParts, type RankedHit, type RankingOptions, type RankingParts, type RankRequest, type SearchMode, type Vectorless } from './pipeline.ts';
import type { DocumentVectors, SearchIndex } from './search.ts';
import { andThen, settledNow, type SyncOrAsync } from './sync-or-async.ts';
import { codedErrorClass } from '../base/errors.ts';

/**
 * Find by example: rank the library by papers the person pinned ("More like this", a pinned set, "not this").
 * Both models below reduce to one query direction w, and ranking by w·x over unit document vectors is cosine
 * ranking with w / |w|, so the examples go through the same `SearchIndex.rank` as a typed query (no second
 * scoring path, and the int8 SIMD kernel still does the work):
 *
 * - centroid (Rocchio): mean of the positives minus `negativeWeight` x mean of the negatives;
 * - classifier (as arxiv-sanity does): L2-regularised logistic regression of the positives against the negatives
 *   and a seeded sample of the library (the other papers stand in for "not what I want").
 *
 * With a typed query, the direction is the weighted sum of the unit example direction and the unit query
 * vector. Which method and weights are the defaults, and why, is measured in docs/quality.md ("Find by example").
 */

export type ExampleMethod = 'centroid' | 'classifier';
export const EXAMPLE_METHODS: readonly ExampleMethod[] = ['centroid', 'classifier'];

export interface ClassifierOptions {
  /** L2 penalty on the weights (the loss is class-balanced: each class's sample weights sum to 1). */
  l2: number;
  /** Full-batch gradient steps (Nesterov); training stops earlier once the gradient is negligible. */
  steps: number;
  /** Library rows sampled as background negatives (all other papers when the library is smaller). */
  backgroundSize: number;
  /** Seed of the background sample: the same examples give the same ranking every time. */
  seed: number;
}

export interface ExampleOptions {
  method: ExampleMethod;
  /** Weight of the unit typed-query vector added to the unit example direction (0 = examples only). */
  queryWeight: number;
  /**
   * How hard a "not this" pushes. Centroid: the share of the negatives' mean subtracted (Rocchio's gamma).
   * Classifier: the negatives' total sample weight, beside 1 for the positives and 1 for the background.
   * 0: a "not this" is only left out of the list.
   */
  negativeWeight: number;
  classifier: ClassifierOptions;
  /** How a typed query is ranked together with the examples (its text feeds BM25 in 'hybrid'). */
  mode: Exclude<SearchMode, 'keyword'>;
}

/** Chosen on the tune half of SciFact train (docs/quality.md, "Find by example"; `tools/eval-examples.ts --sweep`). */
export const DEFAULT_CLASSIFIER: ClassifierOptions = { l2: 0.3, steps: 25, backgroundSize: 512, seed: 1 };

/** The measured defaults of each method; `exampleOptions` fills what a caller leaves out from these. */
export const EXAMPLE_DEFAULTS: Readonly<Record<ExampleMethod, ExampleOptions>> = {
  centroid: { method: 'centroid', queryWeight: 1, mode: 'hybrid', negativeWeight: 0, classifier: DEFAULT_CLASSIFIER },
  classifier: { method: 'classifier', queryWeight: 1.5, mode: 'hybrid', negativeWeight: 0.05, classifier: DEFAULT_CLASSIFIER },
};

/** The method the app uses when the caller does not say (measured best, docs/quality.md). */
export const DEFAULT_EXAMPLE_METHOD: ExampleMethod = 'centroid';

/**
 * Whether "not this" changes the ranking of other papers (a negative weight above 0) or only leaves that one paper
 * out (issue 18: the words must say which). The measured default gives negatives no weight (docs/quality.md), so it
 * only hides the paper; the app words its button and the search ranks from this.
 */
export const NOT_THIS_DEMOTES: boolean = EXAMPLE_DEFAULTS[DEFAULT_EXAMPLE_METHOD].negativeWeight > 0;

/** Full options: the given ones over the defaults of the given (or default) method. */
export function exampleOptions(options: Partial<ExampleOptions> = {}): ExampleOptions {
  return { ...EXAMPLE_DEFAULTS[options.method ?? DEFAULT_EXAMPLE_METHOD], ...options };
}

/** Why examples could not be used; the text says what to do about it. */
export const EXAMPLE_ERROR_CODES = {
  'unknown-example': 'A pinned paper is not in the current library (it was removed, or the link is from another library).',
  'no-examples': 'Pin at least one paper as an example, or type a query.',
  'not-embedded': 'A pinned paper has no vector yet (it is still being indexed); try again when indexing is done.',
  'dims-mismatch': 'An example vector has a different number of dimensions than the library.',
} as const;
export type ExampleErrorCode = keyof typeof EXAMPLE_ERROR_CODES;

export class ExampleError extends codedErrorClass('ExampleError', EXAMPLE_ERROR_CODES) {
  /** What was wrong: the unknown paper ids, or the offending dimensions (the detail, by its older name). */
  get details(): string {
    return this.detail;
  }
}

export interface ExampleVectors {
  positives: readonly Float32Array[];
  negatives?: readonly Float32Array[];
  /** The unit query vector of the typed text, when there is one. */
  typedQuery?: Float32Array | null;
  /** Classifier only: sampled library rows (`sampleBackgroundIndices`, `rowsOf`); without them only the negatives oppose. */
  background?: readonly Float32Array[];
}

function checkDims(vectors: readonly Float32Array[], dims: number, what: string): void {
  const bad = vectors.findIndex((v) => v.length !== dims);
  if (bad >= 0) throw new ExampleError('dims-mismatch', `${what}[${bad}] has ${vectors[bad].length} dims, expected ${dims}`);
}

function norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  return Math.sqrt(sum);
}

/** v / |v| as float32; a zero vector stays zero (it ranks nothing above anything else). */
function unit(v: ArrayLike<number>): Float32Array {
  const n = norm(v);
  return Float32Array.from(v, (x) => (n === 0 ? 0 : x / n));
}

function mean(vectors: readonly Float32Array[], dims: number): Float64Array {
  const out = new Float64Array(dims);
  for (const v of vectors) for (let d = 0; d < dims; d++) out[d] += v[d] / vectors.length;
  return out;
}

/** Rocchio: unit(mean(positives) - negativeWeight x mean(negatives)). */
export function centroidDirection(positives: readonly Float32Array[], negatives: readonly Float32Array[] = [], negativeWeight = EXAMPLE_DEFAULTS.centroid.negativeWeight): Float32Array {
  if (positives.length === 0) throw new ExampleError('no-examples', 'no positive example');
  const dims = positives[0].length;
  checkDims(positives, dims, 'positives');
  checkDims(negatives, dims, 'negatives');
  const direction = mean(positives, dims);
  if (negatives.length > 0) {
    const away = mean(negatives, dims);
    for (let d = 0; d < dims; d++) direction[d] -= negativeWeight * away[d];
  }
  return unit(direction);
}

export interface LinearModel {
  weights: Float32Array;
  bias: number;
  /** Gradient steps taken (fewer than asked when the gradient vanished first). */
  steps: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * One pass over the training rows: adds sum_i c_i (sigmoid(w·x_i + b) - y_i) x_i to `grad` and returns the bias
 * gradient. The hot loop of training: four accumulators / four lanes ran ~1.6x faster than plain loops in V8
 * (Node 20, 384 dims, 257 rows).
 */
function addLossGradient(
  x: Float32Array,
  n: number,
  dims: number,
  w: Float64Array,
  b: number,
  weight: Float64Array,
  label: Float64Array,
  grad: Float64Array,
): number {
  let gradB = 0;
  for (let i = 0, base = 0; i < n; i++, base += dims) {
    let z0 = b, z1 = 0, z2 = 0, z3 = 0;
    let d = 0;
    for (; d + 4 <= dims; d += 4) {
      z0 += w[d] * x[base + d];
      z1 += w[d + 1] * x[base + d + 1];
      z2 += w[d + 2] * x[base + d + 2];
      z3 += w[d + 3] * x[base + d + 3];
    }
    for (; d < dims; d++) z0 += w[d] * x[base + d];
    const r = weight[i] * (sigmoid(z0 + z1 + z2 + z3) - label[i]);
    gradB += r;
    for (d = 0; d + 4 <= dims; d += 4) {
      grad[d] += r * x[base + d];
      grad[d + 1] += r * x[base + d + 1];
      grad[d + 2] += r * x[base + d + 2];
      grad[d + 3] += r * x[base + d + 3];
    }
    for (; d < dims; d++) grad[d] += r * x[base + d];
  }
  return gradB;
}

/**
 * L2-regularised logistic regression, positives (label 1) against negatives and background (label 0),
 * class-balanced: the positives' sample weights sum to 1, the background's to 1 and the explicit negatives' to
 * `negativeWeight` (so a "not this" is not drowned by the sample, or is ignored at 0). Minimises
 *   sum_i c_i logloss(w·x_i + b, y_i) + l2/2 |w|^2
 * by full-batch Nesterov gradient descent with the step 1/L (L bounds the curvature: 1/4 sum_i c_i (|x_i|^2 + 1)
 * + l2) and the strongly convex momentum, from w = 0: deterministic, no learning rate to tune.
 */
export function trainClassifier(
  positives: readonly Float32Array[],
  negatives: readonly Float32Array[],
  background: readonly Float32Array[],
  options: Pick<ClassifierOptions, 'l2' | 'steps'> = DEFAULT_CLASSIFIER,
  negativeWeight = 1,
): LinearModel {
  if (positives.length === 0) throw new ExampleError('no-examples', 'no positive example');
  const dims = positives[0].length;
  checkDims(positives, dims, 'positives');
  checkDims(negatives, dims, 'negatives');
  checkDims(background, dims, 'background');
  if (!(options.l2 > 0)) throw new Error(`trainClassifier: l2 must be > 0, got ${options.l2}`);
  const rows = [...positives, ...negatives, ...background];
  const n = rows.length;
  // One contiguous block: the two passes per step are tight loops over memory.
  const x = new Float32Array(n * dims);
  rows.forEach((row, i) => x.set(row, i * dims));
  const label = new Float64Array(n);
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i < positives.length) {
      label[i] = 1;
      weight[i] = 1 / positives.length;
    } else weight[i] = i < positives.length + negatives.length ? negativeWeight / negatives.length : 1 / background.length;
  }
  let lipschitz = options.l2;
  for (let i = 0; i < n; i++) lipschitz += (weight[i] * (norm(x.subarray(i * dims, (i + 1) * dims)) ** 2 + 1)) / 4;
  const step = 1 / lipschitz;
  const root = Math.sqrt(lipschitz / options.l2);
  const momentum = (root - 1) / (root + 1);

  let w = new Float64Array(dims);
  let b = 0;
  let previous = new Float64Array(dims);
  let previousB = 0;
  const look = new Float64Array(dims);
  const grad = new Float64Array(dims);
  let taken = 0;
  for (; taken < options.steps; taken++) {
    for (let d = 0; d < dims; d++) look[d] = w[d] + momentum * (w[d] - previous[d]);
    const lookB = b + momentum * (b - previousB);
    for (let d = 0; d < dims; d++) grad[d] = options.l2 * look[d];
    const gradB = addLossGradient(x, n, dims, look, lookB, weight, label, grad);
    [previous, w] = [w, previous];
    previousB = b;
    let gradNorm = gradB * gradB;
    for (let d = 0; d < dims; d++) {
      w[d] = look[d] - step * grad[d];
      gradNorm += grad[d] * grad[d];
    }
    b = lookB - step * gradB;
    // Converged: further steps would not change the ranking.
    if (gradNorm < 1e-12) {
      taken++;
      break;
    }
  }
  return { weights: Float32Array.from(w), bias: b, steps: taken };
}

/**
 * The unit query direction for the examples (and the typed query, weighted by `queryWeight`). With no positive
 * example the typed query alone is the direction, pushed away from any negatives as the centroid does.
 */
export function exampleQueryVector(input: ExampleVectors, options: Partial<ExampleOptions> = {}): Float32Array {
  const { method, queryWeight, negativeWeight, classifier } = exampleOptions(options);
  const negatives = input.negatives ?? [];
  const typed = input.typedQuery ?? null;
  if (input.positives.length === 0) {
    if (!typed) throw new ExampleError('no-examples', 'no positive example and no typed query');
    return centroidDirection([typed], negatives, negativeWeight);
  }
  const direction =
    method === 'centroid'
      ? centroidDirection(input.positives, negatives, negativeWeight)
      : unit(trainClassifier(input.positives, negatives, input.background ?? [], classifier, negativeWeight).weights);
  if (!typed || queryWeight === 0) return direction;
  checkDims([typed], direction.length, 'typedQuery');
  const q = unit(typed);
  return unit(direction.map((v, d) => v + queryWeight * q[d]));
}

/**
 * Row indices of up to `size` library papers, none in `exclude`, in ascending order, chosen by the seeded PRNG
 * (all the others when the library is that small). A small sample of a large library draws indices until it has
 * enough (O(size): listing 100,000 rows first took 4 ms); otherwise a partial Fisher-Yates shuffle of the rest.
 */
export function sampleBackgroundIndices(count: number, size: number, exclude: ReadonlySet<number>, seed: number): number[] {
  const next = seededRandom(seed); // the background sample depends only on the seed
  const available = count - [...exclude].filter((i) => i >= 0 && i < count).length;
  if (size * 4 <= available) {
    const chosen = new Set<number>();
    while (chosen.size < size) {
      const i = Math.floor(next() * count);
      if (!exclude.has(i)) chosen.add(i);
    }
    return [...chosen].sort((a, b) => a - b);
  }
  const pool: number[] = [];
  for (let i = 0; i < count; i++) if (!exclude.has(i)) pool.push(i);
  if (pool.length <= size) return pool;
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, size).sort((a, b) => a - b);
}

export function rowsOf(vectors: DocumentVectors, indices: readonly number[]): Float32Array[] {
  return indices.map((i) => vectors.row(i));
}

/** Paper ids to row indices, built once per index (100k ids take a few ms, not worth repeating per click). */
const rowsById = new WeakMap<SearchIndex, Map<string, number>>();

function rowLookup(index: SearchIndex): Map<string, number> {
  let byId = rowsById.get(index);
  if (!byId) {
    byId = new Map(index.papers.map((paper, i) => [paper.id, i]));
    rowsById.set(index, byId);
  }
  return byId;
}

/** The row of a paper id in the index, if it holds it. */
export function exampleRowOf(index: SearchIndex, id: string): number | undefined {
  return rowLookup(index).get(id);
}

/** Row indices of the given paper ids; throws 'unknown-example' naming every id the library does not hold. */
export function exampleRows(index: SearchIndex, ids: readonly string[]): number[] {
  const lookup = rowLookup(index);
  const unknown = ids.filter((id) => !lookup.has(id));
  if (unknown.length > 0) throw new ExampleError('unknown-example', unknown.join(', '));
  return ids.map((id) => lookup.get(id)!);
}

/**
 * `index.rank` without the rows in `exclude`: asks for k + |exclude| hits, so dropping the excluded (at most
 * |exclude| of them) still leaves the k best of the rest, exactly (nothing below the cut-off could move up).
 */
export function rankExcluding(
  index: SearchIndex,
  mode: SearchMode,
  queryText: string,
  queryVector: Float32Array | null,
  k: number,
  exclude: ReadonlySet<number>,
): Hit[] {
  return index
    .rank(mode, queryText, queryVector, k + exclude.size)
    .filter((hit) => !exclude.has(hit.index))
    .slice(0, k);
}

export interface Examples {
  /** Paper ids to find more like ("More like this" is one; pinned papers are several). */
  positive: readonly string[];
  /** Paper ids marked "not this". */
  negative: readonly string[];
}

/** A library as find-by-example reads it: the ranking's parts, and its papers' rows by id. */
export interface ExampleLibrary {
  parts: RankingParts;
  ranking: RankingOptions;
  count: number;
  /** The row of a paper id, when the library holds it (a published library: when this page has read it). */
  rowOf(id: string): number | undefined;
  vectorless?: Vectorless | null;
}

/**
 * The library ranked by the examples (and the typed query, when given), the examples themselves left out, over
 * parts that answer at once or later (pipeline.ts). Without a typed query it ranks by meaning only (there is no
 * text for keywords to match). Throws (or rejects with) an ExampleError when the examples cannot be used.
 */
export function rankExamples(
  library: ExampleLibrary,
  examples: Examples,
  typedQuery: { text: string; vector: Float32Array } | null,
  k: number,
  options: Partial<ExampleOptions> = {},
  onPartFailure?: RankRequest['onPartFailure'],
): SyncOrAsync<RankedHit[]> {
  const settings = exampleOptions(options);
  // One lookup for both lists, so the error names every unknown id at once.
  const ids = [...examples.positive, ...examples.negative];
  const found = ids.map((id) => library.rowOf(id));
  const unknown = ids.filter((_, i) => found[i] === undefined);
  if (unknown.length > 0) throw new ExampleError('unknown-example', unknown.join(', '));
  const rows = found as number[];
  const exclude = new Set(rows);
  const sample =
    settings.method === 'classifier' && examples.positive.length > 0
      ? sampleBackgroundIndices(library.count, settings.classifier.backgroundSize, exclude, settings.classifier.seed)
      : [];
  return andThen(library.parts.rows([...rows, ...sample]), (vectors) => {
    // While indexing, papers not embedded yet hold all-zero rows: as an example that would rank by nothing.
    const missing = ids.filter((_, i) => norm(vectors[i]) === 0);
    if (missing.length > 0) throw new ExampleError('not-embedded', missing.join(', '));
    const direction = exampleQueryVector(
      {
        positives: vectors.slice(0, examples.positive.length),
        negatives: vectors.slice(examples.positive.length, rows.length),
        typedQuery: typedQuery?.vector ?? null,
        background: vectors.slice(rows.length).filter((row) => norm(row) > 0),
      },
      settings,
    );
    const text = typedQuery?.text.trim() ?? '';
    const request = { mode: text ? settings.mode : 'semantic', text, vector: direction, k: k + exclude.size, vectorless: library.vectorless, onPartFailure } as const;
    return andThen(rankParts(library.parts, library.ranking, request), ({ hits }) => hits.filter((hit) => !exclude.has(hit.index)).slice(0, k));
  });
}

/** `rankExamples` over an index in memory (evaluation and tools): always synchronous. */
export function rankByExamples(
  index: SearchIndex,
  examples: Examples,
  typedQuery: { text: string; vector: Float32Array } | null,
  k: number,
  options: Partial<ExampleOptions> = {},
): Hit[] {
  const library: ExampleLibrary = { parts: index.parts, ranking: index.ranking, count: index.papers.length, rowOf: (id) => exampleRowOf(index, id) };
  return settledNow(rankExamples(library, examples, typedQuery, k, options), 'rankByExamples');
}
