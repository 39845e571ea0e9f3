import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/base/paper.ts';
import { relevanceThresholds } from '../../src/search/relevance.ts';
import type { SearchMode } from '../../src/search/search.ts';
import { CLOSEST_WHEN_NONE, resultCut, resultRows, rowRelevance, scoredMode, scoreLabel } from '../../src/app/result-rows.ts';
import { RESULT_LIMIT, type SearchOutcome } from '../../src/search/searcher.ts';

const PAPERS: Paper[] = Array.from({ length: 8 }, (_, i) => ({ id: `p${i}`, title: `Paper ${i}`, abstract: '' }));
// Scores around the shipped model's measured thresholds (whatever they are): two strong, one good, the rest weak.
const semantic = relevanceThresholds('semantic');
if (!semantic) throw new Error('the shipped model has semantic thresholds');
const STRONG = semantic.strong + 0.01;
const GOOD = (semantic.strong + semantic.good) / 2;
const WEAK = semantic.good - 0.05;

function outcome(scores: number[], extra: Partial<SearchOutcome> = {}, mode: SearchMode = 'semantic'): SearchOutcome {
  return { query: 'heart', papers: PAPERS, mode, hits: scores.map((score, index) => ({ index, score })), elapsedMs: 1, partial: false, fallback: null, unavailable: [], queryCut: null, timings: null, examples: null, exampleProblem: null, ...extra };
}
const all = () => true;

describe('resultCut', () => {
  it('shows the leading strong and good results and holds the weak rest back', () => {
    expect(resultCut(outcome([STRONG, STRONG, GOOD, WEAK, WEAK]), undefined)).toEqual({ plausible: 3, shown: 3, strong: 2, more: 2 });
  });

  it('with nothing plausible, keeps the closest few in view', () => {
    expect(resultCut(outcome([WEAK, WEAK, WEAK, WEAK, WEAK]), undefined)).toEqual({ plausible: 0, shown: CLOSEST_WHEN_NONE, strong: 0, more: 5 - CLOSEST_WHEN_NONE });
  });

  it('does not cut a ranking by examples (another scale), nor a model without thresholds, nor no outcome', () => {
    expect(resultCut(outcome([WEAK, WEAK], { examples: { positive: ['p1'], negative: [] } }), undefined)).toBeNull();
    expect(resultCut(outcome([WEAK, WEAK]), 'all-MiniLM-L6-v2')).toBeNull(); // no thresholds measured for it
    expect(resultCut(null, undefined)).toBeNull();
  });
});

describe('resultRows', () => {
  const base = { showingCorpus: false, papers: PAPERS, published: false, showWeaker: false, inRegion: all };

  it('lists the hits up to the cut, and all of them when the weaker ones are asked for', () => {
    const answer = outcome([STRONG, GOOD, WEAK, WEAK]);
    const cut = resultCut(answer, undefined);
    expect(resultRows({ ...base, outcome: answer, cut }).map((row) => row.paper.id)).toEqual(['p0', 'p1']);
    expect(resultRows({ ...base, outcome: answer, cut, showWeaker: true }).map((row) => [row.paper.id, row.score])).toEqual([
      ['p0', STRONG],
      ['p1', GOOD],
      ['p2', WEAK],
      ['p3', WEAK],
    ]);
  });

  it('keeps only the papers of the region chosen on the map', () => {
    const answer = outcome([STRONG, STRONG, STRONG]);
    const rows = resultRows({ ...base, outcome: answer, cut: null, inRegion: (id) => id !== 'p1' });
    expect(rows.map((row) => row.paper.id)).toEqual(['p0', 'p2']);
  });

  it('without a query lists the library itself, unscored; a published library only its first rows', () => {
    const listed = resultRows({ ...base, showingCorpus: true, outcome: null, cut: null });
    expect(listed).toEqual(PAPERS.map((paper) => ({ paper, score: null })));
    const sparse = new Array<Paper>(RESULT_LIMIT * 4);
    sparse[0] = PAPERS[0];
    sparse[RESULT_LIMIT + 3] = PAPERS[1]; // read, but past the first page
    expect(resultRows({ ...base, showingCorpus: true, papers: sparse, published: true, outcome: null, cut: null }).map((row) => row.paper.id)).toEqual(['p0']);
  });

  it('is empty while the first answer is on its way', () => {
    expect(resultRows({ ...base, outcome: null, cut: null })).toEqual([]);
  });
});

describe('labels', () => {
  it('a row is labelled on its outcome scale; listed rows and rankings by example are not labelled', () => {
    expect(rowRelevance(outcome([STRONG]), STRONG, undefined)).toBe('strong');
    expect(rowRelevance(outcome([WEAK]), WEAK, undefined)).toBe('weak');
    expect(rowRelevance(outcome([STRONG]), null, undefined)).toBeNull();
    expect(rowRelevance(outcome([STRONG], { examples: { positive: ['p1'], negative: [] } }), STRONG, undefined)).toBeNull();
  });

  it('keyword matches standing in for meaning are scored and labelled as keywords', () => {
    const fallback = outcome([3], { fallback: 'model-unavailable' }, 'hybrid');
    expect(scoredMode(fallback)).toBe('keyword');
    expect(scoreLabel(fallback)).toBe('BM25 score');
    expect(scoredMode(null)).toBe('hybrid');
  });

  it('says what the score is for each mode', () => {
    expect(scoreLabel(outcome([], {}, 'semantic'))).toBe('cosine similarity');
    expect(scoreLabel(outcome([], {}, 'keyword'))).toBe('BM25 score');
    expect(scoreLabel(outcome([], {}, 'hybrid'))).toBe('cosine similarity plus a keyword bonus (hybrid)');
  });
});
