/**
 * Rocchio feedback on the vectors: the query vector plus `weight` x the centroid of the top hits' vectors,
 * L2-normalised so that scores stay cosines (docs/quality.md "Ranking variants"). One function for the exact
 * index (rows from memory) and the compressed one (rows read from its worker).
 */
export function feedbackVector(queryVector: Float32Array, rows: readonly ArrayLike<number>[], weight: number): Float32Array {
  const dims = queryVector.length;
  const out = Float32Array.from(queryVector);
  if (rows.length === 0) return out;
  const step = weight / rows.length;
  for (const row of rows) {
    for (let d = 0; d < dims; d++) out[d] += step * row[d];
  }
  let norm = 0;
  for (let d = 0; d < dims; d++) norm += out[d] * out[d];
  const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let d = 0; d < dims; d++) out[d] *= inverse;
  return out;
}
