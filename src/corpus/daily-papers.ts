import { paperIdFromTitle } from '../base/paper-id.ts';
import type { Paper } from '../base/paper.ts';
import { CorpusFormatError } from './types.ts';

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

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * Whether a paragraph in title position is really an abstract (so the title before it is missing): titles are
 * one line and short; an abstract may be short too, but it is several sentences of at least MIN_ABSTRACT_WORDS.
 */
function looksLikeAbstract(paragraph: Paragraph): boolean {
  const { text } = paragraph;
  if (paragraph.lines > 1 || text.length > MAX_TITLE_CHARS) return true;
  return wordCount(text) >= MIN_ABSTRACT_WORDS && /[.!?]$/.test(text) && /[.!?]\s+\S/.test(text);
}

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
  const text = source.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new CorpusFormatError(file, 1, 'expected the Daily Papers header ending with a date line such as "Mar 12", found an empty file');
  const lines = text.split(/\r?\n/);
  const dateLine = findDateLine(lines, file);
  const body = paragraphs(lines, dateLine + 1);
  if (body.length === 0) {
    throw new CorpusFormatError(file, dateLine + 1, `expected at least one paper (a title paragraph and an abstract paragraph) after the date line "${lines[dateLine].trim()}", found the end of the file`);
  }

  const papers: Paper[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < body.length; i += 2) {
    const title = body[i];
    const abstract = body[i + 1];
    if (looksLikeAbstract(title)) {
      throw new CorpusFormatError(
        file,
        title.line,
        `expected a one-line paper title, found a ${title.lines}-line paragraph of ${wordCount(title.text)} words and ${title.text.length} characters (is a title missing before this abstract?)`,
      );
    }
    if (!abstract) {
      throw new CorpusFormatError(file, title.line, `expected an abstract paragraph after the title "${title.text}", found the end of the file`);
    }
    const words = wordCount(abstract.text);
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
