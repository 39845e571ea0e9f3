import { MAX_PUBLISHED_FILE_BYTES, type FileSink, type PublishedFile } from '../../base/files.ts';
import type { Int8Rows } from '../../index/quantized-matrix.ts';
import { codeBytes, int8Mean, signCodesFromInt8 } from '../../index/compressed/binary-codes.ts';

/**
 * The vector parts of a published library (issue 10): sign codes (`codes/`, the first pass, held in the tab)
 * and int8 rescoring rows (`rows/`, copied once into the worker's OPFS file). Both are split into files of whole
 * rows, in row order, so file i of a part holds the rows after those of files 0..i-1.
 *
 *   codes/c-0000.bin: rowsPerFile[i] x bytesPerCode sign codes (binary-codes.ts), centred on `center`
 *   rows/r-0000.bin:  rowsPerFile[i] x dims int8 values, then rowsPerFile[i] float32 scales (little-endian)
 */

/** The codes part of the manifest: what the first pass needs besides the files. */
export interface PublishedCodes {
  /** Per-dimension thresholds of the sign bits (int8Mean of the rows). */
  center: number[];
  bytesPerCode: number;
  files: PublishedFile[];
  /** Rows in each file, in file order; they sum to the library's count. */
  rowsPerFile: number[];
}

/** The rows part of the manifest. Row bytes are dims + 4 (values and scale). */
export interface PublishedRows {
  files: PublishedFile[];
  rowsPerFile: number[];
}

export interface PublishedVectors {
  codes: PublishedCodes;
  rows: PublishedRows;
}

/**
 * Rows per rows file: 77.6 MB at 384 dims, under GitHub Pages' limit with room. Not the most that fits: the
 * worker holds one whole file while it checks its sha256 and copies it to OPFS, so this bounds that memory.
 */
export const ROWS_PER_FILE = 200_000;

/**
 * Codes per codes file: 12.6 MB at 48 bytes. The codes are fetched before the first compressed search, so
 * smaller files show progress sooner and a failed one costs little to fetch again; four of the code store's
 * 65,536-code shards each.
 */
export const CODES_PER_FILE = 262_144;

/** Int8 rows arriving in batches (row order), for corpora whose rows are not held whole (1,000,000 synthetic rows). */
export interface RowBatches {
  dims: number;
  count: number;
  batches: Iterable<Int8Rows>;
}

export interface PublishedVectorsOptions {
  /** Thresholds of the sign bits; by default int8Mean of all rows (Int8Rows) or of the first batch (RowBatches). */
  center?: Float32Array;
  rowsPerFile?: number;
  codesPerFile?: number;
}

/** Bytes of one row in a rows file. */
export const rowBytes = (dims: number) => dims + 4;

/** `wanted` rows per file, fewer if a file of them would exceed MAX_PUBLISHED_FILE_BYTES. */
function fileRows(wanted: number, bytesPerRow: number): number {
  const rows = Math.min(wanted, Math.floor(MAX_PUBLISHED_FILE_BYTES / bytesPerRow));
  if (!(Number.isInteger(rows) && rows > 0)) throw new Error(`published vectors: ${wanted} rows per file of ${bytesPerRow} bytes each is not a positive row count`);
  return rows;
}

const pad4 = (i: number) => String(i).padStart(4, '0');

/**
 * Collects rows into files of `perFile` rows and hands each full file to the sink. Every file gets a buffer of
 * its own: a sink may keep the bytes (tests do).
 */
class FileSplitter {
  readonly files: PublishedFile[] = [];
  readonly rowsPerFile: number[] = [];
  private pending = 0;
  private values: Uint8Array;
  private scales: Float32Array | null;

  constructor(
    private readonly sink: FileSink,
    private readonly pathOf: (i: number) => string,
    private readonly perFile: number,
    private readonly valueBytes: number,
    withScales: boolean,
  ) {
    this.values = new Uint8Array(perFile * valueBytes);
    this.scales = withScales ? new Float32Array(perFile) : null;
  }

