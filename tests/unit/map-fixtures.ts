import { quantizeRows, type Int8Rows } from '../../src/index/quantized-matrix.ts';
import { gaussian as normal, seededRandom } from '../../src/base/random.ts';

/**
 * `groups` well-separated topics in `dims` dimensions: each point is its group's random unit centre plus
 * Gaussian noise, normalised (as sentence embeddings are). Returns int8 rows as the app holds them and the
 * group of each point (points are interleaved: point i belongs to group i % groups).
 */
export function topicRows(count: number, groups: number, seed = 7, dims = 64, noise = 0.08): { rows: Int8Rows; group: number[] } {
  const random = seededRandom(seed);
  const gaussian = () => normal(random);
  const centres = Array.from({ length: groups }, () => unit(Array.from({ length: dims }, gaussian)));
  const vectors = new Float32Array(count * dims);
  const group: number[] = [];
  for (let i = 0; i < count; i++) {
    const g = i % groups;
    group.push(g);
    vectors.set(unit(centres[g].map((c) => c + noise * gaussian())), i * dims);
  }
  return { rows: quantizeRows(vectors, dims), group };
}

function unit(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return vector.map((v) => v / norm);
}

/** Texts whose words follow the groups: group g talks about TOPICS[g], every text shares filler words. */
export const TOPICS = ['protein folding', 'galaxy formation', 'speech recognition', 'soil erosion', 'bond pricing', 'malaria vaccines'];

export function topicTexts(group: number[]): string[] {
  return group.map((g, i) => `A study of ${TOPICS[g % TOPICS.length]} (case ${i}). We report results and methods; ${TOPICS[g % TOPICS.length]} matters for the results.`);
}
