import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import { documentText } from '../../src/base/paper-id.ts';
import type { Paper } from '../../src/base/paper.ts';
import { combineViews, type Encoder } from '../../src/embedding/encoder.ts';
import { fingerprintKey, modelFingerprint, weightsHashFromProvenance } from '../../src/embedding/fingerprint.ts';
import { getModelSpec } from '../../src/embedding/models.ts';
import { loadNodeEncoder } from '../../src/embedding/node-encoder.ts';
import { cosine } from '../../src/index/cosine.ts';
import { VectorMatrix } from '../../src/index/vector-matrix.ts';
import { SearchIndex } from '../../src/search/search.ts';
import { fp32Model } from '../support/requirements.ts';

/**
 * The real vendored model (public/models/bge-small-en-v1.5, int8) on onnxruntime-node, through the same
 * Encoder class the browser worker uses. No mocks: every assertion here depends on the actual weights,
 * tokenizer and transformers.js pipeline.
 */

const MODEL_ID = 'bge-small-en-v1.5';
const DIMS = 384;
const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const papers: Paper[] = parseDailyPapers(readFileSync(root('data/daily-papers.txt'), 'utf8'));

let encoder: Encoder;
let tokenizer: PreTrainedTokenizer;
let docVectors: Float32Array;
let index: SearchIndex;

