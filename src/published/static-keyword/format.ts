import { StaticKeywordError } from './errors.ts';

/**
 * The bytes of one keyword shard. A shard holds a run of terms in sorted order, each with its postings:
 *
 *   "KWS1" | u32 crc32 of every byte after this field | varint termCount | records…
 *   record = varint termBytes | term (UTF-8) | varint df | f32 lo | f32 step | varint docBytes
 *            | doc ids (first absolute, then gaps; LEB128 varints) | df impact bytes
 *
 * A posting's impact is its term's whole contribution to the document's BM25 score (every field, boosts
 * applied), quantised per term: impact = lo + byte * step. All numbers little-endian. The checksum makes a
 * damaged shard fail loudly even when the page's fetch did not verify the file's sha256.
 */

export const SHARD_MAGIC = 'KWS1';
const HEADER_BYTES = 8;

/** One term's postings as the builder hands them to the encoder: doc ids ascending, impacts already quantised. */
export interface TermPostings {
  term: string;
  docs: ArrayLike<number>;
  impacts: Uint8Array;
  lo: number;
  step: number;
}

/** One term of a decoded shard: views into the shard's bytes, decoded per query (cheap, and keeps memory low). */
export interface TermRecord {
  df: number;
  lo: number;
  step: number;
  /** LEB128 doc-id gaps. */
  docs: Uint8Array;
  impacts: Uint8Array;
}

export interface DecodedShard {
  terms: Map<string, TermRecord>;
  bytes: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A byte buffer that grows by doubling; the encoder appends records to it. */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 1024) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  varint(value: number): void {
    this.reserve(5);
    let v = value >>> 0;
    while (v >= 0x80) {
      this.buffer[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[this.length++] = v;
  }

  f32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** The encoded record of one term (appended to a shard by `encodeShard`); its length sizes the shards. */
export function encodeTermRecord(postings: TermPostings): Uint8Array {
  const { term, docs, impacts } = postings;
  if (docs.length !== impacts.length || docs.length === 0) throw new Error(`encodeTermRecord: ${term} has ${docs.length} docs and ${impacts.length} impacts`);
  const gaps = new ByteWriter(docs.length * 2 + 8);
  let previous = 0;
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    if (i > 0 && doc <= previous) throw new Error(`encodeTermRecord: doc ids of ${term} are not ascending`);
    gaps.varint(i === 0 ? doc : doc - previous);
    previous = doc;
  }
  const termBytes = encoder.encode(term);
  const out = new ByteWriter(termBytes.length + gaps.length + impacts.length + 24);
  out.varint(termBytes.length);
  out.bytes(termBytes);
  out.varint(docs.length);
  out.f32(postings.lo);
  out.f32(postings.step);
  out.varint(gaps.length);
  out.bytes(gaps.toBytes());
  out.bytes(impacts);
  return out.toBytes();
}

/** A shard file from term records already encoded, in sorted term order. */
export function encodeShard(records: readonly Uint8Array[]): Uint8Array {
  const body = new ByteWriter(records.reduce((sum, r) => sum + r.length, 16));
  body.varint(records.length);
  for (const record of records) body.bytes(record);
  const bodyBytes = body.toBytes();
  const out = new Uint8Array(HEADER_BYTES + bodyBytes.length);
  out.set(encoder.encode(SHARD_MAGIC), 0);
  new DataView(out.buffer).setUint32(4, crc32(bodyBytes), true);
  out.set(bodyBytes, HEADER_BYTES);
  return out;
}

/** Reads LEB128 varints from a byte array, failing with 'shard-corrupt' instead of reading past its end. */
class ByteReader {
  at = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly where: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(count: number): void {
    if (this.at + count > this.bytes.length) throw new StaticKeywordError('shard-corrupt', `${this.where}: truncated at byte ${this.at}`);
  }

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const byte = this.bytes[this.at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new StaticKeywordError('shard-corrupt', `${this.where}: varint too long at byte ${this.at}`);
  }

  f32(): number {
    this.need(4);
    const value = this.view.getFloat32(this.at, true);
    this.at += 4;
    return value;
  }

  take(count: number): Uint8Array {
    this.need(count);
    const out = this.bytes.subarray(this.at, this.at + count);
    this.at += count;
    return out;
  }
}

/**
 * The term directory of a shard (postings stay encoded until a query needs them). Checks the magic, the
 * checksum, every record's bounds, that terms ascend and lie in [first, next): a shard served for another
 * range (a stale cache, a swapped file) is as wrong as a damaged one.
 */
export function decodeShard(bytes: Uint8Array, where: string, range: { first: string; next: string | null }): DecodedShard {
  if (bytes.length < HEADER_BYTES || decoder.decode(bytes.subarray(0, 4)) !== SHARD_MAGIC) throw new StaticKeywordError('shard-corrupt', `${where}: not a keyword shard`);
  const body = bytes.subarray(HEADER_BYTES);
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (crc32(body) !== stored) throw new StaticKeywordError('shard-corrupt', `${where}: checksum mismatch`);
  const reader = new ByteReader(body, where);
  const count = reader.varint();
  const terms = new Map<string, TermRecord>();
  let previous: string | null = null;
  for (let i = 0; i < count; i++) {
    let term: string;
    try {
      term = decoder.decode(reader.take(reader.varint()));
    } catch (error) {
      if (error instanceof StaticKeywordError) throw error;
      throw new StaticKeywordError('shard-corrupt', `${where}: a term is not UTF-8`, { cause: error });
    }
    const inRange = term >= range.first && (range.next === null || term < range.next) && (previous === null || term > previous);
    if (!inRange) throw new StaticKeywordError('shard-corrupt', `${where}: term "${term}" out of order or outside the shard's range`);
    const df = reader.varint();
    const lo = reader.f32();
    const step = reader.f32();
    const docs = reader.take(reader.varint());
    const impacts = reader.take(df);
    if (df === 0 || !Number.isFinite(lo) || !Number.isFinite(step)) throw new StaticKeywordError('shard-corrupt', `${where}: term "${term}" has a bad header`);
    terms.set(term, { df, lo, step, docs, impacts });
    previous = term;
  }
  if (reader.at !== body.length) throw new StaticKeywordError('shard-corrupt', `${where}: ${body.length - reader.at} trailing bytes`);
  return { terms, bytes: bytes.length };
}

let crcTable: Uint32Array | null = null;

function table(): Uint32Array {
  if (crcTable) return crcTable;
  crcTable = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crcTable[n] = c >>> 0;
  }
  return crcTable;
}

/** CRC-32 (IEEE, as zip and PNG use). */
export function crc32(bytes: Uint8Array): number {
  const t = table();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
