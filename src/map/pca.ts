import { EigenvalueDecomposition } from 'ml-matrix';
import { QuantizedMatrix, type Int8Rows } from '../index/quantized-matrix.ts';

/**
 * Principal components of int8 rows, fitted on a sample: the map reduces 384-dim vectors to a few dozen before
 * UMAP and the neighbour search, which is what makes 100,000 points take seconds instead of minutes.
 */
export interface Pca {
  dims: number;
  components: number;
  mean: Float32Array;
  /** components x dims, row c = c-th principal axis (unit length), largest variance first. */
  axes: Float32Array;
}

/** Row r of `rows`, dequantized into `out`. */
export function dequantizeRow(rows: Int8Rows, r: number, out: Float32Array): Float32Array {
  const { dims, data, scales } = rows;
  const scale = scales[r];
  for (let d = 0, base = r * dims; d < dims; d++) out[d] = data[base + d] * scale;
  return out;
}

export function fitPca(rows: Int8Rows, sample: ArrayLike<number>, components: number): Pca {
  const { dims } = rows;
  const n = sample.length;
  const k = Math.min(components, dims, Math.max(1, n));
  // Centred sample rows, row-major n x dims, in float64 (sums of ~10^3 products lose nothing).
  const centred = new Float64Array(n * dims);
  const mean = new Float64Array(dims);
  const row = new Float32Array(dims);
  for (let i = 0; i < n; i++) {
    dequantizeRow(rows, sample[i], row);
    for (let d = 0; d < dims; d++) {
      centred[i * dims + d] = row[d];
      mean[d] += row[d];
    }
  }
  for (let d = 0; d < dims; d++) mean[d] /= Math.max(1, n);
  for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) centred[i * dims + d] -= mean[d];
  // The eigenproblem of the smaller of the covariance (dims x dims) and the Gram matrix (n x n): they share their
  // non-zero eigenvalues. For 96 papers this is a 96 x 96 problem instead of 384 x 384 (1.6 s in ml-matrix).
  const axes = n < dims ? axesFromGram(centred, n, dims, k) : axesFromCovariance(centred, n, dims, k);
  return { dims, components: k, mean: Float32Array.from(mean), axes };
}

/** Eigenvectors of `symmetric` (size x size, row-major), largest eigenvalue first: `k` columns as arrays. */
function topEigenvectors(symmetric: Float64Array, size: number, k: number): number[][] {
  const matrix = Array.from({ length: size }, (_, a) => Array.from(symmetric.subarray(a * size, (a + 1) * size)));
  const evd = new EigenvalueDecomposition(matrix, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((value, index) => ({ value, index })).sort((x, y) => y.value - x.value || x.index - y.index);
  return order.slice(0, k).map(({ index }) => evd.eigenvectorMatrix.getColumn(index));
}

function axesFromCovariance(centred: Float64Array, n: number, dims: number, k: number): Float32Array {
  const cov = new Float64Array(dims * dims);
  for (let i = 0; i < n; i++) {
    const base = i * dims;
    for (let a = 0; a < dims; a++) {
      const va = centred[base + a];
      if (va === 0) continue;
      for (let b = a; b < dims; b++) cov[a * dims + b] += va * centred[base + b];
    }
  }
  for (let a = 0; a < dims; a++) for (let b = 0; b < a; b++) cov[a * dims + b] = cov[b * dims + a];
  const axes = new Float32Array(k * dims);
  topEigenvectors(cov, dims, k).forEach((vector, c) => axes.set(withFixedSign(normalise(vector)), c * dims));
  return axes;
}

/** Axis c = X^T u_c normalised, where u_c is the c-th eigenvector of the Gram matrix X X^T. */
function axesFromGram(centred: Float64Array, n: number, dims: number, k: number): Float32Array {
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let d = 0; d < dims; d++) sum += centred[i * dims + d] * centred[j * dims + d];
      gram[i * n + j] = sum;
      gram[j * n + i] = sum;
    }
  }
  const axes = new Float32Array(k * dims);
  topEigenvectors(gram, n, k).forEach((u, c) => {
    const axis = new Array<number>(dims).fill(0);
    for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) axis[d] += centred[i * dims + d] * u[i];
    axes.set(withFixedSign(normalise(axis)), c * dims);
  });
  return axes;
}

function normalise(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return norm > 0 ? vector.map((v) => v / norm) : vector;
}

/** Eigenvectors are defined up to sign; making the largest entry positive makes the layout independent of the solver. */
function withFixedSign(vector: number[]): number[] {
  let largest = 0;
  for (const v of vector) if (Math.abs(v) > Math.abs(largest)) largest = v;
  return largest < 0 ? vector.map((v) => -v) : vector;
}

/**
 * Every row projected onto the principal axes (count x components). The dot products run in the int8 SIMD
 * kernel (axes quantized like document vectors): 100,000 x 384 x 48 in plain JS loops was the slowest step.
 */
export function projectRows(pca: Pca, rows: Int8Rows, onRow?: (done: number) => void): Float32Array {
  const { dims, components, mean, axes } = pca;
  const count = rows.scales.length;
  const axisMatrix = QuantizedMatrix.fromFloat32(dims, axes);
  // (x - mean) . axis = x . axis - mean . axis
  const offset = new Float32Array(components);
  for (let c = 0; c < components; c++) {
    let sum = 0;
    for (let d = 0; d < dims; d++) sum += axes[c * dims + d] * mean[d];
    offset[c] = sum;
  }
  const out = new Float32Array(count * components);
  const row = new Float32Array(dims);
  for (let r = 0; r < count; r++) {
    const scores = axisMatrix.scores(dequantizeRow(rows, r, row));
    for (let c = 0; c < components; c++) out[r * components + c] = scores[c] - offset[c];
    onRow?.(r + 1);
  }
  return out;
}
