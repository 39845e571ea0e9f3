/// <reference lib="webworker" />
import { env, type ProgressInfo } from '@huggingface/transformers';
import * as Comlink from 'comlink';
import { timed } from '../base/measure.ts';
import { chooseBackend, findAdapter, gpuVerdictKey, type GpuLike } from './backend.ts';
import { Encoder, type BatchSettings } from './encoder.ts';
import { fingerprintKey, modelFingerprint, servedHashes, weightsHashFromProvenance, weightsPreoptimized, type Provenance } from './fingerprint.ts';
import { adapterKey, CANARY_MIN, CANARY_MAX_WAIT_MS, CANARY_MIN_WAIT_MS, CANARY_SIZE, judgeCanary, timeCanary } from './gpu-canary.ts';
import { getModelSpec, type QueryViews } from './models.ts';
import { browserVerifiedCopies, keptLater } from './verified-copies.ts';
import { createVerifiedFetch, evictFromCacheStorage, fetchFile, fetchVerified, fetchVerifiedOrKept, FileDamagedError, FileUnreachableError, sha256Hex, type FetchLike, type VerifiedFetchOptions } from './verified-fetch.ts';
import { keptFetch } from './runtime-cache.ts';
import { warmRuntime } from './runtime-warmup.ts';
import type { Backend, BackendInfo, BatchCallback, GpuStatus, GpuVerdict, InitOutcome, LoadProgress, ModelFailure, ModelInfo, RuntimeFiles, WorkerConfig } from './worker-api.ts';

type Repair = Pick<VerifiedFetchOptions, 'onRepair' | 'evict' | 'copies'>;

/**
 * What the embedding worker does: loads the model with transformers.js from verified files and embeds queries
 * and abstracts off the UI thread. The worker file only exposes an instance (embedding.worker.ts); the page's
 * client type is `Comlink.Remote<EmbeddingService>`.
 */
export class EmbeddingService {
  /** The WASM session: queries (unless ?backend=webgpu), and documents unless WebGPU is adopted. */
  private wasm: Encoder | null = null;
  /** The WebGPU session, loaded when first needed (forced, or adopted by the canary / a remembered verdict). */
  private gpu: Encoder | null = null;
  private info: BackendInfo | null = null;
  private loaders: Record<Backend, () => Promise<Encoder>> | null = null;
  /** Tells the page when the backend changes after init (a canary verdict, a WebGPU failure). */
  private onBackend: ((info: BackendInfo) => void) | null = null;
  /** The embedDocuments call in progress, so cancelEmbedding can stop it between batches. */
  private running: AbortController | null = null;
  /** The first file problem met while loading: transformers.js may wrap the error it caused. */
  private fileProblem: FileDamagedError | FileUnreachableError | null = null;

  async init(config: WorkerConfig, onProgress: (progress: LoadProgress) => void, onBackend?: (info: BackendInfo) => void): Promise<InitOutcome> {
    this.onBackend = onBackend ?? null;
    // From the worker's creation to the page's init call: the page's message reaches the worker only once the
    // page's main thread is free again (measured 150–280 ms after the worker's script ran, issue 16.5).
    performance.measure('worker:until-init', { start: 0 });
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
    const preoptimized = weightsPreoptimized(provenance);
    configureTransformers(config, threads);
    const verified = createVerifiedFetch({ ...repair, expectedSha256: (url) => expected.get(pathOf(url)), gzipped: (url) => config.runtime.modelGzip && url.endsWith('.onnx') });
    const early = prefetching(verified, Object.keys(provenance.sha256).map((file) => `${config.modelsBaseUrl}${config.modelId}/${file}`));
    // transformers.js reports any failed fetch as "file was not found locally": keep the real cause.
    env.fetch = (input, init) => this.guard(early(input, init));
    const weightsSha256 = weightsHashFromProvenance(provenance);
    const modelKey = fingerprintKey(modelFingerprint(getModelSpec(config.modelId), weightsSha256));
    this.loaders = {
      wasm: () => this.loadOn('wasm', config, { weightsSha256, preoptimized }, onProgress),
      // A later WebGPU session reports no progress: the page is ready by then and shows no bars.
      webgpu: () => this.loadOn('webgpu', { ...config, reportDownload: config.reportDownload && !this.info }, { weightsSha256, preoptimized }, onProgress),
    };
    const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
    this.info =
      config.backend === 'auto'
        ? await this.loadAuto(config, threads, modelKey, gpu, repair)
        : await this.loadForced(config, threads, gpu, repair);
    void kept.flush(); // only verified bytes that onnxruntime accepted are kept
    const encoder = this.wasm ?? this.gpu!;
    return { modelId: config.modelId, modelKey: encoder.key, dims: encoder.dims, backend: { ...this.info } };
  }

