import type { Backend, BackendRequest } from './worker-api.ts';

/**
 * Reads `?backend=` from a URL; anything else means the default, `auto`: queries on WASM, documents on WebGPU
 * where a canary trusts the adapter (issue 16.3).
 */
export function parseBackendRequest(value: string | null): BackendRequest {
  return value === 'webgpu' || value === 'wasm' ? value : 'auto';
}

export interface BackendChoice {
  backend: Backend;
  /** Why WebGPU was not used although it was asked for. */
  fallbackReason?: string;
}

export interface AdapterLike {
  /** GPUAdapter.info (Chromium 114+); absent in older browsers. */
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

export interface GpuLike {
  requestAdapter(): Promise<AdapterLike | null>;
}

/** The adapter, or null when there is none or asking fails (headless Chromium without the flag: null). */
export async function findAdapter(gpu: GpuLike | undefined): Promise<AdapterLike | null> {
  try {
    return (await gpu?.requestAdapter()) ?? null;
  } catch {
    return null;
  }
}

/** Where a canary verdict is remembered: per adapter and per model (its fingerprint key). */
export function gpuVerdictKey(adapter: string, modelKey: string): string {
  return `${adapter}|${modelKey}`;
}

/**
 * Decides the backend before loading the model. WebGPU needs an adapter; without one the app falls back to
 * WASM and says why. A WebGPU failure later (session creation) is handled by the caller the same way.
 */
export async function chooseBackend(request: BackendRequest, gpu: GpuLike | undefined): Promise<BackendChoice> {
  if (request === 'wasm') return { backend: 'wasm' };
  if (!gpu) return fallback(request, 'this browser has no WebGPU (navigator.gpu is missing)');
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return fallback(request, 'no WebGPU adapter is available on this device');
  } catch (error) {
    return fallback(request, `requesting a WebGPU adapter failed: ${(error as Error).message}`);
  }
  return { backend: 'webgpu' };
}

function fallback(request: BackendRequest, reason: string): BackendChoice {
  // `auto` falling back is the expected path on most machines, not something to warn about.
  return request === 'auto' ? { backend: 'wasm' } : { backend: 'wasm', fallbackReason: reason };
}
