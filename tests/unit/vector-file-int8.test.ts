import { describe, expect, it } from 'vitest';
import { QuantizedMatrix, quantizeRows } from '../../src/index/quantized-matrix.ts';
import { decodeVectorFile, encodeVectorFile, type VectorFile } from '../../src/index/vector-file.ts';

function sampleFile(count: number, dims: number): VectorFile {
  const vectors = Float32Array.from({ length: count * dims }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
  const ids = Array.from({ length: count }, (_, i) => `p${i}`);
  return { modelKey: 'm@1', dims, ids, hashes: ids.map((id) => `h-${id}`), vectors };
}

describe('vector file version 2 (int8)', () => {
  it('is ~4x smaller than float32 and round-trips ids, hashes and the int8 rows exactly', () => {
    const file = sampleFile(50, 384);
    const f32 = encodeVectorFile(file);
    const int8 = encodeVectorFile(file, 'int8');
    expect(int8.length).toBeLessThan(f32.length / 3);
    const decoded = decodeVectorFile(int8);
    expect(decoded).toMatchObject({ modelKey: 'm@1', dims: 384, ids: file.ids, hashes: file.hashes });
    const want = quantizeRows(file.vectors, 384);
    expect(decoded.int8?.data).toEqual(want.data);
    expect(decoded.int8?.scales).toEqual(want.scales);
  });

  it('dequantizes within half a step, and quantizing the dequantized vectors gives the same int8 values', () => {
    const file = sampleFile(40, 32);
    const decoded = decodeVectorFile(encodeVectorFile(file, 'int8'));
    const scales = decoded.int8!.scales;
    decoded.vectors.forEach((v, i) => expect(Math.abs(v - file.vectors[i])).toBeLessThanOrEqual(scales[Math.floor(i / 32)] / 2 + 1e-6));
    expect(quantizeRows(decoded.vectors, 32).data).toEqual(decoded.int8!.data);
    const query = file.vectors.slice(0, 32);
    expect(QuantizedMatrix.fromInt8(decoded.int8!).scores(query)[0]).toBeCloseTo(QuantizedMatrix.fromFloat32(32, decoded.vectors).scores(query)[0], 6);
  });

  it('float32 files still decode without int8 rows', () => {
    const file = sampleFile(3, 16);
    const decoded = decodeVectorFile(encodeVectorFile(file));
    expect(decoded.int8).toBeUndefined();
    expect(decoded.vectors).toEqual(file.vectors);
  });

  it('rejects a truncated int8 file and a negative scale', () => {
    const bytes = encodeVectorFile(sampleFile(5, 16), 'int8');
    expect(() => decodeVectorFile(bytes.subarray(0, bytes.length - 1), 'v.bin')).toThrow(/v.bin: expected \d+ bytes/);
    const header = new DataView(bytes.buffer).getUint32(8, true);
    const scalesAt = (12 + header + 3) & ~3;
    const bad = bytes.slice();
    new DataView(bad.buffer).setFloat32(scalesAt, -1, true);
    expect(() => decodeVectorFile(bad)).toThrow(/scale/);
  });
});
