/**
 * A WebAssembly SIMD kernel for Hamming distances between one query code and many document codes, assembled
 * byte by byte like ../int8-dot-wasm.ts (no toolchain: the module is ~1 KB and never changes).
 *
 * Exported functions, in WAT terms:
 *   (func $hamming4 (param $codes i32) (param $query i32) (param $out i32) (param $hist i32) (param $count i32))
 *     For each row r < count (a multiple of 4): out[r] = u16(popcount(codes[r*bytes .. +bytes] XOR query)), and
 *     hist[r & 3][out[r]] += 1: HIST_COPIES histograms of bits + 1 u32 counters, one per row of a group of four,
 *     which the caller zeroes and then adds up (foldHistograms). The caller finds the distance cut-off for its
 *     candidate count from the histogram without another pass over a million distances.
 *   (func $hamming1 ...same params)  One row at a time, histogram copy 0: the last count % 4 rows.
 *     `bytes` is fixed per module (built at run time, one per code length, unrolled): a positive multiple of
 *     16 and at most 496. Per 16-byte chunk, i8x16.popcnt gives lane counts <= 8, summed over at most 31
 *     chunks in i8x16 lanes (<= 248, no overflow), then widened by two pairwise extending adds (i16x8, i32x4).
 *   (func $collect (param $dist i32) (param $count i32) (param $cutoff i32) (param $ties i32) (param $dest i32)
 *                  (result i32))
 *     Writes (i32) every row with distance < cutoff, and the first `ties` rows with distance == cutoff, to dest
 *     in row order; returns how many it wrote. Eight distances are compared at once and a group is looked at row
 *     by row only when one of them is <= cutoff (under 1 % of rows when 8,000 of 1,000,000 are kept).
 *
 * Why four rows per step: the scan is bound by instructions, not memory (Node, 4.5 ns per row both at 100,000
 * rows, whose codes fit in the cache, and at 1,000,000). Row by row, the horizontal sum cost two widenings,
 * four lane extracts and three adds per row; four rows' sums are folded into one i32x4 with three narrowing
 * steps instead, and stored as four u16 with one 8-byte store. The separate histogram per row of the group
 * keeps consecutive increments of the same counter from waiting on each other. The query's chunks stay in
 * locals. Measured in docs/performance.md ("A million abstracts").
 * All results are exact integers, so the JS fallbacks (hammingJs, collectJs) give identical output.
 */

import {
  BLOCK, brIf, END, I32, I32_ADD, I32_EQZ, I32_LT_U, I32_SHL, i32Const, i32x4ExtractLane, localGet, localSet, localTee, LOOP, name, section, simd, uleb, V128, v128Load, WASM_HEADER,
} from '../../base/wasm-bytes.ts';

const I32_SUB = 0x6b;
const I32_AND = 0x71;
const I32_OR = 0x72;
const I32_GE_U = 0x4f;
const I32_GT_S = 0x4a;
const I32_EQ = 0x46;
const i32Load = (offset: number) => [0x28, 2, ...uleb(offset)];
const i32Load16U = (offset: number) => [0x2f, 1, ...uleb(offset)];
const i32Store = (offset: number) => [0x36, 2, ...uleb(offset)];
const i32Store16 = (offset: number) => [0x3b, 1, ...uleb(offset)];
const v128Store64Lane = (offset: number, lane: number) => simd(0x5b, 1, ...uleb(offset), lane);
const V128_XOR = simd(0x51);
const V128_ANY_TRUE = simd(0x53);
const I8X16_POPCNT = simd(0x62);
const I8X16_ADD = simd(0x6e);
const I16X8_SPLAT = simd(0x10);
const I16X8_LE_U = simd(0x34);
const I16X8_NARROW_I32X4_U = simd(0x86);
const I16X8_EXTADD_PAIRWISE_I8X16_U = simd(0x7d);
const I32X4_EXTADD_PAIRWISE_I16X8_U = simd(0x7f);
const IF = [0x04, 0x40];
const ELSE = 0x05;

/** Histograms the scan fills (one per row of a group of four); foldHistograms adds them into the first. */
export const HIST_COPIES = 4;

