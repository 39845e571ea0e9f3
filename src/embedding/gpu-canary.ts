import type { Encoder } from './encoder.ts';
import type { GpuVerdict } from './worker-api.ts';

/**
 * Issue 16.3: a WebGPU adapter is trusted with a library's vectors only after a canary. The first abstracts of
 * the library being embedded are embedded on both backends; WebGPU is adopted if every vector agrees with WASM's
 * (cosine ≥ MIN_COSINE) and each abstract keeps its nearest neighbour, and WebGPU is faster. The library's own
 * abstracts are the canary because they are real text of the lengths that will be embedded, and the WASM side of
 * the canary is kept (stored like any batch), so the canary costs only its WebGPU half.
 */

/** Abstracts in a canary: a few dozen, enough for several batches and a nearest-neighbour check. */
export const CANARY_SIZE = 32;
/** Fewer abstracts than this are embedded on WASM without a canary: too few to judge by, and quick anyway. */
export const CANARY_MIN = 8;
/** WebGPU gets at least this long for its half (session start, shader compilation included), however fast WASM was. */
export const CANARY_MIN_WAIT_MS = 15_000;
/** WebGPU's half is abandoned (verdict: slower) past this, below the supervisor's 120 s limit without a batch. */
export const CANARY_MAX_WAIT_MS = 100_000;
/** Each canary vector's cosine with its WASM twin must reach this (the threshold). */
export const MIN_COSINE = 0.99;

export interface CanarySide {
  /** Row-major, `dims` per abstract, in canary order. */
  vectors: Float32Array;
  docsPerSecond: number;
  /** Which rows were embedded (a run cut short leaves some out); all when absent. */
  done?: Uint8Array;
}

/**
 * The verdict on one adapter from the two sides of a canary. Agreement is judged over the rows both sides have
 * (the WebGPU side stops once it has taken longer than WASM took for all: it has lost on speed by then).
 */
export function judgeCanary(wasm: CanarySide, webgpu: CanarySide, dims: number): GpuVerdict {
  const both = commonRows(wasm, webgpu, dims);
  const a = pick(wasm.vectors, both, dims);
  const b = pick(webgpu.vectors, both, dims);
  const rows = both.length;
  const figures = { wasmDocsPerS: round(wasm.docsPerSecond), webgpuDocsPerS: round(webgpu.docsPerSecond) };
  if (rows < 1) return { backend: 'wasm', reason: 'WebGPU embedded nothing in the canary', lowestCosine: 0, ...figures };
  let lowest = Infinity;
  for (let row = 0; row < rows; row++) lowest = Math.min(lowest, cosine(a, b, row, row, dims));
  const lowestCosine = Math.floor(lowest * 1000) / 1000;
  if (!(lowest >= MIN_COSINE)) return { backend: 'wasm', reason: `WebGPU vectors disagreed (lowest cosine ${lowestCosine.toFixed(3)})`, lowestCosine, ...figures };
  const moved = neighboursMoved(a, b, rows, dims);
  if (moved > 0) return { backend: 'wasm', reason: `WebGPU changed the nearest neighbour of ${moved} of ${rows} canary abstracts`, lowestCosine, ...figures };
  if (!(webgpu.docsPerSecond > wasm.docsPerSecond)) {
    return { backend: 'wasm', reason: `WebGPU was slower on the canary (${rate(webgpu.docsPerSecond)} vs ${rate(wasm.docsPerSecond)} abstracts/s)`, lowestCosine, ...figures };
  }
  return { backend: 'webgpu', reason: `WebGPU was faster on the canary (${rate(webgpu.docsPerSecond)} vs ${rate(wasm.docsPerSecond)} abstracts/s) and agreed (lowest cosine ${lowestCosine.toFixed(3)})`, lowestCosine, ...figures };
}

function commonRows(a: CanarySide, b: CanarySide, dims: number): number[] {
  const rows = Math.min(a.vectors.length, b.vectors.length) / dims;
  return Array.from({ length: rows }, (_, row) => row).filter((row) => (a.done?.[row] ?? 1) === 1 && (b.done?.[row] ?? 1) === 1);
}

function pick(vectors: Float32Array, rows: readonly number[], dims: number): Float32Array {
  const out = new Float32Array(rows.length * dims);
  rows.forEach((row, k) => out.set(vectors.subarray(row * dims, (row + 1) * dims), k * dims));
  return out;
}

/**
 * How much closer (cosine, on the WASM side) WASM's nearest neighbour must be than WebGPU's choice for the change
 * to count. Real abstracts have near-ties: 32 test-corpus abstracts with noise of 5e-4 per dimension (every cosine
 * still 0.999) swapped one tied neighbour (tests/unit/issue-16-gpu-canary.test.ts); a tie is no disagreement.
 */
export const NEIGHBOUR_TIE = 0.01;

/** Abstracts whose nearest other canary abstract (a: WASM, b: WebGPU) differs, ties within NEIGHBOUR_TIE aside. */
export function neighboursMoved(a: Float32Array, b: Float32Array, rows: number, dims: number): number {
  let moved = 0;
  for (let row = 0; row < rows; row++) {
    const want = nearest(a, row, rows, dims);
    const got = nearest(b, row, rows, dims);
    if (got !== want && cosine(a, a, row, want, dims) - cosine(a, a, row, got, dims) > NEIGHBOUR_TIE) moved++;
  }
  return moved;
}

function nearest(vectors: Float32Array, row: number, rows: number, dims: number): number {
  let best = -1;
  let bestScore = -Infinity;
  for (let other = 0; other < rows; other++) {
    if (other === row) continue;
    const score = cosine(vectors, vectors, row, other, dims);
    if (score > bestScore) [best, bestScore] = [other, score];
  }
  return best;
}

function cosine(a: Float32Array, b: Float32Array, rowA: number, rowB: number, dims: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < dims; d++) {
    const x = a[rowA * dims + d];
    const y = b[rowB * dims + d];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb || 1);
}

const round = (value: number) => Math.round(value * 100) / 100;
const rate = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(1));

/**
 * The adapter's identity for remembering a verdict (GPUAdapter.info): a new driver or device gets a new canary.
 * Missing fields are kept as empty strings, so the software adapter has a stable key too.
 */
export function adapterKey(info: { vendor?: string; architecture?: string; device?: string; description?: string } | undefined): string {
  return [info?.vendor, info?.architecture, info?.device, info?.description].map((part) => part ?? '').join('/');
}

/**
 * Embeds the canary on one encoder and measures it. A one-abstract warm-up goes first and is not timed (WebGPU
 * compiles its shaders on the first run). With `deadlineMs`, stops between batches once that long has passed.
 */
export async function timeCanary(encoder: Encoder, texts: readonly string[], deadlineMs?: number): Promise<Required<CanarySide>> {
  await encoder.embedDocuments(texts.slice(0, 1));
  const dims = encoder.dims;
  const vectors = new Float32Array(texts.length * dims);
  const done = new Uint8Array(texts.length);
  const stop = new AbortController();
  let count = 0;
  const started = performance.now();
  try {
    await encoder.embedDocuments(
      texts,
      (progress, indices, batch) => {
        indices.forEach((text, row) => {
          vectors.set(batch.subarray(row * dims, (row + 1) * dims), text * dims);
          done[text] = 1;
        });
        count = progress.done;
        if (deadlineMs !== undefined && performance.now() - started > deadlineMs) stop.abort(new DOMException('canary past its deadline', 'AbortError'));
      },
      stop.signal,
    );
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  }
  const seconds = Math.max((performance.now() - started) / 1000, 1e-3);
  return { vectors, docsPerSecond: count / seconds, done };
}
