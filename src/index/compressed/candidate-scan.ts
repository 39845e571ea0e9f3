import { codeBytes, encodeSigns, type SignCodes } from './binary-codes.ts';
import { collectJs, hammingJs, instantiateHamming, MAX_CODE_BYTES, type HammingKernel } from './hamming-wasm.ts';

/**
 * The first pass: every document's sign code against the query's, in one block of WebAssembly memory
 * (query code | u16 distances | distance histogram | candidate ids | codes), then the `count` nearest by
 * Hamming distance. Selection is counting, not a sort or heap: distances are small integers (0..bits), so the
 * histogram the kernel fills while scanning gives the cut-off distance, and one more pass collects the rows
 * under it, ties at the cut-off taken in row order. Deterministic, and the same with or without the kernel.
 */

/** Candidate ids the memory has room for; a larger request is collected in JS into a fresh array. */
const MAX_COLLECT = 16_384;

const WASM_PAGE = 65536;
const align16 = (n: number) => (n + 15) & ~15;

export class CandidateScan {
  readonly dims: number;
  readonly bytes: number;
  readonly center: Float32Array;
  private readonly kernel: HammingKernel | null;
  private readonly buffer: ArrayBuffer;
  private readonly memory: WebAssembly.Memory | null;
  private readonly offsets: { query: number; out: number; hist: number; dest: number; codes: number };
  private readonly queryView: Uint8Array;
  private readonly distances: Uint16Array;
  private readonly histogram: Uint32Array;
  private readonly dest: Int32Array;
  private rows = 0;

  /**
   * An empty scan for up to `capacity` rows of codes made with `center`; fill it with append.
   * @param useWasm false forces the JS loop (tests compare both paths)
   */
  constructor(dims: number, center: Float32Array, capacity: number, useWasm = true) {
    const bytes = codeBytes(dims);
    if (!Number.isInteger(dims) || dims <= 0 || center.length !== dims) throw new Error(`CandidateScan: bad dims ${dims} or a center of ${center.length}`);
    if (bytes > MAX_CODE_BYTES) throw new Error(`CandidateScan: ${dims} dims exceed the kernel's ${MAX_CODE_BYTES * 8} bits`);
    this.dims = dims;
    this.bytes = bytes;
    this.center = center;
    const query = 0;
    const out = align16(bytes);
    const hist = out + align16(capacity * 2);
    const dest = hist + align16((bytes * 8 + 1) * 4);
    const start = dest + MAX_COLLECT * 4;
    const total = start + capacity * bytes;
    const memory = useWasm ? new WebAssembly.Memory({ initial: Math.ceil(total / WASM_PAGE) }) : null;
    const kernel = memory ? instantiateHamming(memory, bytes) : null;
    this.kernel = kernel;
    this.memory = kernel ? memory : null;
    this.buffer = kernel && memory ? memory.buffer : new ArrayBuffer(total);
    this.offsets = { query, out, hist, dest, codes: start };
    this.queryView = new Uint8Array(this.buffer, query, bytes);
    this.distances = new Uint16Array(this.buffer, out, capacity);
    this.histogram = new Uint32Array(this.buffer, hist, bytes * 8 + 1);
    this.dest = new Int32Array(this.buffer, dest, MAX_COLLECT);
  }

  /** A scan holding exactly `codes`. */
  static of(codes: SignCodes, useWasm = true): CandidateScan {
    const scan = new CandidateScan(codes.dims, codes.center, codes.count, useWasm);
    scan.append(codes);
    return scan;
  }

  get count(): number {
    return this.rows;
  }

  /** True when distances come from the WebAssembly SIMD kernel. */
  get simd(): boolean {
    return this.kernel !== null;
  }

  /** Bytes reserved for codes, distances and the query code. */
  get byteLength(): number {
    return this.buffer.byteLength;
  }

  /** Adds codes (same dims and center) after the rows already held; the capacity must allow it. */
  append(codes: SignCodes): void {
    if (codes.dims !== this.dims || codes.bytes !== this.bytes) throw new Error(`CandidateScan: ${codes.bytes}-byte codes for ${codes.dims} dims, scan has ${this.bytes} bytes for ${this.dims}`);
    if (codes.data.length < codes.count * codes.bytes) throw new Error(`CandidateScan: ${codes.data.length} code bytes for ${codes.count} rows`);
    if (codes.center !== this.center && !codes.center.every((x, d) => x === this.center[d])) throw new Error('CandidateScan: codes were made with another center');
    if (this.rows + codes.count > this.distances.length) throw new Error(`CandidateScan: ${this.rows + codes.count} rows exceed the capacity ${this.distances.length}`);
    new Uint8Array(this.buffer, this.offsets.codes + this.rows * this.bytes, codes.count * this.bytes).set(codes.data.subarray(0, codes.count * this.bytes));
    this.rows += codes.count;
  }

  /** Hamming distance of every row to the query's code (and their histogram). A view valid until the next call. */
  distancesTo(query: ArrayLike<number>): Uint16Array {
    if (query.length !== this.dims) throw new Error(`CandidateScan: query has ${query.length} dims, index has ${this.dims}`);
    encodeSigns(query, this.center, this.queryView);
    this.histogram.fill(0);
    const out = this.distances.subarray(0, this.rows);
    const { codes, query: q, out: o, hist } = this.offsets;
    if (this.kernel) {
      this.kernel.hamming(codes, q, o, hist, this.rows);
    } else {
      const words = this.bytes >>> 2;
      hammingJs(new Uint32Array(this.buffer, codes, this.rows * words), new Uint32Array(this.buffer, q, words), out, this.histogram, this.rows, this.bytes);
    }
    return out;
  }

  /** The `count` rows nearest the query by Hamming distance (ties: lower row first), ascending by row. */
  candidates(query: ArrayLike<number>, count: number): Int32Array {
    const distances = this.distancesTo(query);
    const n = distances.length;
    if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
    const { histogram } = this;
    let cutoff = 0;
    let below = 0;
    while (below + histogram[cutoff] < count) below += histogram[cutoff++];
    const ties = count - below; // rows at exactly `cutoff` that still fit
    if (this.kernel && count <= MAX_COLLECT) {
      const filled = this.kernel.collect(this.offsets.out, n, cutoff, ties, this.offsets.dest);
      return this.dest.slice(0, filled);
    }
    const out = new Int32Array(count);
    collectJs(distances, n, cutoff, ties, out);
    return out;
  }

  /** The WebAssembly memory, when the kernel is in use (for memory accounting). */
  get wasmMemory(): WebAssembly.Memory | null {
    return this.memory;
  }
}