// $hamming4 / $hamming1: parameter and local indices; the query's chunks follow in v128 locals (hamming4).
const CODES = 0, QUERY = 1, OUT = 2, HIST = 3, COUNT = 4, ROW = 5, DIST = 6, ACC = 7;

/** popcount(codes[at + c*16] ^ query chunk c) summed over the chunks, as i8x16 on the stack. */
function rowSum(chunks: number, at: number, query: (c: number) => number[]): number[] {
  const chunk = (c: number) => [...localGet(CODES), ...v128Load(at + c * 16), ...query(c), ...V128_XOR, ...I8X16_POPCNT];
  const sum: number[] = [...chunk(0)];
  for (let c = 1; c < chunks; c++) sum.push(...chunk(c), ...I8X16_ADD);
  return sum;
}

const widen = [...I16X8_EXTADD_PAIRWISE_I8X16_U, ...I32X4_EXTADD_PAIRWISE_I16X8_U];
/** Two i32x4 partial sums (rows a, b) -> one i32x4 [a, a, b, b] of half sums. */
const pairUp = [...I16X8_NARROW_I32X4_U, ...I32X4_EXTADD_PAIRWISE_I16X8_U];

/** hist[copy][dist] += 1, with dist in local DIST; copy's offset goes into the memarg. */
function countDistance(copyOffset: number): number[] {
  const address = [...localGet(HIST), ...localGet(DIST), ...i32Const(2), I32_SHL, I32_ADD];
  return [...address, ...address, ...i32Load(copyOffset), ...i32Const(1), I32_ADD, ...i32Store(copyOffset)];
}

/** Four rows per iteration, fully unrolled over the chunks (the module is built for one code length). */
function hamming4Body(chunks: number): number[] {
  const bytes = chunks * 16;
  const histBytes = (bytes * 8 + 1) * 4;
  const queryLocal = (c: number) => ACC + 1 + c;
  const row = (r: number) => [...rowSum(chunks, r * bytes, (c) => localGet(queryLocal(c))), ...widen];
  const lanes: number[] = [];
  for (let lane = 0; lane < 4; lane++) lanes.push(...localGet(ACC), ...i32x4ExtractLane(lane), ...localSet(DIST), ...countDistance(lane * histBytes));
  const loadQuery: number[] = [];
  for (let c = 0; c < chunks; c++) loadQuery.push(...localGet(QUERY), ...v128Load(c * 16), ...localSet(queryLocal(c)));
  return [
    // locals: 2 x i32 (row, dist), 1 + chunks x v128 (acc, query chunks)
    2, 2, I32, ...uleb(1 + chunks), V128,
    ...loadQuery,
    ...BLOCK,
    ...localGet(COUNT), I32_EQZ, ...brIf(0),
    ...LOOP,
    // Stack: rows 0..3 as i32x4 partial sums; fold 0+1 and 2+3 to half sums, then to [d0, d1, d2, d3].
    ...row(0), ...row(1), ...pairUp,
    ...row(2), ...row(3), ...pairUp,
    ...pairUp, ...localSet(ACC),
    // out[row .. row + 3] = four u16 in one 8-byte store
    ...localGet(OUT), ...localGet(ACC), ...localGet(ACC), ...I16X8_NARROW_I32X4_U, ...v128Store64Lane(0, 0),
    ...lanes,
    ...localGet(CODES), ...i32Const(4 * bytes), I32_ADD, ...localSet(CODES),
    ...localGet(OUT), ...i32Const(8), I32_ADD, ...localSet(OUT),
    ...localGet(ROW), ...i32Const(4), I32_ADD, ...localTee(ROW), ...localGet(COUNT), I32_LT_U, ...brIf(0),
    END,
    END,
    END, // function
  ];
}

