import { describe, expect, it } from 'vitest';
import { paperIdFromContent } from '../../src/base/paper-id.ts';
import { fixtureText, importError, importFixture, importText, lineOf } from './import-helpers.ts';

describe('JSON Lines', () => {
  const result = importFixture('library.jsonl');
  const text = fixtureText('library.jsonl');

  it('reads 8 records: 6 papers, one true duplicate merged, one title-only, one without title skipped (blank line ignored)', () => {
    expect(result.format).toBe('jsonl');
    expect(result.summary).toEqual({
      records: 8,
      imported: 6,
      titleOnly: 1,
      duplicatesMerged: 1,
      skipped: [{ line: lineOf(text, 'whose title was lost'), reason: 'no title' }],
    });
  });

  it('ids: an explicit _id is kept, others come from title + abstract; "abstract" is accepted for "text"', () => {
    const [sourdough, glacier] = result.papers;
    expect(sourdough.id).toBe('smith2020');
    expect(glacier).toMatchObject({ title: 'Glacier retreat in the Alps', abstract: expect.stringMatching(/^Satellite imagery/) });
    expect(glacier.id).toBe(paperIdFromContent(glacier.title, glacier.abstract));
    expect(glacier.id).toMatch(/^p[0-9a-f]{12}$/);
  });

  it('the duplicate (same title and abstract up to case and spacing) is merged into the first copy, filling its metadata', () => {
    const glacier = result.papers[1];
    expect(glacier.title).toBe('Glacier retreat in the Alps'); // the first copy's text
    expect(glacier).toMatchObject({ authors: ['Ana Silva'], year: 2022, doi: '10.5194/tc-2022-1' });
  });

  it('two different papers with the same title are both kept, with different ids (no "duplicate _id" the user never wrote)', () => {
    const folding = result.papers.filter((p) => p.title === 'Protein folding with deep learning');
    expect(folding).toHaveLength(2);
    expect(folding[0].id).not.toBe(folding[1].id);
  });

  it('a title-only line is imported with an empty abstract; a BEIR line with _id and text but no title is kept', () => {
    expect(result.papers[4]).toEqual({ id: paperIdFromContent('A paper known only by its title', ''), title: 'A paper known only by its title', abstract: '' });
    expect(result.papers[5]).toEqual({ id: 'beir-7', title: '', abstract: 'A BEIR-style document with an id and text but no title.' });
  });

  it('CRLF line endings and a byte-order mark give the same papers', () => {
    const windows = importFixture('windows.jsonl');
    expect(windows.papers).toEqual(
      result.papers.slice(0, 2).map(({ id, title, abstract }) => ({ id, title, abstract })),
    );
  });

  it('text is kept exactly as written (no whitespace folding), so ids and content hashes match earlier imports', () => {
    const { papers } = importText('x.jsonl', JSON.stringify({ _id: 'a', title: 'T', text: 'Two  spaces\nand a line break.' }));
    expect(papers[0].abstract).toBe('Two  spaces\nand a line break.');
  });

  it('malformed JSON: one line number, and the column on that line (not V8\'s "position 32 (line 1 column 33)")', () => {
    const error = importError(() => importFixture('malformed3.jsonl'));
    expect(error.code).toBe('malformed-json');
    expect(error.line).toBe(3);
    expect(error.message).toBe('malformed3.jsonl:3: expected one JSON object per line; the JSON is malformed at column 33: expected \',\' or \'}\', found \'"\'');
    expect(error.message).not.toMatch(/position|line 1/);
  });

  it('a line cut off halfway (as the e2e test writes it): the column after its last character', () => {
    const error = importError(() => importText('broken.jsonl', '{"title": "a", "text": "b"}\n{"title": "c", "text": "d"}\n{"title": "half a line"\n'));
    expect(error.message).toBe('broken.jsonl:3: expected one JSON object per line; the JSON is malformed at column 24: expected \',\' or \'}\', found the end of the line');
  });

  it('a value that is not an object: not-an-object, naming what it is', () => {
    for (const [bad, what] of [['[1, 2]', 'an array'], ['"text"', 'a string'], ['null', 'null'], ['42', 'a number']]) {
      const error = importError(() => importText('c.jsonl', `{"title": "t", "text": "x"}\n${bad}`));
      expect(error).toMatchObject({ code: 'not-an-object', line: 2, problem: `expected one JSON object per line, found ${what}` });
    }
  });

  it('a field of the wrong type: wrong-type', () => {
    expect(importError(() => importText('c.jsonl', '{"title": 5, "text": "x"}'))).toMatchObject({ code: 'wrong-type', line: 1, problem: 'expected "title" to be a string, found a number' });
    expect(importError(() => importText('c.jsonl', '\n{"title": "t", "text": ["x"]}'))).toMatchObject({ code: 'wrong-type', line: 2, problem: 'expected "text" to be a string, found an array' });
    expect(importError(() => importText('c.jsonl', '{"_id": {"a": 1}, "title": "t"}'))).toMatchObject({ code: 'wrong-type', problem: 'expected "_id" to be a string, found an object' });
  });

  it('an explicit _id repeated with different content: duplicate-id naming both lines', () => {
    const error = importError(() => importFixture('id-conflict.jsonl'));
    expect(error).toMatchObject({ code: 'duplicate-id', line: 3 });
    expect(error.message).toBe('id-conflict.jsonl:3: duplicate _id "doc-1": line 1 has the same _id with a different title or abstract');
  });

  it('an explicit _id repeated with the same content is a duplicate, merged, not an error', () => {
    const line = JSON.stringify({ _id: 'x', title: 'Same', text: 'Same text.' });
    expect(importText('c.jsonl', `${line}\n${line}\n`).summary).toMatchObject({ imported: 1, duplicatesMerged: 1 });
  });

  it('no line has a title (and no _id): missing-title at the first line', () => {
    expect(importError(() => importText('c.jsonl', '\n{"text": "a"}\n{"text": "b"}\n'))).toMatchObject({ code: 'missing-title', line: 2 });
  });

  it('a file of blank lines is empty', () => {
    expect(importError(() => importText('c.jsonl', '\n\n  \n')).code).toBe('empty');
  });
});

