import { describe, expect, it } from 'vitest';
import { fixtureText, importError, importFixture, importText, lineOf } from './import-helpers.ts';

describe('RIS: an EndNote export (byte-order mark, CRLF, JSTOR-style header lines, wrapped abstract)', () => {
  const result = importFixture('endnote.ris');
  const text = fixtureText('endnote.ris');

  it('reads 5 records: 3 papers, a duplicate merged, one title-only, one skipped at its TY line', () => {
    expect(result.format).toBe('ris');
    expect(result.summary).toEqual({
      records: 5,
      imported: 3,
      titleOnly: 1,
      duplicatesMerged: 1,
      skipped: [{ line: lineOf(text, 'TY  - RPRT'), reason: 'no title' }],
    });
    expect(result.summary.skipped[0].line).toBe(45);
  });

  it('a JOUR record: continuation lines joined into the abstract, "Last, First" authors turned round, DA/PY year, JO venue, DO', () => {
    expect(result.papers[0]).toMatchObject({
      title: 'Highly accurate protein structure prediction with AlphaFold',
      abstract:
        'Proteins are essential to life, and understanding their structure can facilitate a mechanistic understanding of their function. ' +
        'Through an enormous experimental effort, the structures of around 100,000 unique proteins have been determined.',
      authors: ['John Jumper', 'Richard Evans', 'Alexander Pritzel'],
      year: 2021,
      venue: 'Nature',
      doi: '10.1038/s41586-021-03819-2',
      url: 'https://www.nature.com/articles/s41586-021-03819-2',
    });
  });

  it('a CONF record in the older tags: T1 title, A1 authors, Y1 "2016///", N2 abstract, T2 venue, the DOI from a doi.org UR', () => {
    expect(result.papers[1]).toMatchObject({
      title: 'Deep Residual Learning for Image Recognition',
      authors: ['Kaiming He', 'Xiangyu Zhang', 'Shaoqing Ren', 'Jian Sun'],
      year: 2016,
      venue: '2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR)',
      doi: '10.1109/CVPR.2016.90',
    });
    expect(result.papers[1].abstract).toMatch(/^Deeper neural networks are more difficult to train\./);
  });

  it('a preprint without abstract: title-only, with its arXiv id from the UR', () => {
    expect(result.papers[2]).toMatchObject({ title: 'Language Models are Few-Shot Learners', abstract: '', arxivId: '2005.14165', year: 2020 });
  });
});

describe('RIS: other exporters and errors', () => {
  it('a Mendeley export (tags in alphabetical order, LF endings)', () => {
    const { papers, summary } = importFixture('mendeley.ris');
    expect(summary).toMatchObject({ records: 1, imported: 1 });
    expect(papers[0]).toMatchObject({
      title: 'BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding',
      authors: ['Jacob Devlin', 'Ming-Wei Chang', 'Kenton Lee', 'Kristina Toutanova'],
      doi: '10.18653/v1/N19-1423',
      venue: 'Proceedings of NAACL-HLT',
      year: 2019,
    });
  });

  it('a record without "ER  - " at the end of the file: unterminated-record at its TY line', () => {
    const error = importError(() => importFixture('truncated.ris'));
    expect(error.code).toBe('unterminated-record');
    expect(error.line).toBe(lineOf(fixtureText('truncated.ris'), 'TY  - JOUR', 5));
    expect(error.message).toBe('truncated.ris:6: expected "ER  - " to end the record that starts on this line, found the end of the file');
  });

  it('a record without "ER  - " before the next TY: the earlier record\'s line, naming the next one', () => {
    const error = importError(() => importText('x.ris', 'TY  - JOUR\nTI  - One\n\nTY  - JOUR\nTI  - Two\nER  - \n'));
    expect(error.code).toBe('unterminated-record');
    expect(error.line).toBe(1);
    expect(error.problem).toContain('found the next record ("TY  - JOUR") on line 4');
  });

  it('a tag outside a record is malformed-ris at its line', () => {
    const error = importError(() => importText('x.ris', 'TY  - JOUR\nTI  - One\nER  - \nAU  - Stray, Author\n'));
    expect(error).toMatchObject({ code: 'malformed-ris', line: 4 });
    expect(error.problem).toBe('expected "TY  - " to start a record, found "AU  - " outside a record');
  });

  it('a RIS file saved as .txt (EndNote\'s default) is recognised by its content; empty "ER  -" without the trailing space', () => {
    const { format, papers } = importText('export.txt', 'TY  - JOUR\r\nTI  - Saved as text\r\nAB  - Still RIS.\r\nER  -\r\n');
    expect(format).toBe('ris');
    expect(papers[0]).toMatchObject({ title: 'Saved as text', abstract: 'Still RIS.' });
  });
});
