/**
 * The plain-data types that cross the boundary between the UI thread and the embedding worker. The worker's
 * methods are those of `EmbeddingService` (embedding-service.ts); the client type is derived from that class
 * (`Comlink.Remote<EmbeddingService>`), so there is no hand-kept copy of the method list.
 */

/**
 * What the user asked for (`?backend=`). `auto` (the default) runs queries on WASM and lets a canary decide
 * whether bulk document embedding runs on WebGPU (gpu-canary.ts); `wasm` and `webgpu` force one backend.
 */
export type BackendRequest = 'wasm' | 'webgpu' | 'auto';
export type Backend = 'wasm' | 'webgpu';

export interface WorkerConfig {
  modelId: string;
  /** URL path of the folder that holds `<modelId>/` (config.json, tokenizer.json, onnx/model_quantized.onnx). */
  modelsBaseUrl: string;
  /** onnxruntime's files, served by this site (never a CDN), and whether the model travels gzipped. */
  runtime: RuntimeFiles;
  backend: BackendRequest;
  /** Which onnxruntime build WASM runs on: the plain one (default), or asyncify (the benchmark's comparison). */
  wasmBuild?: 'plain' | 'asyncify';
  /** Upper bound on onnxruntime threads; defaults to navigator.hardwareConcurrency when isolated. */
  maxThreads?: number;
  /** Canary verdicts remembered by the page, by `gpuVerdictKey` (adapter and model): a known adapter is not tested again. */
  gpuVerdicts?: Record<string, GpuVerdict>;
  /**
   * Report per-file download progress. Costs an extra request per file (transformers.js reads sizes first),
   * so it is off when the files come from the service worker's offline copy.
   */
  reportDownload?: boolean;
}

/** A file the worker downloads, checks and hands to onnxruntime. */
export interface RuntimeFile {
  url: string;
  /** The file is gzip-compressed on the wire: the worker decompresses it (DecompressionStream). */
  gzip: boolean;
  /** sha256 (hex) of the DECOMPRESSED bytes, known at build time; checked before onnxruntime gets them. */
  sha256: string;
}

/** What tools/build/runtime-files.ts provides as `virtual:runtime-files`. */
export interface RuntimeFiles {
  /** The plain SIMD-threaded wasm: all WASM inference runs on it. */
  wasm: RuntimeFile;
  /** Its JS glue (ES module): onnxruntime's bundle embeds the asyncify glue, which does not fit the plain wasm. */
  glue: string;
  /** The asyncify build, which WebGPU needs; fetched only when WebGPU is used. */
  webgpuWasm: RuntimeFile;
  /** `<model>.onnx` is served as `<model>.onnx.gz` (the built site); false in `vite dev`. */
  modelGzip: boolean;
}

export interface BackendInfo {
  requested: BackendRequest;
  /** Where queries are embedded. */
  used: Backend;
  /** Where bulk document embedding (imports) runs. */
  documents: Backend;
  /** onnxruntime wasm threads (1 unless the page is cross-origin isolated). */
  threads: number;
  crossOriginIsolated: boolean;
  /** Set when WebGPU was asked for (?backend=webgpu) but could not be used, or failed while embedding. */
  fallbackReason?: string;
  /** With `auto` and an adapter: what is known of it (absent without an adapter: nothing changes then). */
  gpu?: GpuStatus;
}

/** The outcome of a canary (gpu-canary.ts judgeCanary): remembered per adapter and model. */
export interface GpuVerdict {
  backend: Backend;
  /** In words, for the Details panel: "WebGPU was slower on the canary (1.2 vs 4.8 abstracts/s)". */
  reason: string;
  lowestCosine: number;
  wasmDocsPerS: number;
  webgpuDocsPerS: number;
}

export interface GpuStatus {
  /** GPUAdapter.info as vendor/architecture/device/description. */
  adapter: string;
  /** Where the page remembers the verdict: adapter and model key. */
  key: string;
  /**
   * untested: the canary runs with the first import of at least CANARY_MIN abstracts; adopted / refused: the
   * verdict; failed: WebGPU failed while embedding (the rest went to WASM).
   */
  state: 'untested' | 'adopted' | 'refused' | 'failed';
  verdict?: GpuVerdict;
  /** The verdict was remembered from an earlier visit (no canary ran this time). */
  remembered: boolean;
  /** Why WebGPU failed (state failed). */
  failure?: string;
}

/**
 * Model loading, as the worker reports it: bytes downloaded, onnxruntime start-up, and a damaged file being
 * fetched again (`file` is its path inside the model folder, or the wasm's name).
 */
export type LoadProgress = LoadAmount | { phase: 'repair'; file: string };

export interface LoadAmount {
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

/**
 * Why the model could not be loaded, as a code the UI turns into words (app/notices.ts):
 * - files-damaged: a file's sha256 did not match, even after fetching it again;
 * - files-unreachable: a file could not be downloaded (offline, HTTP error);
 * - runtime-failed: onnxruntime or transformers.js failed with verified files.
 */
export type ModelFailureCode = 'files-damaged' | 'files-unreachable' | 'runtime-failed';

export interface ModelFailure {
  code: ModelFailureCode;
  /** The file concerned, when one is. */
  file?: string;
  /** The underlying message, for the diagnostics panel only (never the headline). */
  detail: string;
}

export type InitOutcome = { ok: true; model: ModelInfo } | { ok: false; failure: ModelFailure };

export interface BatchProgress {
  done: number;
  total: number;
}

export type BatchCallback = (progress: BatchProgress, indices: number[], vectors: Float32Array) => void | Promise<void>;
