/**
 * Binary file of precomputed document vectors, written by `npm run index` (and the eval cache) and read by
 * the browser. It carries the model fingerprint key and each document's content hash, so a reader uses a
 * vector only when both match what it would compute itself.
 *
 * Layout (little-endian):
 *   magic "PSVEC1\0\0" (8 bytes) | u32 header length | header JSON (utf-8) | pad to 4 | f32 vectors, count x dims
 * header: { modelKey, dims, count, ids: string[], hashes: string[] }
 */
const MAGIC = 'PSVEC1\0\0';

export interface VectorFile {
  modelKey: string;
  dims: number;
  ids: string[];
  hashes: string[];
  /** count x dims, row i belongs to ids[i]. */
  vectors: Float32Array;
}

export function encodeVectorFile(file: VectorFile): Uint8Array {
  const count = file.ids.length;
  if (file.hashes.length !== count || file.vectors.length !== count * file.dims) {
    throw new Error(`encodeVectorFile: ${count} ids, ${file.hashes.length} hashes, ${file.vectors.length / file.dims} vectors`);
  }
  const header = new TextEncoder().encode(JSON.stringify({ modelKey: file.modelKey, dims: file.dims, count, ids: file.ids, hashes: file.hashes }));
  const vectorsOffset = align4(8 + 4 + header.length);
  const out = new Uint8Array(vectorsOffset + file.vectors.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(new Uint8Array(file.vectors.buffer, file.vectors.byteOffset, file.vectors.byteLength), vectorsOffset);
  return out;
}

export function decodeVectorFile(bytes: Uint8Array, name = 'vector file'): VectorFile {
  const fail = (problem: string): never => {
    throw new Error(`${name}: ${problem}`);
  };
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail('not a vector file (bad magic bytes)');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + headerLength > bytes.length) fail(`header of ${headerLength} bytes runs past the end of the file`);
  let header: { modelKey: string; dims: number; count: number; ids: string[]; hashes: string[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (error) {
    return fail(`header is not valid JSON (${(error as Error).message})`);
  }
  const { modelKey, dims, count, ids, hashes } = header;
  if (typeof modelKey !== 'string' || !Number.isInteger(dims) || !Number.isInteger(count) || !Array.isArray(ids) || !Array.isArray(hashes)) {
    fail('header lacks modelKey, dims, count, ids or hashes');
  }
  if (ids.length !== count || hashes.length !== count) fail(`header says ${count} vectors but lists ${ids.length} ids and ${hashes.length} hashes`);
  const offset = align4(12 + headerLength);
  const expected = offset + count * dims * 4;
  if (bytes.length !== expected) fail(`expected ${expected} bytes for ${count} x ${dims} vectors, found ${bytes.length}`);
  // Copy into an aligned buffer of its own: the input may be a view at any offset.
  const vectors = new Float32Array(bytes.slice(offset, expected).buffer);
  return { modelKey, dims, ids, hashes, vectors };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
