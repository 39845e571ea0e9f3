/// <reference lib="webworker" />
import { env, type ProgressInfo } from '@huggingface/transformers';
import * as Comlink from 'comlink';
import { timed } from '../base/measure.ts';
import { chooseBackend } from './backend.ts';
import { Encoder, type BatchSettings } from './encoder.ts';
import { weightsHashFromProvenance, type Provenance } from './fingerprint.ts';
import { getModelSpec, type QueryViews } from './models.ts';
import { browserVerifiedCopies, keptLater } from './verified-copies.ts';
import { createVerifiedFetch, evictFromCacheStorage, fetchFile, fetchVerified, fetchVerifiedOrKept, FileDamagedError, FileUnreachableError, sha256Hex, type FetchLike, type VerifiedFetchOptions } from './verified-fetch.ts';
import { keptFetch } from './runtime-cache.ts';
import { warmRuntime } from './runtime-warmup.ts';
import type { Backend, BackendInfo, BatchCallback, InitOutcome, LoadProgress, ModelFailure, ModelInfo, RuntimeFiles, WorkerConfig } from './worker-api.ts';

/**
 * What the embedding worker does: loads the model with transformers.js from verified files and embeds queries
 * and abstracts off the UI thread. The worker file only exposes an instance (embedding.worker.ts); the page's
 * client type is `Comlink.Remote<EmbeddingService>`.
 */
export class EmbeddingService {
  private encoder: Encoder | null = null;
  /** The embedDocuments call in progress, so cancelEmbedding can stop it between batches. */
  private running: AbortController | null = null;
  /** The first file problem met while loading: transformers.js may wrap the error it caused. */
  private fileProblem: FileDamagedError | FileUnreachableError | null = null;

  async init(config: WorkerConfig, onProgress: (progress: LoadProgress) => void): Promise<InitOutcome> {
    try {
      return { ok: true, model: await this.load(config, onProgress) };
    } catch (error) {
      return { ok: false, failure: this.classify(error) };
    }
  }

  private async load(config: WorkerConfig, onProgress: (progress: LoadProgress) => void): Promise<ModelInfo> {
    const threads = threadCount(config);
    const kept = keptLater(browserVerifiedCopies(sha256Hex));
    const repair = { onRepair: (file: string) => onProgress({ phase: 'repair', file }), evict: evictFromCacheStorage, copies: kept.copies };
    const provenance = await timed('worker:provenance', this.readProvenance(config));
    const expected = expectedHashes(config, provenance);
    configureTransformers(config, threads);
    const verified = createVerifiedFetch({ ...repair, expectedSha256: (url) => expected.get(pathOf(url)), gzipped: (url) => config.runtime.modelGzip && url.endsWith('.onnx') });
    const early = prefetching(verified, Object.keys(provenance.sha256).map((file) => `${config.modelsBaseUrl}${config.modelId}/${file}`));
    // transformers.js reports any failed fetch as "file was not found locally": keep the real cause.
    env.fetch = (input, init) => this.guard(early(input, init));
    const weightsSha256 = weightsHashFromProvenance(provenance);
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    const choice = await chooseBackend(config.backend, gpu);
    let used: Backend = choice.backend;
    let fallbackReason = choice.fallbackReason;
    // onnxruntime initialises its wasm once per worker: WebGPU needs the asyncify build (which runs WASM too, for
    // the fallback below); WASM alone gets the plain build, half the size and faster.
    if (used === 'webgpu') {
      try {
        await installRuntime('webgpu', config.runtime, repair);
      } catch (error) {
        fallbackReason = `the WebGPU build of onnxruntime could not be loaded (${(error as Error).message}); using WASM`;
        used = 'wasm';
      }
    }
    if (used === 'wasm') {
      await timed('worker:runtime', this.guard(installRuntime(config.wasmBuild === 'asyncify' ? 'webgpu' : 'wasm', config.runtime, repair)));
      // Repeat visit: the runtime starts while the model is still decompressed and hashed (issue 16.5).
      void timed('worker:runtime-start', warmRuntime());
    }
    try {
      this.encoder = await timed('worker:pipeline', this.loadOn(used, config, weightsSha256, onProgress));
      if (used === 'webgpu') await this.encoder.embedQuery('warm-up'); // surfaces shader/kernel failures now, not mid-search
    } catch (error) {
      if (used !== 'webgpu' || this.fileProblem) throw error;
      fallbackReason = `WebGPU failed (${(error as Error).message}); using WASM`;
      used = 'wasm';
      this.encoder = await this.loadOn(used, config, weightsSha256, onProgress);
    }
    void kept.flush(); // only verified bytes that onnxruntime accepted are kept
    const backend: BackendInfo = { requested: config.backend, used, threads: used === 'wasm' ? threads : 0, crossOriginIsolated: self.crossOriginIsolated, fallbackReason };
    return { modelId: config.modelId, modelKey: this.encoder.key, dims: this.encoder.dims, backend };
  }

  /** PROVENANCE.json lists every model file's sha256: the root of the checks, so it must parse. */
  private async readProvenance(config: WorkerConfig): Promise<Provenance> {
    const file = `${config.modelId}/PROVENANCE.json`;
    const response = await this.guard(fetchFile(`${config.modelsBaseUrl}${file}`, file));
    const value = await response.json().catch(() => null);
    if (typeof value?.sha256 !== 'object' || value.sha256 === null) throw this.remember(new FileDamagedError(file));
    return value as Provenance;
  }

