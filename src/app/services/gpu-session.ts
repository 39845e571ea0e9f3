import type { BackendInfo, BackendRequest, GpuVerdict } from '../../embedding/worker-api.ts';
import type { AppDeps } from './deps.ts';

/**
 * What this page learnt about WebGPU (issue 16.3), for the next embedding worker it starts: a canary's verdict is
 * remembered for later visits too (AppDeps.gpuVerdicts); a WebGPU failure mid-run only for this page (the worker
 * that saw it closes and its replacement runs without WebGPU), since a lost device can be a one-off (driver reset,
 * sleep).
 */
export class GpuSession {
  private readonly failed: Record<string, GpuVerdict> = {};

  constructor(
    /** What the next worker is asked for: ?backend=, until WebGPU forced by it fails. */
    public backend: BackendRequest,
  ) {}

  verdicts(deps: Pick<AppDeps, 'gpuVerdicts'>): Record<string, GpuVerdict> {
    return { ...deps.gpuVerdicts.all(), ...this.failed };
  }

  learn(info: BackendInfo, deps: Pick<AppDeps, 'gpuVerdicts'>): void {
    const gpu = info.gpu;
    if (gpu?.verdict && !gpu.remembered && gpu.state !== 'failed') deps.gpuVerdicts.set(gpu.key, gpu.verdict);
    if (info.requested === 'webgpu' && info.used === 'wasm' && info.fallbackReason) this.backend = 'wasm';
    if (gpu?.state === 'failed') {
      const before = gpu.verdict;
      this.failed[gpu.key] = { backend: 'wasm', reason: `WebGPU failed while embedding (${gpu.failure ?? 'unknown error'})`, lowestCosine: before?.lowestCosine ?? 0, wasmDocsPerS: before?.wasmDocsPerS ?? 0, webgpuDocsPerS: before?.webgpuDocsPerS ?? 0 };
    }
  }
}