describe('JSON arrays: CSL-JSON (Zotero) and plain', () => {
  it('Zotero CSL-JSON: authors (family/given, particles, literal), issued date-parts with a string year, container-title, DOI, URL', () => {
    const { format, papers, summary } = importFixture('zotero-csl.json');
    expect(format).toBe('csl-json');
    expect(summary).toEqual({ records: 4, imported: 3, titleOnly: 1, duplicatesMerged: 0, skipped: [{ line: 101, reason: 'no title' }] });
    expect(summary.skipped[0].line).toBe(lineOf(fixtureText('zotero-csl.json'), 'items/AB12CD34') - 1); // the line of its "{"
    expect(papers[0]).toMatchObject({
      title: 'Highly accurate protein structure prediction with AlphaFold',
      authors: ['John Jumper', 'Richard Evans', 'DeepMind AlphaFold Team'],
      year: 2021,
      venue: 'Nature',
      doi: '10.1038/s41586-021-03819-2',
      url: 'https://www.nature.com/articles/s41586-021-03819-2',
    });
    expect(papers[1]).toMatchObject({ authors: ['Ashish Vaswani', 'Łukasz Kaiser', 'Jan van den Berg'], year: 2017, arxivId: '1706.03762', doi: '10.48550/arXiv.1706.03762' });
    expect(papers[2]).toMatchObject({ title: 'Deep Learning', abstract: '', year: 2016 }); // issued.raw
  });

  it('a plain array of {title, abstract|text}: duplicates merged (case and spacing), metadata filled from the later copy', () => {
    const { format, papers, summary } = importFixture('plain.json');
    expect(format).toBe('json');
    expect(summary).toMatchObject({ records: 3, imported: 2, duplicatesMerged: 1 });
    expect(papers[0]).toMatchObject({ title: 'Sourdough fermentation kinetics', doi: '10.1000/sourdough' });
    expect(papers[1]).toMatchObject({ authors: ['Ana Silva', 'Bo Chen'], year: 2021 });
  });

  it('an element that is not an object: its index and the line it starts on', () => {
    const error = importError(() => importFixture('not-objects.json'));
    expect(error).toMatchObject({ code: 'not-an-object', line: 4 });
    expect(error.problem).toBe('expected an object with a "title" at index 2 of the array, found a string');
  });

  it('malformed JSON: the line and column of the first error', () => {
    const error = importError(() => importFixture('malformed-array.json'));
    expect(error).toMatchObject({ code: 'malformed-json', line: 3 });
    expect(error.problem).toBe('expected a JSON array of papers; the JSON is malformed at column 29: expected \',\' or \'}\', found \'"\'');
  });

  it('a wrong type in an array element names the index', () => {
    const error = importError(() => importText('x.json', '[\n  {"title": "a"},\n  {"title": "b", "abstract": 3}\n]'));
    expect(error).toMatchObject({ code: 'wrong-type', line: 3, problem: 'expected "abstract" at index 1 to be a string, found a number' });
  });

  it('a .json file holding JSON Lines is read as JSON Lines; a single object is one paper; another object is refused', () => {
    expect(importText('x.json', '{"title": "a", "text": "x"}\n{"title": "b", "text": "y"}\n')).toMatchObject({ format: 'jsonl', summary: { imported: 2 } });
    expect(importText('x.json', '{\n  "title": "Only one",\n  "abstract": "x"\n}')).toMatchObject({ format: 'json', papers: [{ title: 'Only one' }] });
    expect(importError(() => importText('x.json', '{"items": []}'))).toMatchObject({ code: 'not-an-object', line: 1 });
  });

  it('an empty array is empty', () => {
    expect(importError(() => importText('x.json', '[]')).code).toBe('empty');
  });
});
