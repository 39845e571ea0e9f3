/// <reference lib="webworker" />
/**
 * The embedding worker: loads the model with transformers.js and embeds queries and abstracts off the UI
 * thread, so typing and scrolling stay smooth. Reached through comlink (see client.ts); the contract is
 * worker-api.ts.
 */
import { env, type ProgressInfo } from '@huggingface/transformers';
import * as Comlink from 'comlink';
import { chooseBackend } from './backend.ts';
import { Encoder } from './encoder.ts';
import { weightsHashFromProvenance, type Provenance } from './fingerprint.ts';
import { getModelSpec } from './models.ts';
import type { Backend, BackendInfo, EmbeddingWorkerApi, LoadProgress, ModelInfo, WorkerConfig } from './worker-api.ts';

let encoder: Encoder | null = null;
/** The embedDocuments call in progress, so cancelEmbedding can stop it between batches. */
let running: AbortController | null = null;

function configureTransformers(config: WorkerConfig, threads: number): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = config.modelsBaseUrl;
  // The service worker keeps the offline copy; a second copy in transformers' own Cache API store would
  // double the storage used.
  env.useBrowserCache = false;
  env.useWasmCache = false;
  const wasm = env.backends.onnx.wasm;
  if (!wasm) throw new Error('onnxruntime-web has no wasm backend in this build');
  wasm.wasmPaths = { wasm: config.wasmUrl };
  wasm.numThreads = threads;
}

function threadCount(config: WorkerConfig): number {
  // Threads need SharedArrayBuffer, which needs cross-origin isolation (COOP/COEP from the service worker).
  if (!self.crossOriginIsolated) return 1;
  const cores = navigator.hardwareConcurrency || 1;
  return Math.max(1, Math.min(cores, config.maxThreads ?? 4));
}

/** transformers reports per-file and total byte progress, then "ready" when the session exists. */
function progressReporter(onProgress: (progress: LoadProgress) => void): (info: ProgressInfo) => void {
  let downloaded = false;
  return (info) => {
    if (info.status === 'progress_total') {
      onProgress({ phase: 'download', loaded: info.loaded, total: info.total });
      if (info.loaded >= info.total && !downloaded) {
        downloaded = true;
        onProgress({ phase: 'startup', loaded: 0, total: 1 });
      }
    } else if (info.status === 'ready') {
      onProgress({ phase: 'startup', loaded: 1, total: 1 });
    }
  };
}

async function readWeightsHash(config: WorkerConfig): Promise<string> {
  const url = `${config.modelsBaseUrl}${config.modelId}/PROVENANCE.json`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not read ${url} (HTTP ${response.status})`);
  return weightsHashFromProvenance((await response.json()) as Provenance);
}

async function loadOn(backend: Backend, config: WorkerConfig, weightsSha256: string, onProgress: (p: LoadProgress) => void): Promise<Encoder> {
  return Encoder.load({
    spec: getModelSpec(config.modelId),
    weightsSha256,
    device: backend,
    onLoadProgress: config.reportDownload === false ? undefined : progressReporter(onProgress),
  });
}

const api: EmbeddingWorkerApi = {
  async init(config, onProgress) {
    const threads = threadCount(config);
    configureTransformers(config, threads);
    const weightsSha256 = await readWeightsHash(config);
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    const choice = await chooseBackend(config.backend, gpu);
    let used: Backend = choice.backend;
    let fallbackReason = choice.fallbackReason;
    try {
      encoder = await loadOn(used, config, weightsSha256, onProgress);
      if (used === 'webgpu') await encoder.embedQuery('warm-up'); // surfaces shader/kernel failures now, not mid-search
    } catch (error) {
      if (used !== 'webgpu') throw error;
      fallbackReason = `WebGPU failed (${(error as Error).message}); using WASM`;
      used = 'wasm';
      encoder = await loadOn(used, config, weightsSha256, onProgress);
    }
    const backend: BackendInfo = {
      requested: config.backend,
      used,
      threads: used === 'wasm' ? threads : 0,
      crossOriginIsolated: self.crossOriginIsolated,
      fallbackReason,
    };
    const info: ModelInfo = { modelId: config.modelId, modelKey: encoder.key, dims: encoder.dims, backend };
    return info;
  },

  async embedQuery(text) {
    const vector = await requireEncoder().embedQuery(text);
    return Comlink.transfer(vector, [vector.buffer as ArrayBuffer]);
  },

  async embedDocuments(texts, onBatch) {
    const controller = new AbortController();
    running = controller;
    try {
      await requireEncoder().embedDocuments(
        texts,
        async (progress, indices, vectors) => {
          // Awaiting the callback paces the worker to the page, which persists each batch as it arrives.
          await onBatch(progress, [...indices], vectors.slice());
        },
        controller.signal,
      );
    } finally {
      if (running === controller) running = null;
    }
  },

  async cancelEmbedding() {
    running?.abort(new DOMException('embedding cancelled', 'AbortError'));
  },
};

function requireEncoder(): Encoder {
  if (!encoder) throw new Error('embedding worker used before init()');
  return encoder;
}

Comlink.expose(api);
