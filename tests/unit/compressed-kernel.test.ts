import { describe, expect, it } from 'vitest';
import { codeBytes, signTables } from '../../src/index/compressed/binary-codes.ts';
import { CandidateScan } from '../../src/index/compressed/candidate-scan.ts';
import { collectJs, foldHistograms, hammingJs, hammingModule, HIST_COPIES, instantiateHamming, MAX_CODE_BYTES } from '../../src/index/compressed/hamming-wasm.ts';
import { seededRandom as rng } from '../../src/base/random.ts';

function randomBytes(length: number, random: () => number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

/** Runs the kernel on codes/query in a fresh memory; returns distances and histogram. */
function kernelRun(codes: Uint8Array, query: Uint8Array, count: number, bytes: number): { distances: Uint16Array; histogram: Uint32Array } {
  const bins = bytes * 8 + 1;
  const histOffset = 16 * Math.ceil((bytes + 2 * count) / 16);
  const codesOffset = histOffset + 16 * Math.ceil((HIST_COPIES * bins * 4) / 16);
  const memory = new WebAssembly.Memory({ initial: Math.ceil((codesOffset + codes.length + 16) / 65536) });
  const kernel = instantiateHamming(memory, bytes);
  if (!kernel) throw new Error('no SIMD kernel in this Node');
  const buffer = new Uint8Array(memory.buffer);
  buffer.set(query, 0);
  buffer.set(codes, codesOffset);
  kernel.hamming(codesOffset, 0, bytes, histOffset, count);
  const histograms = new Uint32Array(memory.buffer, histOffset, HIST_COPIES * bins);
  foldHistograms(histograms, bins);
  return { distances: new Uint16Array(memory.buffer, bytes, count).slice(), histogram: histograms.slice(0, bins) };
}

function jsRun(codes: Uint8Array, query: Uint8Array, count: number, bytes: number): { distances: Uint16Array; histogram: Uint32Array } {
  const distances = new Uint16Array(count);
  const histogram = new Uint32Array(bytes * 8 + 1);
  hammingJs(new Uint32Array(codes.slice().buffer), new Uint32Array(query.slice().buffer), distances, histogram, count, bytes);
  return { distances, histogram };
}

/** Bit-by-bit reference, independent of both implementations. */
function naive(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) for (let bit = 0; bit < 8; bit++) n += ((a[i] ^ b[i]) >> bit) & 1;
  return n;
}

describe('Hamming kernel', () => {
  it('compiles here (Node has WebAssembly SIMD), so the tests below compare two real paths', () => {
    expect(hammingModule(48)).not.toBeNull();
  });

  it('refuses code lengths it cannot sum without overflow or that are not whole 16-byte chunks', () => {
    expect(() => hammingModule(40)).toThrow(/multiple of 16/);
    expect(() => hammingModule(MAX_CODE_BYTES + 16)).toThrow(/multiple of 16 up to 496/);
  });

  for (const bytes of [16, 48, 64, MAX_CODE_BYTES]) {
    for (const count of [0, 1, 3, 4, 7, 8, 1001]) {
      it(`gives the JS fallback's distances and histogram exactly (${bytes}-byte codes, ${count} rows)`, () => {
        const random = rng(bytes * 7919 + count);
        const codes = randomBytes(count * bytes, random);
        const query = randomBytes(bytes, random);
        const wasm = kernelRun(codes, query, count, bytes);
        const js = jsRun(codes, query, count, bytes);
        expect(Array.from(wasm.distances)).toEqual(Array.from(js.distances));
        expect(Array.from(wasm.histogram)).toEqual(Array.from(js.histogram));
        for (let r = 0; r < Math.min(count, 20); r++) expect(wasm.distances[r]).toBe(naive(codes.subarray(r * bytes, (r + 1) * bytes), query));
        expect(wasm.histogram.reduce((a, b) => a + b, 0)).toBe(count);
      });
    }
  }

  it('reaches the extremes: identical codes 0, complementary codes every bit', () => {
    const bytes = 48;
    const query = randomBytes(bytes, rng(3));
    const codes = new Uint8Array(2 * bytes);
    codes.set(query, 0);
    codes.set(query.map((b) => 255 - b), bytes);
    expect(Array.from(kernelRun(codes, query, 2, bytes).distances)).toEqual([0, 384]);
  });
});

