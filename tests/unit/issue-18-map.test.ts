import { describe, expect, it } from 'vitest';
import { defaultClusterCount, MAX_DEFAULT_CLUSTERS } from '../../src/map/clusters.ts';
import { distinctiveKeywords } from '../../src/map/keywords.ts';

/** n copies of a text (distinct by a number, which is never a keyword). */
const many = (n: number, text: string) => Array.from({ length: n }, (_, i) => `${text} ${i}`);

describe('issue 18: map labels and colours', () => {
  it('labels carry no pieces of web addresses ("http, www") however often papers link their code', () => {
    const texts = [
      ...many(12, 'Sequence data models for genomes. Code: https://github.com/lab/seq and http://www.lab.org/data.html'),
      ...many(12, 'Galaxy formation in simulations. Data at www.sky-survey.net/release and https://doi.org/10.1/abc'),
    ];
    const labels = distinctiveKeywords(texts, texts.map((_, i) => (i < 12 ? 0 : 1)), 2, 5).flat();
    expect(labels.length).toBeGreaterThan(2);
    for (const label of labels) expect(label).not.toMatch(/\b(?:http|https|www|com|org|net|github|html|doi|lab)\b/);
    expect(labels.some((label) => label.includes('sequence'))).toBe(true);
  });

  it('no stop-word pairs such as "women who": function words neither label nor join a phrase', () => {
    const texts = [...many(12, 'Women who give birth late face risks; an objective study of women who deliver.'), ...many(12, 'Rockets which reach orbit cheaply.')];
    const labels = distinctiveKeywords(texts, texts.map((_, i) => (i < 12 ? 0 : 1)), 2, 5).flat();
    for (const label of labels) expect(label.split(' ')).not.toContain('who');
    for (const label of labels) expect(label.split(' ')).not.toContain('which');
    expect(labels.some((label) => label.includes('women'))).toBe(true);
  });

  it('a map has no more clusters by default than it has colours, at any library size', () => {
    expect(MAX_DEFAULT_CLUSTERS).toBe(10); // LibraryMap.svelte's palette: --map-c0 … --map-c9
    for (const count of [2, 96, 400, 5_183, 100_000, 1_000_000]) expect(defaultClusterCount(count)).toBeLessThanOrEqual(MAX_DEFAULT_CLUSTERS);
  });
});
