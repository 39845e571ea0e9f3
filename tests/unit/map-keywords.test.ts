import { describe, expect, it } from 'vitest';
import { distinctiveKeywords } from '../../src/map/keywords.ts';

/** n copies of a text (distinct by a number, which is never a keyword). */
const many = (n: number, text: string) => Array.from({ length: n }, (_, i) => `${text} ${i}`);

describe('distinctiveKeywords', () => {
  const texts = [
    ...many(20, 'We study Protein Folding with new methods and report results.'),
    ...many(20, 'We study galaxy formation with new methods and report results.'),
  ];
  const assignment = texts.map((_, i) => (i < 20 ? 0 : 1));

  it('labels each cluster by what sets it apart, not by words every paper uses', () => {
    const [a, b] = distinctiveKeywords(texts, assignment, 2, 3);
    expect(a[0]).toBe('protein folding');
    expect(b[0]).toBe('galaxy formation');
    for (const keyword of [...a, ...b]) expect(keyword).not.toMatch(/study|methods|results|report/);
  });

  it('shows a word in its most frequent surface form and a phrase instead of its words', () => {
    const mixed = [...many(6, 'Transformers for transformer models'), ...many(6, 'Soil erosion in soils')];
    const [first, second] = distinctiveKeywords(mixed, mixed.map((_, i) => (i < 6 ? 0 : 1)), 2, 3);
    // "transformers"/"transformer" share a stem; the phrase "transformer models" stands for both words.
    expect(first).toContain('transformer models');
    expect(first).not.toContain('transformers');
    expect(second[0]).toBe('soil erosion');
  });

  it('never joins words across punctuation into a phrase', () => {
    const split = [...many(8, 'Results on graphs. Networks follow.'), ...many(8, 'Pictures of cats')];
    const [first] = distinctiveKeywords(split, split.map((_, i) => (i < 8 ? 0 : 1)), 2, 5);
    expect(first).not.toContain('graphs networks');
  });

  it('skips stop words, short tokens and numbers', () => {
    const noise = [...many(5, 'the of an 42 2024 ab alpha'), ...many(5, 'beta')];
    const [first] = distinctiveKeywords(noise, noise.map((_, i) => (i < 5 ? 0 : 1)), 2, 5);
    expect(first).toEqual(['alpha']);
  });

  it('needs one cluster per text', () => {
    expect(() => distinctiveKeywords(['a', 'b'], [0], 1, 3)).toThrow(/2 texts for 1 points/);
  });
});
