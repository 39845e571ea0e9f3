import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBeirQueries, parseQrels } from '../../src/corpus/beir.ts';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import { documentText } from '../../src/base/paper-id.ts';
import type { Encoder } from '../../src/embedding/encoder.ts';
import { loadNodeEncoder } from '../../src/embedding/node-encoder.ts';
import { QuantizedMatrix } from '../../src/index/quantized-matrix.ts';
import { relevanceCut, relevanceLabel } from '../../src/search/relevance.ts';
import { SearchIndex, type SearchMode } from '../../src/search/search.ts';

/**
 * The relevance cut-off (src/search/relevance.ts) with the real model over the 96 bundled papers, int8 vectors
 * and the default ranking, as in the app: nonsense finds no strong match in any mode, the seed-dev questions do,
 * and what is shown as strong is what seed-dev judges relevant.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const papers = parseDailyPapers(readFileSync(resolve(ROOT, 'data/daily-papers.txt'), 'utf8'));
const SEED = resolve(ROOT, 'tests/fixtures/seed-dev');
// seed-dev ids are p000..p095 in the bundled papers' order.
const seedId = (index: number) => `p${String(index).padStart(3, '0')}`;
const qrels = parseQrels(readFileSync(resolve(SEED, 'qrels/test.tsv'), 'utf8'), new Set(papers.map((_, i) => seedId(i))));
const questions = parseBeirQueries(readFileSync(resolve(SEED, 'queries.jsonl'), 'utf8')).filter((q) => qrels.has(q.id));

const NONSENSE = ['asdf qwerty', '<img src=x onerror=alert(1)>', 'lorem ipsum dolor sit amet', 'zxcvbnm', '12345 67890', '!!!???'];
const MODES: SearchMode[] = ['hybrid', 'semantic', 'keyword'];

let encoder: Encoder;
let index: SearchIndex;

beforeAll(async () => {
  encoder = await loadNodeEncoder('bge-small-en-v1.5');
  const vectors = await encoder.embedDocuments(papers.map(documentText));
  index = new SearchIndex(papers, QuantizedMatrix.fromFloat32(encoder.dims, vectors));
});
afterAll(() => encoder.dispose());

async function cut(mode: SearchMode, query: string) {
  const hits = index.rank(mode, query, mode === 'keyword' ? null : await encoder.embedQuery(query), 50);
  return { hits, ...relevanceCut(mode, hits, { query, papers: papers.length }) };
}

describe('relevance cut-off on the bundled papers (real model, int8, default ranking)', () => {
  it.each(MODES)('%s: nonsense queries get no strong match, and say so with 0 strong', async (mode) => {
    for (const query of NONSENSE) {
      const { strong, more, hits } = await cut(mode, query);
      expect(strong, `${mode} "${query}"`).toBe(0);
      expect(more).toBe(hits.length);
    }
  });

  it.each(['hybrid', 'semantic'] as const)('%s: most seed-dev questions get a strong match, and the strong ones are relevant', async (mode) => {
    let answered = 0;
    let shown = 0;
    let relevant = 0;
    for (const question of questions) {
      const { hits, strong } = await cut(mode, question.text);
      if (strong > 0) answered++;
      for (const hit of hits.slice(0, strong)) {
        shown++;
        if ((qrels.get(question.id)!.get(seedId(hit.index)) ?? 0) > 0) relevant++;
      }
      // Labels agree with the cut: strong exactly for the first `strong` hits.
      hits.forEach((hit, i) => expect(relevanceLabel(mode, hit.score) === 'strong').toBe(i < strong));
    }
    console.log(`relevance ${mode} on seed-dev: ${answered}/${questions.length} questions with a strong match; ${relevant}/${shown} strong hits judged relevant`);
    // Measured (tools/choose-cutoff.ts, docs/quality.md): hybrid 100 % precision, ~1 strong hit per question.
    expect(answered).toBeGreaterThanOrEqual(Math.ceil(questions.length * 0.6));
    expect(relevant / shown).toBeGreaterThanOrEqual(0.8);
  });
});
