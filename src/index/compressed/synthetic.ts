import { gaussianPair, seededOpenRandom } from '../../base/random.ts';
import { QuantizedMatrix } from '../quantized-matrix.ts';
import { topK } from '../top-k.ts';

/**
 * A large benchmark corpus derived from real embeddings (issue 10, part 5), the same in Node and in the browser.
 *
 * Row i mixes 2-4 real vectors: a primary drawn uniformly from the source set and 1-3 partners drawn from the
 * primary's `neighbours` nearest real vectors (papers between neighbouring topics, not between random ones),
 * with weights 1 (primary) and U(partnerWeight, 1) (partners); the mixture is normalised, Gaussian noise of
 * `noise` per dimension is added and the result normalised again. Nothing is a repeated vector: every row is a
 * new point near a real neighbourhood, so the clusters and the density around a query look like real data's.
 * The defaults were set by measurement (tools/bench-million.ts prints the statistics): at the source's size the
 * synthetic set's mean cosine and 10th-percentile nearest-neighbour cosine match SciFact's (0.644 vs 0.640,
 * 0.807 vs 0.809), and 99 % of rows are within cosine 0.925 of their closest real vector, no nearer.
 *
 * Every row has its own seeded generator (seed, row index), so row i is the same whatever range is generated
 * and the 5,000 and 100,000 corpora are prefixes of the 1,000,000 one.
 */
export interface SyntheticOptions {
  seed: number;
  /** Standard deviation of the noise added per dimension to the unit-length mixture. */
  noise: number;
  /** Partners are drawn among the primary's this many nearest source vectors. */
  neighbours: number;
  /** Partner weights are uniform in [partnerWeight, 1); the primary's is 1. */
  partnerWeight: number;
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = { seed: 20261126, noise: 0.02, neighbours: 24, partnerWeight: 0.25 };

/** splitmix32-style hash of (seed, index): the per-row generator's starting state. */
function rowSeed(seed: number, index: number): number {
  let z = (Math.imul(seed, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) | 0;
}

/** Each source row's `k` nearest other source rows (int8 cosine, ties by index), row-major count x k. */
export function sourceNeighbours(source: Float32Array, dims: number, k: number): Int32Array {
  const count = source.length / dims;
  if (!Number.isInteger(count)) throw new Error(`sourceNeighbours: ${source.length} floats is not a multiple of ${dims} dims`);
  if (k >= count) throw new Error(`sourceNeighbours: ${k} neighbours need more than ${count} source vectors`);
  const matrix = QuantizedMatrix.fromFloat32(dims, source);
  const out = new Int32Array(count * k);
  for (let i = 0; i < count; i++) {
    const hits = topK(matrix.scores(source.subarray(i * dims, (i + 1) * dims)), k + 1).filter((hit) => hit.index !== i);
    for (let j = 0; j < k; j++) out[i * k + j] = hits[j].index;
  }
  return out;
}

export class SyntheticCorpus {
  readonly sourceCount: number;
  private readonly neighbourLists: Int32Array;
  private readonly mix: Float64Array;

  /**
   * @param source real unit vectors, count x dims, row-major
   * @param neighbourLists from sourceNeighbours(source, dims, options.neighbours); computed when omitted
   */
  constructor(
    readonly source: Float32Array,
    readonly dims: number,
    readonly options: SyntheticOptions = DEFAULT_SYNTHETIC,
    neighbourLists?: Int32Array,
  ) {
    this.sourceCount = source.length / dims;
    if (!Number.isInteger(this.sourceCount) || this.sourceCount <= options.neighbours) {
      throw new Error(`SyntheticCorpus: need more than ${options.neighbours} source vectors of ${dims} dims, got ${source.length} floats`);
    }
    this.neighbourLists = neighbourLists ?? sourceNeighbours(source, dims, options.neighbours);
    if (this.neighbourLists.length !== this.sourceCount * options.neighbours) throw new Error('SyntheticCorpus: neighbour lists do not match the source');
    this.mix = new Float64Array(dims);
  }

  /** Writes row `index` (unit length) into out[offset .. offset + dims). */
  row(index: number, out: Float32Array, offset = 0): void {
    const { dims, source, mix } = this;
    const { noise, neighbours, partnerWeight } = this.options;
    const uniform = seededOpenRandom(rowSeed(this.options.seed, index));
    const parts = 2 + Math.floor(uniform() * 3);
    const primary = Math.floor(uniform() * this.sourceCount);
    mix.fill(0);
    addScaled(mix, source, primary * dims, 1, dims);
    // Distinct partners among the primary's nearest neighbours (a partial Fisher-Yates over their ranks).
    const ranks = Array.from({ length: neighbours }, (_, j) => j);
    for (let p = 0; p < parts - 1; p++) {
      const pick = p + Math.floor(uniform() * (neighbours - p));
      [ranks[p], ranks[pick]] = [ranks[pick], ranks[p]];
      const partner = this.neighbourLists[primary * neighbours + ranks[p]];
      addScaled(mix, source, partner * dims, partnerWeight + (1 - partnerWeight) * uniform(), dims);
    }
    const mixNorm = Math.sqrt(mix.reduce((n, x) => n + x * x, 0)) || 1;
    let norm = 0;
    for (let d = 0; d < dims; d += 2) {
      const [first, second] = gaussianPair(uniform, noise);
      mix[d] = mix[d] / mixNorm + first;
      if (d + 1 < dims) mix[d + 1] = mix[d + 1] / mixNorm + second;
      norm += mix[d] * mix[d] + (d + 1 < dims ? mix[d + 1] * mix[d + 1] : 0);
    }
    const inverse = 1 / Math.sqrt(norm);
    for (let d = 0; d < dims; d++) out[offset + d] = mix[d] * inverse;
  }

  /** Rows [start, end) into a new row-major Float32Array. */
  rows(start: number, end: number): Float32Array {
    const out = new Float32Array((end - start) * this.dims);
    for (let i = start; i < end; i++) this.row(i, out, (i - start) * this.dims);
    return out;
  }

  /** `count` rows as the app holds them (int8), generated in chunks so the float form never exists whole. */
  int8Matrix(count: number, chunkRows = 4096): QuantizedMatrix {
    const matrix = new QuantizedMatrix(this.dims, count);
    for (let start = 0; start < count; start += chunkRows) matrix.appendFloat32(this.rows(start, Math.min(count, start + chunkRows)));
    return matrix;
  }
}

function addScaled(into: Float64Array, from: Float32Array, offset: number, weight: number, dims: number): void {
  for (let d = 0; d < dims; d++) into[d] += weight * from[offset + d];
}
