import { codeBytes, encodeSigns, signTables, type SignCodes } from './binary-codes.ts';
import { collectJs, foldHistograms, hammingJs, HIST_COPIES, instantiateHamming, MAX_CODE_BYTES, type HammingKernel } from './hamming-wasm.ts';

/**
 * The first pass: every document's sign code against the query's, in one block of WebAssembly memory
 * (query code | u16 distances | distance histograms | candidate ids | codes), then the `count` nearest by
 * Hamming distance. Selection is counting, not a sort or heap: distances are small integers (0..bits), so the
 * histogram the kernel fills while scanning gives the cut-off distance, and one more pass collects the rows
 * under it, ties at the cut-off taken in row order. Deterministic, and the same with or without the kernel.
 *
 * shortlist() adds a second, in-memory stage: the Hamming candidates are scored against the float query
 * (binary-codes.ts signTables: 48 table lookups per code) and only the best of those are returned, so fewer
 * rows have to be read from storage and rescored for the same recall.
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
  /** HIST_COPIES histograms of bits + 1 counters; the first holds their sum after a scan. */
  private readonly histograms: Uint32Array;
  private readonly dest: Int32Array;
  private readonly codeView: Uint8Array;
  /** The same codes as little-endian words (every code is a whole number of 16-byte chunks). */
  private readonly codeWords: Uint32Array;
  /** Second stage scratch, made by the first shortlist: lookup tables, estimates, and a copy to select in. */
  private stage2: { tables: Float64Array; estimates: Float32Array; select: Float32Array } | null = null;
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
    const bins = bytes * 8 + 1;
    const query = 0;
    const out = align16(bytes);
    const hist = out + align16(capacity * 2);
    const dest = hist + align16(HIST_COPIES * bins * 4);
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
    this.histograms = new Uint32Array(this.buffer, hist, HIST_COPIES * bins);
    this.dest = new Int32Array(this.buffer, dest, MAX_COLLECT);
    this.codeView = new Uint8Array(this.buffer, start, capacity * bytes);
    this.codeWords = new Uint32Array(this.buffer, start, (capacity * bytes) >>> 2);
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

  /** Bytes reserved for codes, distances, the query code, and the second stage's scratch once used. */
  get byteLength(): number {
    const stage2 = this.stage2 ? this.stage2.tables.byteLength + this.stage2.estimates.byteLength + this.stage2.select.byteLength : 0;
    return this.buffer.byteLength + stage2;
  }

  /** Adds codes (same dims and center) after the rows already held; the capacity must allow it. */
  append(codes: SignCodes): void {
    if (codes.dims !== this.dims || codes.bytes !== this.bytes) throw new Error(`CandidateScan: ${codes.bytes}-byte codes for ${codes.dims} dims, scan has ${this.bytes} bytes for ${this.dims}`);
    if (codes.data.length < codes.count * codes.bytes) throw new Error(`CandidateScan: ${codes.data.length} code bytes for ${codes.count} rows`);
    if (codes.center !== this.center && !codes.center.every((x, d) => x === this.center[d])) throw new Error('CandidateScan: codes were made with another center');
    if (this.rows + codes.count > this.distances.length) throw new Error(`CandidateScan: ${this.rows + codes.count} rows exceed the capacity ${this.distances.length}`);
    this.codeView.set(codes.data.subarray(0, codes.count * this.bytes), this.rows * this.bytes);
    this.rows += codes.count;
  }

  /** Hamming distance of every row to the query's code (and their histogram). A view valid until the next call. */
  distancesTo(query: ArrayLike<number>): Uint16Array {
    if (query.length !== this.dims) throw new Error(`CandidateScan: query has ${query.length} dims, index has ${this.dims}`);
    encodeSigns(query, this.center, this.queryView);
    this.histograms.fill(0);
    const out = this.distances.subarray(0, this.rows);
    const { codes, query: q, out: o, hist } = this.offsets;
    if (this.kernel) {
      this.kernel.hamming(codes, q, o, hist, this.rows);
      foldHistograms(this.histograms, this.bytes * 8 + 1);
    } else {
      const words = this.bytes >>> 2;
      hammingJs(new Uint32Array(this.buffer, codes, this.rows * words), new Uint32Array(this.buffer, q, words), out, this.histograms, this.rows, this.bytes);
    }
    return out;
  }

  /** The `count` rows nearest the query by Hamming distance (ties: lower row first), ascending by row. */
  candidates(query: ArrayLike<number>, count: number): Int32Array {
    const distances = this.distancesTo(query);
    const n = distances.length;
    if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
    const histogram = this.histograms;
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

  /**
   * Two stages: the `first` rows nearest by Hamming distance, then the `count` of them whose codes score best
   * against the float query (signTables; ties: lower row first). Ascending by row. With count >= first this is
   * candidates(query, first).
   */
  shortlist(query: ArrayLike<number>, first: number, count: number): Int32Array {
    const pool = this.candidates(query, first);
    if (count >= pool.length) return pool;
    const n = pool.length;
    const { tables, estimates, select } = this.scratchFor(n);
    this.estimate(query, pool, tables, estimates);
    select.set(estimates.subarray(0, n));
    const threshold = kthLargest(select, n, count);
    let above = 0;
    for (let i = 0; i < n; i++) if (estimates[i] > threshold) above++;
    let ties = count - above; // rows scoring exactly `threshold` that still fit, in row order
    const out = new Int32Array(count);
    for (let i = 0, filled = 0; i < n; i++) {
      const score = estimates[i];
      if (score > threshold || (score === threshold && ties-- > 0)) out[filled++] = pool[i];
    }
    return out;
  }

  /** The second stage's arrays, for at least `n` candidates (kept between queries: no allocation per query). */
  private scratchFor(n: number): { tables: Float64Array; estimates: Float32Array; select: Float32Array } {
    if (!this.stage2 || this.stage2.estimates.length < n) {
      this.stage2 = { tables: new Float64Array(this.bytes * 256), estimates: new Float32Array(n), select: new Float32Array(n) };
    }
    return this.stage2;
  }

  /** Table estimates of the rows `ids` against the float query, into `out`. */
  private estimate(query: ArrayLike<number>, ids: Int32Array, tables: Float64Array, out: Float32Array): void {
    const { codeWords } = this;
    const words = this.bytes >>> 2;
    signTables(query, this.center, tables);
    // A 32-bit word (four table lookups) at a time: reading bytes one by one was slower in Node (8,000 estimates
    // at 1,000,000 rows: ~1.5 ms; most of it is fetching 8,000 scattered codes).
    for (let i = 0; i < ids.length; i++) {
      let sum = 0;
      for (let w = 0, at = ids[i] * words, base = 0; w < words; w++, at++, base += 1024) {
        const x = codeWords[at];
        sum += tables[base | (x & 255)] + tables[base | 256 | ((x >>> 8) & 255)] + tables[base | 512 | ((x >>> 16) & 255)] + tables[base | 768 | (x >>> 24)];
      }
      out[i] = sum;
    }
  }

  /** The WebAssembly memory, when the kernel is in use (for memory accounting). */
  get wasmMemory(): WebAssembly.Memory | null {
    return this.memory;
  }
}

/**
 * The k-th largest of values[0 .. n) (1-based k <= n), by quickselect (median of three) in place: values is
 * reordered. Expected O(n), against a full sort's O(n log n) of 8,000 estimates per query.
 */
function kthLargest(values: Float32Array, n: number, k: number): number {
  // Index of the k-th largest in ascending order.
  const target = n - k;
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const a = values[lo], b = values[mid], c = values[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i++] = values[j];
        values[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}