  /**
   * ?backend=wasm|webgpu: one session for queries and documents, as asked (WebGPU falls back to WASM when it
   * cannot start). No canary: the person chose.
   */
  private async loadForced(config: WorkerConfig, threads: number, gpu: GpuLike | undefined, repair: Repair): Promise<BackendInfo> {
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
    if (used === 'wasm') await this.installWasmRuntime(config, repair);
    if (used === 'webgpu') {
      try {
        this.gpu = await this.startGpu();
      } catch (error) {
        if (this.fileProblem) throw error;
        fallbackReason = `WebGPU failed (${(error as Error).message}); using WASM`;
        used = 'wasm';
      }
    }
    if (used === 'wasm') this.wasm = await timed('worker:pipeline', this.loaders!.wasm());
    return { requested: config.backend, used, documents: used, threads: used === 'wasm' ? threads : 0, crossOriginIsolated: self.crossOriginIsolated, fallbackReason };
  }

  /**
   * The default: queries on WASM; with an adapter, documents go to WebGPU once a canary (or a remembered verdict
   * for this adapter and model) says it agrees and is faster. Without an adapter nothing changes: the plain build,
   * no WebGPU download. An adapter already refused gets the plain build too.
   */
  private async loadAuto(config: WorkerConfig, threads: number, modelKey: string, gpu: GpuLike | undefined, repair: Repair): Promise<BackendInfo> {
    const adapter = await timed('worker:adapter', findAdapter(gpu));
    let status: GpuStatus | undefined;
    if (adapter) {
      const id = adapterKey(adapter.info);
      const key = gpuVerdictKey(id, modelKey);
      const verdict = config.gpuVerdicts?.[key];
      status = verdict ? { adapter: id, key, state: verdict.backend === 'webgpu' ? 'adopted' : 'refused', verdict, remembered: true } : { adapter: id, key, state: 'untested', remembered: false };
    }
    let installed = false;
    if (status && status.state !== 'refused') {
      try {
        await installRuntime('webgpu', config.runtime, repair);
        installed = true;
      } catch (error) {
        status = { ...status, state: 'failed', failure: `the WebGPU build of onnxruntime could not be loaded (${(error as Error).message})` };
      }
    }
    if (!installed) await this.installWasmRuntime(config, repair);
    this.wasm = await timed('worker:pipeline', this.loaders!.wasm());
    return { requested: 'auto', used: 'wasm', documents: status?.state === 'adopted' ? 'webgpu' : 'wasm', threads, crossOriginIsolated: self.crossOriginIsolated, gpu: status };
  }

  /** The build WASM runs on (plain, unless the benchmark asks for asyncify), started while the model is still read. */
  private async installWasmRuntime(config: WorkerConfig, repair: Repair): Promise<void> {
    await timed('worker:runtime', this.guard(installRuntime(config.wasmBuild === 'asyncify' ? 'webgpu' : 'wasm', config.runtime, repair)));
    // Repeat visit: the runtime starts while the model is still decompressed and hashed (issue 16.5).
    void timed('worker:runtime-start', warmRuntime());
  }

  /** A WebGPU session, warmed up: shader or kernel failures surface now, not mid-search. */
  private async startGpu(): Promise<Encoder> {
    const encoder = await this.loaders!.webgpu();
    try {
      await encoder.embedQuery('warm-up');
    } catch (error) {
      void encoder.dispose().catch(() => undefined);
      throw error;
    }
    return encoder;
  }

  /** PROVENANCE.json lists every model file's sha256: the root of the checks, so it must parse. */
  private async readProvenance(config: WorkerConfig): Promise<Provenance> {
    const file = `${config.modelId}/PROVENANCE.json`;
    const response = await this.guard(fetchFile(`${config.modelsBaseUrl}${file}`, file));
    const value = await response.json().catch(() => null);
    if (typeof value?.sha256 !== 'object' || value.sha256 === null) throw this.remember(new FileDamagedError(file));
    return value as Provenance;
  }

