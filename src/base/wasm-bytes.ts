/**
 * The bytes of WebAssembly's binary format that the hand-assembled kernels share (index/int8-dot-wasm.ts,
 * index/compressed/hamming-wasm.ts): numbers in LEB128, sections, names, and the instructions both use.
 * Each kernel keeps the instructions only it needs.
 */

/** "\0asm", version 1: how every module starts. */
export const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128, as the binary format encodes sizes, indices and SIMD sub-opcodes. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128, as i32.const encodes its immediate. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...uleb(bytes.length), ...bytes];
}

export const localGet = (i: number) => [0x20, ...uleb(i)];
export const localSet = (i: number) => [0x21, ...uleb(i)];
export const localTee = (i: number) => [0x22, ...uleb(i)];
export const i32Const = (n: number) => [0x41, ...sleb(n)];
export const I32_ADD = 0x6a;
export const I32_SHL = 0x74;
export const I32_LT_U = 0x49;
export const I32_EQZ = 0x45;
export const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
export const v128Load = (offset: number) => simd(0x00, 0, ...uleb(offset));
export const i32x4ExtractLane = (lane: number) => simd(0x1b, lane);
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const END = 0x0b;
export const brIf = (depth: number) => [0x0d, depth];
