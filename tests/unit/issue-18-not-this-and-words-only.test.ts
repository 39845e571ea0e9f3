import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/base/paper.ts';
import { KeywordIndex } from '../../src/index/keyword.ts';
import { VectorMatrix } from '../../src/index/vector-matrix.ts';
import { resultRows } from '../../src/app/result-rows.ts';
import { NOT_THIS_DEMOTES } from '../../src/search/examples.ts';
import { SearchIndex, type SearchMode } from '../../src/search/search.ts';
import { memorySource, searchLibrary, type QueryEmbedder, type SearchableCorpus } from '../../src/search/searcher.ts';

/**
 * Issue 18.6: "Not this" weighs nothing with the measured defaults, so it hides one paper, and nothing else: the
 * others keep their order in every mode (it used to turn a Keywords search into a hybrid search by example).
 * Issue 18.1: each row ranked by its words alone during an import carries the mark its card shows.
 */

const papers: Paper[] = Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, title: `Heart model ${'heart '.repeat(6 - i)}`, abstract: `Signals ${i} of the heart.` }));
const DIMS = 6;
const axis = (i: number) => Float32Array.from({ length: DIMS }, (_, d) => (d === i ? 1 : d === (i + 1) % DIMS ? 0.4 : 0));

function corpus(present = papers.map((_, i) => i)): SearchableCorpus {
  const keyword = new KeywordIndex(papers);
  const rows = new Float32Array(papers.length * DIMS);
  papers.forEach((_, i) => rows.set(axis(i).map((x) => x / Math.hypot(1, 0.4)), i * DIMS));
  const mask = new Uint8Array(papers.length);
  for (const i of present) mask[i] = 1;
  return { papers, keyword, index: new SearchIndex(papers, new VectorMatrix(DIMS, papers.length, rows), undefined, keyword), present: mask, complete: present.length === papers.length };
}

const embedder: QueryEmbedder = { available: () => true, embedQuery: async () => axis(3) };
const ids = (hits: { index: number }[]) => hits.map((hit) => papers[hit.index].id);

describe('issue 18: "not this" hides one paper and changes nothing else', () => {
  it('is worded as hiding, because a negative weighs nothing by default', () => {
    expect(NOT_THIS_DEMOTES).toBe(false);
  });

  for (const mode of ['keyword', 'semantic', 'hybrid'] as SearchMode[]) {
    it(`${mode}: the ranking without the hidden paper, in the same mode`, async () => {
      const source = memorySource(corpus());
      const before = await searchLibrary(source, embedder, 'heart model', mode);
      const hidden = ids(before.hits)[1];
      const after = await searchLibrary(source, embedder, 'heart model', mode, { positive: [], negative: [hidden] });
      expect(ids(after.hits)).toEqual(ids(before.hits).filter((id) => id !== hidden));
      expect(after.mode).toBe(mode);
      expect(after.examples).toBeNull(); // not a ranking by example: its labels and cut stay
    });
  }
});

describe('issue 18: rows ranked by words only are marked', () => {
  it('a paper without a vector in a hybrid ranking during an import carries wordsOnly to its row', async () => {
    const outcome = await searchLibrary(memorySource(corpus([0, 1, 2])), embedder, 'heart model', 'hybrid');
    const rows = resultRows({ showingCorpus: false, papers, published: false, outcome, cut: null, showWeaker: true, inRegion: () => true });
    const marked = rows.filter((row) => row.wordsOnly).map((row) => row.paper.id);
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.every((id) => ['p3', 'p4', 'p5'].includes(id))).toBe(true);
    expect(rows.filter((row) => !row.wordsOnly).every((row) => ['p0', 'p1', 'p2'].includes(row.paper.id))).toBe(true);
  });
});
