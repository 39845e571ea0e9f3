import { paperIdFromTitle } from './paper-id.ts';
import { CorpusFormatError, type Paper } from './types.ts';

/**
 * Parser for the Hugging Face "Daily Papers" listing copied as plain text (see data/daily-papers.README.md):
 * five header lines of page chrome ending with the date, then title and abstract paragraphs alternating,
 * separated by blank lines.
 */

const DATE_LINE = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}(, \d{4})?$/;
/** A title is one line; a paragraph this long is an abstract, so a missing title shows up as an error here. */
const MAX_TITLE_CHARS = 300;
/** Shortest abstract accepted; a shorter "abstract" is almost always the next title after a missing abstract. */
const MIN_ABSTRACT_WORDS = 20;

interface Paragraph {
  text: string;
  line: number;
  lines: number;
}

function paragraphs(lines: string[], from: number): Paragraph[] {
  const out: Paragraph[] = [];
  let current: Paragraph | null = null;
  for (let i = from; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') {
      current = null;
    } else if (current) {
      current.text += ' ' + text;
      current.lines++;
    } else {
      current = { text, line: i + 1, lines: 1 };
      out.push(current);
    }
  }
  return out;
}

function findDateLine(lines: string[], file: string): number {
  for (let i = 0; i < Math.min(lines.length, 20); i++) {
    if (DATE_LINE.test(lines[i].trim())) return i;
  }
  throw new CorpusFormatError(file, 1, 'expected the Daily Papers header ending with a date line such as "Mar 12" within the first 20 lines');
}

export function parseDailyPapers(source: string, file = 'daily-papers.txt'): Paper[] {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  const body = paragraphs(lines, findDateLine(lines, file) + 1);
  if (body.length === 0) throw new CorpusFormatError(file, lines.length, 'expected at least one paper (a title paragraph and an abstract paragraph) after the date line');

  const papers: Paper[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < body.length; i += 2) {
    const title = body[i];
    const abstract = body[i + 1];
    if (title.lines > 1 || title.text.length > MAX_TITLE_CHARS) {
      throw new CorpusFormatError(file, title.line, `expected a one-line paper title, found a ${title.lines}-line paragraph of ${title.text.length} characters (is a title missing before this abstract?)`);
    }
    if (!abstract) {
      throw new CorpusFormatError(file, title.line, `expected an abstract paragraph after the title "${title.text}", found the end of the file`);
    }
    const words = abstract.text.split(' ').length;
    if (words < MIN_ABSTRACT_WORDS) {
      throw new CorpusFormatError(file, abstract.line, `expected the abstract of "${title.text}", found a ${words}-word paragraph (is this the next title, with the abstract missing?)`);
    }
    const id = paperIdFromTitle(title.text);
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      throw new CorpusFormatError(file, title.line, `duplicate paper title "${title.text}" (first seen on line ${earlier})`);
    }
    seen.set(id, title.line);
    papers.push({ id, title: title.text, abstract: abstract.text });
  }
  return papers;
}
