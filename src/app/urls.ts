import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { DEFAULT_SEARCH_MODE, SEARCH_MODES, type SearchMode } from '../search/search.ts';
import { parseBackendRequest } from '../embedding/backend.ts';
import { DEFAULT_MODEL_ID } from '../embedding/models.ts';
import type { BackendRequest, WorkerConfig } from '../embedding/worker-api.ts';

/** Where the app's static assets live, relative to the deployed base path (e.g. /<repo>/ on GitHub Pages). */
const base = new URL(import.meta.env.BASE_URL, self.location.href);

export const assetUrls = {
  // A path, not a full URL: transformers.js only looks up "local" model files for non-URL paths.
  modelsBase: new URL('models/', base).pathname,
  wasm: new URL(wasmUrl, self.location.href).href,
  /** The weights file: the offline-readiness check looks for it in the service worker's cache. */
  modelWeights: new URL(`models/${DEFAULT_MODEL_ID}/onnx/model_quantized.onnx`, base).href,
  corpus: new URL('corpus/corpus.json', base).href,
  vectors: new URL('corpus/vectors.bin', base).href,
  /** A published library's manifest (issue 10): when the site has one, it replaces corpus.json. */
  publishedManifest: new URL('corpus/library.json', base).href,
};

/** What the embedding worker needs to load the default model from this site. */
export function workerConfig(backend: BackendRequest, extra: Partial<WorkerConfig> = {}): WorkerConfig {
  return { modelId: DEFAULT_MODEL_ID, modelsBaseUrl: assetUrls.modelsBase, wasmUrl: assetUrls.wasm, wasmSha256: __ORT_WASM_SHA256__, backend, ...extra };
}

export interface UrlState {
  query: string;
  mode: SearchMode;
  backend: BackendRequest;
  /** The library searched (?library=<id>); null for the bundled papers or when the address names none. */
  library: string | null;
  /** Papers pinned as examples (?like=<id>,<id>) and as counter-examples (?not=<id>). */
  like: string[];
  not: string[];
}

export function readUrlState(href = self.location.href): UrlState {
  const params = new URL(href).searchParams;
  const mode = params.get('mode') as SearchMode | null;
  return {
    query: params.get('q') ?? '',
    mode: mode && SEARCH_MODES.includes(mode) ? mode : DEFAULT_SEARCH_MODE,
    backend: parseBackendRequest(params.get('backend')),
    library: params.get('library') || null,
    like: idList(params.get('like')),
    not: idList(params.get('not')),
  };
}

/** Keeps ?q=, ?mode= and ?library= in the address bar (replaceState: typing does not flood the history). */
export function writeUrlState(state: Pick<UrlState, 'query' | 'mode' | 'library' | 'like' | 'not'>): void {
  const url = new URL(self.location.href);
  for (const key of ['like', 'not'] as const) {
    if (state[key].length > 0) url.searchParams.set(key, state[key].join(','));
    else url.searchParams.delete(key);
  }
  if (state.library) url.searchParams.set('library', state.library);
  else url.searchParams.delete('library');
  if (state.query) url.searchParams.set('q', state.query);
  else url.searchParams.delete('q');
  if (state.mode !== DEFAULT_SEARCH_MODE) url.searchParams.set('mode', state.mode);
  else url.searchParams.delete('mode');
  history.replaceState(history.state, '', url);
}

function idList(value: string | null): string[] {
  return value ? [...new Set(value.split(',').map((id) => id.trim()).filter(Boolean))] : [];
}
