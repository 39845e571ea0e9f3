import { instantiateInt8Dot, type ScoreInt8 } from './int8-dot-wasm.ts';

/**
 * Document vectors as int8 with one float scale per row, in one contiguous block of WebAssembly memory
 * (so the SIMD kernel reads them in place). 384 dims cost 384 + 4 bytes per document plus 4 for its score slot:
 * 100,000 abstracts take 39.2 MB instead of 153.6 MB as float32 (issue 4, item 5).
 *
 * Row r holds round(v / s_r) with s_r = max|v| / 127, so every row uses the full int8 range whatever its norm.
 * The query is quantized to int16 (s_q = max|q| / 32767): its rounding error is ~256x smaller than a row's,
 * and the int8 x int16 products still sum exactly in int32. Score = s_r * s_q * sum(int8 * int16).
 * The ranking loss against float32 is measured in docs/performance.md (nDCG@10 on SciFact, recall@10).
 */

/** Quantized rows as stored and shipped: int8 values (count x dims) and one scale per row. */
export interface Int8Rows {
  dims: number;
  data: Int8Array;
  scales: Float32Array;
}

const INT8_MAX = 127;
const INT16_MAX = 32767;
const WASM_PAGE = 65536;

/** Quantizes one float vector into `out` (at `offset`); returns its scale. A zero vector gets scale 0. */
export function quantizeInto(vector: ArrayLike<number>, out: Int8Array, offset: number, dims = vector.length): number {
  let max = 0;
  for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(vector[d]));
  const scale = Math.fround(max / INT8_MAX);
  const inverse = max === 0 ? 0 : INT8_MAX / max;
  for (let d = 0; d < dims; d++) out[offset + d] = Math.round(vector[d] * inverse);
  return scale;
}

/** Quantizes count x dims float rows (row-major) into int8 rows. */
export function quantizeRows(vectors: Float32Array, dims: number): Int8Rows {
  const count = vectors.length / dims;
  if (!Number.isInteger(count)) throw new Error(`quantizeRows: ${vectors.length} floats is not a multiple of ${dims} dims`);
  const data = new Int8Array(vectors.length);
  const scales = new Float32Array(count);
  for (let r = 0; r < count; r++) scales[r] = quantizeInto(vectors.subarray(r * dims, (r + 1) * dims), data, r * dims, dims);
  return { dims, data, scales };
}

/** Byte offsets of the regions inside the matrix's memory. Docs last and 16-aligned for the SIMD loads. */
interface Layout {
  query: number;
  scales: number;
  out: number;
  docs: number;
  bytes: number;
}

function layout(dims: number, capacity: number): Layout {
  const align16 = (n: number) => (n + 15) & ~15;
  const query = 0;
  const scales = align16(dims * 2);
  const out = scales + align16(capacity * 4);
  const docs = out + align16(capacity * 4);
  return { query, scales, out, docs, bytes: docs + capacity * dims };
}

export class QuantizedMatrix {
  private memory: WebAssembly.Memory | null = null;
  private buffer!: ArrayBuffer;
  private kernel: ScoreInt8 | null = null;
  private regions!: Layout;
  private capacityRows = 0;
  private rows = 0;
  // Views into `buffer`, rebuilt whenever it is replaced.
  private docsView!: Int8Array;
  private scalesView!: Float32Array;
  private outView!: Float32Array;
  private queryView!: Int16Array;

  /**
   * @param capacity rows to reserve; appending beyond it reallocates (1.5x), so pass the corpus size when known
   * @param useWasm false forces the JS loop (tests compare both paths)
   */
  constructor(
    readonly dims: number,
    capacity = 0,
    private readonly useWasm = true,
  ) {
    if (!Number.isInteger(dims) || dims <= 0) throw new Error(`QuantizedMatrix: bad dims ${dims}`);
    this.allocate(capacity);
  }

  static fromFloat32(dims: number, vectors: Float32Array, useWasm = true): QuantizedMatrix {
    const matrix = new QuantizedMatrix(dims, vectors.length / dims, useWasm);
    matrix.appendFloat32(vectors);
    return matrix;
  }

  /** `count` all-zero rows (score 0) to be filled with setRow / setInt8Row, e.g. as vectors arrive from the worker. */
  static zeros(dims: number, count: number, useWasm = true): QuantizedMatrix {
    const matrix = new QuantizedMatrix(dims, count, useWasm);
    matrix.rows = count;
    return matrix;
  }

  static fromInt8(rows: Int8Rows, useWasm = true): QuantizedMatrix {
    const matrix = new QuantizedMatrix(rows.dims, rows.scales.length, useWasm);
    matrix.appendInt8(rows);
    return matrix;
  }

  get count(): number {
    return this.rows;
  }

  /** True when scoring runs in the WebAssembly SIMD kernel. */
  get simd(): boolean {
    return this.kernel !== null;
  }

  /** Bytes reserved for vectors, scales, scores and the query (what the index costs the tab). */
  get byteLength(): number {
    return this.buffer.byteLength;
  }

  appendFloat32(vectors: Float32Array): void {
    const added = vectors.length / this.dims;
    if (!Number.isInteger(added)) throw new Error(`QuantizedMatrix: ${vectors.length} floats is not a multiple of ${this.dims} dims`);
    this.reserve(this.rows + added);
    for (let i = 0; i < added; i++) this.setRow(this.rows + i, vectors.subarray(i * this.dims, (i + 1) * this.dims), true);
    this.rows += added;
  }

