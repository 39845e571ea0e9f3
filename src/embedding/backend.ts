import type { Backend, BackendRequest } from './worker-api.ts';

/** Reads `?backend=` from a URL; anything unknown means the default, WASM. */
export function parseBackendRequest(value: string | null): BackendRequest {
  return value === 'webgpu' || value === 'auto' ? value : 'wasm';
}

export interface BackendChoice {
  backend: Backend;
  /** Why WebGPU was not used although it was asked for. */
  fallbackReason?: string;
}

interface GpuLike {
  requestAdapter(): Promise<unknown | null>;
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