  private loadOn(backend: Backend, config: WorkerConfig, weightsSha256: string, onProgress: (p: LoadProgress) => void): Promise<Encoder> {
    return Encoder.load({
      spec: getModelSpec(config.modelId),
      weightsSha256,
      device: backend,
      onLoadProgress: config.reportDownload === false ? undefined : progressReporter(onProgress),
    });
  }

  /** The query's vector in the model's query form; `views` (benchmarks only) asks for another form, null for one view. */
  async embedQuery(text: string, views?: QueryViews | null): Promise<Float32Array> {
    const vector = await this.requireEncoder().embedQuery(text, views);
    return Comlink.transfer(vector, [vector.buffer as ArrayBuffer]);
  }

  /**
   * Embeds documents; `onBatch` receives each finished batch (indices into `texts` and their vectors,
   * row-major) so the caller can show progress and persist as it goes. Resolves when all are done.
   */
  async embedDocuments(texts: string[], onBatch: BatchCallback, settings?: BatchSettings): Promise<void> {
    const controller = new AbortController();
    this.running = controller;
    try {
      await this.requireEncoder().embedDocuments(
        texts,
        async (progress, indices, vectors) => {
          // Awaiting the callback paces the worker to the page, which persists each batch as it arrives.
          await onBatch(progress, [...indices], vectors.slice());
        },
        controller.signal,
        settings,
      );
    } finally {
      if (this.running === controller) this.running = null;
    }
  }

  /** Stops the running embedDocuments after its current batch; it then rejects with an error named "AbortError". */
  async cancelEmbedding(): Promise<void> {
    this.running?.abort(new DOMException('embedding cancelled', 'AbortError'));
  }

  private requireEncoder(): Encoder {
    if (!this.encoder) throw new Error('embedding worker used before init()');
    return this.encoder;
  }

  private async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw this.remember(error);
    }
  }

  private remember(error: unknown): unknown {
    if ((error instanceof FileDamagedError || error instanceof FileUnreachableError) && !this.fileProblem) this.fileProblem = error;
    return error;
  }

  private classify(error: unknown): ModelFailure {
    const problem = this.fileProblem ?? (error instanceof FileDamagedError || error instanceof FileUnreachableError ? error : null);
    const detail = error instanceof Error ? error.message : String(error);
    if (problem instanceof FileDamagedError) return { code: 'files-damaged', file: problem.file, detail: problem.message };
    if (problem instanceof FileUnreachableError) return { code: 'files-unreachable', file: problem.file, detail: problem.message };
    return { code: 'runtime-failed', detail };
  }
}

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
  wasm.numThreads = threads;
}

/**
 * Downloads (verified, decompressed) the onnxruntime build `backend` needs and hands it to onnxruntime. The plain
 * build comes with its own JS glue (`mjs`): the glue bundled in transformers' onnxruntime is the asyncify one.
 * The WebGPU build is kept for offline use by runtime-cache.ts (the service worker does not precache it).
 */
async function installRuntime(backend: Backend, runtime: RuntimeFiles, repair: Pick<VerifiedFetchOptions, 'onRepair' | 'evict' | 'copies'>): Promise<void> {
  const wasm = env.backends.onnx.wasm!;
  if (backend === 'webgpu') {
    const file = runtime.webgpuWasm;
    wasm.wasmBinary = new Uint8Array(await fetchVerified(file.url, file.sha256, { ...repair, fetch: keptFetch }, undefined, file.gzip));
    // No `mjs`: the asyncify glue bundled with onnxruntime is the one this binary needs. Never the CDN default.
    wasm.wasmPaths = { wasm: file.url };
    return;
  }
  // Its decompressed copy is kept too (14 MB): after the kept model, the wasm's gunzip was the longest step left.
  // Kept under a name without the build hash, so a new deploy's copy replaces the old one.
  const keptAs = new URL('ort-wasm-simd-threaded.wasm', runtime.wasm.url).href;
  wasm.wasmBinary = new Uint8Array(await fetchVerifiedOrKept(runtime.wasm.url, runtime.wasm.sha256, repair, undefined, runtime.wasm.gzip, keptAs));
  wasm.wasmPaths = { mjs: runtime.glue, wasm: runtime.wasm.url };
}

/**
 * Starts the verified download of every model file at once, while onnxruntime's wasm is fetched (repeat visit:
 * the browser reads, decompresses and hashes the 24 MB model off this thread meanwhile). Each early copy is used
 * once, by transformers' first plain GET of that file; anything else (a retry, a range probe) fetches anew.
 */
function prefetching(verified: FetchLike, urls: readonly string[]): FetchLike {
  const pending = new Map(urls.map((url) => [pathOf(url), verified(url).then((response) => response.arrayBuffer())]));
  // A failure is reported when transformers asks for the file; until then it must not count as unhandled.
  for (const bytes of pending.values()) bytes.catch(() => undefined);
  return async (input, init) => {
    const path = pathOf(String(input));
    const bytes = pending.get(path);
    const plainGet = (init?.method ?? 'GET') === 'GET' && !new Headers(init?.headers).has('Range');
    if (!bytes || !plainGet) return verified(input, init);
    pending.delete(path);
    const body = await bytes;
    return new Response(body, { status: 200, headers: { 'Content-Length': String(body.byteLength) } });
  };
}

/** Absolute URL path of each model file -> its sha256, from PROVENANCE.json. */
function expectedHashes(config: WorkerConfig, provenance: Provenance): Map<string, string> {
  return new Map(Object.entries(provenance.sha256).map(([file, sha]) => [pathOf(`${config.modelsBaseUrl}${config.modelId}/${file}`), sha]));
}

function pathOf(url: string): string {
  return new URL(url, self.location.href).pathname;
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