  appendInt8(rows: Int8Rows): void {
    if (rows.dims !== this.dims) throw new Error(`QuantizedMatrix: rows have ${rows.dims} dims, matrix has ${this.dims}`);
    const added = rows.scales.length;
    if (rows.data.length !== added * this.dims) throw new Error(`QuantizedMatrix: ${rows.data.length} values for ${added} rows of ${this.dims}`);
    this.reserve(this.rows + added);
    this.docsView.set(rows.data, this.rows * this.dims);
    this.scalesView.set(rows.scales, this.rows);
    this.rows += added;
  }

  /** Overwrites row i (e.g. a paper whose text changed) with the quantized `vector`. */
  setRow(i: number, vector: ArrayLike<number>, appending = false): void {
    if (vector.length !== this.dims) throw new Error(`QuantizedMatrix: row ${i} has ${vector.length} dims, expected ${this.dims}`);
    if (i < 0 || i >= (appending ? this.capacityRows : this.rows)) throw new Error(`QuantizedMatrix: row ${i} out of range`);
    this.scalesView[i] = quantizeInto(vector, this.docsView, i * this.dims, this.dims);
  }

  /** Sets row i from stored int8 rows (row `from` of `rows`), without a float round trip. */
  setInt8Row(i: number, rows: Int8Rows, from: number): void {
    if (rows.dims !== this.dims) throw new Error(`QuantizedMatrix: rows have ${rows.dims} dims, matrix has ${this.dims}`);
    if (i < 0 || i >= this.rows) throw new Error(`QuantizedMatrix: row ${i} out of range`);
    this.docsView.set(rows.data.subarray(from * this.dims, (from + 1) * this.dims), i * this.dims);
    this.scalesView[i] = rows.scales[from];
  }

  /** Copies of the quantized rows [start, end), for persistence. */
  int8Rows(start = 0, end = this.rows): Int8Rows {
    return {
      dims: this.dims,
      data: this.docsView.slice(start * this.dims, end * this.dims),
      scales: this.scalesView.slice(start, end),
    };
  }

  /** Row i dequantized (tests and diagnostics; not the hot path). */
  row(i: number): Float32Array {
    const out = new Float32Array(this.dims);
    const scale = this.scalesView[i];
    for (let d = 0; d < this.dims; d++) out[d] = this.docsView[i * this.dims + d] * scale;
    return out;
  }

  /**
   * Approximate cosine of `query` with every row. Returns a view of a buffer owned by the matrix, valid until
   * the next call: scoring allocates nothing.
   */
  scores(query: Float32Array): Float32Array {
    if (query.length !== this.dims) throw new Error(`QuantizedMatrix: query has ${query.length} dims, index has ${this.dims}`);
    const queryScale = this.quantizeQuery(query);
    if (this.kernel) {
      const { docs, query: q, scales, out } = this.regions;
      this.kernel(docs, q, scales, out, this.rows, this.dims, queryScale);
    } else {
      this.scoreJs(queryScale);
    }
    return this.outView.subarray(0, this.rows);
  }

  private quantizeQuery(query: Float32Array): number {
    let max = 0;
    for (let d = 0; d < this.dims; d++) max = Math.max(max, Math.abs(query[d]));
    const inverse = max === 0 ? 0 : INT16_MAX / max;
    for (let d = 0; d < this.dims; d++) this.queryView[d] = Math.round(query[d] * inverse);
    return Math.fround(max / INT16_MAX);
  }

  /** Same arithmetic as the kernel (exact int sum, then f32 multiplies), so both paths give identical scores. */
  private scoreJs(queryScale: number): void {
    const { dims, docsView: docs, queryView: q, scalesView: scales, outView: out } = this;
    for (let r = 0, base = 0; r < this.rows; r++, base += dims) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let d = 0;
      for (; d + 4 <= dims; d += 4) {
        s0 += docs[base + d] * q[d];
        s1 += docs[base + d + 1] * q[d + 1];
        s2 += docs[base + d + 2] * q[d + 2];
        s3 += docs[base + d + 3] * q[d + 3];
      }
      for (; d < dims; d++) s0 += docs[base + d] * q[d];
      out[r] = Math.fround(Math.fround(Math.fround(s0 + s1 + s2 + s3) * scales[r]) * queryScale);
    }
  }

  private reserve(rows: number): void {
    if (rows > this.capacityRows) this.allocate(Math.max(rows, Math.ceil(this.capacityRows * 1.5)));
  }

  /** (Re)allocates for `capacity` rows, keeping the rows already held. */
  private allocate(capacity: number): void {
    const next = layout(this.dims, capacity);
    const wasm = this.useWasm && this.dims % 16 === 0;
    const memory = wasm ? new WebAssembly.Memory({ initial: Math.ceil(next.bytes / WASM_PAGE) }) : null;
    const kernel = memory ? instantiateInt8Dot(memory) : null;
    const buffer = memory && kernel ? memory.buffer : new ArrayBuffer(next.bytes);
    const docs = new Int8Array(buffer, next.docs, capacity * this.dims);
    const scales = new Float32Array(buffer, next.scales, capacity);
    if (this.rows > 0) {
      docs.set(this.docsView.subarray(0, this.rows * this.dims));
      scales.set(this.scalesView.subarray(0, this.rows));
    }
    this.memory = kernel ? memory : null;
    this.kernel = kernel;
    this.buffer = buffer;
    this.regions = next;
    this.capacityRows = capacity;
    this.docsView = docs;
    this.scalesView = scales;
    this.outView = new Float32Array(buffer, next.out, capacity);
    this.queryView = new Int16Array(buffer, next.query, this.dims);
  }

  /** The WebAssembly memory holding the rows, when the SIMD kernel is in use (for memory accounting). */
  get wasmMemory(): WebAssembly.Memory | null {
    return this.memory;
  }
}
