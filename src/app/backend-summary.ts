import { CANARY_MIN } from '../embedding/gpu-canary.ts';
import type { BackendInfo } from '../embedding/worker-api.ts';

/**
 * The Details panel's Backend row: where queries and imports run and, with a WebGPU adapter, why it is or is
 * not used ("WASM, 2 threads — WebGPU was slower on the canary (1.2 vs 4.8 abstracts/s)").
 */
export function backendSummary(info: BackendInfo | undefined): string {
  if (!info) return 'not started';
  const base = info.used === 'webgpu' ? 'WebGPU' : `WASM, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  const gpu = info.gpu;
  if (!gpu) return info.fallbackReason ? `${base} — WebGPU not used: ${info.fallbackReason}` : base;
  const remembered = gpu.remembered ? ' (remembered from an earlier visit)' : '';
  switch (gpu.state) {
    case 'untested':
      return `${base} — a WebGPU adapter was found; a canary of its vectors and speed runs with the first import of ${CANARY_MIN} or more papers`;
    case 'adopted':
      return `${base} for queries, WebGPU for imports — ${gpu.verdict?.reason ?? 'WebGPU passed the canary'}${remembered}`;
    case 'refused':
      return `${base} — ${gpu.verdict?.reason ?? 'WebGPU failed the canary'}${remembered}`;
    case 'failed':
      return `${base} — WebGPU failed (${gpu.failure ?? 'unknown error'}); imports continue on WASM`;
  }
}
