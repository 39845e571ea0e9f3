import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env } from '@huggingface/transformers';
import { Encoder, type Precision } from './encoder.ts';
import { weightsHashFromProvenance, type Provenance } from './fingerprint.ts';
import { getModelSpec } from './models.ts';

/**
 * The one place Node code (eval, the indexer, benchmarks, parity checks) gets an Encoder: it finds the model
 * folder, reads its PROVENANCE.json for the weights hash (so Node cache keys equal the browser's), points
 * transformers.js at local files only, and loads the same Encoder class the browser worker uses.
 */

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface NodeEncoderOptions {
  precision?: Precision;
  /** A shorter document window than the model's (issue 16.2's experiment); it is part of the fingerprint, so vectors cache apart. */
  maxTokens?: number;
}

export interface ModelLocation {
  /** Folder that holds the model folder; becomes transformers' env.localModelPath. */
  baseDir: string;
  /** Name of the model folder inside baseDir. */
  folder: string;
}

/** Where a model's files live: public/models (the shipped int8 model) or .cache/models (fetched on demand). */
export function locateModel(modelId: string, precision: Precision = 'q8', root = PROJECT_ROOT): ModelLocation {
  const weights = precision === 'fp32' ? 'onnx/model.onnx' : 'onnx/model_quantized.onnx';
  const folder = precision === 'fp32' ? `${modelId}-fp32` : modelId;
  const candidates = precision === 'fp32' ? [join(root, '.cache', 'models')] : [join(root, 'public', 'models'), join(root, '.cache', 'models')];
  for (const baseDir of candidates) {
    if (existsSync(join(baseDir, folder, weights)) && existsSync(join(baseDir, folder, 'PROVENANCE.json'))) return { baseDir, folder };
  }
  const fetch = `npm run fetch-model -- ${modelId}${precision === 'fp32' ? ' --fp32' : ''}`;
  throw new Error(`Model "${modelId}" (${precision}) not found in ${candidates.join(' or ')}; fetch it with: ${fetch}`);
}

export function readProvenance(location: ModelLocation): Provenance {
  const file = join(location.baseDir, location.folder, 'PROVENANCE.json');
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof value !== 'object' || value === null || typeof (value as Provenance).sha256 !== 'object') {
    throw new Error(`${file}: expected an object with a "sha256" map`);
  }
  return value as Provenance;
}

/** Loads `modelId` from local files on onnxruntime-node's CPU backend. Never touches the network. */
export async function loadNodeEncoder(modelId: string, options: NodeEncoderOptions = {}): Promise<Encoder> {
  const modelSpec = getModelSpec(modelId);
  const spec = options.maxTokens ? { ...modelSpec, maxTokens: Math.min(options.maxTokens, modelSpec.maxTokens) } : modelSpec;
  const precision = options.precision ?? 'q8';
  const location = locateModel(modelId, precision);
  const weightsSha256 = weightsHashFromProvenance(readProvenance(location));
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  // transformers.js joins localModelPath and the model path, so the folder needs its trailing slash.
  env.localModelPath = location.baseDir + '/';
  return Encoder.load({ spec, weightsSha256, device: 'cpu', precision, modelPath: location.folder });
}
