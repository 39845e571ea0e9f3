import { describe, expect, it } from 'vitest';
import { parseLibrary } from '../../src/corpus/import.ts';
import type { Paper } from '../../src/base/paper.ts';
import { exportPapers } from '../../src/corpus/export.ts';
import { importText } from './import-helpers.ts';

describe('issue 19: a valid CSV with a UTF-8 byte-order mark and mixed CRLF/LF line endings imports', () => {
  // The first line ends in CRLF, the others in LF (a file edited on two systems); one abstract holds a comma.
  const csv = '\uFEFFTitle,Abstract,Year\r\nFirst paper,"About one thing, and another",2020\nSecond paper,About a second thing,2021\r\nThird paper,Third,2022\n';

  it('as bytes with the mark: three papers, each on its own line', () => {
    const bytes = new TextEncoder().encode(csv); // TextEncoder keeps U+FEFF as EF BB BF
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const { format, papers } = parseLibrary('mixed.csv', bytes);
    expect(format).toBe('csv');
    expect(papers.map((p) => [p.title, p.abstract, p.year])).toEqual([
      ['First paper', 'About one thing, and another', 2020],
      ['Second paper', 'About a second thing', 2021],
      ['Third paper', 'Third', 2022],
    ]);
  });

  it('LF first, then CRLF: the same papers, and a skipped row is reported at its physical line', () => {
    const text = 'Title,Abstract\nOne,A\r\n,no title here\r\nThree,C\n';
    const { papers, summary } = importText('lf-first.csv', text);
    expect(papers.map((p) => p.title)).toEqual(['One', 'Three']);
    expect(summary.skipped).toEqual([{ line: 3, reason: 'no title' }]);
  });
});

describe('issue 19: a BibTeX author "<svg onload=x> Doe" keeps its text', () => {
  const paper: Paper = { id: 'p1', title: 'A paper', abstract: 'Text.', authors: ['<svg onload=x> Doe', 'Ludwig van Beethoven'] };

  it('is read as written', () => {
    const bib = '@article{a1,\n  title = {A paper},\n  author = {<svg onload=x> Doe and Jane Roe}\n}\n';
    expect(importText('angles.bib', bib).papers[0].authors).toEqual(['<svg onload=x> Doe', 'Jane Roe']);
  });

  it('is written to BibTeX as one literal name, not split into "onload=x> Doe, <svg", and reads back the same', () => {
    const { text } = exportPapers([{ paper }], 'bibtex');
    expect(text).toContain('author = {{<svg onload=x> Doe} and van Beethoven, Ludwig}');
    expect(text).not.toContain('onload=x> Doe, <svg');
    expect(importText('back.bib', text).papers[0].authors).toEqual(paper.authors);
  });

  it('is written to CSV as written, not as "Last, First" pieces of markup', () => {
    const { text } = exportPapers([{ paper }], 'csv');
    expect(text).toContain('<svg onload=x> Doe; van Beethoven, Ludwig');
    expect(importText('back.csv', text).papers[0].authors).toEqual(paper.authors);
  });
});
