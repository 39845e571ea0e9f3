import { describe, expect, it } from 'vitest';
import { importSummaryText } from '../../src/app/import-summary.ts';
import { parseFiles } from '../../src/library/import/import-service.ts';
import { importError, importText } from './import-helpers.ts';

/** What a person copies out of a reading list or a document: titles, one per line, some numbered or bulleted. */
const TITLES = ['Attention Is All You Need', '', '2. LoRA: Low-Rank Adaptation of Large Language Models', '- Mamba: Linear-Time Sequence Modeling with Selective State Spaces', '[4] GottBERT: a pure German language model', '  '].join('\n');

describe('issue 18: a pasted list of titles imports as title-only papers', () => {
  it('pasted text (no file name to go by) that is a list of titles: one title-only paper per line, bullets and numbers dropped', () => {
    const result = importText('pasted text', TITLES);
    expect(result.format).toBe('titles');
    expect(result.papers.map((paper) => [paper.title, paper.abstract])).toEqual([
      ['Attention Is All You Need', ''],
      ['LoRA: Low-Rank Adaptation of Large Language Models', ''],
      ['Mamba: Linear-Time Sequence Modeling with Selective State Spaces', ''],
      ['GottBERT: a pure German language model', ''],
    ]);
    expect(result.summary).toMatchObject({ imported: 4, titleOnly: 4, skipped: [] });
  });

  it('the import says that search by meaning then uses the titles', () => {
    const parsed = parseFiles([{ name: 'pasted text', bytes: new TextEncoder().encode(TITLES) }], {}, () => undefined);
    expect(importSummaryText('Pasted list', parsed)).toBe('Pasted list: 4 papers (titles only, no abstracts: search by meaning uses the titles).');
  });

  it('prose is not a list of titles: a pasted page is still refused, saying what was expected', () => {
    const page = 'This paragraph is not a title. '.repeat(20);
    expect(importError(() => importText('pasted text', `${page}\n${page}`)).code).toBe('unknown-format');
  });
});
