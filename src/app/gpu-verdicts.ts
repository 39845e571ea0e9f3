import type { GpuVerdict } from '../embedding/worker-api.ts';
import type { RateStorage } from './embedding-estimate.ts';

/**
 * Canary verdicts remembered in this browser (issue 16.3), one per adapter and model (backend.ts gpuVerdictKey),
 * so the canary runs once per adapter: the worker is given them all when it starts. One localStorage entry holds
 * them: there are a handful at most (a new driver or model gives a new key).
 */

const STORAGE_KEY = 'paper-search:gpu-verdicts:v1';

export function recallGpuVerdicts(storage: RateStorage | null): Record<string, GpuVerdict> {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    const value: unknown = raw ? JSON.parse(raw) : null;
    if (typeof value !== 'object' || value === null) return {};
    return Object.fromEntries(Object.entries(value).filter(([, verdict]) => isVerdict(verdict))) as Record<string, GpuVerdict>;
  } catch {
    return {}; // unreadable: the canary runs again, which is only slower
  }
}

/** Keeps a verdict; false when it could not be stored (then the next visit runs the canary again). */
export function rememberGpuVerdict(storage: RateStorage | null, key: string, verdict: GpuVerdict): boolean {
  if (!storage) return false;
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify({ ...recallGpuVerdicts(storage), [key]: verdict }));
    return true;
  } catch {
    return false;
  }
}

function isVerdict(value: unknown): value is GpuVerdict {
  const v = value as Partial<GpuVerdict> | null;
  return (v?.backend === 'wasm' || v?.backend === 'webgpu') && typeof v.reason === 'string' && typeof v.lowestCosine === 'number' && typeof v.wasmDocsPerS === 'number' && typeof v.webgpuDocsPerS === 'number';
}