  private loadOn(backend: Backend, config: WorkerConfig, weights: { weightsSha256: string; preoptimized: boolean }, onProgress: (p: LoadProgress) => void): Promise<Encoder> {
    return Encoder.load({
      spec: getModelSpec(config.modelId),
      ...weights,
      device: backend,
      onLoadProgress: config.reportDownload === false ? undefined : progressReporter(onProgress),
    });
  }

  /** The query's vector in the model's query form; `views` (benchmarks only) asks for another form, null for one view. */
  async embedQuery(text: string, views?: QueryViews | null): Promise<Float32Array> {
    let vector: Float32Array;
    if (this.requireInfo().used === 'webgpu') {
      try {
        vector = await this.gpu!.embedQuery(text, views);
      } catch (error) {
        return this.gpuFailed(error);
      }
    } else {
      vector = await this.requireWasm().embedQuery(text, views);
    }
    return Comlink.transfer(vector, [vector.buffer as ArrayBuffer]);
  }

  /**
   * Embeds documents; `onBatch` receives each finished batch (indices into `texts` and their vectors,
   * row-major) so the caller can show progress and persist as it goes. Resolves when all are done.
   * With an untested adapter the first abstracts are the canary; when WebGPU fails mid-way, the texts not yet
   * delivered go to WASM (delivered ones are never embedded again).
   */
  async embedDocuments(texts: string[], onBatch: BatchCallback, settings?: BatchSettings): Promise<void> {
    const controller = new AbortController();
    this.running = controller;
    const delivered = new Uint8Array(texts.length);
    let count = 0;
    let pageError: unknown = null;
    // Awaiting the callback paces the worker to the page, which persists each batch as it arrives.
    const deliver = async (indices: readonly number[], vectors: Float32Array) => {
      for (const i of indices) delivered[i] = 1;
      count += indices.length;
      try {
        await onBatch({ done: count, total: texts.length }, [...indices], vectors.slice(0, indices.length * this.requireWasmOrGpu().dims));
      } catch (error) {
        pageError = error; // the page's failure (storage), not the backend's
        throw error;
      }
    };
    try {
      if (this.info?.gpu?.state === 'untested' && texts.length >= CANARY_MIN) await this.canary(texts, deliver, controller.signal);
      for (;;) {
        const rest = texts.map((_, i) => i).filter((i) => delivered[i] === 0);
        if (rest.length === 0) return;
        const onGpu = this.requireInfo().documents === 'webgpu';
        try {
          const encoder = onGpu ? (this.gpu ??= await this.startGpu()) : this.requireWasm();
          await encoder.embedDocuments(rest.map((i) => texts[i]), (_progress, indices, vectors) => deliver(indices.map((k) => rest[k]), vectors), controller.signal, settings);
          return;
        } catch (error) {
          if (!onGpu || error === pageError || controller.signal.aborted) throw error;
          await this.gpuFailed(error);
        }
      }
    } finally {
      if (this.running === controller) this.running = null;
    }
  }