function row(i: number): Float32Array {
  return docVectors.subarray(i * DIMS, (i + 1) * DIMS);
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function expectUnitVector(v: Float32Array): void {
  expect(v).toHaveLength(DIMS);
  expect(v.every(Number.isFinite)).toBe(true);
  expect(norm(v)).toBeCloseTo(1, 4);
}

function paperIndexByTitle(prefix: string): number {
  const i = papers.findIndex((p) => p.title.startsWith(prefix));
  if (i < 0) throw new Error(`no bundled paper titled "${prefix}..."`);
  return i;
}

beforeAll(async () => {
  encoder = await loadNodeEncoder(MODEL_ID);
  // loadNodeEncoder pointed transformers' env at public/models, local files only; the same tokenizer files.
  tokenizer = await AutoTokenizer.from_pretrained(MODEL_ID);
  docVectors = await encoder.embedDocuments(papers.map(documentText));
  index = new SearchIndex(papers, new VectorMatrix(DIMS, papers.length, docVectors));
});

afterAll(async () => {
  await encoder?.dispose();
});

describe('vendored bge-small-en-v1.5 int8 encoder in Node', () => {
  it('cache key is the fingerprint of the shipped spec and the weights + tokenizer hashes from PROVENANCE.json', () => {
    const provenance = JSON.parse(readFileSync(root(`public/models/${MODEL_ID}/PROVENANCE.json`), 'utf8'));
    const expected = fingerprintKey(modelFingerprint(getModelSpec(MODEL_ID), weightsHashFromProvenance(provenance)));
    expect(encoder.key).toBe(expected);
    expect(encoder.dims).toBe(DIMS);
  });

  it('embeds all 96 bundled papers as finite unit-norm 384-dim vectors', () => {
    expect(papers).toHaveLength(96);
    expect(docVectors).toHaveLength(96 * DIMS);
    for (let i = 0; i < papers.length; i++) expectUnitVector(row(i));
    // Not all the same vector (a broken pooling or an all-padding batch would collapse them).
    expect(cosine(row(0), row(95))).toBeLessThan(0.95);
  });

  it('embedding the same query twice gives the identical vector', async () => {
    const a = await encoder.embedQuery('low-rank adaptation for efficient fine-tuning');
    const b = await encoder.embedQuery('low-rank adaptation for efficient fine-tuning');
    expectUnitVector(a);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('int8: batch embedding matches one-at-a-time embedding for all 96 papers (cosine > 0.99, own row nearest)', async () => {
    // The int8 export quantizes activations dynamically with one scale per tensor, so a text's vector moves
    // slightly with its batch mates (measured cosine ~0.995 even between equal-length texts). Exact batch
    // equality is pinned on fp32 below; here: padding is masked (an unmasked pad would cost far more than
    // 0.01) and every row lands at its own text's index (a reordering bug would make another row nearer).
    for (let i = 0; i < papers.length; i++) {
      const single = await encoder.embedDocuments([documentText(papers[i])]);
      const own = cosine(single, row(i));
      expect(own, `paper ${i} "${papers[i].title}"`).toBeGreaterThan(0.99);
      for (let j = 0; j < papers.length; j++) if (j !== i) expect(cosine(single, row(j))).toBeLessThan(own);
    }
  });

  it('int8: a batch of identical texts gives identical rows (batching itself adds no noise)', async () => {
    const text = documentText(papers[1]);
    const batch = await encoder.embedDocuments([text, text, text]);
    expect(Array.from(batch.subarray(DIMS, 2 * DIMS))).toEqual(Array.from(batch.subarray(0, DIMS)));
    expect(Array.from(batch.subarray(2 * DIMS))).toEqual(Array.from(batch.subarray(0, DIMS)));
  });

  it('"a German language model" ranks GottBERT first', async () => {
    const hits = index.rank('semantic', 'a German language model', await encoder.embedQuery('a German language model'), 5);
    expect(papers[hits[0].index].title).toBe('GottBERT: a pure German Language Model');
  });

  const questions: Array<[query: string, titlePrefix: string]> = [
    ['optimizers that store their state in 8 bits to save memory', '8-bit Optimizers via Block-wise Quantization'],
    ['fine-tuning language models on encrypted inputs for private inference', 'SentinelLMs'],
    ['a foundation model for ECG signals trained on millions of recordings', 'An Electrocardiogram Foundation Model'],
    ['a benchmark for Korean language understanding', 'KLUE: Korean Language Understanding Evaluation'],
    ['a French language model', 'CamemBERT 2.0'],
  ];
  it.each(questions)('semantic search for "%s" ranks "%s" first', async (query, titlePrefix) => {
    const hits = index.rank('semantic', query, await encoder.embedQuery(query), 5);
    const expected = paperIndexByTitle(titlePrefix);
    expect(papers[hits[0].index].title, `top 5: ${hits.map((h) => papers[h.index].title.slice(0, 50)).join(' | ')}`).toBe(papers[expected].title);
  });

  it('a 5,000-word query does not crash and is truncated at the 512-token model window', async () => {
    const words = papers.map((p) => p.abstract).join(' ').split(' ');
    const longQuery = words.slice(0, 5000).join(' ');
    expect(longQuery.split(' ')).toHaveLength(5000);

    const prefix = getModelSpec(MODEL_ID).queryPrefix;
    const prefixTokens = tokenizer.encode(prefix, { add_special_tokens: false }).length;
    const contentTokens = tokenizer.encode(longQuery, { add_special_tokens: false });
    // [CLS] prefix content [SEP] = 512 tokens; decode the content that fits back into text.
    const fits = 512 - 2 - prefixTokens;
    const head = tokenizer.decode(contentTokens.slice(0, fits), { skip_special_tokens: true });
    expect(tokenizer.encode(prefix + head).length).toBe(512);

    // The instructed view alone (views null): the plain view's window holds the prefix's tokens more of the text.
    const long = await encoder.embedQuery(longQuery, null);
    expectUnitVector(long);
    expect(cosine(long, await encoder.embedQuery(head, null))).toBeGreaterThan(0.9999);
    // And it is not truncated earlier than the window: a shorter head gives a measurably different vector.
    const shorter = tokenizer.decode(contentTokens.slice(0, fits - 100), { skip_special_tokens: true });
    expect(cosine(long, await encoder.embedQuery(shorter, null))).toBeLessThan(0.999);
    expectUnitVector(await encoder.embedQuery(longQuery, { plainWeight: 2 })); // both views, each cut at its own window
  });

  it('issue 16.6: the two-view query is normalise(instructed + 2 × plain), the two views one batch of 2', async () => {
    const views = { plainWeight: 2 };
    const query = 'low-rank adaptation for efficient fine-tuning';
    const both = await encoder.embedQuery(query, views);
    expectUnitVector(both);
    // The same two texts as one batch, combined by hand: identical.
    const batch = await encoder.embedDocuments([getModelSpec(MODEL_ID).queryPrefix + query, query], undefined, undefined, { maxBatchTokens: 4096, maxBatchSize: 2, sortByLength: false });
    expect(Array.from(both)).toEqual(Array.from(combineViews(batch, DIMS, 2)));
    // Each view embedded alone: int8 activations are quantized per batch, so close, not equal.
    const apart = combineViews(Float32Array.from([...(await encoder.embedQuery(query, null)), ...(await encoder.embedDocuments([query]))]), DIMS, 2);
    expect(cosine(both, apart)).toBeGreaterThan(0.99);
    // The plain view pulls toward the words as a document reads them: neither view alone.
    expect(cosine(both, await encoder.embedQuery(query, null))).toBeLessThan(0.999);
  });

  it.each(['', '🙂🙂🙂', 'asdkjh qwe'])('degenerate query %j gives a finite unit vector', async (query) => {
    const v = await encoder.embedQuery(query);
    expectUnitVector(v);
    const hits = index.rank('semantic', query, v, 3);
    expect(hits).toHaveLength(3);
    expect(hits.every((h) => Number.isFinite(h.score))).toBe(true);
  });
});

const fp32Original = fp32Model(MODEL_ID);

// The fp32 export has no activation quantization, so batching must be exact. It is fetched on demand
// (`npm run fetch-model -- bge-small-en-v1.5 --fp32`); without it this block is reported as skipped.
describe.skipIf(!fp32Original.available)(`fp32 bge-small-en-v1.5: length-sorted padded batches equal one-at-a-time embedding${fp32Original.note}`, () => {
  let fp32: Encoder;
  beforeAll(async () => {
    fp32 = await loadNodeEncoder(MODEL_ID, { precision: 'fp32' });
  });
  afterAll(async () => {
    await fp32?.dispose();
  });

  it('batch of mixed lengths (shortest, longest, a few words, a 5,000-word text) equals single embeddings, cosine > 0.9999', async () => {
    const byLength = papers.map((p, i) => ({ i, n: documentText(p).length })).sort((a, b) => a.n - b.n);
    const picks = [...byLength.slice(0, 3), ...byLength.slice(-3), byLength[48]].map((x) => documentText(papers[x.i]));
    const longText = papers.map((p) => p.abstract).join(' ').split(' ').slice(0, 5000).join(' ');
    const texts = ['GottBERT', ...picks, 'state space models', longText];
    const batch = await fp32.embedDocuments(texts);
    for (let t = 0; t < texts.length; t++) {
      const single = await fp32.embedDocuments([texts[t]]);
      expect(cosine(single, batch.subarray(t * DIMS, (t + 1) * DIMS)), texts[t].slice(0, 40)).toBeGreaterThan(0.9999);
    }
  });
});
