import { describe, expect, it } from 'vitest';
import { recallGpuVerdicts, rememberGpuVerdict } from '../../src/app/gpu-verdicts.ts';
import { gpuVerdictKey } from '../../src/embedding/backend.ts';
import type { GpuVerdict } from '../../src/embedding/worker-api.ts';

/** Issue 16.3: the canary runs once per adapter and model; its verdict is remembered in localStorage. */

const memory = () => {
  const map = new Map<string, string>();
  return { map, getItem: (key: string) => map.get(key) ?? null, setItem: (key: string, value: string) => void map.set(key, value) };
};

const slower: GpuVerdict = { backend: 'wasm', reason: 'WebGPU was slower on the canary (1.2 vs 4.8 abstracts/s)', lowestCosine: 0.999, wasmDocsPerS: 4.8, webgpuDocsPerS: 1.2 };
const faster: GpuVerdict = { backend: 'webgpu', reason: 'WebGPU was faster on the canary (40 vs 4.8 abstracts/s) and agreed (lowest cosine 0.999)', lowestCosine: 0.999, wasmDocsPerS: 4.8, webgpuDocsPerS: 40 };

describe('remembered canary verdicts', () => {
  it('are kept per adapter and per model', () => {
    const storage = memory();
    const swiftshader = gpuVerdictKey('google/swiftshader//SwiftShader Device', 'bge-small-en-v1.5@79cb630bdda34152');
    const otherModel = gpuVerdictKey('google/swiftshader//SwiftShader Device', 'all-MiniLM-L6-v2@0123456789abcdef');
    const nvidia = gpuVerdictKey('nvidia/ampere//', 'bge-small-en-v1.5@79cb630bdda34152');
    expect(rememberGpuVerdict(storage, swiftshader, slower)).toBe(true);
    expect(rememberGpuVerdict(storage, nvidia, faster)).toBe(true);
    expect(recallGpuVerdicts(storage)).toEqual({ [swiftshader]: slower, [nvidia]: faster });
    expect(recallGpuVerdicts(storage)[otherModel]).toBeUndefined();
  });

  it('a newer verdict for the same key replaces the old one', () => {
    const storage = memory();
    rememberGpuVerdict(storage, 'k', slower);
    rememberGpuVerdict(storage, 'k', faster);
    expect(recallGpuVerdicts(storage)).toEqual({ k: faster });
  });

  it('nothing usable is as if never measured: no storage, corrupt or foreign entries, a storage that throws', () => {
    expect(recallGpuVerdicts(null)).toEqual({});
    expect(rememberGpuVerdict(null, 'k', slower)).toBe(false);
    const storage = memory();
    storage.map.set('paper-search:gpu-verdicts:v1', '{not json');
    expect(recallGpuVerdicts(storage)).toEqual({});
    storage.map.set('paper-search:gpu-verdicts:v1', JSON.stringify({ k: { backend: 'cuda' }, ok: slower }));
    expect(recallGpuVerdicts(storage)).toEqual({ ok: slower });
    const refusing = { getItem: () => null, setItem: () => { throw new DOMException('quota', 'QuotaExceededError'); } };
    expect(rememberGpuVerdict(refusing, 'k', slower)).toBe(false);
  });
});