  /**
   * Embeds the first CANARY_SIZE texts on both backends and adopts WebGPU for documents only if it agrees and is
   * faster (judgeCanary). The WASM vectors are delivered as the texts' vectors: the same as if no canary had run.
   */
  private async canary(texts: string[], deliver: (indices: readonly number[], vectors: Float32Array) => Promise<void>, signal: AbortSignal): Promise<void> {
    const sample = texts.slice(0, CANARY_SIZE);
    const wasm = await timeCanary(this.requireWasm(), sample);
    // Stored before WebGPU's half runs: the page counts them at once, and a failure below loses nothing.
    await deliver(sample.map((_, i) => i), wasm.vectors);
    signal.throwIfAborted();
    const status = this.info!.gpu!;
    // Past the time WASM took for the whole canary, WebGPU has lost on speed: it stops between batches and is judged
    // on what it did by then (its first batch always counts, for the agreement check). The race bounds a software
    // adapter whose single run outlasts the supervisor's 120 s idle limit (SwiftShader on a loaded 2-core machine
    // did, e2e): the worker must not look hung, and a verdict must be reached, once.
    const deadlineMs = Math.max((sample.length / wasm.docsPerSecond) * 1000, CANARY_MIN_WAIT_MS);
    const started = performance.now();
    const gpuHalf = (async () => {
      this.gpu ??= await this.startGpu();
      return timeCanary(this.gpu, sample, Math.max(deadlineMs - (performance.now() - started), 0));
    })();
    let webgpu: Awaited<typeof gpuHalf> | null;
    try {
      webgpu = await Promise.race([gpuHalf, new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(deadlineMs, CANARY_MAX_WAIT_MS)))]);
    } catch (error) {
      return this.gpuFailed(error);
    }
    const verdict: GpuVerdict = webgpu
      ? judgeCanary(wasm, webgpu, this.requireWasm().dims)
      : { backend: 'wasm', reason: `WebGPU was slower on the canary (not one batch done in the ${Math.round(deadlineMs / 1000)} s WASM took for all ${sample.length} abstracts)`, lowestCosine: 0, wasmDocsPerS: Math.round(wasm.docsPerSecond * 100) / 100, webgpuDocsPerS: 0 };
    this.info = { ...this.info!, documents: verdict.backend, gpu: { ...status, state: verdict.backend === 'webgpu' ? 'adopted' : 'refused', verdict, remembered: false } };
    if (verdict.backend === 'wasm') {
      // A second 34 MB session kept for nothing; an abandoned run lets go of it once it ends.
      if (webgpu) this.dropGpu();
      else void gpuHalf.then(() => this.dropGpu(), () => this.dropGpu());
    }
    this.announce();
  }

  /**
   * WebGPU failed (lost device, failed run). The page is told (it starts the next worker without WebGPU for this
   * session: app/controller.ts) and this worker closes: a lost device left onnxruntime's WebGPU build failing runs
   * of its WASM session too (e2e, SwiftShader: "Failed to download data from buffer" after device.destroy()), so
   * the supervisor's replacement continues the import with what is not yet delivered, and retries a query once.
   */
  private async gpuFailed(error: unknown): Promise<never> {
    const message = briefly(error);
    this.dropGpu();
    const info = this.requireInfo();
    this.info =
      info.used === 'webgpu'
        ? { ...info, used: 'wasm', documents: 'wasm', fallbackReason: `it failed while embedding (${message})` }
        : { ...info, documents: 'wasm', gpu: info.gpu && { ...info.gpu, state: 'failed', failure: message } };
    await Promise.resolve(this.onBackend?.({ ...this.info })).catch(() => undefined);
    if (typeof self.close !== 'function') throw new Error(`WebGPU failed: ${message}`);
    self.close();
    // No answer: an error sent now would reach the page before the worker's loss and end the import there.
    return new Promise<never>(() => undefined);
  }

  private dropGpu(): void {
    void this.gpu?.dispose().catch(() => undefined);
    this.gpu = null;
  }

  private announce(): void {
    const info = this.info;
    if (info) Promise.resolve(this.onBackend?.({ ...info })).catch(() => undefined);
  }

  /** The backend as it is now (after a canary or a failure); the page asks after a worker restart too. */
  async backendInfo(): Promise<BackendInfo> {
    return { ...this.requireInfo() };
  }

  /** Stops the running embedDocuments after its current batch; it then rejects with an error named "AbortError". */
  async cancelEmbedding(): Promise<void> {
    this.running?.abort(new DOMException('embedding cancelled', 'AbortError'));
  }

  private requireWasm(): Encoder {
    if (!this.wasm) throw new Error('embedding worker used before init()');
    return this.wasm;
  }

  private requireWasmOrGpu(): Encoder {
    const encoder = this.wasm ?? this.gpu;
    if (!encoder) throw new Error('embedding worker used before init()');
    return encoder;
  }

  private requireInfo(): BackendInfo {
    if (!this.info) throw new Error('embedding worker used before init()');
    return this.info;
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
async function installRuntime(backend: Backend, runtime: RuntimeFiles, repair: Repair): Promise<void> {
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

/** onnxruntime's errors carry a C++ path and a stack: the browser's own words are at the end. */
function briefly(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const tail = text.lastIndexOf('message: ');
  const words = (tail >= 0 ? text.slice(tail + 'message: '.length) : text).trim();
  return words.length > 160 ? `${words.slice(0, 157)}…` : words;
}

/** Absolute URL path of each model file -> the sha256 of the bytes this site serves for it, from PROVENANCE.json. */
function expectedHashes(config: WorkerConfig, provenance: Provenance): Map<string, string> {
  return new Map(Object.entries(servedHashes(provenance)).map(([file, sha]) => [pathOf(`${config.modelsBaseUrl}${config.modelId}/${file}`), sha]));
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
