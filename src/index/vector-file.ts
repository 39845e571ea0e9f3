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
}

export type VectorEncoding = 'f32' | 'int8';

export function encodeVectorFile(file: VectorFile, encoding: VectorEncoding = 'f32'): Uint8Array {
  const count = file.ids.length;
  if (file.hashes.length !== count || file.vectors.length !== count * file.dims) {
    throw new Error(`encodeVectorFile: ${count} ids, ${file.hashes.length} hashes, ${file.vectors.length / file.dims} vectors`);
  }
  const header = new TextEncoder().encode(JSON.stringify({ modelKey: file.modelKey, dims: file.dims, count, ids: file.ids, hashes: file.hashes }));
  const vectorsOffset = align4(8 + 4 + header.length);
  const payload = encoding === 'int8' ? int8Payload(file.int8 ?? quantizeRows(file.vectors, file.dims)) : bytesOf(file.vectors);
  const out = new Uint8Array(vectorsOffset + payload.length);
  out.set(new TextEncoder().encode(encoding === 'int8' ? MAGIC_INT8 : MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(payload, vectorsOffset);
  return out;
}

export function decodeVectorFile(bytes: Uint8Array, name = 'vector file'): VectorFile {
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
  let header: { modelKey: string; dims: number; count: number; ids: string[]; hashes: string[] } | null;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (error) {
    return fail(`header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('header is not a JSON object');
  const { modelKey, dims, count, ids, hashes } = header;
  if (typeof modelKey !== 'string' || !Number.isInteger(dims) || !Number.isInteger(count) || !Array.isArray(ids) || !Array.isArray(hashes)) {
    fail('header lacks modelKey, dims, count, ids or hashes');
  }
  if (dims <= 0 || count < 0) fail(`header has ${count} vectors of ${dims} dims`);
  if (!ids.every((id) => typeof id === 'string') || !hashes.every((hash) => typeof hash === 'string')) fail('header ids and hashes must be strings');
  if (ids.length !== count || hashes.length !== count) fail(`header says ${count} vectors but lists ${ids.length} ids and ${hashes.length} hashes`);
  const offset = align4(12 + headerLength);
  const expected = offset + (int8 ? count * 4 + count * dims : count * dims * 4);
  if (bytes.length !== expected) fail(`expected ${expected} bytes for ${count} x ${dims} vectors, found ${bytes.length}`);
  if (!int8) {
    // Copy into an aligned buffer of its own: the input may be a view at any offset.
    const vectors = new Float32Array(bytes.slice(offset, expected).buffer);
    return { modelKey, dims, ids, hashes, vectors };
  }
  const scales = new Float32Array(bytes.slice(offset, offset + count * 4).buffer);
  if (!scales.every((scale) => scale >= 0 && Number.isFinite(scale))) fail('a vector scale is negative or not finite');
  const rows: Int8Rows = { dims, scales, data: new Int8Array(bytes.slice(offset + count * 4, expected).buffer) };
  return { modelKey, dims, ids, hashes, vectors: dequantize(rows), int8: rows };
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
