import { QuantizedMatrix, type Int8Rows } from '../quantized-matrix.ts';
import { topK, type Hit } from '../top-k.ts';
import { signCodesFromInt8, type SignCodes } from './binary-codes.ts';
import { CandidateScan } from './candidate-scan.ts';
import { MemoryRowSource, type RowSource } from './row-source.ts';

/**
 * Semantic search for corpora too large to hold as int8 (issue 10, part 1): a Hamming first pass over
 * 48-byte sign codes held in memory picks `candidates` rows, whose int8 rows are then read (row-source.ts) and
 * scored exactly as QuantizedMatrix scores them, so every returned score is the exact path's score for that
 * row and the ranking among candidates is the exact int8 ranking. Between the two, an in-memory estimate of the
 * Hamming candidates against the float query keeps only the most promising for reading (CandidateScan.shortlist). Recall against the exact path is therefore
 * the share of the exact top-k that the first pass keeps, measured in docs/performance.md.
 */
export interface CompressedOptions {
  /** Rows read and rescored exactly per query (at least k). */
  candidates: number;
  /**
   * Rows the Hamming pass keeps for the in-memory second stage (CandidateScan.shortlist), which picks the
   * `candidates` to read; at or below `candidates` there is no second stage (Hamming picks them directly).
   */
  firstPass: number;
  /** false forces the JS paths (tests compare both). */
  useWasm: boolean;
}

/**
 * Rows read from storage and rescored per query, and the Hamming pass that feeds the table estimate choosing
 * them. At 1,000,000 synthetic abstracts (809 queries, docs/performance.md "A million abstracts"): the best
 * 1,000 of 8,000 Hamming candidates by table estimate keep 0.966 of the exact top 10 (1,500: 0.974), as many as
 * the best 4,000 by Hamming alone (0.965) did, for a quarter of the reads (~1.3 us each from OPFS).
 */
export const DEFAULT_CANDIDATES = 1000;
export const DEFAULT_FIRST_PASS = 8000;

export class CompressedIndex {
  readonly options: CompressedOptions;
  private readonly scratch: QuantizedMatrix;
  private readonly readBuffer: Int8Rows;

  constructor(
    readonly scan: CandidateScan,
    readonly rows: RowSource,
    options: Partial<CompressedOptions> = {},
  ) {
    this.options = { candidates: DEFAULT_CANDIDATES, firstPass: DEFAULT_FIRST_PASS, useWasm: true, ...options };
    if (!(Number.isInteger(this.options.candidates) && this.options.candidates > 0)) throw new Error(`CompressedIndex: candidates must be a positive integer, got ${this.options.candidates}`);
    if (!(Number.isInteger(this.options.firstPass) && this.options.firstPass >= 0)) throw new Error(`CompressedIndex: firstPass must be a whole number, got ${this.options.firstPass}`);
    if (scan.dims !== rows.dims) throw new Error(`CompressedIndex: codes have ${scan.dims} dims, rows ${rows.dims}`);
    if (scan.count !== rows.count) throw new Error(`CompressedIndex: ${scan.count} codes but ${rows.count} rows`);
    const capacity = Math.min(this.options.candidates, scan.count);
    this.scratch = QuantizedMatrix.zeros(scan.dims, capacity, this.options.useWasm);
    this.readBuffer = { dims: scan.dims, data: new Int8Array(capacity * scan.dims), scales: new Float32Array(capacity) };
  }

  /** Codes (mean-centred signs) and an in-memory row source for `rows`. */
  static fromInt8(rows: Int8Rows, options: Partial<CompressedOptions> = {}): CompressedIndex {
    const codes = signCodesFromInt8(rows);
    return new CompressedIndex(CandidateScan.of(codes, options.useWasm ?? true), new MemoryRowSource(rows), options);
  }

  /** Codes already built (e.g. loaded from IndexedDB) and a row source. */
  static fromCodes(codes: SignCodes, rows: RowSource, options: Partial<CompressedOptions> = {}): CompressedIndex {
    return new CompressedIndex(CandidateScan.of(codes, options.useWasm ?? true), rows, options);
  }

  get count(): number {
    return this.scan.count;
  }

  get dims(): number {
    return this.scan.dims;
  }

  /** Bytes this index holds in memory: codes, distances, rescoring scratch, and rows if the source keeps them. */
  get byteLength(): number {
    return this.scan.byteLength + this.scratch.byteLength + this.readBuffer.data.byteLength + this.readBuffer.scales.byteLength + this.rows.heldBytes;
  }

  /** The first pass alone (Hamming, then the table estimate when firstPass > candidates): the rows to rescore for `k` results, ascending. */
  candidates(query: Float32Array, k: number): Int32Array {
    const count = Math.max(k, this.options.candidates);
    return this.options.firstPass > count ? this.scan.shortlist(query, this.options.firstPass, count) : this.scan.candidates(query, count);
  }

  /**
   * The k best rows for `query` with their exact int8 scores, best first (ties: lower row first), as
   * SearchIndex.semantic returns them. k above the candidate count widens the first pass for this query.
   */
  search(query: Float32Array, k: number): Hit[] {
    if (query.length !== this.dims) throw new Error(`CompressedIndex: query has ${query.length} dims, index has ${this.dims}`);
    const ids = this.candidates(query, k);
    return this.rescore(query, ids, k);
  }

  /** Exact int8 scores of rows `ids` (ascending), the best k of them as hits with row ids. */
  rescore(query: Float32Array, ids: Int32Array, k: number): Hit[] {
    const matrix = ids.length <= this.scratch.count ? this.scratch : QuantizedMatrix.zeros(this.dims, ids.length, this.options.useWasm);
    const buffer = ids.length <= this.scratch.count ? this.readBuffer : { dims: this.dims, data: new Int8Array(ids.length * this.dims), scales: new Float32Array(ids.length) };
    this.rows.read(ids, buffer.data, buffer.scales);
    for (let i = 0; i < ids.length; i++) matrix.setInt8Row(i, buffer, i);
    // Rows of the scratch past ids.length hold an earlier query's candidates; topK only looks at the first ids.length.
    const hits = topK(matrix.scores(query), k, ids.length);
    // Candidates are ascending, so ties (lower position first) stay ordered by row id as in the exact path.
    return hits.map((hit) => ({ index: ids[hit.index], score: hit.score }));
  }

  /** Row i dequantized, read from the row source (e.g. for pseudo-relevance feedback, as QuantizedMatrix.row). */
  row(i: number): Float32Array {
    const data = new Int8Array(this.dims);
    const scales = new Float32Array(1);
    this.rows.read(Int32Array.of(i), data, scales);
    return Float32Array.from(data, (x) => x * scales[0]);
  }

  /** Same contract as SearchIndex.semantic. */
  semantic(query: Float32Array, k: number): Hit[] {
    return this.search(query, k);
  }
}
