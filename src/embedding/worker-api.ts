/**
 * The typed contract between the UI thread and the embedding worker (exposed with comlink).
 * Everything crossing the boundary is plain data or a comlink-proxied callback.
 */

/** What the user asked for (`?backend=`); `auto` takes WebGPU when an adapter exists. */
export type BackendRequest = 'wasm' | 'webgpu' | 'auto';
export type Backend = 'wasm' | 'webgpu';

export interface WorkerConfig {
  modelId: string;
  /** URL of the folder that holds `<modelId>/` (config.json, tokenizer.json, onnx/model_quantized.onnx). */
  modelsBaseUrl: string;
  /** URL of onnxruntime-web's wasm binary, served by this site (never a CDN). */
  wasmUrl: string;
  backend: BackendRequest;
  /** Upper bound on onnxruntime threads; defaults to navigator.hardwareConcurrency when isolated. */
  maxThreads?: number;
  /**
   * Report per-file download progress. Costs an extra request per file (transformers.js reads sizes first),
   * so it is off when the files come from the service worker's offline copy.
   */
  reportDownload?: boolean;
}

export interface BackendInfo {
  requested: BackendRequest;
  used: Backend;
  /** onnxruntime wasm threads (1 unless the page is cross-origin isolated). */
  threads: number;
  crossOriginIsolated: boolean;
  /** Set when WebGPU was asked for (or auto-detected) but could not be used. */
  fallbackReason?: string;
}

export interface LoadProgress {
  phase: 'download' | 'startup';
  /** Bytes loaded and total for download; 0/1 and 1/1 for start-up. */
  loaded: number;
  total: number;
}

export interface ModelInfo {
  modelId: string;
  /** Fingerprint key: prefix of every cached vector's key. */
  modelKey: string;
  dims: number;
  backend: BackendInfo;
}

export interface BatchProgress {
  done: number;
  total: number;
}

export interface EmbeddingWorkerApi {
  init(config: WorkerConfig, onProgress: (progress: LoadProgress) => void): Promise<ModelInfo>;
  embedQuery(text: string): Promise<Float32Array>;
  /**
   * Embeds documents; `onBatch` receives each finished batch (indices into `texts` and their vectors,
   * row-major) so the caller can show progress and persist as it goes. Resolves when all are done.
   */
  embedDocuments(texts: string[], onBatch: (progress: BatchProgress, indices: number[], vectors: Float32Array) => void): Promise<void>;
  /** Stops the running embedDocuments after its current batch; it then rejects with an error named "AbortError". */
  cancelEmbedding(): Promise<void>;
}
