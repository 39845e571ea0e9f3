import { describe, expect, it } from 'vitest';
import { decodeVectorFile, encodeVectorFile, type VectorFile } from '../../src/index/vector-file.ts';

const sample: VectorFile = {
  modelKey: 'bge-small-en-v1.5@0123456789abcdef',
  dims: 3,
  ids: ['p1', 'p2'],
  hashes: ['h1', 'h2'],
  vectors: new Float32Array([0.1, -0.2, 0.3, 1, 0, -1]),
};

/** Rewrites the header of an encoded file (keeping the vectors) to build inconsistent files. */
function withHeader(header: unknown, vectorBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const offset = (8 + 4 + json.length + 3) & ~3;
  const out = new Uint8Array(offset + vectorBytes);
  out.set(new TextEncoder().encode('PSVEC1\0\0'), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  return out;
}

describe('vector file round trip', () => {
  it('decode(encode(x)) gives back x exactly', () => {
    const decoded = decodeVectorFile(encodeVectorFile(sample));
    expect(decoded).toEqual(sample);
    expect(decoded.vectors).toBeInstanceOf(Float32Array);
  });

  it('starts with the magic bytes and a little-endian header length, and the vectors are 4-byte aligned', () => {
    for (const modelKey of ['m', 'mm', 'mmm', 'mmmm']) {
      const bytes = encodeVectorFile({ ...sample, modelKey });
      expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('PSVEC1\0\0');
      const headerLength = new DataView(bytes.buffer).getUint32(8, true);
      expect((bytes.length - sample.vectors.byteLength) % 4).toBe(0);
      expect(bytes.length - sample.vectors.byteLength).toBeGreaterThanOrEqual(12 + headerLength);
      expect(decodeVectorFile(bytes).modelKey).toBe(modelKey);
    }
  });

  it('decodes from a view at an odd offset into a larger buffer (as from a fetch or IndexedDB slice)', () => {
    const bytes = encodeVectorFile(sample);
    const big = new Uint8Array(bytes.length + 7);
    big.set(bytes, 3);
    expect(decodeVectorFile(big.subarray(3, 3 + bytes.length))).toEqual(sample);
  });

  it('encodes a vectors view that is a subarray of a larger buffer', () => {
    const backing = new Float32Array([9, 9, ...sample.vectors, 9]);
    const file = { ...sample, vectors: backing.subarray(2, 8) };
    expect(decodeVectorFile(encodeVectorFile(file)).vectors).toEqual(sample.vectors);
  });

  it('round-trips an empty file and non-ASCII ids', () => {
    const empty: VectorFile = { modelKey: 'k', dims: 384, ids: [], hashes: [], vectors: new Float32Array(0) };
    expect(decodeVectorFile(encodeVectorFile(empty))).toEqual(empty);
    const unicode = { ...sample, ids: ['pä', '🙂'] };
    expect(decodeVectorFile(encodeVectorFile(unicode)).ids).toEqual(['pä', '🙂']);
  });

  it('the encoder refuses inconsistent input', () => {
    expect(() => encodeVectorFile({ ...sample, hashes: ['h1'] })).toThrow('encodeVectorFile: 2 ids, 1 hashes, 2 vectors');
    expect(() => encodeVectorFile({ ...sample, vectors: new Float32Array(5) })).toThrow('encodeVectorFile');
  });
});

describe('decodeVectorFile rejects damaged files with clear messages', () => {
  const good = encodeVectorFile(sample);

  it('truncated inside the vectors: expected vs found byte counts', () => {
    expect(() => decodeVectorFile(good.subarray(0, good.length - 4), 'docs.vec')).toThrow(
      `docs.vec: expected ${good.length} bytes for 2 x 3 vectors, found ${good.length - 4}`,
    );
  });

  it('trailing bytes are rejected too', () => {
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expect(() => decodeVectorFile(longer, 'docs.vec')).toThrow(`expected ${good.length} bytes for 2 x 3 vectors, found ${good.length + 4}`);
  });

  it('truncated inside the header: the header runs past the end', () => {
    expect(() => decodeVectorFile(good.subarray(0, 20), 'docs.vec')).toThrow(/^docs\.vec: header of \d+ bytes runs past the end of the file$/);
  });

  it('regression: truncated inside the 12-byte preamble says truncated, not "bad magic"', () => {
    expect(() => decodeVectorFile(good.subarray(0, 10), 'docs.vec')).toThrow('docs.vec: truncated: 10 bytes, shorter than the 12-byte preamble');
    expect(() => decodeVectorFile(good.subarray(0, 3), 'docs.vec')).toThrow('truncated');
  });

  it('bad magic bytes, or an empty or foreign file', () => {
    const bad = Uint8Array.from(good);
    bad[0] = 'X'.charCodeAt(0);
    expect(() => decodeVectorFile(bad, 'docs.vec')).toThrow('docs.vec: not a vector file (bad magic bytes)');
    expect(() => decodeVectorFile(new Uint8Array(0), 'docs.vec')).toThrow('not a vector file (bad magic bytes)');
    expect(() => decodeVectorFile(new TextEncoder().encode('<!doctype html><html>…</html>'), 'docs.vec')).toThrow('bad magic bytes');
  });

  it('header that is not JSON', () => {
    const bytes = Uint8Array.from(good);
    bytes[12] = '#'.charCodeAt(0);
    expect(() => decodeVectorFile(bytes, 'docs.vec')).toThrow(/^docs\.vec: header is not valid JSON/);
  });

  it('regression: header JSON that is not an object (null, array) is reported, not a TypeError', () => {
    expect(() => decodeVectorFile(withHeader(null, 0), 'docs.vec')).toThrow('docs.vec: header is not a JSON object');
    expect(() => decodeVectorFile(withHeader([1, 2], 0), 'docs.vec')).toThrow('docs.vec: header is not a JSON object');
  });

  it('header missing a field', () => {
    const { modelKey: _, ...rest } = { modelKey: 'k', dims: 3, count: 0, ids: [], hashes: [] };
    expect(() => decodeVectorFile(withHeader(rest, 0), 'docs.vec')).toThrow('docs.vec: header lacks modelKey, dims, count, ids or hashes');
    expect(() => decodeVectorFile(withHeader({ modelKey: 'k', dims: 3.5, count: 0, ids: [], hashes: [] }, 0))).toThrow('header lacks');
  });

  it('header count disagrees with its ids or hashes', () => {
    const header = { modelKey: 'k', dims: 3, count: 2, ids: ['a', 'b'], hashes: ['h'] };
    expect(() => decodeVectorFile(withHeader(header, 24), 'docs.vec')).toThrow('docs.vec: header says 2 vectors but lists 2 ids and 1 hashes');
  });

  it('regression: zero or negative dims are rejected (count x dims would not describe the data)', () => {
    expect(() => decodeVectorFile(withHeader({ modelKey: 'k', dims: 0, count: 1, ids: ['a'], hashes: ['h'] }, 0), 'docs.vec')).toThrow(
      'docs.vec: header has 1 vectors of 0 dims',
    );
    expect(() => decodeVectorFile(withHeader({ modelKey: 'k', dims: -3, count: 0, ids: [], hashes: [] }, 0))).toThrow('of -3 dims');
  });

  it('header with non-string ids is rejected', () => {
    expect(() => decodeVectorFile(withHeader({ modelKey: 'k', dims: 1, count: 1, ids: [7], hashes: ['h'] }, 4), 'docs.vec')).toThrow(
      'docs.vec: header ids and hashes must be strings',
    );
  });

  it('the header\'s dims must match the vector bytes', () => {
    const header = { modelKey: 'k', dims: 4, count: 2, ids: ['a', 'b'], hashes: ['h', 'i'] };
    expect(() => decodeVectorFile(withHeader(header, 24), 'docs.vec')).toThrow(/expected \d+ bytes for 2 x 4 vectors, found \d+/);
  });
});
