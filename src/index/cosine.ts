import type { VectorMatrix } from './vector-matrix.ts';

/**
 * Cosine similarity of the query with every row. Vectors are L2-normalised by the encoder, so cosine is a
 * dot product. Writes into `out` (reused across queries): nothing is allocated per document.
 */
export function cosineScores(matrix: VectorMatrix, query: Float32Array, out: Float32Array = new Float32Array(matrix.count)): Float32Array {
  const { dims, count, data } = matrix;
  if (query.length !== dims) throw new Error(`cosineScores: query has ${query.length} dims, index has ${dims}`);
  for (let row = 0, base = 0; row < count; row++, base += dims) {
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += data[base + d] * query[d];
    out[row] = dot;
  }
  return out;
}

/** Cosine of two vectors of any norm (used by tests and parity checks, not the hot path). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / (Math.sqrt(na) * Math.sqrt(nb) || 1);
}