/** One row per iteration (the remainder after hamming4), histogram copy 0. */
function hamming1Body(chunks: number): number[] {
  const sum = rowSum(chunks, 0, (c) => [...localGet(QUERY), ...v128Load(c * 16)]);
  return [
    // locals: 2 x i32 (row, dist), 1 x v128 (acc)
    2, 2, I32, 1, V128,
    ...BLOCK,
    ...localGet(COUNT), I32_EQZ, ...brIf(0),
    ...LOOP,
    ...sum, ...widen, ...localSet(ACC),
    ...localGet(ACC), ...i32x4ExtractLane(0),
    ...localGet(ACC), ...i32x4ExtractLane(1), I32_ADD,
    ...localGet(ACC), ...i32x4ExtractLane(2), I32_ADD,
    ...localGet(ACC), ...i32x4ExtractLane(3), I32_ADD,
    ...localSet(DIST),
    ...localGet(OUT), ...localGet(DIST), ...i32Store16(0),
    ...countDistance(0),
    ...localGet(CODES), ...i32Const(chunks * 16), I32_ADD, ...localSet(CODES),
    ...localGet(OUT), ...i32Const(2), I32_ADD, ...localSet(OUT),
    ...localGet(ROW), ...i32Const(1), I32_ADD, ...localTee(ROW), ...localGet(COUNT), I32_LT_U, ...brIf(0),
    END,
    END,
    END, // function
  ];
}

// $collect: parameter and local indices.
const DISTS = 0, N = 1, CUTOFF = 2, TIES = 3, DEST = 4, R = 5, D = 6, FILLED = 7, GROUPS_END = 8, CUT = 9;

/** One row: take it if d < cutoff, or d == cutoff while ties remain; then step to the next row. */
const collectRow: number[] = [
  ...localGet(DISTS), ...i32Load16U(0), ...localSet(D),
  // take = d < cutoff | (d == cutoff & ties > 0)
  ...localGet(D), ...localGet(CUTOFF), I32_LT_U,
  ...localGet(D), ...localGet(CUTOFF), I32_EQ, ...localGet(TIES), ...i32Const(0), I32_GT_S, I32_AND,
  I32_OR,
  ...IF,
  ...localGet(TIES), ...localGet(D), ...localGet(CUTOFF), I32_EQ, I32_SUB, ...localSet(TIES),
  ...localGet(DEST), ...localGet(FILLED), ...i32Const(2), I32_SHL, I32_ADD, ...localGet(R), ...i32Store(0),
  ...localGet(FILLED), ...i32Const(1), I32_ADD, ...localSet(FILLED),
  END,
  ...localGet(DISTS), ...i32Const(2), I32_ADD, ...localSet(DISTS),
  ...localGet(R), ...i32Const(1), I32_ADD, ...localSet(R),
];

const collectBody: number[] = [
  // locals: 4 x i32 (r, d, filled, groups end), 1 x v128 (cutoff in every u16 lane)
  2, 4, I32, 1, V128,
  ...localGet(CUTOFF), ...I16X8_SPLAT, ...localSet(CUT),
  ...localGet(N), ...i32Const(~7), I32_AND, ...localSet(GROUPS_END),
  // Groups of eight distances: row by row only when one of them may be taken.
  ...BLOCK,
  ...localGet(GROUPS_END), I32_EQZ, ...brIf(0),
  ...LOOP,
  ...localGet(DISTS), ...v128Load(0), ...localGet(CUT), ...I16X8_LE_U, ...V128_ANY_TRUE,
  ...IF,
  ...Array.from({ length: 8 }, () => collectRow).flat(),
  ELSE,
  ...localGet(DISTS), ...i32Const(16), I32_ADD, ...localSet(DISTS),
  ...localGet(R), ...i32Const(8), I32_ADD, ...localSet(R),
  END,
  ...localGet(R), ...localGet(GROUPS_END), I32_LT_U, ...brIf(0),
  END,
  END,
  // The last count % 8 rows.
  ...BLOCK,
  ...localGet(R), ...localGet(N), I32_GE_U, ...brIf(0),
  ...LOOP,
  ...collectRow,
  ...localGet(R), ...localGet(N), I32_LT_U, ...brIf(0),
  END,
  END,
  ...localGet(FILLED),
  END, // function
];

function moduleBytes(chunks: number): Uint8Array<ArrayBuffer> {
  const body4 = hamming4Body(chunks);
  const body1 = hamming1Body(chunks);
  const hammingType = [0x60, 5, I32, I32, I32, I32, I32, 0];
  const collectType = [0x60, 5, I32, I32, I32, I32, I32, 1, I32];
  const exports = [3, ...name('hamming4'), 0x00, 0, ...name('hamming1'), 0x00, 1, ...name('collect'), 0x00, 2];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [2, ...hammingType, ...collectType]), // types
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]), // import env.memory, min 0 pages
    ...section(3, [3, 0, 0, 1]), // func 0, 1: type 0; func 2: type 1
    ...section(7, exports),
    ...section(10, [3, ...uleb(body4.length), ...body4, ...uleb(body1.length), ...body1, ...uleb(collectBody.length), ...collectBody]), // code
  ]);
}

