import { describe, expect, it } from 'vitest';
import { parseBeirCorpus, parseBeirQueries, parseQrels } from '../../src/corpus/beir.ts';
import { CorpusFormatError } from '../../src/corpus/types.ts';

function formatError(run: () => unknown): CorpusFormatError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CorpusFormatError);
    return error as CorpusFormatError;
  }
  throw new Error('expected a CorpusFormatError');
}

const corpus = [
  '{"_id": "d1", "title": "First", "text": "Alpha text."}',
  '',
  '{"_id": "d2", "text": "No title here."}',
].join('\n');

describe('parseBeirCorpus', () => {
  it('reads _id, title and text; a missing title is empty; blank lines are skipped; CRLF and BOM accepted', () => {
    const expected = [
      { id: 'd1', title: 'First', abstract: 'Alpha text.' },
      { id: 'd2', title: '', abstract: 'No title here.' },
    ];
    expect(parseBeirCorpus(corpus)).toEqual(expected);
    expect(parseBeirCorpus('\uFEFF' + corpus.replace(/\n/g, '\r\n') + '\r\n')).toEqual(expected);
  });

  it('malformed JSON: file:line of the bad line', () => {
    const error = formatError(() => parseBeirCorpus(corpus + '\n{"_id": "d3", "text": ', 'c.jsonl'));
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/^c\.jsonl:4: expected one JSON object per line: /);
  });

  it('a JSON value that is not an object (array, string, null) is rejected at its line', () => {
    for (const bad of ['[1, 2]', '"text"', 'null']) {
      expect(formatError(() => parseBeirCorpus(`${corpus}\n${bad}`, 'c.jsonl')).message).toBe('c.jsonl:4: expected a JSON object');
    }
  });

  it('missing _id, or a non-string _id: names the field and the line', () => {
    expect(formatError(() => parseBeirCorpus('{"title": "t", "text": "x"}', 'c.jsonl')).message).toBe('c.jsonl:1: expected a string field "_id"');
    expect(formatError(() => parseBeirCorpus(`${corpus}\n{"_id": 7, "text": "x"}`, 'c.jsonl')).message).toBe('c.jsonl:4: expected a string field "_id"');
  });

  it('missing text: names the field "text"', () => {
    expect(formatError(() => parseBeirCorpus('{"_id": "d1", "title": "t"}', 'c.jsonl')).message).toBe('c.jsonl:1: expected a string field "text"');
  });

  it('duplicate _id: the line of the repeat', () => {
    const error = formatError(() => parseBeirCorpus(`${corpus}\n{"_id": "d1", "text": "again"}`, 'c.jsonl'));
    expect(error.message).toBe('c.jsonl:4: duplicate _id "d1"');
  });
});

describe('parseBeirQueries', () => {
  it('reads _id and text', () => {
    expect(parseBeirQueries('{"_id": "q1", "text": "what"}\n{"_id": "q2", "text": "why", "metadata": {}}\n')).toEqual([
      { id: 'q1', text: 'what' },
      { id: 'q2', text: 'why' },
    ]);
  });

  it('malformed JSON and missing _id / text with file:line', () => {
    expect(formatError(() => parseBeirQueries('{"_id": "q1", "text": "a"}\n{oops}', 'q.jsonl')).line).toBe(2);
    expect(formatError(() => parseBeirQueries('{"text": "a"}', 'q.jsonl')).message).toBe('q.jsonl:1: expected a string field "_id"');
    expect(formatError(() => parseBeirQueries('{"_id": "q1"}', 'q.jsonl')).message).toBe('q.jsonl:1: expected a string field "text"');
  });

  it('regression: a duplicate query _id is rejected (it would silently merge two queries in the metrics)', () => {
    const error = formatError(() => parseBeirQueries('{"_id": "q1", "text": "a"}\n\n{"_id": "q1", "text": "b"}', 'q.jsonl'));
    expect(error.message).toBe('q.jsonl:3: duplicate _id "q1"');
  });
});

describe('parseQrels', () => {
  const known = new Set(['d1', 'd2', 'd3']);

  it('reads graded judgements per query, skipping the header line and blank lines', () => {
    const qrels = parseQrels('query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t1\n\nq2\td3\t0\n', known);
    expect([...qrels.keys()]).toEqual(['q1', 'q2']);
    expect([...qrels.get('q1')!]).toEqual([
      ['d1', 2],
      ['d2', 1],
    ]);
    expect([...qrels.get('q2')!]).toEqual([['d3', 0]]);
  });

  it('CRLF line endings and a BOM before the header are accepted', () => {
    const qrels = parseQrels('\uFEFFquery-id\tcorpus-id\tscore\r\nq1\td1\t1\r\n', known);
    expect(qrels.get('q1')?.get('d1')).toBe(1);
  });

  it('too few columns: file:line and the count found', () => {
    const error = formatError(() => parseQrels('query-id\tcorpus-id\tscore\nq1\td1\t1\nq1 d2 1\n', known, 'qrels/test.tsv'));
    expect(error.message).toBe('qrels/test.tsv:3: expected 3 tab-separated columns (query-id, corpus-id, score), found 1');
  });

  it('regression: too many columns (TREC "q 0 d score" layout) is a column-count error, not a misread', () => {
    const error = formatError(() => parseQrels('q1\t0\td1\t1\n', known, 'qrels/test.tsv'));
    expect(error.message).toBe('qrels/test.tsv:1: expected 3 tab-separated columns (query-id, corpus-id, score), found 4');
  });

  it('non-numeric score: file:line and the text found', () => {
    const error = formatError(() => parseQrels('q1\td1\t1\nq1\td2\thigh\n', known, 'qrels.tsv'));
    expect(error.message).toBe('qrels.tsv:2: expected a numeric score, found "high"');
  });

  it('regression: an empty or blank score is rejected, not read as 0', () => {
    expect(formatError(() => parseQrels('q1\td1\t\n', known)).message).toBe('qrels.tsv:1: expected a numeric score, found ""');
    expect(formatError(() => parseQrels('q1\td1\t \n', known)).message).toBe('qrels.tsv:1: expected a numeric score, found " "');
    expect(formatError(() => parseQrels('q1\td1\tInfinity\n', known)).line).toBe(1);
  });

  it('unknown corpus id: file:line and the id', () => {
    const error = formatError(() => parseQrels('q1\td1\t1\nq1\td9\t1\n', known, 'qrels.tsv'));
    expect(error.message).toBe('qrels.tsv:2: corpus-id "d9" is not in the corpus');
  });

  it('regression: a repeated (query-id, corpus-id) judgement is rejected instead of silently overwritten', () => {
    const error = formatError(() => parseQrels('q1\td1\t2\nq2\td1\t1\nq1\td1\t0\n', known, 'qrels.tsv'));
    expect(error.message).toBe('qrels.tsv:3: duplicate judgement of corpus-id "d1" for query-id "q1" (first on line 1)');
  });
});
