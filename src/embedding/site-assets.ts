import { runtimeFiles } from 'virtual:runtime-files';
import { DEFAULT_MODEL_ID } from './models.ts';
import type { BackendRequest, RuntimeFiles, WorkerConfig } from './worker-api.ts';

/** Where the site's static assets live, relative to the deployed base path (e.g. /<repo>/ on GitHub Pages). */
export const siteBase = new URL(import.meta.env.BASE_URL, self.location.href);

const absolute = (url: string) => new URL(url, self.location.href).href;

/** onnxruntime's files with absolute URLs (the worker resolves against its own, different, location). */
const runtime: RuntimeFiles = {
  ...runtimeFiles,
  wasm: { ...runtimeFiles.wasm, url: absolute(runtimeFiles.wasm.url) },
  glue: absolute(runtimeFiles.glue),
  webgpuWasm: { ...runtimeFiles.webgpuWasm, url: absolute(runtimeFiles.webgpuWasm.url) },
};

/** The model and onnxruntime files as this site serves them: the app, the bench pages and the offline check use them. */
export const modelAssetUrls = {
  // A path, not a full URL: transformers.js only looks up "local" model files for non-URL paths.
  modelsBase: new URL('models/', siteBase).pathname,
  /** The wasm WASM inference runs on: the offline-readiness check looks for it in the service worker's cache. */
  wasm: runtime.wasm.url,
  /** The weights file as served (gzipped in a build): the offline-readiness check looks for it too. */
  modelWeights: new URL(`models/${DEFAULT_MODEL_ID}/onnx/model_quantized.onnx${runtime.modelGzip ? '.gz' : ''}`, siteBase).href,
};

/** What the embedding worker needs to load the default model from this site. */
export function workerConfig(backend: BackendRequest, extra: Partial<WorkerConfig> = {}): WorkerConfig {
  return { modelId: DEFAULT_MODEL_ID, modelsBaseUrl: modelAssetUrls.modelsBase, runtime, backend, ...extra };
}
