import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentText } from '../../src/base/paper-id.ts';
import type { Encoder } from '../../src/embedding/encoder.ts';
import { adapterKey, CANARY_SIZE, judgeCanary, MIN_COSINE, neighboursMoved } from '../../src/embedding/gpu-canary.ts';
import { loadNodeEncoder } from '../../src/embedding/node-encoder.ts';
import { backendSummary } from '../../src/app/backend-summary.ts';
import type { BackendInfo } from '../../src/embedding/worker-api.ts';

/**
 * Issue 16.3: the canary's verdict (gpu-canary.ts judgeCanary) on real vectors: 32 abstracts of the test corpus
 * embedded by the vendored model on onnxruntime-node, through the Encoder the browser worker runs. The "WebGPU"
 * side is those vectors as a GPU could return them: the same up to float noise, or altered the way the e2e test
 * alters the buffers read back from the GPU.
 */

const corpus = readFileSync(new URL('../fixtures/seed-dev/corpus.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { title: string; text: string });
const texts = corpus.slice(0, CANARY_SIZE).map((row) => documentText({ title: row.title, abstract: row.text }));

let encoder: Encoder;
let wasm: Float32Array;

beforeAll(async () => {
  encoder = await loadNodeEncoder('bge-small-en-v1.5');
  wasm = await encoder.embedDocuments(texts);
}, 240_000);

/** The same vectors with relative noise of `scale`, as a GPU's different float arithmetic gives. */
function noisy(vectors: Float32Array, scale: number): Float32Array {
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return vectors.map((value) => value + scale * next() * 0.05);
}

/** What the e2e test's patched getMappedRange does to every value read back. */
const garbled = (vectors: Float32Array) => vectors.map((value, i) => value * ((i % 7) - 3) + 0.5);

describe('judgeCanary on real vectors', () => {
  it('agreeing and faster: WebGPU is adopted, with both rates and the lowest cosine', () => {
    const verdict = judgeCanary({ vectors: wasm, docsPerSecond: 4.8 }, { vectors: noisy(wasm, 0.01), docsPerSecond: 30 }, encoder.dims);
    expect(verdict.backend).toBe('webgpu');
    expect(verdict.lowestCosine).toBeGreaterThanOrEqual(MIN_COSINE);
    expect(verdict).toMatchObject({ wasmDocsPerS: 4.8, webgpuDocsPerS: 30 });
    expect(verdict.reason).toMatch(/^WebGPU was faster on the canary \(30 vs 4\.8 abstracts\/s\) and agreed \(lowest cosine 0\.99\d\)$/);
  });

  it('agreeing but slower: WASM, and the reason names both rates', () => {
    const verdict = judgeCanary({ vectors: wasm, docsPerSecond: 4.8 }, { vectors: wasm.slice(), docsPerSecond: 1.2 }, encoder.dims);
    expect(verdict.backend).toBe('wasm');
    expect(verdict.reason).toBe('WebGPU was slower on the canary (1.2 vs 4.8 abstracts/s)');
  });

  it('wrong vectors are refused however fast, with the lowest cosine', () => {
    const verdict = judgeCanary({ vectors: wasm, docsPerSecond: 4.8 }, { vectors: garbled(wasm), docsPerSecond: 100 }, encoder.dims);
    expect(verdict.backend).toBe('wasm');
    expect(verdict.lowestCosine).toBeLessThan(MIN_COSINE);
    expect(verdict.reason).toMatch(/^WebGPU vectors disagreed \(lowest cosine -?\d\.\d{3}\)$/);
  });

  it('noise large enough to move a neighbour or the cosine under 0.99 is refused', () => {
    const verdict = judgeCanary({ vectors: wasm, docsPerSecond: 4.8 }, { vectors: noisy(wasm, 1), docsPerSecond: 100 }, encoder.dims);
    expect(verdict.backend).toBe('wasm');
    expect(verdict.reason).toMatch(/disagreed|nearest neighbour/);
  });

  it('a WebGPU run cut short is judged on the rows it did', () => {
    const done = new Uint8Array(CANARY_SIZE);
    done[3] = done[10] = done[20] = 1;
    const partial = new Float32Array(wasm.length);
    for (const row of [3, 10, 20]) partial.set(wasm.subarray(row * encoder.dims, (row + 1) * encoder.dims), row * encoder.dims);
    const verdict = judgeCanary({ vectors: wasm, docsPerSecond: 4.8 }, { vectors: partial, docsPerSecond: 0.3, done }, encoder.dims);
    expect(verdict.lowestCosine).toBeGreaterThanOrEqual(0.999);
    expect(verdict.reason).toBe('WebGPU was slower on the canary (0.3 vs 4.8 abstracts/s)');
    const nothing = judgeCanary({ vectors: wasm, docsPerSecond: 4.8 }, { vectors: partial, docsPerSecond: 0, done: new Uint8Array(CANARY_SIZE) }, encoder.dims);
    expect(nothing.backend).toBe('wasm');
  });
});

describe('neighboursMoved', () => {
  it('counts abstracts whose nearest other abstract changed, with every cosine still high', () => {
    // Four unit vectors on a circle: each one's neighbour is clear-cut (angles 0°, 20°, 60°, 130°).
    const circle = (degrees: number[]) => new Float32Array(degrees.flatMap((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]));
    const before = circle([0, 20, 60, 130]);
    expect(neighboursMoved(before, before, 4, 2)).toBe(0);
    // 20° moves to 42°: now nearer 60° than 0° (cosines with itself still 0.93); 0°'s neighbour stays 20°→42°.
    expect(neighboursMoved(before, circle([0, 42, 60, 130]), 4, 2)).toBe(1);
    // A near-tie flipping is not a change: 0°, 20°, 40.1° — 20°'s neighbours are 0° and 40.1°, almost equal.
    expect(neighboursMoved(circle([0, 20, 40.1]), circle([0, 20.2, 40.1]), 3, 2)).toBe(0);
  });
});

describe('adapterKey', () => {
  it('is vendor/architecture/device/description, empty parts kept (SwiftShader has some)', () => {
    expect(adapterKey({ vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader Device' })).toBe('google/swiftshader//SwiftShader Device');
    expect(adapterKey(undefined)).toBe('///');
  });
});

describe('the Backend row of the Details panel', () => {
  const base: BackendInfo = { requested: 'auto', used: 'wasm', documents: 'wasm', threads: 2, crossOriginIsolated: true };
  const verdict = { backend: 'wasm' as const, reason: 'WebGPU was slower on the canary (1.2 vs 4.8 abstracts/s)', lowestCosine: 0.999, wasmDocsPerS: 4.8, webgpuDocsPerS: 1.2 };

  it('says nothing of WebGPU without an adapter', () => {
    expect(backendSummary(base)).toBe('WASM, 2 threads');
  });

  it('says why WASM was kept, and whether the verdict was remembered', () => {
    expect(backendSummary({ ...base, gpu: { adapter: 'a', key: 'k', state: 'refused', verdict, remembered: false } })).toBe('WASM, 2 threads — WebGPU was slower on the canary (1.2 vs 4.8 abstracts/s)');
    expect(backendSummary({ ...base, gpu: { adapter: 'a', key: 'k', state: 'refused', verdict, remembered: true } })).toMatch(/slower .*remembered/);
  });

  it('says where imports run once WebGPU is adopted, and when it failed', () => {
    const adopted = { ...verdict, backend: 'webgpu' as const, reason: 'WebGPU was faster on the canary (30 vs 4.8 abstracts/s) and agreed (lowest cosine 0.999)' };
    expect(backendSummary({ ...base, documents: 'webgpu', gpu: { adapter: 'a', key: 'k', state: 'adopted', verdict: adopted, remembered: false } })).toMatch(/^WASM, 2 threads for queries, WebGPU for imports — WebGPU was faster/);
    expect(backendSummary({ ...base, gpu: { adapter: 'a', key: 'k', state: 'failed', failure: 'Device was destroyed.', remembered: false } })).toMatch(/WebGPU failed \(Device was destroyed\.\); imports continue on WASM/);
  });
});
