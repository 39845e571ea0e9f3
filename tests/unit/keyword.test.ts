import { describe, expect, it } from 'vitest';
import { KeywordIndex, normalizeTerm, tokenize } from '../../src/index/keyword.ts';
import type { Paper } from '../../src/base/paper.ts';

const papers: Paper[] = [
  { id: 'a', title: 'Protein folding with deep networks', abstract: 'We predict how proteins fold from sequence.' },
  { id: 'b', title: 'Quantized optimizers', abstract: 'Optimizer states are stored in 8 bits to save memory.' },
  { id: 'c', title: 'A survey', abstract: 'This survey covers protein design, folding and docking of proteins.' },
];

describe('keyword tokenisation', () => {
  it('lower-cases, splits on non-letters, drops stop words and stems', () => {
    expect(tokenize('Low-Rank LoRA, 8-bit!')).toEqual(['low', 'rank', 'lora', '8', 'bit']);
    expect(normalizeTerm('The')).toBeNull();
    expect(normalizeTerm('proteins')).toBe('protein');
    expect(normalizeTerm('folding')).toBe(normalizeTerm('folds'));
    expect(normalizeTerm('proteins', false)).toBe('proteins');
  });
});

describe('KeywordIndex', () => {
  it('finds inflected forms through stemming and ranks the denser match first', () => {
    const index = new KeywordIndex(papers);
    const ids = index.query('protein folds', 10).map((hit) => papers[hit.index].id);
    expect(ids).toEqual(['a', 'c']);
  });

  it('without stemming, an inflected query misses', () => {
    const index = new KeywordIndex(papers, { titleBoost: 1, prefix: false, fuzzy: 0, stem: false });
    expect(index.query('optimizer memories', 10).map((hit) => papers[hit.index].id)).toEqual(['b']);
    expect(index.query('memories', 10)).toEqual([]);
  });

  it('gives a title match extra weight when titleBoost > 0', () => {
    const boosted = new KeywordIndex(papers, { titleBoost: 5, prefix: false, fuzzy: 0, stem: true });
    // "survey" is in c's title and abstract; "design" only in its abstract; title boost keeps c first for "survey".
    expect(boosted.query('survey', 10)[0].index).toBe(2);
    const unboosted = boosted.query('survey', 10, { titleBoost: 0 });
    expect(unboosted[0].score).toBeLessThan(boosted.query('survey', 10)[0].score);
  });

  it('returns at most k hits, and none for a query of stop words only', () => {
    const index = new KeywordIndex(papers);
    expect(index.query('protein optimizer survey', 2)).toHaveLength(2);
    expect(index.query('the of and', 10)).toEqual([]);
  });
});
