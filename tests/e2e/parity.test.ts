import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { parseBeirQueries, parseQrels } from '../../src/corpus/beir.ts';
import { ndcgAtK } from '../../src/eval/metrics.ts';
import { documentText } from '../../src/base/paper-id.ts';
import type { Encoder } from '../../src/embedding/encoder.ts';
import { loadNodeEncoder } from '../../src/embedding/node-encoder.ts';
import { cosine } from '../../src/index/cosine.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { SearchIndex } from '../../src/search/search.ts';
import { withPage } from './browser.ts';
import { fp32Model } from '../support/requirements.ts';
import { PAPERS } from './helpers.ts';

/**
 * The browser (onnxruntime-web: WASM, and WebGPU on Chromium's software adapter) and Node (onnxruntime-node)
 * embed the same texts through the same Encoder. The build precomputes document vectors in Node and the
 * browser embeds queries against them, so what must hold is that both rank alike.
 *
 * The target is the ranking (issue 9): nDCG@10 with the browser's query vectors within 0.01 of Node's, here on
 * seed-dev (tests/fixtures) and, by `npx tsx tools/parity-ranking.ts`, on 200 SciFact claims (licensed data, so
 * not read by `npm test`); docs/quality.md "Browser and Node parity". Per-vector cosine >= 0.999 is unreachable
 * with the int8 model, as measured: dynamic int8 quantization rounds activations at every layer, and the native
 * (AVX-512) and WASM kernels differ in the last float bits, so a few vectors drift to ~0.995 -- as far as either
 * runtime is from the fp32 model, and both are equally close to it. The cosine bounds below stay as a mismatch
 * detector: a tokenisation, prefix or pooling mismatch drops cosine far below them (to ~0.9 or less).
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const SENTENCES: string[] = JSON.parse(readFileSync(resolve(ROOT, 'tests/fixtures/parity-sentences.json'), 'utf8')).texts;
const SEED_DEV = resolve(ROOT, 'tests/fixtures/seed-dev');
const SEED_QUERIES = parseBeirQueries(readFileSync(resolve(SEED_DEV, 'queries.jsonl'), 'utf8'));
const SEED_QRELS = parseQrels(readFileSync(resolve(SEED_DEV, 'qrels/test.tsv'), 'utf8'), new Set(PAPERS.map((_, i) => `p${String(i).padStart(3, '0')}`)));
const MIN_COSINE = 0.994;
/** The target: |nDCG@10 with browser query vectors - with Node's| at most this. */
const MAX_NDCG_DIFFERENCE = 0.01;
/** Two papers closer than this by Node's cosine are a near-tie: below the int8 drift between the runtimes. */
const NEAR_TIE = 0.001;
const fp32 = fp32Model('bge-small-en-v1.5');
const MIN_MEAN_COSINE = 0.998;

type Kind = 'document' | 'query';

async function nodeVectors(encoder: Encoder, texts: string[], kind: Kind): Promise<Float32Array[]> {
  if (kind === 'query') return Promise.all(texts.map((text) => encoder.embedQuery(text)));
  const flat = await encoder.embedDocuments(texts);
  return texts.map((_, i) => flat.subarray(i * encoder.dims, (i + 1) * encoder.dims));
}

async function browserVectors(texts: string[], kind: Kind, backend: 'wasm' | 'webgpu'): Promise<Float32Array[]> {
  return withPage({ webgpu: backend === 'webgpu' }, async (page) => {
    await page.goto(new URL('bench.html', inject('benchUrl')).href);
    await page.waitForFunction(() => window.paperSearchBench !== undefined);
    const result = await page.evaluate(([t, k, b]) => window.paperSearchBench!.vectors(t, k, b), [texts, kind, backend] as const);
    expect(result.backend).toBe(backend);
    return result.vectors.map((v) => Float32Array.from(v));
  });
}

function cosines(a: Float32Array[], b: Float32Array[], label: string): { min: number; mean: number } {
  expect(a).toHaveLength(b.length);
  const all = a.map((vector, i) => cosine(vector, b[i]));
  const result = { min: Math.min(...all), mean: all.reduce((sum, c) => sum + c, 0) / all.length };
  // The measured figures, for docs/quality.md (`npm run test:e2e -- parity`).
  console.log(`parity ${label}: n=${all.length} min=${result.min.toFixed(5)} mean=${result.mean.toFixed(5)}`);
  return result;
}

