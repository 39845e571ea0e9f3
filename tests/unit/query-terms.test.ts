import { describe, expect, it } from 'vitest';
import { markTerms, queryTerms } from '../../src/highlight/query-terms.ts';

const marked = (text: string, query: string) =>
  markTerms(text, queryTerms(query))
    .filter((run) => run.match)
    .map((run) => run.text);

describe('markTerms', () => {
  it('marks words whose stem is a query term, and no stop words', () => {
    expect(marked('Language Models for the Long Context', 'a model of long contexts')).toEqual(['Models', 'Long', 'Context']);
  });

  it('gives the text back unchanged when the runs are joined', () => {
    const text = 'Selective state-space models (Mamba) scale linearly; “state” matters.';
    const runs = markTerms(text, queryTerms('state space'));
    expect(runs.map((run) => run.text).join('')).toBe(text);
    expect(runs.filter((run) => run.match).map((run) => run.text)).toEqual(['state', 'space', 'state']);
  });

  it('marks nothing for an empty or stop-word-only query, and handles non-Latin scripts', () => {
    expect(markTerms('Any title', queryTerms('the of and'))).toEqual([{ text: 'Any title', match: false }]);
    expect(marked('نموذج لغوي كبير', 'لغوي')).toEqual(['لغوي']);
  });

  it('treats markup in user text as text', () => {
    const runs = markTerms('<img src=x onerror=alert(1)> image', queryTerms('image'));
    expect(runs.map((run) => run.text).join('')).toBe('<img src=x onerror=alert(1)> image');
    expect(runs.filter((run) => run.match).map((run) => run.text)).toEqual(['image']);
  });
});
