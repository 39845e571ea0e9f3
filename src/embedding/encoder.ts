import { pipeline, type FeatureExtractionPipeline, type ProgressInfo } from '@huggingface/transformers';
import { planBatches } from './batching.ts';
import { fingerprintKey, modelFingerprint, type ModelFingerprint } from './fingerprint.ts';
import type { ModelSpec, QueryViews } from './models.ts';

/**
 * The one encoder used everywhere: the browser worker, the Node indexer, evaluation and benchmarks.
 * Tokenisation, truncation (at the model window, from tokenizer_config.json) and pooling all happen in
 * transformers.js's feature-extraction pipeline, so Node and the browser run the same code on the same files.
 * Where the files come from (URL or folder) is set on transformers' `env` by the caller.
 */

/** onnxruntime device: 'wasm' / 'webgpu' in the browser, 'cpu' (onnxruntime-node) in Node. */
export type Device = 'wasm' | 'webgpu' | 'cpu';
export type Precision = 'q8' | 'fp32';

export interface EncoderOptions {
  spec: ModelSpec;
  weightsSha256: string;
  device: Device;
  precision?: Precision;
  /** Model folder name under transformers' `env.localModelPath`; defaults to the spec id. */
  modelPath?: string;
  onLoadProgress?: (info: ProgressInfo) => void;
  /**
   * The weights file is onnxruntime's optimized graph already (a built site, tools/build/optimized-model.ts):
   * the session skips the graph rewrite that otherwise takes most of its creation (issue 16.5).
   */
  preoptimized?: boolean;
}

export interface EmbedProgress {
  done: number;
  total: number;
}

/**
 * How documents are cut into batches (the benchmark varies them: tools/bench.ts, docs/performance.md).
 * maxBatchTokens: padded tokens per batch; maxBatchSize: texts per batch; sortByLength: group texts of similar
 * length so a batch pads little; maxTokens: the window a document is cut to (the model's own by default).
 */
export interface BatchSettings {
  maxBatchTokens: number;
  maxBatchSize: number;
  sortByLength: boolean;
  maxTokens?: number;
}

/**
 * Padded tokens per batch. Measured on 96 SciFact abstracts (docs/performance.md): 1024 beats 4096 in both
 * runtimes (onnxruntime-node 37 vs 30 docs/s, browser WASM 6.8 vs 6.3); 512 is faster natively (41) but slower
 * in the browser (6.3), and the browser is where people wait.
 */
export const DEFAULT_BATCH_SETTINGS: BatchSettings = { maxBatchTokens: 1024, maxBatchSize: 32, sortByLength: true };