describe('browser and Node embed alike', () => {
  let encoder: Encoder;
  beforeAll(async () => {
    encoder = await loadNodeEncoder('bge-small-en-v1.5');
  });
  afterAll(() => encoder.dispose());

  const documents = [...PAPERS.slice(0, 24).map(documentText), ...SENTENCES];
  /** The vectors of the next test, reused by the fp32 comparison after it (one browser run for both). */
  let documentVectors: { node: Float32Array[]; web: Float32Array[] } | undefined;

  test('wasm: abstracts and sentences embedded as documents agree with Node', async () => {
    const [node, web] = await Promise.all([nodeVectors(encoder, documents, 'document'), browserVectors(documents, 'document', 'wasm')]);
    documentVectors = { node, web };
    const { min, mean } = cosines(web, node, 'wasm documents');
    expect(min).toBeGreaterThanOrEqual(MIN_COSINE);
    expect(mean).toBeGreaterThanOrEqual(MIN_MEAN_COSINE);
  });

  test.skipIf(!fp32.available)(`wasm and Node int8 documents are equally close to the fp32 original${fp32.note}`, async () => {
    // Neither runtime's int8 rounding is the better one: both are as close to the fp32 original.
    if (!documentVectors) throw new Error('needs the vectors of the previous test, which did not complete');
    const { node, web } = documentVectors;
    const original = await loadNodeEncoder('bge-small-en-v1.5', { precision: 'fp32' });
    const reference = await nodeVectors(original, documents, 'document');
    await original.dispose();
    const nodeToFp32 = cosines(node, reference, 'node int8 vs fp32 documents');
    const webToFp32 = cosines(web, reference, 'wasm int8 vs fp32 documents');
    expect(Math.abs(webToFp32.mean - nodeToFp32.mean)).toBeLessThan(0.001);
  });

  test('wasm: browser query vectors rank the bundled papers as Node query vectors do (seed-dev nDCG@10 within 0.01)', async () => {
    // The app's form: Node's document vectors, int8 in memory, the default ranking (hybrid feedback included).
    const docs = await encoder.embedDocuments(PAPERS.map(documentText));
    const index = new SearchIndex(PAPERS, QuantizedMatrix.fromFloat32(encoder.dims, docs));
    const queries = SEED_QUERIES.filter((q) => SEED_QRELS.has(q.id));
    const texts = queries.map((q) => q.text);
    const [node, web] = await Promise.all([nodeVectors(encoder, texts, 'query'), browserVectors(texts, 'query', 'wasm')]);
    for (const mode of ['hybrid', 'semantic'] as const) {
      // seed-dev ids are p000..p095 in file order.
      const rank = (i: number, vector: Float32Array) => index.rank(mode, queries[i].text, vector, 10);
      const ids = (i: number, vector: Float32Array) => rank(i, vector).map((hit) => `p${String(hit.index).padStart(3, '0')}`);
      const perQuery = (vectors: Float32Array[]) => vectors.map((v, i) => ndcgAtK(ids(i, v), SEED_QRELS.get(queries[i].id)!, 10));
      const [nodeScores, webScores] = [perQuery(node), perQuery(web)];
      const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
      const difference = mean(webScores) - mean(nodeScores);
      console.log(`parity seed-dev ${mode} nDCG@10: Node queries ${mean(nodeScores).toFixed(4)}, browser queries ${mean(webScores).toFixed(4)}`);
      if (mode === 'hybrid') {
        // The app's ranking: the target, as it stands.
        expect(Math.abs(difference), mode).toBeLessThanOrEqual(MAX_NDCG_DIFFERENCE);
        continue;
      }
      // Semantic mode on 24 questions: one question (d22) has its two best papers 0.0007 apart by cosine, less
      // than the runtimes' int8 drift, and flipping it alone moves the mean by 0.015 (measured, docs/quality.md;
      // on 200 SciFact claims the difference is 0.001). So: within 0.01 once such near-ties are set aside, and at
      // most one of them.
      const nearTies = queries.flatMap((_, i) => {
        if (nodeScores[i] === webScores[i]) return [];
        const [a, b] = [rank(i, node[i]), rank(i, web[i])];
        const at = a.findIndex((hit, r) => hit.index !== b[r]?.index);
        const other = a.find((hit) => hit.index === b[at]?.index);
        return other && a[at].score - other.score < NEAR_TIE ? [i] : [];
      });
      const kept = queries.map((_, i) => i).filter((i) => !nearTies.includes(i));
      const keptDifference = mean(kept.map((i) => webScores[i])) - mean(kept.map((i) => nodeScores[i]));
      console.log(`parity seed-dev semantic: ${nearTies.length} near-tie(s) flipped (${nearTies.map((i) => queries[i].id).join(', ')}); difference without them ${keptDifference.toFixed(4)}`);
      expect(nearTies.length).toBeLessThanOrEqual(1);
      // Setting a near-tie aside is a leniency, not a second target: two flips that cancel (measured with the plain
      // WASM build: d9 a near-tie, another question the other way, means 0.9765 on both sides) pass on the whole.
      expect(Math.min(Math.abs(difference), Math.abs(keptDifference))).toBeLessThanOrEqual(MAX_NDCG_DIFFERENCE);
    }
    expect(cosines(web, node, 'wasm seed-dev queries').mean).toBeGreaterThanOrEqual(MIN_MEAN_COSINE);
  });

  test('webgpu (SwiftShader): queries and sentences agree with Node', async () => {
    // SwiftShader runs WebGPU on the CPU, slowly: a small sample keeps this test to a few seconds.
    const texts = SENTENCES.slice(0, 8);
    const [node, web] = await Promise.all([nodeVectors(encoder, texts, 'document'), browserVectors(texts, 'document', 'webgpu')]);
    const { min, mean } = cosines(web, node, 'webgpu sentences');
    expect(min).toBeGreaterThanOrEqual(MIN_COSINE);
    expect(mean).toBeGreaterThanOrEqual(MIN_MEAN_COSINE);
  });
});
