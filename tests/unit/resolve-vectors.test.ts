import { describe, expect, it } from 'vitest';
import { quantizeRows } from '../../src/index/quantized-matrix.ts';
import { resolveVectors, type VectorSource } from '../../src/index/resolve-vectors.ts';

const DIMS = 4;
const unit = (i: number) => Float32Array.from({ length: DIMS }, (_, d) => (d === i % DIMS ? 1 : 0));

function source(modelKey: string, entries: Array<[string, number]>): VectorSource {
  const vectors = new Float32Array(entries.length * DIMS);
  entries.forEach(([, axis], row) => vectors.set(unit(axis), row * DIMS));
  return { modelKey, dims: DIMS, hashes: entries.map(([hash]) => hash), rows: quantizeRows(vectors, DIMS) };
}

/** Which axis a resolved row points along (its largest component), or -1 for an empty row. */
function axisOf(row: Float32Array): number {
  const max = Math.max(...row);
  return max === 0 ? -1 : row.indexOf(max);
}

describe('resolveVectors: never a stale vector', () => {
  it('takes precomputed rows by content hash, whatever their order in the file', () => {
    const resolved = resolveVectors(['b', 'a'], 'm@1', DIMS, source('m@1', [['a', 0], ['b', 1]]), null);
    expect(resolved.missing).toEqual([]);
    expect(resolved.fromPrecomputed).toBe(2);
    expect([0, 1].map((i) => axisOf(resolved.matrix.row(i)))).toEqual([1, 0]);
  });

  it('an edited abstract (new hash) is missing and its row stays empty', () => {
    const resolved = resolveVectors(['a', 'a-edited'], 'm@1', DIMS, source('m@1', [['a', 0], ['a-old', 1]]), null);
    expect(resolved.missing).toEqual([1]);
    expect(axisOf(resolved.matrix.row(1))).toBe(-1);
  });

  it('vectors of another model fingerprint are never used', () => {
    const resolved = resolveVectors(['a', 'b'], 'm@2', DIMS, source('m@1', [['a', 0]]), source('m@1', [['b', 1]]));
    expect(resolved.missing).toEqual([0, 1]);
    expect(resolved.fromPrecomputed + resolved.fromCache).toBe(0);
  });

  it('falls back to the cache for what the precomputed file lacks, and counts each source', () => {
    const resolved = resolveVectors(['a', 'b', 'c'], 'm@1', DIMS, source('m@1', [['a', 0]]), source('m@1', [['b', 2], ['a', 3]]));
    expect(resolved).toMatchObject({ missing: [2], fromPrecomputed: 1, fromCache: 1 });
    expect(axisOf(resolved.matrix.row(0))).toBe(0); // precomputed wins over the cache
    expect(axisOf(resolved.matrix.row(1))).toBe(2);
  });

  it('a source with other dimensions is ignored rather than misread', () => {
    const wrong: VectorSource = { modelKey: 'm@1', dims: 2, hashes: ['a'], rows: quantizeRows(new Float32Array([1, 0]), 2) };
    expect(resolveVectors(['a'], 'm@1', DIMS, wrong, null).missing).toEqual([0]);
  });
});