export class Encoder {
  readonly fingerprint: ModelFingerprint;
  readonly key: string;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly spec: ModelSpec,
    private readonly extractor: FeatureExtractionPipeline,
    weightsSha256: string,
  ) {
    this.fingerprint = modelFingerprint(spec, weightsSha256);
    this.key = fingerprintKey(this.fingerprint);
  }

  static async load(options: EncoderOptions): Promise<Encoder> {
    const extractor = await pipeline('feature-extraction', options.modelPath ?? options.spec.id, {
      device: options.device,
      dtype: options.precision ?? 'q8',
      progress_callback: options.onLoadProgress,
      ...(options.preoptimized ? { session_options: { graphOptimizationLevel: 'disabled' as const } } : {}),
    });
    // transformers.js resolves a missing tokenizer to null instead of failing; fail here, with the reason.
    if (!extractor.tokenizer) throw new Error(`the tokenizer of ${options.spec.id} could not be loaded (tokenizer.json / tokenizer_config.json not found)`);
    return new Encoder(options.spec, extractor as FeatureExtractionPipeline, options.weightsSha256);
  }

  get dims(): number {
    return this.spec.dims;
  }

  /** Tokens the model will see for each text (special tokens included, capped at the window). */
  tokenCounts(texts: readonly string[]): number[] {
    const tokenizer = this.extractor.tokenizer;
    return texts.map((text) => Math.min(tokenizer.encode(text).length, this.spec.maxTokens));
  }

  /**
   * The query's vector, in the model's query form (ModelSpec.ranking.queryViews) unless `views` says otherwise
   * (null: the instructed view alone, as before; the benchmarks compare the two). Two views are one batch of 2,
   * so one onnxruntime run: docs/quality.md "The two-view query" measures what it costs.
   */
  async embedQuery(text: string, views: QueryViews | null = this.spec.ranking.queryViews): Promise<Float32Array> {
    const instructed = this.fitWindow(this.spec.queryPrefix + text);
    if (!views || views.plainWeight === 0) return (await this.run([instructed])).slice(0, this.dims);
    const both = await this.run([instructed, this.fitWindow(this.spec.documentPrefix + text)]);
    return combineViews(both, this.dims, views.plainWeight);
  }

  /** What `embedQuery(text, views)` depends on beyond the fingerprint: part of a query vector's cache key. */
  queryForm(views: QueryViews | null = this.spec.ranking.queryViews): string {
    return !views || views.plainWeight === 0 ? '' : `plain×${views.plainWeight}`;
  }

  /**
   * Cuts a text that is longer than the model window to the words that fit, keeping room for [CLS] and [SEP].
   * transformers.js truncates after adding the special tokens, so an over-long input would otherwise lose its
   * final [SEP] and be embedded as a sequence the model never saw in training (and unlike the Python reference).
   * Decoding word pieces and re-encoding gives the same tokens for a BERT uncased tokenizer.
   */
  private fitWindow(text: string, max = this.spec.maxTokens): string {
    const tokenizer = this.extractor.tokenizer;
    if (tokenizer.encode(text).length <= max) return text;
    const content = tokenizer.encode(text, { add_special_tokens: false });
    const specials = tokenizer.encode('').length;
    return tokenizer.decode(content.slice(0, max - specials), { skip_special_tokens: false });
  }

  /**
   * Embeds documents in length-sorted batches; returns one contiguous array, row i = texts[i].
   * `onBatch` runs after every batch (progress, and a point where the caller may persist or yield).
   * Aborting `signal` stops before the next batch (rejects with its reason); finished batches stay delivered.
   */
  async embedDocuments(
    texts: readonly string[],
    onBatch?: (progress: EmbedProgress, indices: readonly number[], vectors: Float32Array) => void | Promise<void>,
    signal?: AbortSignal,
    settings: BatchSettings = DEFAULT_BATCH_SETTINGS,
  ): Promise<Float32Array> {
    const dims = this.dims;
    const window = Math.min(settings.maxTokens ?? this.spec.maxTokens, this.spec.maxTokens);
    const prefixed = texts.map((text) => this.fitWindow(this.spec.documentPrefix + text, window));
    const out = new Float32Array(texts.length * dims);
    const { batches } = planBatches(this.tokenCounts(prefixed), settings.maxBatchTokens, settings.maxBatchSize, settings.sortByLength);
    let done = 0;
    for (const batch of batches) {
      signal?.throwIfAborted();
      const vectors = await this.run(batch.map((i) => prefixed[i]));
      batch.forEach((textIndex, row) => out.set(vectors.subarray(row * dims, (row + 1) * dims), textIndex * dims));
      done += batch.length;
      await onBatch?.({ done, total: texts.length }, batch, vectors);
    }
    return out;
  }

  /**
   * One inference at a time: a session refuses a second concurrent run on WebGPU ("Session already started").
   * Documents go in small batches, so a query typed during indexing waits for one batch, not the corpus.
   */
  private run(texts: string[]): Promise<Float32Array> {
    const result = this.queue.then(() => this.infer(texts));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async infer(texts: string[]): Promise<Float32Array> {
    const tensor = await this.extractor(texts, { pooling: this.spec.pooling, normalize: this.spec.normalize });
    return tensor.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.extractor.dispose();
  }
}

/** normalise(first row + plainWeight × second row) of a 2 × dims batch (both rows unit length from the model). */
export function combineViews(rows: Float32Array, dims: number, plainWeight: number): Float32Array {
  const out = new Float32Array(dims);
  let norm = 0;
  for (let d = 0; d < dims; d++) norm += (out[d] = rows[d] + plainWeight * rows[dims + d]) ** 2;
  const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let d = 0; d < dims; d++) out[d] *= inverse;
  return out;
}
