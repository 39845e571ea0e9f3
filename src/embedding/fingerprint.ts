import { sha256Hex } from '../base/hash.ts';
import type { ModelSpec } from './models.ts';

/**
 * A model's identity for caching: everything that changes the vectors it produces. Two encoders with the
 * same fingerprint give the same vector for the same text, so a vector cached under it can be reused.
 */
export interface ModelFingerprint {
  id: string;
  weightsSha256: string;
  pooling: ModelSpec['pooling'];
  normalize: boolean;
  queryPrefix: string;
  documentPrefix: string;
  maxTokens: number;
  dims: number;
}

export function modelFingerprint(spec: ModelSpec, weightsSha256: string): ModelFingerprint {
  return {
    id: spec.id,
    weightsSha256,
    pooling: spec.pooling,
    normalize: spec.normalize,
    queryPrefix: spec.queryPrefix,
    documentPrefix: spec.documentPrefix,
    maxTokens: spec.maxTokens,
    dims: spec.dims,
  };
}

/** Short, stable key of a fingerprint: the prefix of every cache key (browser IndexedDB and the Node disk cache). */
export function fingerprintKey(fp: ModelFingerprint): string {
  const canonical = JSON.stringify([fp.id, fp.weightsSha256, fp.pooling, fp.normalize, fp.queryPrefix, fp.documentPrefix, fp.maxTokens, fp.dims]);
  return `${fp.id}@${sha256Hex(canonical).slice(0, 16)}`;
}

/** Provenance written by tools/fetch-model.ts beside the model files; the weights' hash comes from here. */
export interface Provenance {
  model: string;
  /** Each file's sha256 as fetched: the weights' is the fingerprint's, whatever form the site serves them in. */
  sha256: Record<string, string>;
  /**
   * Files a built site serves as onnxruntime's optimized graph of the file named (tools/build/optimized-model.ts):
   * the served bytes' sha256, which the worker checks instead. Same weights, same vectors, same fingerprint.
   */
  optimized?: Record<string, OptimizedFile>;
}

export interface OptimizedFile {
  sha256: string;
  onnxruntime: string;
  level: string;
}

/** sha256 of each file as this site serves it: the optimized graph's hash where there is one. */
export function servedHashes(provenance: Provenance): Record<string, string> {
  const served = { ...provenance.sha256 };
  for (const [file, optimized] of Object.entries(provenance.optimized ?? {})) {
    if (file in served && typeof optimized?.sha256 === 'string') served[file] = optimized.sha256;
  }
  return served;
}

/** The weights are served already optimized: onnxruntime must not spend the start-up optimizing them again. */
export function weightsPreoptimized(provenance: Provenance): boolean {
  return Object.keys(provenance.optimized ?? {}).some((file) => file.endsWith('.onnx') && file in provenance.sha256);
}

/**
 * The files' part of the fingerprint: the onnx weights' sha256, combined with tokenizer.json's when the
 * provenance lists it (a new tokenizer changes the vectors as surely as new weights do).
 */
export function weightsHashFromProvenance(provenance: Provenance): string {
  const weights = provenance.sha256['onnx/model_quantized.onnx'] ?? provenance.sha256['onnx/model.onnx'];
  if (!weights) throw new Error(`PROVENANCE.json of ${provenance.model} lists no onnx weights`);
  const tokenizer = provenance.sha256['tokenizer.json'];
  return tokenizer ? sha256Hex(`${weights}:${tokenizer}`) : weights;
}
