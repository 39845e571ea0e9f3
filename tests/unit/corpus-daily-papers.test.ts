import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import type { Paper } from '../../src/base/paper.ts';
import { CorpusFormatError } from '../../src/corpus/types.ts';

const BUNDLED = fileURLToPath(new URL('../../data/daily-papers.txt', import.meta.url));
/** seed-dev's BEIR copy of the same listing (tests/fixtures/seed-dev, written for this project). */
const SEED_CORPUS = fileURLToPath(new URL('../fixtures/seed-dev/corpus.jsonl', import.meta.url));

const bundled = readFileSync(BUNDLED, 'utf8');

/** The five header lines of page chrome, as in the bundled file: the date is on line 9, the first title on line 11. */
const HEADER = 'new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\nMar 12\n\n';
/** A short but realistic abstract: several sentences, more than 20 words, under 300 characters. */
const abstract = (topic: string) =>
  `We study ${topic} in depth. Our method improves accuracy on three benchmarks while using fewer parameters. ` +
  `Code and models are released for future research.`;

/** Builds a file from paragraphs after the header: paragraph n (0-based) starts on line 11 + 2n. */
const file = (...paragraphs: string[]) => HEADER + paragraphs.join('\n\n') + '\n';

function formatError(source: string): CorpusFormatError {
  try {
    parseDailyPapers(source, 'papers.txt');
  } catch (error) {
    expect(error).toBeInstanceOf(CorpusFormatError);
    return error as CorpusFormatError;
  }
  throw new Error('expected parseDailyPapers to throw');
}

describe('parseDailyPapers on the bundled listing', () => {
  const papers = parseDailyPapers(bundled, 'daily-papers.txt');

  it('parses 96 papers equal in title and abstract, in order, to the benchmark corpus.jsonl', () => {
    const seed = readFileSync(SEED_CORPUS, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as { _id: string; title: string; text: string });
    expect(papers).toHaveLength(96);
    expect(seed).toHaveLength(96);
    expect(papers.map((p) => ({ title: p.title, abstract: p.abstract }))).toEqual(seed.map((d) => ({ title: d.title, abstract: d.text })));
  });

  it('the first paper is TurkishBERTweet and the second GottBERT', () => {
    expect(papers[0].title).toBe('TurkishBERTweet: Fast and Reliable Large Language Model for Social Media Analysis');
    expect(papers[1].title).toBe('GottBERT: a pure German Language Model');
    expect(papers[1].abstract.startsWith('Lately, pre-trained language models advanced')).toBe(true);
  });

  it('accepts CRLF line endings and a byte-order mark with the same result', () => {
    expect(parseDailyPapers('\uFEFF' + bundled.replace(/\n/g, '\r\n'))).toEqual(papers);
  });

  it('accepts blank lines holding only whitespace and extra blank lines between paragraphs', () => {
    const loose = bundled.replace(/\n\n/g, '\n   \n\t\n');
    expect(parseDailyPapers(loose)).toEqual(papers);
  });

  it('joins an abstract wrapped over several lines with single spaces', () => {
    const wrapped = file('A Title', 'We study wrapping in depth.\nOur method improves accuracy on three benchmarks\nwhile using fewer parameters and less memory than before.');
    expect(parseDailyPapers(wrapped)[0].abstract).toBe(
      'We study wrapping in depth. Our method improves accuracy on three benchmarks while using fewer parameters and less memory than before.',
    );
  });

  it('accepts a date line with a year ("Mar 12, 2024")', () => {
    const papersWithYear = parseDailyPapers(file('A Title', abstract('years')).replace('Mar 12', 'Mar 12, 2024'));
    expect(papersWithYear.map((p: Paper) => p.title)).toEqual(['A Title']);
  });
});

