import type { Int8Rows } from '../quantized-matrix.ts';

/**
 * Sign-bit codes: bit d of a vector's code is 1 when its value in dimension d is at or above center[d].
 * 384 dims give 48 bytes per vector (1,000,000 vectors: 48 MB), compared by Hamming distance
 * (hamming-wasm.ts). Bit d is bit (d & 7) of byte (d >> 3); a code is padded with zero bits to a multiple of
 * 128 bits, the kernel's chunk, so padding never adds distance.
 *
 * The center is the per-dimension mean of the rows: sentence embeddings share a large common direction, so
 * uncentred signs are nearly constant in many dimensions and carry little information. Centering raised the
 * first pass's recall at the same candidate count (measured in docs/performance.md, "A million abstracts").
 */
export interface SignCodes {
  dims: number;
  /** Bytes per code: ceil(dims / 128) * 16. */
  bytes: number;
  count: number;
  /** Per-dimension threshold. */
  center: Float32Array;
  /** count x bytes. */
  data: Uint8Array;
}

export function codeBytes(dims: number): number {
  return Math.ceil(dims / 128) * 16;
}

/** Per-dimension mean of int8 rows (dequantized with their scales), accumulated in float64. */
export function int8Mean(rows: Int8Rows): Float32Array {
  const { dims, data, scales } = rows;
  const sum = new Float64Array(dims);
  for (let r = 0; r < scales.length; r++) {
    const scale = scales[r];
    for (let d = 0, base = r * dims; d < dims; d++) sum[d] += data[base + d] * scale;
  }
  return Float32Array.from(sum, (x) => x / Math.max(1, scales.length));
}

/** Writes the code of a float vector into out[offset .. offset + codeBytes(dims)). */
export function encodeSigns(vector: ArrayLike<number>, center: Float32Array, out: Uint8Array, offset = 0): void {
  const dims = center.length;
  out.fill(0, offset, offset + codeBytes(dims));
  for (let d = 0; d < dims; d++) if (vector[d] >= center[d]) out[offset + (d >> 3)] |= 1 << (d & 7);
}

/**
 * Codes of int8 rows, compared in the rows' own units (value >= center / scale), so no float row is built.
 * @param center thresholds; int8Mean(rows) when omitted, zeros for plain (uncentred) signs
 */
export function signCodesFromInt8(rows: Int8Rows, center: Float32Array = int8Mean(rows)): SignCodes {
  const { dims, data, scales } = rows;
  if (center.length !== dims) throw new Error(`signCodesFromInt8: center has ${center.length} dims, rows have ${dims}`);
  const bytes = codeBytes(dims);
  const count = scales.length;
  const codes = new Uint8Array(count * bytes);
  const row = new Float32Array(dims);
  for (let r = 0; r < count; r++) {
    const scale = scales[r];
    for (let d = 0; d < dims; d++) row[d] = data[r * dims + d] * scale;
    encodeSigns(row, center, codes, r * bytes);
  }
  return { dims, bytes, count, center, data: codes };
}

/**
 * Lookup tables for scoring sign codes against a float query (the asymmetric estimate used to shortlist the
 * Hamming candidates, candidate-scan.ts): tables[b * 256 + v] = sum over the 8 dims d of byte b of
 * (query[d] - center[d]) * (bit of d in v ? +1 : -1), so a code's estimate is 48 lookups at 384 dims instead of
 * 384 multiply-adds. The query keeps its magnitudes where Hamming keeps only its signs, which is why this ranks
 * the candidates much better (docs/performance.md, "A million abstracts": the share of the exact top 10 in the
 * best 1,000 of 8,000 Hamming candidates is 0.966 this way; the best 1,000 by Hamming keep 0.900). Padding dims weigh nothing.
 * @param tables codeBytes(dims) * 256 floats, overwritten (float64: no conversion per lookup, measurably faster)
 */
export function signTables(query: ArrayLike<number>, center: Float32Array, tables: Float64Array): void {
  const dims = center.length;
  const bytes = codeBytes(dims);
  if (tables.length < bytes * 256) throw new Error(`signTables: ${tables.length} floats, need ${bytes * 256}`);
  const weights = new Float64Array(8);
  for (let b = 0; b < bytes; b++) {
    let none = 0; // every bit clear: -sum of the weights
    for (let j = 0; j < 8; j++) {
      const d = b * 8 + j;
      weights[j] = d < dims ? query[d] - center[d] : 0;
      none -= weights[j];
    }
    // Each value is a smaller one (its lowest set bit cleared) with that bit's weight turned from - to +.
    const base = b * 256;
    tables[base] = none;
    for (let v = 1; v < 256; v++) tables[base + v] = tables[base + (v & (v - 1))] + 2 * weights[31 - Math.clz32(v & -v)];
  }
}

/** The code of row `i` (a view). */
export function codeOf(codes: SignCodes, i: number): Uint8Array {
  return codes.data.subarray(i * codes.bytes, (i + 1) * codes.bytes);
}
