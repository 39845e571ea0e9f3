import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import { documentText } from '../../src/base/paper-id.ts';
import { Encoder } from '../../src/embedding/encoder.ts';
import { weightsHashFromProvenance, type Provenance } from '../../src/embedding/fingerprint.ts';
import { getModelSpec } from '../../src/embedding/models.ts';
import { loadNodeEncoder } from '../../src/embedding/node-encoder.ts';
import { cosine } from '../../src/index/cosine.ts';
import { optimizedModel } from '../../tools/build/optimized-model.ts';

/**
 * Issue 16.5: a built site serves the model as onnxruntime's optimized graph (tools/build/optimized-model.ts),
 * loaded with graph optimization off, under the source model's fingerprint. That is only sound if the vectors
 * are the source model's: checked here on the real model with the app's Encoder.
 */

const MODEL_ID = 'bge-small-en-v1.5';
const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const modelDir = root(`public/models/${MODEL_ID}`);
const source = join(modelDir, 'onnx/model_quantized.onnx');
const texts = parseDailyPapers(readFileSync(root('data/daily-papers.txt'), 'utf8'))
  .slice(0, 12)
  .map(documentText);

let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'optimized-model-'));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('issue 16.5: the model onnxruntime optimized at build time', () => {
  it('is another graph of the same model, written the same way every time', async () => {
    const first = await optimizedModel(source, join(scratch, 'cache-a'));
    const second = await optimizedModel(source, join(scratch, 'cache-b'));
    expect(first.bytes.equals(second.bytes)).toBe(true);
    expect(first.bytes.equals(readFileSync(source))).toBe(false);
    expect(first.level).toBe('extended');
  });

  it('gives the source model’s vectors, loaded with graph optimization off', async () => {
    const original = await loadNodeEncoder(MODEL_ID);
    const expected = await original.embedDocuments(texts);
    const expectedQuery = await original.embedQuery('how do I fine-tune a big model on one GPU?');

    // A model folder like a built site's: the optimized graph under the same file name.
    const folder = join(scratch, 'models', MODEL_ID);
    mkdirSync(join(folder, 'onnx'), { recursive: true });
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'PROVENANCE.json']) copyFileSync(join(modelDir, file), join(folder, file));
    writeFileSync(join(folder, 'onnx/model_quantized.onnx'), (await optimizedModel(source, join(scratch, 'cache-a'))).bytes);
    const provenance = JSON.parse(readFileSync(join(modelDir, 'PROVENANCE.json'), 'utf8')) as Provenance;
    env.localModelPath = join(scratch, 'models') + '/';
    const optimized = await Encoder.load({ spec: getModelSpec(MODEL_ID), weightsSha256: weightsHashFromProvenance(provenance), device: 'cpu', modelPath: MODEL_ID, preoptimized: true });

    expect(optimized.key).toBe(original.key);
    const vectors = await optimized.embedDocuments(texts);
    const dims = optimized.dims;
    for (let i = 0; i < texts.length; i++) {
      expect(cosine(vectors.subarray(i * dims, (i + 1) * dims), expected.subarray(i * dims, (i + 1) * dims))).toBeGreaterThan(0.99999);
    }
    expect(cosine(await optimized.embedQuery('how do I fine-tune a big model on one GPU?'), expectedQuery)).toBeGreaterThan(0.99999);
  });
});
