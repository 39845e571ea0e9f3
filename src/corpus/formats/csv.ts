import Papa from 'papaparse';
import { CorpusFormatError, type ColumnChoiceDetails } from '../types.ts';
import type { Collector } from './collector.ts';
import { arxivIdIn, arxivIdOf, cleanDoi, LineIndex, PROGRESS_EVERY, splitNames, yearOf, type Progress } from './fields.ts';

/**
 * CSV and TSV with a header row (Zotero's CSV export, Scopus, Web of Science tab-delimited, spreadsheets), read
 * with Papa Parse: quoted fields may hold delimiters and line breaks; the delimiter (comma, semicolon, tab or
 * pipe) is detected. Columns are found by header name; when that is not clear the error lists the header so the
 * UI can ask, and `columns` answers.
 */

/** Which columns hold the title and the abstract, by header name; given, it is followed exactly (no abstract column when absent). */
export interface ColumnChoice {
  title: string;
  abstract?: string;
}

/** Header names are compared lower-cased with punctuation as spaces: "Paper Title" → "paper title". */
function norm(header: string): string {
  return header
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Title columns, best first: a tier with two matches is ambiguous; a lower tier is used only when the ones above match nothing. */
const TITLE_TIERS: ((name: string) => boolean)[] = [
  (name) => ['title', 'paper title', 'article title', 'document title', 'title of paper', 'item title', 'ti'].includes(name),
  (name) => ['name', 'paper', 'headline'].includes(name),
];

const ABSTRACT_TIERS: ((name: string) => boolean)[] = [
  (name) => name === 'ab' || (name.split(' ').includes('abstract') && !/\b(url|link|id)\b/.test(name)),
  (name) => name === 'summary',
  (name) => ['description', 'text', 'body', 'content'].includes(name),
];

/** Metadata columns: the first header in each list that is present is used. */
const METADATA_COLUMNS = {
  // Web of Science: AF has full names ("Hinton, Geoffrey E."), AU initials; Scopus: "Authors", not "Author full names" (which carry ids).
  authors: ['authors', 'author', 'author s', 'creators', 'creator', 'af', 'au', 'author full names'],
  year: ['year', 'publication year', 'py', 'pub year', 'date', 'publication date', 'date published', 'published', 'issued'],
  doi: ['doi', 'di'],
  url: ['url', 'link', 'href', 'web link', 'pdf url'],
  venue: ['venue', 'journal', 'journal title', 'publication title', 'source title', 'source', 'booktitle', 'book title', 'conference', 'container title', 'secondary title', 'so', 'publication'],
  arxivId: ['arxiv id', 'arxivid', 'arxiv', 'eprint'],
} as const;

interface Columns {
  title: number;
  abstract: number | null;
  id: number | null;
  meta: { -readonly [K in keyof typeof METADATA_COLUMNS]: number | null };
}

function matchTiers(names: string[], tiers: ((name: string) => boolean)[]): { chosen: number[]; all: number[] } {
  const all: number[] = [];
  let chosen: number[] = [];
  for (const tier of tiers) {
    const hits = names.flatMap((name, i) => (tier(name) ? [i] : []));
    all.push(...hits);
    if (chosen.length === 0) chosen = hits;
  }
  return { chosen, all };
}

function resolveColumns(file: string, headers: string[], choice: ColumnChoice | undefined): Columns {
  const names = headers.map(norm);
  const titles = matchTiers(names, TITLE_TIERS);
  const abstracts = matchTiers(names, ABSTRACT_TIERS);
  const details: ColumnChoiceDetails = {
    headers,
    candidates: { title: titles.all.map((i) => headers[i]), abstract: abstracts.all.map((i) => headers[i]) },
  };
  const list = (indexes: number[]) => indexes.map((i) => JSON.stringify(headers[i])).join(' and ');
  const meta = Object.fromEntries(
    Object.entries(METADATA_COLUMNS).map(([key, wanted]) => {
      for (const name of wanted) {
        const at = names.indexOf(name);
        if (at !== -1) return [key, at];
      }
      return [key, null];
    }),
  ) as Columns['meta'];
  const id = headers.findIndex((header) => header.trim() === '_id');

  let title: number;
  let abstract: number | null;
  if (choice) {
    const find = (wanted: string, role: string): number => {
      let at = headers.indexOf(wanted);
      if (at === -1) at = headers.findIndex((header) => header.trim().toLowerCase() === wanted.trim().toLowerCase());
      if (at === -1) {
        throw new CorpusFormatError(file, 1, `expected a column named ${JSON.stringify(wanted)} for the ${role}, found only ${headers.map((h) => JSON.stringify(h)).join(', ')}`, 'unknown-column', details);
      }
      return at;
    };
    title = find(choice.title, 'title');
    abstract = choice.abstract === undefined ? null : find(choice.abstract, 'abstract');
  } else {
    if (titles.chosen.length !== 1) {
      const found = titles.chosen.length === 0 ? `no title column among ${headers.map((h) => JSON.stringify(h)).join(', ')}` : `${titles.chosen.length} title columns (${list(titles.chosen)})`;
      throw new CorpusFormatError(file, 1, `expected one title column in the header row, found ${found}; choose the title column`, 'ambiguous-columns', details);
    }
    if (abstracts.chosen.length > 1) {
      throw new CorpusFormatError(
        file,
        1,
        `expected one abstract column in the header row, found ${abstracts.chosen.length} (${list(abstracts.chosen)}); choose the abstract column`,
        'ambiguous-columns',
        details,
      );
    }
    title = titles.chosen[0];
    abstract = abstracts.chosen[0] ?? null;
  }
  // A metadata column never doubles as the title or abstract ("Publication Title" is Zotero's journal).
  for (const key of Object.keys(meta) as (keyof Columns['meta'])[]) {
    if (meta[key] === title || meta[key] === abstract) meta[key] = null;
  }
  return { title, abstract, id: id === -1 ? null : id, meta };
}

const DELIMITER_NAMES: { [delimiter: string]: string } = { ',': 'commas', ';': 'semicolons', '\t': 'tabs', '|': 'pipes' };

/**
 * Papa Parse takes the line ending of the first line for the whole file, so a file edited on two systems (CRLF
 * then LF) reads as rows glued together; one ending throughout keeps every physical line a row (and its number).
 * A byte-order mark left by a caller that decoded the text itself would otherwise join the first header's name.
 */
function oneLineEnding(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

export function parseDelimited(
  file: string,
  original: string,
  collector: Collector,
  progress: Progress,
  options: { tab: boolean; columns?: ColumnChoice },
): 'csv' | 'tsv' {
  const source = oneLineEnding(original);
  const lines = new LineIndex(source);
  let headers: string[] | null = null;
  let columns: Columns | null = null;
  let rowStart = 0;
  let rows = 0;
  let failure: unknown = null;
  let delimiter = options.tab ? '\t' : ',';

  const step = (result: Papa.ParseStepResult<string[]>, parser: Papa.Parser): void => {
    const start = rowStart;
    rowStart = result.meta.cursor;
    try {
      delimiter = result.meta.delimiter;
      const line = lines.lineAt(start);
      const quoteError = result.errors.find((error) => error.type === 'Quotes');
      if (quoteError) {
        const at = quoteError.code === 'MissingQuotes' && typeof quoteError.index === 'number' ? quoteError.index : start;
        const problem =
          quoteError.code === 'MissingQuotes'
            ? `expected a closing quote for the field that opens on this line, found the end of the file`
            : `expected the delimiter or the end of the line after a closing quote, found more text (${quoteError.message})`;
        throw new CorpusFormatError(file, quoteError.code === 'MissingQuotes' ? lines.lineAt(at) : line, problem, 'malformed-csv');
      }
      const fields = result.data;
      if (fields.length === 1 && fields[0].trim() === '') return; // blank line
      if (!headers) {
        headers = fields.map((field) => field.trim());
        columns = resolveColumns(file, headers, options.columns);
        return;
      }
      const width = headers.length;
      if (fields.length > width && fields.slice(width).some((field) => field.trim() !== '')) {
        throw new CorpusFormatError(
          file,
          line,
          `expected ${width} fields as in the header row, found ${fields.length} (is a ${DELIMITER_NAMES[delimiter]?.slice(0, -1) ?? 'delimiter'} inside a field without quotes?)`,
          'malformed-csv',
        );
      }
      const cols = columns!;
      const cell = (index: number | null): string | undefined => {
        if (index === null) return undefined;
        const value = fields[index]?.trim();
        return value ? value : undefined;
      };
      const url = cell(cols.meta.url);
      const doiCell = cell(cols.meta.doi);
      const authors = cell(cols.meta.authors);
      collector.add({
        line,
        title: cell(cols.title),
        abstract: cell(cols.abstract),
        explicitId: cell(cols.id),
        authors: authors ? splitNames(authors) : undefined,
        year: yearOf(cell(cols.meta.year)),
        venue: cell(cols.meta.venue),
        doi: cleanDoi(doiCell),
        url,
        arxivId: arxivIdOf(cell(cols.meta.arxivId)) ?? arxivIdIn(url, doiCell),
      });
      if (++rows % PROGRESS_EVERY === 0) progress(rowStart / source.length);
    } catch (error) {
      failure = error;
      parser.abort();
    }
  };

  Papa.parse<string[]>(source, {
    delimiter: options.tab ? '\t' : '',
    delimitersToGuess: [',', ';', '\t', '|'],
    skipEmptyLines: false,
    step,
  });
  if (failure) throw failure;
  if (!headers) throw new CorpusFormatError(file, 1, 'expected a header row naming the columns (such as "Title,Abstract"), found an empty file', 'empty');
  return delimiter === '\t' ? 'tsv' : 'csv';
}
