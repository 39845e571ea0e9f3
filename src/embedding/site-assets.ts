import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { DEFAULT_MODEL_ID } from './models.ts';
import type { BackendRequest, WorkerConfig } from './worker-api.ts';

/** Where the site's static assets live, relative to the deployed base path (e.g. /<repo>/ on GitHub Pages). */
export const siteBase = new URL(import.meta.env.BASE_URL, self.location.href);

/** The model and onnxruntime files as this site serves them: the app, the bench pages and the offline check use them. */
export const modelAssetUrls = {
  // A path, not a full URL: transformers.js only looks up "local" model files for non-URL paths.
  modelsBase: new URL('models/', siteBase).pathname,
  wasm: new URL(wasmUrl, self.location.href).href,
  /** The weights file: the offline-readiness check looks for it in the service worker's cache. */
  modelWeights: new URL(`models/${DEFAULT_MODEL_ID}/onnx/model_quantized.onnx`, siteBase).href,
};

/** What the embedding worker needs to load the default model from this site. */
export function workerConfig(backend: BackendRequest, extra: Partial<WorkerConfig> = {}): WorkerConfig {
  return { modelId: DEFAULT_MODEL_ID, modelsBaseUrl: modelAssetUrls.modelsBase, wasmUrl: modelAssetUrls.wasm, wasmSha256: __ORT_WASM_SHA256__, backend, ...extra };
}