describe('CandidateScan', () => {
  const dims = 100; // not a multiple of 8 or 128: padding bits must not count
  const count = 3001;
  const random = rng(11);
  const center = Float32Array.from({ length: dims }, () => random() - 0.5);
  const bytes = codeBytes(dims);
  const data = randomBytes(count * bytes, random);
  // Padding bits past `dims` are zero in real codes; make the random ones so too.
  for (let r = 0; r < count; r++) for (let b = Math.ceil(dims / 8); b < bytes; b++) data[r * bytes + b] = 0;
  for (let r = 0; r < count; r++) data[r * bytes + (dims >> 3)] &= (1 << (dims & 7)) - 1;
  const codes = { dims, bytes, count, center, data };
  const queries = Array.from({ length: 5 }, () => Float32Array.from({ length: dims }, () => random() - 0.5));

  it('selects the same candidates with and without the kernel, for odd counts too', () => {
    const wasm = CandidateScan.of(codes, true);
    const js = CandidateScan.of(codes, false);
    expect(wasm.simd).toBe(true);
    expect(js.simd).toBe(false);
    for (const query of queries) {
      for (const want of [1, 10, 333, 3000, 3001, 5000]) {
        expect(Array.from(wasm.candidates(query, want))).toEqual(Array.from(js.candidates(query, want)));
      }
    }
  });

  it('returns exactly the rows with the smallest distances, ties broken by lower row, ascending', () => {
    const scan = CandidateScan.of(codes);
    for (const query of queries) {
      const distances = Array.from(scan.distancesTo(query));
      const order = distances.map((d, row) => ({ d, row })).sort((a, b) => a.d - b.d || a.row - b.row);
      for (const want of [1, 50, 777]) {
        const expected = order.slice(0, want).map((x) => x.row).sort((a, b) => a - b);
        expect(Array.from(scan.candidates(query, want))).toEqual(expected);
      }
    }
  });

  it('collects in WebAssembly and in JS alike, including ties at the cut-off', () => {
    const dist = Uint16Array.from([3, 1, 2, 2, 0, 2, 5, 2]);
    const out = new Int32Array(8);
    expect(collectJs(dist, dist.length, 2, 2, out)).toBe(4);
    expect(Array.from(out.subarray(0, 4))).toEqual([1, 2, 3, 4]);
  });

  /** The table estimate computed directly: sum over dims of (q - c) * (bit ? +1 : -1). */
  function directEstimate(query: Float32Array, row: number): number {
    let sum = 0;
    for (let d = 0; d < dims; d++) sum += (query[d] - center[d]) * ((data[row * bytes + (d >> 3)] >> (d & 7)) & 1 ? 1 : -1);
    return sum;
  }

  it('builds lookup tables whose sums equal the direct estimate of a code against the float query', () => {
    const tables = new Float64Array(bytes * 256);
    for (const query of queries) {
      signTables(query, center, tables);
      for (const row of [0, 17, 2999]) {
        let sum = 0;
        for (let b = 0; b < bytes; b++) sum += tables[b * 256 + data[row * bytes + b]];
        expect(sum).toBeCloseTo(directEstimate(query, row), 9);
      }
    }
  });

  it('shortlists the best of the Hamming candidates by the table estimate, ascending, the same with and without the kernel', () => {
    const wasm = CandidateScan.of(codes, true);
    const js = CandidateScan.of(codes, false);
    for (const query of queries) {
      const pool = Array.from(wasm.candidates(query, 600));
      const ranked = pool.map((row) => ({ row, score: Math.fround(directEstimate(query, row)) })).sort((a, b) => b.score - a.score || a.row - b.row);
      const got = Array.from(wasm.shortlist(query, 600, 50));
      expect(got).toEqual([...got].sort((a, b) => a - b));
      expect(got).toHaveLength(50);
      // Float sums in another order may differ in the last bits: compare the set away from the boundary.
      const sure = ranked.slice(0, 45).map((x) => x.row);
      for (const row of sure) expect(got).toContain(row);
      for (const { row } of ranked.slice(55)) expect(got).not.toContain(row);
      expect(Array.from(js.shortlist(query, 600, 50))).toEqual(got);
      expect(Array.from(wasm.shortlist(query, 600, 600))).toEqual(pool);
    }
  });

  it('rejects codes made with another center or beyond its capacity', () => {
    const scan = new CandidateScan(dims, center, 10);
    expect(() => scan.append({ ...codes, count: 11 })).toThrow(/capacity/);
    expect(() => scan.append({ ...codes, count: 1, center: center.map((x) => x + 1) })).toThrow(/another center/);
  });
});