/** Byte offsets into the memory the kernel was instantiated on. */
export interface HammingKernel {
  /**
   * Distances of `count` rows into out (u16) and their counts into `hist`: HIST_COPIES consecutive arrays of
   * bytes * 8 + 1 u32 counters, zeroed by the caller and added up by foldHistograms. The code length is fixed
   * when the module is built (instantiateHamming's `bytes`).
   */
  hamming(codes: number, query: number, out: number, hist: number, count: number): void;
  collect(dist: number, count: number, cutoff: number, ties: number, dest: number): number;
}

/** Largest code length the kernel accepts (31 chunks of 16 bytes: i8x16 lane sums stay <= 248). */
export const MAX_CODE_BYTES = 496;

const compiled = new Map<number, WebAssembly.Module | null>();

/**
 * The kernel compiled for codes of `bytes` (a multiple of 16, at most MAX_CODE_BYTES), or null where
 * WebAssembly SIMD is unavailable (then callers use hammingJs and collectJs).
 */
export function hammingModule(bytes: number): WebAssembly.Module | null {
  if (!(bytes > 0 && bytes % 16 === 0 && bytes <= MAX_CODE_BYTES)) throw new Error(`hamming kernel: ${bytes}-byte codes, expected a multiple of 16 up to ${MAX_CODE_BYTES}`);
  let module = compiled.get(bytes);
  if (module === undefined) {
    const wasm = moduleBytes(bytes / 16);
    module = typeof WebAssembly === 'object' && WebAssembly.validate(wasm) ? new WebAssembly.Module(wasm) : null;
    compiled.set(bytes, module);
  }
  return module;
}

type HammingExport = (codes: number, query: number, out: number, hist: number, count: number) => void;

/** Instantiates the kernel for `bytes`-byte codes on `memory` (synchronously: the module is tiny). */
export function instantiateHamming(memory: WebAssembly.Memory, bytes: number): HammingKernel | null {
  const module = hammingModule(bytes);
  if (!module) return null;
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const hamming4 = exports.hamming4 as HammingExport;
  const hamming1 = exports.hamming1 as HammingExport;
  return {
    hamming(codes, query, out, hist, count) {
      const grouped = count & ~3;
      hamming4(codes, query, out, hist, grouped);
      hamming1(codes + grouped * bytes, query, out + grouped * 2, hist, count - grouped);
    },
    collect: exports.collect as HammingKernel['collect'],
  };
}

/** Adds histogram copies 1 .. HIST_COPIES - 1 (each `bins` long, consecutive in `hist`) into copy 0. */
export function foldHistograms(hist: Uint32Array, bins: number): void {
  for (let copy = 1; copy < HIST_COPIES; copy++) {
    for (let d = 0, at = copy * bins; d < bins; d++, at++) hist[d] += hist[at];
  }
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * The kernel's $hamming in JS: `codes` holds count x (bytes / 4) words, `query` bytes / 4 words. `bytes` must
 * be a multiple of 4 (codes are padded to 16 for the kernel anyway).
 */
export function hammingJs(codes: Uint32Array, query: Uint32Array, out: Uint16Array, hist: Uint32Array, count: number, bytes: number): void {
  const words = bytes >>> 2;
  for (let r = 0, base = 0; r < count; r++, base += words) {
    let sum = 0;
    for (let w = 0; w < words; w++) sum += popcount32(codes[base + w] ^ query[w]);
    out[r] = sum;
    hist[sum]++;
  }
}

/** The kernel's $collect in JS. */
export function collectJs(dist: Uint16Array, count: number, cutoff: number, ties: number, dest: Int32Array): number {
  let filled = 0;
  for (let r = 0; r < count; r++) {
    const d = dist[r];
    if (d < cutoff || (d === cutoff && ties > 0)) {
      if (d === cutoff) ties--;
      dest[filled++] = r;
    }
  }
  return filled;
}
