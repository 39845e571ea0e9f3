import { sampleIndices, seededRandom } from '../base/random.ts';
import { MapError, type ProjectionParams } from './types.ts';

/**
 * Bump when the algorithm changes in a way the parameters do not show (it is part of the cache key, so old
 * cached layouts are then recomputed rather than shown).
 */
export const MAP_ALGORITHM_VERSION = 2;

/**
 * Defaults. sampleSize 2,500 and pcaDims 48 keep 100,000 points to seconds in a worker (tools/bench-map.ts);
 * nNeighbors, minDist and epochs are UMAP's usual values (umap-learn runs 200 epochs on large inputs).
 */
export const DEFAULT_MAP_PARAMS: ProjectionParams = {
  sampleSize: 2500,
  pcaDims: 48,
  nNeighbors: 15,
  minDist: 0.1,
  epochs: 200,
  placeNeighbors: 6,
  clusters: 0,
  keywords: 3,
  keywordDocs: 10_000,
  seed: 42,
};

const LIMITS: Record<keyof ProjectionParams, [min: number, max: number, integer: boolean]> = {
  sampleSize: [2, 50_000, true],
  pcaDims: [2, 1024, true],
  nNeighbors: [2, 200, true],
  minDist: [0, 1, false],
  epochs: [0, 5000, true],
  placeNeighbors: [1, 100, true],
  clusters: [0, 1000, true],
  keywords: [0, 20, true],
  keywordDocs: [1, 10_000_000, true],
  seed: [-(2 ** 31), 2 ** 31 - 1, true],
};

/** The defaults overridden by `partial`; a value out of range is a `bad-input` MapError naming the field. */
export function resolveParams(partial: Partial<ProjectionParams> = {}): ProjectionParams {
  const params = { ...DEFAULT_MAP_PARAMS };
  for (const [name, value] of Object.entries(partial) as [keyof ProjectionParams, unknown][]) {
    const limits = LIMITS[name];
    if (!limits) throw new MapError('bad-input', `Unknown map parameter "${name}".`);
    if (value === undefined) continue;
    const [min, max, integer] = limits;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new MapError('bad-input', `Map parameter "${name}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${String(value)}.`);
    }
    params[name] = value;
  }
  return params;
}

/** The parameters as one canonical string (fixed field order), for the cache key. */
export function paramsKey(params: ProjectionParams): string {
  return (Object.keys(DEFAULT_MAP_PARAMS) as (keyof ProjectionParams)[]).map((name) => `${name}=${params[name]}`).join(',');
}

/**
 * The rows whose texts the keywords are counted from: all (null) up to `keywordDocs`, else a seeded sample.
 * Known before the projection, so the page sends the worker only these texts (10,000 abstracts, not 100,000).
 */
export function keywordRows(count: number, params: ProjectionParams): Int32Array | null {
  return count <= params.keywordDocs ? null : sampleIndices(count, params.keywordDocs, seededRandom(params.seed + 1));
}
