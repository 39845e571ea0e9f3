/**
 * Binary file of precomputed document vectors, written by `npm run index` (and the eval cache) and read by
 * the browser. It carries the model fingerprint key and each document's content hash, so a reader uses a
 * vector only when both match what it would compute itself.
 *
 * Layout (little-endian):
 *   magic "PSVEC1\0\0" (8 bytes) | u32 header length | header JSON (utf-8) | pad to 4 | f32 vectors, count x dims
 * header: { modelKey, dims, count, ids: string[], hashes: string[] }
 *
 * Version 2 (magic "PSVEC2\0\0", what `npm run index` ships) stores the vectors quantized as the app holds them
 * (quantized-matrix.ts), 4x smaller: same preamble and header, then f32 scales (count) | int8 vectors (count x dims).
 * Decoding either version gives float `vectors` (v2 dequantized, so existing readers work unchanged) and, for v2,
 * `int8`, which QuantizedMatrix takes as is. Quantizing a dequantized v2 row again gives back the same int8 values.
 * decodeVectorRows gives the int8 rows only (no float copy: 154 MB saved at 100,000 x 384).
 *
 * A library bundle (`library.psl`, written by `npm run index`) is a file of either version whose header also
 * carries `papers`, the corpus the vectors belong to, so one file holds a whole precomputed library. The header
 * field is optional and readers that do not know it ignore it; this module does not look inside the papers (the
 * corpus code validates them, src/corpus/precomputed-library.ts).
 */
import { quantizeRows, type Int8Rows } from './quantized-matrix.ts';

const MAGIC = 'PSVEC1\0\0';
const MAGIC_INT8 = 'PSVEC2\0\0';

export interface VectorFile {
  modelKey: string;
  dims: number;
  ids: string[];
  hashes: string[];
  /** count x dims, row i belongs to ids[i]. */
  vectors: Float32Array;
  /** The stored int8 rows, when the file is version 2. */
  int8?: Int8Rows;
  /** A library bundle's papers, as written (unvalidated when decoded). Absent in a plain vector file. */
  papers?: unknown[];
}

/** A vector file read as int8 rows only (decodeVectorRows). */
export interface VectorRowsFile {
  modelKey: string;
  dims: number;
  ids: string[];
  hashes: string[];
  /** Row i belongs to ids[i] / hashes[i]; quantized on reading when the file is float32 (version 1). */
  rows: Int8Rows;
  papers?: unknown[];
}

/** Whether bytes start like a vector file (either version), whatever the file is called. */
export function isVectorFile(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  return magic === MAGIC || magic === MAGIC_INT8;
}

export type VectorEncoding = 'f32' | 'int8';

