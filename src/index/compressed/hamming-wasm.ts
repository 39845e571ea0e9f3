/**
 * A WebAssembly SIMD kernel for Hamming distances between one query code and many document codes, assembled
 * byte by byte like ../int8-dot-wasm.ts (no toolchain: the module is ~250 bytes and never changes).
 *
 * Exported functions, in WAT terms:
 *   (func $hamming (param $codes i32) (param $query i32) (param $out i32) (param $hist i32) (param $count i32))
 *     For each row r < count: out[r] = u16(popcount(codes[r*bytes .. +bytes] XOR query[0 .. bytes])), and
 *     hist[out[r]] += 1 (u32 counters the caller zeroes), so the caller finds the distance cut-off for its
 *     candidate count from the histogram without another pass over a million distances.
 *     `bytes` is fixed per module (built at run time, one per code length, unrolled): a positive multiple of
 *     16 and at most 496. Per 16-byte chunk, i8x16.popcnt gives lane counts <= 8, summed over at most 31
 *     chunks in i8x16 lanes (<= 248, no overflow), then widened by two pairwise extending adds (i16x8, i32x4)
 *     and the four lanes added.
 *   (func $collect (param $dist i32) (param $count i32) (param $cutoff i32) (param $ties i32) (param $dest i32)
 *                  (result i32))
 *     Writes (i32) every row with distance < cutoff, and the first `ties` rows with distance == cutoff, to dest
 *     in row order; returns how many it wrote.
 * Folding the histogram into the scan and collecting in WebAssembly took selection of 4,000 of 1,000,000 from
 * ~3 ms (two JS passes) to ~1 ms in Node. Both results are exact integers, so the JS fallbacks
 * (hammingJs, collectJs) give identical output.
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...uleb(bytes.length), ...bytes];
}

const localGet = (i: number) => [0x20, i];
const localSet = (i: number) => [0x21, i];
const localTee = (i: number) => [0x22, i];
/** Signed LEB128, as i32.const encodes its immediate. */
function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const i32Const = (n: number) => [0x41, ...sleb(n)];
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_SHL = 0x74;
const I32_AND = 0x71;
const I32_OR = 0x72;
const I32_LT_U = 0x49;
const I32_GT_S = 0x4a;
const I32_EQ = 0x46;
const I32_EQZ = 0x45;
const i32Load = (offset: number) => [0x28, 2, ...uleb(offset)];
const i32Load16U = (offset: number) => [0x2f, 1, ...uleb(offset)];
const i32Store = (offset: number) => [0x36, 2, ...uleb(offset)];
const i32Store16 = (offset: number) => [0x3b, 1, ...uleb(offset)];
const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
const v128Load = (offset: number) => simd(0x00, 0, ...uleb(offset));
const V128_XOR = simd(0x51);
const I8X16_POPCNT = simd(0x62);
const I8X16_ADD = simd(0x6e);
const I16X8_EXTADD_PAIRWISE_I8X16_U = simd(0x7d);
const I32X4_EXTADD_PAIRWISE_I16X8_U = simd(0x7f);
const i32x4ExtractLane = (lane: number) => simd(0x1b, lane);
const BLOCK = [0x02, 0x40];
const IF = [0x04, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const brIf = (depth: number) => [0x0d, depth];

// $hamming: parameter and local indices.
const CODES = 0, QUERY = 1, OUT = 2, HIST = 3, COUNT = 4, ROW = 5, DIST = 6, ACC = 7;

/** hist + 4 * dist: the counter of the row's distance. */
const histAddress = [...localGet(HIST), ...localGet(DIST), ...i32Const(2), I32_SHL, I32_ADD];

/**
 * The body for codes of `chunks` x 16 bytes, fully unrolled (no inner loop or branch per chunk): the module is
 * built at run time for the code length in use. At 1,000,000 x 48 bytes (48 MB read per query) the looped and
 * the unrolled kernel measured alike in Node (fastest 4.2 / 4.9 ms, within the noise of a load of ~4.5); kept
 * unrolled because the code length then is a constant instead of a parameter checked per row.
 */
function hammingBody(chunks: number): number[] {
  const chunk = (c: number) => [
    ...localGet(CODES), ...v128Load(c * 16),
    ...localGet(QUERY), ...v128Load(c * 16),
    ...V128_XOR, ...I8X16_POPCNT,
  ];
  const sum: number[] = [...chunk(0)];
  for (let c = 1; c < chunks; c++) sum.push(...chunk(c), ...I8X16_ADD);
  return [
    // locals: 2 x i32 (row, dist), 1 x v128 (acc)
    2, 2, I32, 1, V128,
    ...BLOCK,
    ...localGet(COUNT), I32_EQZ, ...brIf(0),
    ...LOOP, // rows
    // dist = lane sum of the chunks' popcounts, widened i8x16 -> i16x8 -> i32x4
    ...sum, ...I16X8_EXTADD_PAIRWISE_I8X16_U, ...I32X4_EXTADD_PAIRWISE_I16X8_U, ...localSet(ACC),
    ...localGet(CODES), ...i32Const(chunks * 16), I32_ADD, ...localSet(CODES),
    ...localGet(ACC), ...i32x4ExtractLane(0),
    ...localGet(ACC), ...i32x4ExtractLane(1), I32_ADD,
    ...localGet(ACC), ...i32x4ExtractLane(2), I32_ADD,
    ...localGet(ACC), ...i32x4ExtractLane(3), I32_ADD,
    ...localSet(DIST),
    ...localGet(OUT), ...localGet(DIST), ...i32Store16(0),
    ...histAddress, ...histAddress, ...i32Load(0), ...i32Const(1), I32_ADD, ...i32Store(0),
    ...localGet(OUT), ...i32Const(2), I32_ADD, ...localSet(OUT),
    ...localGet(ROW), ...i32Const(1), I32_ADD, ...localTee(ROW), ...localGet(COUNT), I32_LT_U, ...brIf(0),
    END,
    END,
    END, // function
  ];
}

// $collect: parameter and local indices.
const DISTS = 0, N = 1, CUTOFF = 2, TIES = 3, DEST = 4, R = 5, D = 6, FILLED = 7;

const collectBody: number[] = [
  // locals: 3 x i32 (r, d, filled)
  1, 3, I32,
  ...BLOCK,
  ...localGet(N), I32_EQZ, ...brIf(0),
  ...LOOP,
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
  ...localGet(R), ...i32Const(1), I32_ADD, ...localTee(R), ...localGet(N), I32_LT_U, ...brIf(0),
  END,
  END,
  ...localGet(FILLED),
  END, // function
];

function moduleBytes(chunks: number): Uint8Array<ArrayBuffer> {
  const body = hammingBody(chunks);
  const hammingType = [0x60, 5, I32, I32, I32, I32, I32, 0];
  const collectType = [0x60, 5, I32, I32, I32, I32, I32, 1, I32];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [2, ...hammingType, ...collectType]), // types
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]), // import env.memory, min 0 pages
    ...section(3, [2, 0, 1]), // func 0: type 0, func 1: type 1
    ...section(7, [2, ...name('hamming'), 0x00, 0, ...name('collect'), 0x00, 1]), // exports
    ...section(10, [2, ...uleb(body.length), ...body, ...uleb(collectBody.length), ...collectBody]), // code
  ]);
}

/** Byte offsets into the memory the kernel was instantiated on. */
export interface HammingKernel {
  /** Code length is fixed when the module is built (instantiateHamming's `bytes`). */
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

/** Instantiates the kernel for `bytes`-byte codes on `memory` (synchronously: the module is tiny). */
export function instantiateHamming(memory: WebAssembly.Memory, bytes: number): HammingKernel | null {
  const module = hammingModule(bytes);
  if (!module) return null;
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  return { hamming: exports.hamming as HammingKernel['hamming'], collect: exports.collect as HammingKernel['collect'] };
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
