import 'fake-indexeddb/auto';
import { createStore, keys as idbKeys, set as idbSet } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { codeBytes, encodeSigns, int8Mean, signCodesFromInt8, type SignCodes } from '../../src/index/compressed/binary-codes.ts';
import { CandidateScan } from '../../src/index/compressed/candidate-scan.ts';
import { CODE_SHARD_ROWS, CodeStore } from '../../src/index/compressed/code-store.ts';
import { CompressedIndexError } from '../../src/index/compressed/errors.ts';
import { quantizeRows, type Int8Rows } from '../../src/index/quantized-matrix.ts';
import { seededRandom as rng } from '../../src/base/random.ts';

function randomRows(count: number, dims: number, seed: number): Int8Rows {
  const random = rng(seed);
  // A shared offset per dimension, so centring matters (as with real embeddings).
  const offset = Float32Array.from({ length: dims }, () => random() - 0.5);
  return quantizeRows(Float32Array.from({ length: count * dims }, (_, i) => offset[i % dims] + 0.3 * (random() - 0.5)), dims);
}

async function codeOf(error: Promise<unknown>): Promise<string> {
  try {
    await error;
  } catch (e) {
    if (e instanceof CompressedIndexError) return e.code;
    throw e;
  }
  throw new Error('expected a CompressedIndexError');
}

let db = 0;

describe('sign codes', () => {
  const dims = 20;
  const rows = randomRows(50, dims, 1);

  it('set bit d exactly when the dequantized value is at or above the centre, padding bits zero', () => {
    const center = int8Mean(rows);
    const codes = signCodesFromInt8(rows, center);
    expect(codes.bytes).toBe(codeBytes(dims));
    expect(codes.bytes).toBe(16);
    for (let r = 0; r < 50; r++) {
      for (let d = 0; d < codes.bytes * 8; d++) {
        const bit = (codes.data[r * codes.bytes + (d >> 3)] >> (d & 7)) & 1;
        const value = Math.fround(rows.data[r * dims + d] * rows.scales[r]);
        expect(bit).toBe(d < dims && value >= center[d] ? 1 : 0);
      }
    }
  });

  it('centre on the per-dimension mean of the dequantized rows, so each bit splits the rows', () => {
    const center = int8Mean(rows);
    for (let d = 0; d < dims; d++) {
      let sum = 0;
      for (let r = 0; r < 50; r++) sum += rows.data[r * dims + d] * rows.scales[r];
      expect(center[d]).toBeCloseTo(sum / 50, 6);
    }
    const centred = signCodesFromInt8(rows, center);
    const plain = signCodesFromInt8(rows, new Float32Array(dims));
    const ones = (codes: SignCodes, d: number) => Array.from({ length: 50 }, (_, r) => (codes.data[r * 16 + (d >> 3)] >> (d & 7)) & 1).reduce((a: number, b) => a + b, 0);
    // With a shared offset the plain signs are nearly constant in many dimensions; centred ones are not.
    const constantPlain = Array.from({ length: dims }, (_, d) => ones(plain, d)).filter((n) => n === 0 || n === 50).length;
    const constantCentred = Array.from({ length: dims }, (_, d) => ones(centred, d)).filter((n) => n === 0 || n === 50).length;
    expect(constantCentred).toBeLessThan(constantPlain);
  });

  it('encode a query the same way as a row', () => {
    const center = int8Mean(rows);
    const codes = signCodesFromInt8(rows, center);
    const row = Float32Array.from({ length: dims }, (_, d) => rows.data[7 * dims + d] * rows.scales[7]);
    const out = new Uint8Array(16).fill(255);
    encodeSigns(row, center, out);
    expect(Array.from(out)).toEqual(Array.from(codes.data.subarray(7 * 16, 8 * 16)));
  });
});

describe('CodeStore (IndexedDB)', () => {
  const dims = 16;

  it('round-trips codes across shards: the loaded scan gives the same distances and candidates', async () => {
    const count = CODE_SHARD_ROWS + 1234;
    const rows = randomRows(count, dims, 2);
    const codes = signCodesFromInt8(rows);
    const store = new CodeStore(`codes-${++db}`);
    await store.save('model|lib', codes, 'rows-model_lib.i8');
    const { scan, manifest } = await store.load('model|lib');
    expect(manifest).toMatchObject({ dims, bytes: 16, count, shards: [CODE_SHARD_ROWS, 1234], label: 'rows-model_lib.i8' });
    expect(Array.from(manifest.center)).toEqual(Array.from(codes.center));
    const direct = CandidateScan.of(codes);
    const random = rng(4);
    for (let q = 0; q < 3; q++) {
      const query = Float32Array.from({ length: dims }, () => random() - 0.5);
      expect(Array.from(scan.distancesTo(query))).toEqual(Array.from(direct.distancesTo(query)));
      expect(Array.from(scan.candidates(query, 100))).toEqual(Array.from(direct.candidates(query, 100)));
    }
  });

  it('replaces earlier codes under the same key without leaving their shards behind', async () => {
    const name = `codes-${++db}`;
    const store = new CodeStore(name);
    await store.save('k', signCodesFromInt8(randomRows(CODE_SHARD_ROWS + 5, dims, 3)));
    await store.save('k', signCodesFromInt8(randomRows(10, dims, 4)));
    await store.save('other', signCodesFromInt8(randomRows(3, dims, 5)));
    const stored = (await idbKeys(createStore(name, 'codes'))).map(String).sort();
    expect(stored).toEqual(['k|codes|000000', 'k|manifest', 'other|codes|000000', 'other|manifest']);
    expect((await store.load('k')).scan.count).toBe(10);
    await store.clear('k');
    expect(await codeOf(store.load('k'))).toBe('codes-missing');
    expect((await store.load('other')).scan.count).toBe(3);
  });

  it('refuses damaged records with codes-corrupt, and a missing key with codes-missing', async () => {
    const name = `codes-${++db}`;
    const store = new CodeStore(name);
    const raw = createStore(name, 'codes');
    expect(await codeOf(store.load('never'))).toBe('codes-missing');
    await store.save('k', signCodesFromInt8(randomRows(20, dims, 6)));
    await idbSet('k|codes|000000', new Uint8Array(19 * 16), raw);
    expect(await codeOf(store.load('k'))).toBe('codes-corrupt');
    await idbSet('k|codes|000000', Array.from({ length: 20 * 16 }, () => 0), raw);
    expect(await codeOf(store.load('k'))).toBe('codes-corrupt');
    await store.save('k', signCodesFromInt8(randomRows(20, dims, 6)));
    const manifest = await store.manifest('k');
    await idbSet('k|manifest', { ...manifest, shards: [21] }, raw);
    expect(await codeOf(store.load('k'))).toBe('codes-corrupt');
    await idbSet('k|manifest', { ...manifest, center: new Float32Array(3) }, raw);
    expect(await codeOf(store.load('k'))).toBe('codes-corrupt');
  });
});