export function encodeVectorFile(file: VectorFile, encoding: VectorEncoding = 'f32'): Uint8Array {
  const count = file.ids.length;
  if (file.hashes.length !== count || file.vectors.length !== count * file.dims) {
    throw new Error(`encodeVectorFile: ${count} ids, ${file.hashes.length} hashes, ${file.vectors.length / file.dims} vectors`);
  }
  const fields = { modelKey: file.modelKey, dims: file.dims, count, ids: file.ids, hashes: file.hashes };
  const header = new TextEncoder().encode(JSON.stringify(file.papers ? { ...fields, papers: file.papers } : fields));
  const vectorsOffset = align4(8 + 4 + header.length);
  const payload = encoding === 'int8' ? int8Payload(file.int8 ?? quantizeRows(file.vectors, file.dims)) : bytesOf(file.vectors);
  const out = new Uint8Array(vectorsOffset + payload.length);
  out.set(new TextEncoder().encode(encoding === 'int8' ? MAGIC_INT8 : MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(payload, vectorsOffset);
  return out;
}

interface Layout {
  modelKey: string;
  dims: number;
  ids: string[];
  hashes: string[];
  papers?: unknown[];
  int8: boolean;
  /** Byte offset of the vectors (v1) or the scales (v2). */
  offset: number;
  end: number;
  fail: (problem: string) => never;
}

/** Checks the preamble, header and size; the vectors themselves are read by the callers. */
function readLayout(bytes: Uint8Array, name: string): Layout {
  const fail = (problem: string): never => {
    throw new Error(`${name}: ${problem}`);
  };
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < 12 && (MAGIC.startsWith(magic) || MAGIC_INT8.startsWith(magic)) && bytes.length > 0) {
    fail(`truncated: ${bytes.length} bytes, shorter than the 12-byte preamble`);
  }
  if (bytes.length < 12 || (magic !== MAGIC && magic !== MAGIC_INT8)) fail('not a vector file (bad magic bytes)');
  const int8 = magic === MAGIC_INT8;
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + headerLength > bytes.length) fail(`header of ${headerLength} bytes runs past the end of the file`);
  let header: { modelKey: string; dims: number; count: number; ids: string[]; hashes: string[]; papers?: unknown } | null;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (error) {
    return fail(`header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('header is not a JSON object');
  const { modelKey, dims, count, ids, hashes, papers } = header;
  if (typeof modelKey !== 'string' || !Number.isInteger(dims) || !Number.isInteger(count) || !Array.isArray(ids) || !Array.isArray(hashes)) {
    fail('header lacks modelKey, dims, count, ids or hashes');
  }
  if (dims <= 0 || count < 0) fail(`header has ${count} vectors of ${dims} dims`);
  if (!ids.every((id) => typeof id === 'string') || !hashes.every((hash) => typeof hash === 'string')) fail('header ids and hashes must be strings');
  if (ids.length !== count || hashes.length !== count) fail(`header says ${count} vectors but lists ${ids.length} ids and ${hashes.length} hashes`);
  if (papers !== undefined && !Array.isArray(papers)) fail('header "papers" must be a list');
  const offset = align4(12 + headerLength);
  const end = offset + (int8 ? count * 4 + count * dims : count * dims * 4);
  if (bytes.length !== end) fail(`expected ${end} bytes for ${count} x ${dims} vectors, found ${bytes.length}`);
  const layout: Layout = { modelKey, dims, ids, hashes, int8, offset, end, fail };
  if (papers !== undefined) layout.papers = papers as unknown[];
  return layout;
}

function int8Rows(bytes: Uint8Array, layout: Layout): Int8Rows {
  const { offset, end, dims, ids } = layout;
  const count = ids.length;
  const scales = new Float32Array(copyOf(bytes, offset, offset + count * 4).buffer);
  if (!scales.every((scale) => scale >= 0 && Number.isFinite(scale))) layout.fail('a vector scale is negative or not finite');
  return { dims, scales, data: new Int8Array(copyOf(bytes, offset + count * 4, end).buffer) };
}

function withPapers<T extends object>(out: T, layout: Layout): T & { papers?: unknown[] } {
  return layout.papers ? { ...out, papers: layout.papers } : out;
}

export function decodeVectorFile(bytes: Uint8Array, name = 'vector file'): VectorFile {
  const layout = readLayout(bytes, name);
  const { modelKey, dims, ids, hashes, offset, end } = layout;
  if (!layout.int8) {
    // Copy into an aligned buffer of its own: the input may be a view at any offset.
    const vectors = new Float32Array(copyOf(bytes, offset, end).buffer);
    return withPapers({ modelKey, dims, ids, hashes, vectors }, layout);
  }
  const rows = int8Rows(bytes, layout);
  return withPapers({ modelKey, dims, ids, hashes, vectors: dequantize(rows), int8: rows }, layout);
}

/**
 * The file's vectors as int8 rows, as the app holds them: version 2 rows as stored, version 1 quantized here.
 * Each array has a buffer of its own, so both can be transferred to another thread.
 */
export function decodeVectorRows(bytes: Uint8Array, name = 'vector file'): VectorRowsFile {
  const layout = readLayout(bytes, name);
  const { modelKey, dims, ids, hashes, offset, end } = layout;
  const rows = layout.int8 ? int8Rows(bytes, layout) : quantizeRows(new Float32Array(copyOf(bytes, offset, end).buffer), dims);
  return withPapers({ modelKey, dims, ids, hashes, rows }, layout);
}

/**
 * bytes[start, end) in an ArrayBuffer of its own (aligned, transferable). Not bytes.slice: on a Node Buffer
 * that is a view into a shared pool, whose .buffer is the whole pool.
 */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

function bytesOf(array: Float32Array | Int8Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function int8Payload(rows: Int8Rows): Uint8Array {
  const out = new Uint8Array(rows.scales.byteLength + rows.data.byteLength);
  out.set(bytesOf(rows.scales), 0);
  out.set(bytesOf(rows.data), rows.scales.byteLength);
  return out;
}

function dequantize(rows: Int8Rows): Float32Array {
  const out = new Float32Array(rows.data.length);
  for (let i = 0; i < out.length; i++) out[i] = rows.data[i] * rows.scales[Math.floor(i / rows.dims)];
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
