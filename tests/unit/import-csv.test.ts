import { describe, expect, it } from 'vitest';
import { fixtureText, importError, importFixture, importText, lineOf } from './import-helpers.ts';

describe('CSV: a Zotero export (quoted fields with commas, "" quotes and line breaks, CRLF)', () => {
  const result = importFixture('zotero.csv');
  const text = fixtureText('zotero.csv');

  it('finds Title and Abstract Note by header name ("Publication Title" is the venue, not the title)', () => {
    expect(result.format).toBe('csv');
    expect(result.papers.map((p) => p.title)).toEqual(['Highly accurate protein structure prediction with AlphaFold', 'Attention Is All You Need', 'Deep Learning']);
    expect(result.papers[0].venue).toBe('Nature');
  });

  it('a quoted abstract spanning two lines with commas and "" quotes; "Last, First; …" authors', () => {
    expect(result.papers[0]).toMatchObject({
      abstract:
        'Proteins are essential to life, and understanding their structure can facilitate a mechanistic understanding of their function. ' +
        'Through an enormous experimental effort, the structures of around 100,000 unique proteins have been determined, "but" this represents a small fraction.',
      authors: ['John Jumper', 'Richard Evans', 'Alexander Pritzel'],
      year: 2021,
      doi: '10.1038/s41586-021-03819-2',
    });
    expect(result.papers[1]).toMatchObject({ arxivId: '1706.03762', url: 'http://arxiv.org/abs/1706.03762' });
  });

  it('summary: the duplicate (abstract wrapped differently) merged, the book without abstract title-only, the untitled row skipped at its physical line', () => {
    expect(result.summary).toEqual({
      records: 5,
      imported: 3,
      titleOnly: 1,
      duplicatesMerged: 1,
      skipped: [{ line: lineOf(text, '"NOTITLE1"'), reason: 'no title' }],
    });
    // Line 8, not row 6: the first record spans two lines and a blank line precedes the duplicate.
    expect(result.summary.skipped[0].line).toBe(8);
  });
});

describe('CSV/TSV: other exports', () => {
  it('Excel in a European locale: semicolons detected, byte-order mark, CRLF, a quoted line break', () => {
    const { format, papers } = importFixture('excel-semicolon.csv');
    expect(format).toBe('csv');
    expect(papers).toMatchObject([
      { title: 'Rechnen mit Zahlen', abstract: 'Wir rechnen; ihr rechnet', year: 2019, authors: ['Jörg Müller'] },
      { title: 'Zweites Papier', abstract: 'Zeilen umbrochen', year: 2020, authors: ['René Schäfer', 'Anna Weiß'] },
    ]);
  });

  it('Web of Science tab-delimited: the two-letter tags TI, AB, AF, PY, SO, DI as headers', () => {
    const { format, papers } = importFixture('web-of-science.tsv');
    expect(format).toBe('tsv');
    expect(papers[0]).toMatchObject({
      title: 'LEARNING REPRESENTATIONS BY BACK-PROPAGATING ERRORS',
      authors: ['David E. Rumelhart', 'Geoffrey E. Hinton', 'Ronald J. Williams'],
      year: 1986,
      venue: 'NATURE',
      doi: '10.1038/323533a0',
    });
    expect(papers[1].abstract).toMatch(/^Deep learning allows computational models/);
  });

  it('a missing trailing field is empty; only a title column means title-only papers', () => {
    const { papers, summary } = importText('t.csv', 'Title,Abstract,Year\nOne,Has an abstract,2020\nTwo\n');
    expect(papers[1]).toMatchObject({ title: 'Two', abstract: '' });
    expect(summary.titleOnly).toBe(1);
    expect(importText('t.csv', 'title\nOnly titles here\n').summary).toMatchObject({ imported: 1, titleOnly: 1 });
  });

  it('an "_id" column is an explicit id', () => {
    expect(importText('t.csv', '_id,title,text\nd1,A title,A text\n').papers[0].id).toBe('d1');
  });
});

describe('CSV: columns that cannot be told apart, and how the caller chooses', () => {
  it('two abstract columns: ambiguous-columns with the header and the candidates', () => {
    const error = importError(() => importFixture('ambiguous.csv'));
    expect(error).toMatchObject({ code: 'ambiguous-columns', line: 1 });
    expect(error.details).toEqual({
      headers: ['title', 'abstract', 'abstract (translated)', 'year'],
      candidates: { title: ['title'], abstract: ['abstract', 'abstract (translated)'] },
    });
    expect(error.problem).toBe('expected one abstract column in the header row, found 2 ("abstract" and "abstract (translated)"); choose the abstract column');
  });

  it('the choice resolves it', () => {
    const { papers } = importFixture('ambiguous.csv', { columns: { title: 'title', abstract: 'abstract (translated)' } });
    expect(papers[0]).toMatchObject({ title: 'Un article', abstract: 'An English abstract.', year: 2020 });
  });

  it('no title column: ambiguous-columns listing the header; a choice naming a column that is not there: unknown-column', () => {
    const error = importError(() => importFixture('no-title.csv'));
    expect(error).toMatchObject({ code: 'ambiguous-columns', details: { headers: ['heading', 'summary', 'year'], candidates: { title: [], abstract: ['summary'] } } });
    expect(importFixture('no-title.csv', { columns: { title: 'Heading', abstract: 'summary' } }).papers[0]).toMatchObject({ title: 'Something', abstract: 'A summary' });
    expect(importError(() => importFixture('no-title.csv', { columns: { title: 'Name' } }))).toMatchObject({ code: 'unknown-column' });
  });

  it('given columns without an abstract: titles only (the choice is followed exactly)', () => {
    expect(importFixture('ambiguous.csv', { columns: { title: 'title' } }).papers[0]).toMatchObject({ title: 'Un article', abstract: '' });
  });

  it('an abstract column outranks a summary or description column (only a tie of equals is ambiguous)', () => {
    expect(importText('t.csv', 'Title,Description,Abstract\nA,the description,the abstract\n').papers[0].abstract).toBe('the abstract');
    expect(importError(() => importText('t.csv', 'Title,Description,Text\nA,b,c\n')).code).toBe('ambiguous-columns');
  });
});

describe('CSV: rows that do not parse', () => {
  it('an unclosed quote: the physical line where the field opens', () => {
    const error = importError(() => importFixture('unclosed-quote.csv'));
    expect(error).toMatchObject({ code: 'malformed-csv', line: lineOf(fixtureText('unclosed-quote.csv'), 'Third,') });
    expect(error.line).toBe(5);
    expect(error.problem).toBe('expected a closing quote for the field that opens on this line, found the end of the file');
  });

  it('more fields than the header (an unquoted comma): the row\'s line', () => {
    const error = importError(() => importFixture('extra-fields.csv'));
    expect(error).toMatchObject({ code: 'malformed-csv', line: 3 });
    expect(error.problem).toBe('expected 3 fields as in the header row, found 4 (is a comma inside a field without quotes?)');
  });

  it('a header and no rows: empty', () => {
    expect(importError(() => importText('t.csv', 'title,abstract\n')).code).toBe('empty');
  });
});
