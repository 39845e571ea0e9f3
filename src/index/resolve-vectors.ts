import type { VectorFile } from './vector-file.ts';
import { VectorMatrix } from './vector-matrix.ts';

/**
 * Decides, for every paper, where its vector comes from: the precomputed asset shipped with the site, the
 * browser cache, or the encoder (missing). A vector is taken only if its model key and the paper's content
 * hash both match, so an edited abstract or a different model never reuses a stale vector.
 */
export interface VectorSource {
  modelKey: string;
  dims: number;
  hashes: readonly string[];
  /** hashes.length x dims */
  vectors: Float32Array;
}

export interface ResolvedVectors {
  matrix: VectorMatrix;
  /** Paper positions that still need embedding. */
  missing: number[];
  fromPrecomputed: number;
  fromCache: number;
}

export function vectorSourceFromFile(file: VectorFile): VectorSource {
  return { modelKey: file.modelKey, dims: file.dims, hashes: file.hashes, vectors: file.vectors };
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
  const matrix = new VectorMatrix(dims, contentHashes.length);
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
    const row = rows.get(hash)!;
    matrix.setRow(i, source.vectors.subarray(row * dims, (row + 1) * dims));
    counts[found]++;
  });
  return { matrix, missing, fromPrecomputed: counts[0], fromCache: counts[1] };
}