describe('parseDailyPapers rejects malformed files with file:line and what was expected', () => {
  it('an empty file: line 1, header expected, says the file is empty', () => {
    for (const empty of ['', '\n\n', '\uFEFF', '  \r\n']) {
      const error = formatError(empty);
      expect(error.line).toBe(1);
      expect(error.message).toMatch(/^papers\.txt:1: expected the Daily Papers header .*empty file/);
    }
  });

  it('a missing header (no date line): line 1, header with a date line expected', () => {
    const error = formatError(['Some Title', abstract('headers')].join('\n\n'));
    expect(error.line).toBe(1);
    expect(error.message).toBe('papers.txt:1: expected the Daily Papers header ending with a date line such as "Mar 12" within the first 20 lines');
  });

  it('a header with no papers after it: points at the date line (line 9), not past the end of the file', () => {
    const error = formatError(HEADER);
    expect(error.line).toBe(9);
    expect(error.message).toMatch(/^papers\.txt:9: expected at least one paper .* after the date line "Mar 12", found the end of the file$/);
  });

  it('a missing abstract (two titles in a row): the line of the second title, abstract of the first expected', () => {
    // Line 11 title A, 13 abstract A, 15 title B, 17 title C (B's abstract is missing), 19 abstract C.
    const error = formatError(file('Title A', abstract('a'), 'Title B', 'Title C', abstract('c')));
    expect(error.line).toBe(17);
    expect(error.message).toBe('papers.txt:17: expected the abstract of "Title B", found a 2-word paragraph (is this the next title, with the abstract missing?)');
  });

  it('a missing title (abstract directly after another abstract, real long abstracts): the line of the second abstract', () => {
    const [first, second] = parseDailyPapers(bundled);
    // Line 11 title, 13 abstract, 15 the next abstract without its title.
    const error = formatError(file(first.title, first.abstract, second.abstract, 'Third Title', abstract('third')));
    expect(error.line).toBe(15);
    expect(error.message).toMatch(/^papers\.txt:15: expected a one-line paper title, found a 1-line paragraph of \d+ words and \d+ characters \(is a title missing before this abstract\?\)$/);
  });

  it('regression: a missing title before a SHORT abstract (< 300 characters) is reported at that abstract, not at the next title', () => {
    // Before the fix only length > 300 characters marked an abstract in title position, so this misaligned the
    // pairs and blamed line 17 ("abstract missing") for what is a missing title on line 15.
    const error = formatError(file('Title A', abstract('a'), abstract('b'), 'Title C', abstract('c')));
    expect(error.line).toBe(15);
    expect(error.message).toContain('expected a one-line paper title');
    expect(error.message).toContain('is a title missing before this abstract?');
  });

  it('a title wrapped over two lines is rejected at its first line', () => {
    const error = formatError(file('Title A', abstract('a'), 'A Title That Was\nWrapped Over Two Lines', abstract('b')));
    expect(error.line).toBe(15);
    expect(error.message).toContain('found a 2-line paragraph');
  });

  it('a truncated file ending on a title: the line of that title, abstract expected, end of file found', () => {
    const error = formatError(file('Title A', abstract('a'), 'Title B'));
    expect(error.line).toBe(15);
    expect(error.message).toBe('papers.txt:15: expected an abstract paragraph after the title "Title B", found the end of the file');
  });

  it('duplicate titles (differing only in case and whitespace): the line of the repeat, naming the first line', () => {
    const error = formatError(file('Title A', abstract('a'), '  title   a ', abstract('b')));
    expect(error.line).toBe(15);
    expect(error.message).toBe('papers.txt:15: duplicate paper title "title   a" (first seen on line 11)');
  });

  it('line numbers stay right with CRLF endings and a BOM', () => {
    const error = formatError(('\uFEFF' + file('Title A', abstract('a'), 'Title B', 'Title C', abstract('c'))).replace(/\n/g, '\r\n'));
    expect(error.line).toBe(17);
  });

  it('line numbers in the bundled file: repeating the last paper is reported at line 395, first seen on line 391', () => {
    const lines = bundled.split('\n');
    expect(lines).toHaveLength(393); // 96 x (title, blank, abstract, blank) + 10 header lines - the final blank
    expect(lines[390]).toBe('On the Existence of Simpler Machine Learning Models');
    const error = formatError(bundled + '\n\n' + lines[390] + '\n\n' + lines[392] + '\n');
    expect(error.line).toBe(395);
    expect(error.message).toBe('papers.txt:395: duplicate paper title "On the Existence of Simpler Machine Learning Models" (first seen on line 391)');
  });

  it('the default file name is daily-papers.txt', () => {
    expect(() => parseDailyPapers('')).toThrow(/^daily-papers\.txt:1: /);
  });
});