  /** Rows [start, end) of `values` (valueBytes each) and, for rows files, their scales. */
  add(values: Uint8Array, scales: Float32Array | null, count: number): void {
    for (let done = 0; done < count; ) {
      const take = Math.min(count - done, this.perFile - this.pending);
      this.values.set(values.subarray(done * this.valueBytes, (done + take) * this.valueBytes), this.pending * this.valueBytes);
      if (this.scales && scales) this.scales.set(scales.subarray(done, done + take), this.pending);
      this.pending += take;
      done += take;
      if (this.pending === this.perFile) this.emit();
    }
  }

  finish(): void {
    if (this.pending > 0) this.emit();
  }

  private emit(): void {
    const n = this.pending;
    const valueLength = n * this.valueBytes;
    const out = new Uint8Array(valueLength + (this.scales ? n * 4 : 0));
    out.set(this.values.subarray(0, valueLength));
    if (this.scales) out.set(new Uint8Array(this.scales.buffer, 0, n * 4), valueLength);
    this.files.push(this.sink(this.pathOf(this.files.length), out));
    this.rowsPerFile.push(n);
    this.pending = 0;
  }
}

function isRowBatches(input: Int8Rows | RowBatches): input is RowBatches {
  return 'batches' in input;
}

/**
 * Writes the codes and rows files of `input` through `sink` and returns their manifest sections. Row i of the
 * input is row i of the library (Hit.index). With RowBatches and no `center`, the first batch is the sample the
 * centre is taken from: make it a fair sample of the corpus (bench-million takes the first 65,536 rows).
 */
export function buildPublishedVectors(input: Int8Rows | RowBatches, sink: FileSink, options: PublishedVectorsOptions = {}): PublishedVectors {
  const dims = input.dims;
  const count = isRowBatches(input) ? input.count : input.scales.length;
  const batches: Iterable<Int8Rows> = isRowBatches(input) ? input.batches : [input];
  const bytesPerCode = codeBytes(dims);
  const rows = new FileSplitter(sink, (i) => `rows/r-${pad4(i)}.bin`, fileRows(options.rowsPerFile ?? ROWS_PER_FILE, rowBytes(dims)), dims, true);
  const codes = new FileSplitter(sink, (i) => `codes/c-${pad4(i)}.bin`, fileRows(options.codesPerFile ?? CODES_PER_FILE, bytesPerCode), bytesPerCode, false);
  let center = options.center ?? null;
  let seen = 0;
  for (const batch of batches) {
    const n = batch.scales.length;
    if (batch.dims !== dims || batch.data.length !== n * dims) throw new Error(`published vectors: a batch of ${n} rows holds ${batch.data.length} values of ${batch.dims} dims, expected ${dims}`);
    if (n === 0) continue;
    if (seen + n > count) throw new Error(`published vectors: more rows than the ${count} announced`);
    center ??= int8Mean(batch);
    if (center.length !== dims) throw new Error(`published vectors: the centre has ${center.length} dims, rows ${dims}`);
    rows.add(new Uint8Array(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength), batch.scales, n);
    const signs = signCodesFromInt8(batch, center);
    codes.add(signs.data, null, n);
    seen += n;
  }
  if (seen !== count) throw new Error(`published vectors: ${seen} rows arrived, ${count} announced`);
  rows.finish();
  codes.finish();
  return {
    codes: { center: Array.from(center ?? new Float32Array(dims)), bytesPerCode, files: codes.files, rowsPerFile: codes.rowsPerFile },
    rows: { files: rows.files, rowsPerFile: rows.rowsPerFile },
  };
}

/**
 * A rows file's bytes as Int8Rows (views where alignment allows, else copies). Throws if the size is not
 * `count` rows of `dims`.
 */
export function decodeRowsFile(bytes: Uint8Array, dims: number, count: number): Int8Rows {
  if (bytes.length !== count * rowBytes(dims)) throw new Error(`rows file: ${bytes.length} bytes, expected ${count} rows of ${rowBytes(dims)}`);
  const data = new Int8Array(bytes.buffer, bytes.byteOffset, count * dims);
  const scalesAt = bytes.byteOffset + count * dims;
  const scales = scalesAt % 4 === 0 ? new Float32Array(bytes.buffer, scalesAt, count) : new Float32Array(bytes.slice(count * dims).buffer);
  return { dims, data, scales };
}
