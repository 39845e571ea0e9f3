import { QuantizedMatrix, quantizeRows, type Int8Rows } from './quantized-matrix.ts';
import type { VectorFile } from './vector-file.ts';

/**
 * Decides, for every paper, where its vector comes from: the precomputed asset shipped with the site, the
 * browser cache, or the encoder (missing). A vector is taken only if its model key and the paper's content
 * hash both match, so an edited abstract or a different model never reuses a stale vector.
 */
export interface VectorSource {
  modelKey: string;
  dims: number;
  hashes: readonly string[];
  /** Row i belongs to hashes[i]. */
  rows: Int8Rows;
}

export interface ResolvedVectors {
  /** One row per paper; rows still missing are zero (score 0) until the encoder fills them. */
  matrix: QuantizedMatrix;
  /** Paper positions that still need embedding. */
  missing: number[];
  fromPrecomputed: number;
  fromCache: number;
}

export function vectorSourceFromFile(file: VectorFile): VectorSource {
  return { modelKey: file.modelKey, dims: file.dims, hashes: file.hashes, rows: file.int8 ?? quantizeRows(file.vectors, file.dims) };
}

function indexByHash(source: VectorSource, modelKey: string, dims: number): Map<string, number> {
  const rows = new Map<string, number>();
  if (source.modelKey !== modelKey || source.dims !== dims) return rows;
  source.hashes.forEach((hash, row) => rows.set(hash, row));
  return rows;
}

export function resolveVectors(
  contentHashes: readonly string[],
  modelKey: string,
  dims: number,
  precomputed: VectorSource | null,
  cached: VectorSource | null,
): ResolvedVectors {
  const matrix = QuantizedMatrix.zeros(dims, contentHashes.length);
  const sources = [precomputed, cached].map((source) => (source ? { source, rows: indexByHash(source, modelKey, dims) } : null));
  const counts = [0, 0];
  const missing: number[] = [];
  contentHashes.forEach((hash, i) => {
    const found = sources.findIndex((s) => s?.rows.has(hash));
    if (found < 0) {
      missing.push(i);
      return;
    }
    const { source, rows } = sources[found]!;
    matrix.setInt8Row(i, source.rows, rows.get(hash)!);
    counts[found]++;
  });
  return { matrix, missing, fromPrecomputed: counts[0], fromCache: counts[1] };
}
