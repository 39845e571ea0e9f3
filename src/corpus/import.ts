import { parseDailyPapers } from './daily-papers.ts';
import { parseBibtexLibrary } from './formats/bibtex.ts';
import { Collector, type ImportSummary } from './formats/collector.ts';
import { parseDelimited, type ColumnChoice } from './formats/csv.ts';
import { decodeText, refuseBinaryText } from './formats/decode.ts';
import { monotonicProgress } from './formats/fields.ts';
import { parseJsonDocument, parseJsonLines } from './formats/json.ts';
import { parseRis } from './formats/ris.ts';
import { parseXml } from './formats/xml.ts';
import type { Paper } from '../base/paper.ts';
import { CorpusFormatError } from './types.ts';

export type { ColumnChoice } from './formats/csv.ts';
export type { ImportSummary } from './formats/collector.ts';

/**
 * Reads a library a person brings, in whatever their reference manager exports, into papers. Pure and
 * synchronous (no DOM), so it runs the same in a Web Worker, the page and Node:
 *
 * - `.bib` / `.bibtex`: BibTeX or BibLaTeX (JabRef, Zotero, Mendeley, Google Scholar)
 * - `.ris`: RIS (EndNote, Mendeley, Zotero, publishers)
 * - `.json`: CSL-JSON (Zotero's "CSL JSON" export) or a plain array of {"title", "abstract"|"text"}
 * - `.jsonl` / `.ndjson`: one {"title", "text"|"abstract", "_id"?} per line (BEIR style)
 * - `.csv` / `.tsv`: a header row naming the columns (Zotero CSV, Scopus, Web of Science, spreadsheets)
 * - `.xml` / `.atom`: arXiv API results (Atom) or arXiv OAI-PMH records
 * - `.txt`: a Hugging Face Daily Papers listing
 * - pasted text that is none of these: a list of titles, one per line (title-only papers)
 *
 * The content decides when it is unmistakable (a RIS file saved as .txt, JSON Lines named .json), else the
 * extension. Papers without an `_id` get an id from their title and abstract; the same paper twice is merged.
 * Records that cannot be papers (no title) are skipped and listed, with their line, in summary.skipped. A file
 * that cannot be read throws CorpusFormatError with the line, a plain-words problem and a `code`
 * (CORPUS_ERROR_CODES), and nothing is returned.
 */

export type LibraryFormat = 'bibtex' | 'ris' | 'csl-json' | 'json' | 'jsonl' | 'csv' | 'tsv' | 'atom' | 'oai-pmh' | 'daily-papers' | 'titles';

export interface ImportResult {
  papers: Paper[];
  format: LibraryFormat;
  summary: ImportSummary;
}

export interface ImportOptions {
  /** CSV/TSV: the title (and abstract) columns, answering an 'ambiguous-columns' error. */
  columns?: ColumnChoice;
}

/** What a file is, before parsing: the parser family to run. */
type Family = 'bibtex' | 'ris' | 'json' | 'jsonl' | 'delimited' | 'xml' | 'daily-papers' | 'titles';

const EXTENSIONS: Record<string, Family> = {
  bib: 'bibtex',
  bibtex: 'bibtex',
  biblatex: 'bibtex',
  ris: 'ris',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  csv: 'delimited',
  tsv: 'delimited',
  tab: 'delimited',
  xml: 'xml',
  atom: 'xml',
  txt: 'daily-papers',
};

const EXPECTED_FORMATS =
  'a BibTeX (.bib), RIS (.ris), CSL-JSON or JSON array (.json), JSON Lines (.jsonl), CSV/TSV with a header row (.csv, .tsv), arXiv Atom or OAI-PMH XML (.xml) or Daily Papers (.txt) file';

function extensionOf(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** The first lines of a file, enough to recognise a format. */
function head(text: string): string {
  return text.slice(0, 4096);
}

/** Content that can only be one format, whatever the file is called. */
function unmistakable(text: string, extension: string): Family | null {
  const start = head(text).trimStart();
  if (start.startsWith('<?xml') || /^<(?:[\w.-]+:)?(?:feed|OAI-PMH)[\s>]/.test(start)) return 'xml';
  // RIS: the first tagged line is "TY  - " (JSTOR puts a few untagged "Provider:" lines before it).
  const firstTag = start.split(/\r?\n/, 30).find((line) => /^[A-Z][A-Z0-9] {1,2}-( |$)/.test(line));
  if (firstTag && /^TY {1,2}-/.test(firstTag)) return 'ris';
  if (start.startsWith('[')) return 'json';
  if (start.startsWith('{')) return extension === 'json' ? 'json' : 'jsonl';
  // BibTeX: an entry or @string/@comment/@preamble at the start of a line, after at most comment lines (% …).
  const firstLine = start.split(/\r?\n/).find((line) => line.trim() !== '' && !line.trimStart().startsWith('%'));
  if (firstLine && /^\s*@\s*[A-Za-z]+\s*[{(]/.test(firstLine)) return 'bibtex';
  return null;
}

/** A header row with a recognisable title column, separated by commas, semicolons or tabs. */
function looksDelimited(text: string): boolean {
  const firstLine = head(text).split(/\r?\n/, 1)[0] ?? '';
  return /[,;\t]/.test(firstLine) && /(^|[,;\t]\s*"?)\s*(title|paper title|article title|ti)\s*"?\s*([,;\t]|$)/i.test(firstLine);
}

/** Whether text is a Daily Papers listing: a date line such as "Mar 12" within the first 20 lines. */
function looksLikeDailyPapers(text: string): boolean {
  return text
    .slice(0, 8192)
    .split(/\r?\n/, 20)
    .some((line) => /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}(, \d{4})?$/.test(line.trim()));
}

/** The longest line taken as a title: longer ones are prose (an abstract, a pasted page), not a list of titles. */
const TITLE_LINE_MAX = 400;

/** A list of titles: every non-empty line short enough to be one, none of them markup. */
function looksLikeTitles(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines.length > 0 && lines.every((line) => line.trim().length <= TITLE_LINE_MAX && !/^\s*[<{@]/.test(line));
}

/** One title-only paper per non-empty line; a list's bullets or numbers ("- ", "3. ", "[4]") are not part of the title. */
function parseTitleList(text: string, collector: Collector): void {
  text.split(/\r?\n/).forEach((line, i) => {
    const title = line.replace(/^\s*(?:[-*•–]|\(?\d{1,4}[.)]|\[\d{1,4}\])\s+/, '').trim();
    if (title) collector.add({ line: i + 1, title, abstract: '' });
  });
}

function detect(name: string, text: string): Family {
  const extension = extensionOf(name);
  // A web page saved instead of the export it offers (a download link's error or login page).
  if (/^\s*(?:<!--[\s\S]*?-->\s*)?<(?:!doctype\s+html|html)[\s>]/i.test(head(text))) {
    throw new CorpusFormatError(name, 1, `expected ${EXPECTED_FORMATS}, found a web page (HTML): save the export file itself, not the page that links to it`, 'unknown-format');
  }
  const sure = unmistakable(text, extension);
  if (sure) return sure;
  const byName = EXTENSIONS[extension];
  if (byName && byName !== 'daily-papers') return byName;
  if (byName === 'daily-papers' && looksLikeDailyPapers(text)) return 'daily-papers';
  if (looksDelimited(text)) return 'delimited';
  // Pasted text (no file name to go by): a plain list of titles, one per line, is a library too (issue 18). A
  // file is named by its extension, and a .txt that is not a listing stays refused (it may be any prose).
  if (extension === '' && looksLikeTitles(text)) return 'titles';
  const what = byName === 'daily-papers' ? 'this text is neither a Daily Papers listing (no date line such as "Mar 12" in the first 20 lines) nor a RIS, BibTeX or CSV export' : 'nothing in the name or the content says what this is';
  throw new CorpusFormatError(name, 1, `expected ${EXPECTED_FORMATS}, but ${what}`, 'unknown-format');
}

const EMPTY: Record<Exclude<Family, 'daily-papers'>, string> = {
  bibtex: 'expected at least one BibTeX entry such as "@article{key, title = {…}}", found none',
  ris: 'expected at least one RIS record ("TY  - JOUR" … "ER  - "), found none',
  json: 'expected at least one paper in the JSON array, found an empty array',
  jsonl: 'expected one JSON object per line, found an empty file',
  delimited: 'expected at least one row after the header row, found none',
  xml: 'expected at least one <entry> or <record>, found none',
  titles: 'expected at least one title, one per line, found none',
};

/** parseLibrary on text already decoded (the Node tools, parseCorpusFile). */
export function parseLibraryText(name: string, source: string, onProgress?: (fraction: number) => void, options: ImportOptions = {}): ImportResult {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const progress = monotonicProgress(onProgress);
  progress(0);
  if (text.trim() === '') throw new CorpusFormatError(name, 1, 'expected a library export, found an empty file', 'empty');
  refuseBinaryText(name, text);
  const family = detect(name, text);
  if (family === 'daily-papers') {
    let papers: Paper[];
    try {
      papers = parseDailyPapers(text, name);
    } catch (error) {
      if (error instanceof CorpusFormatError && !error.code) throw new CorpusFormatError(error.file, error.line, error.problem, 'malformed-listing');
      throw error;
    }
    progress(1);
    return { papers, format: 'daily-papers', summary: { records: papers.length, imported: papers.length, titleOnly: 0, duplicatesMerged: 0, skipped: [] } };
  }
  // JSON text is kept exactly as written (content hashes, and so cached vectors, stay those of earlier imports);
  // in the other formats line breaks are layout and are folded.
  const collector = new Collector(name, family !== 'json' && family !== 'jsonl');
  let format: LibraryFormat;
  switch (family) {
    case 'bibtex':
      parseBibtexLibrary(name, text, collector, progress);
      format = 'bibtex';
      break;
    case 'ris':
      parseRis(name, text, collector, progress);
      format = 'ris';
      break;
    case 'json':
      format = parseJsonOrLines(name, text, collector, progress);
      break;
    case 'jsonl':
      parseJsonLines(name, text, collector, progress);
      format = 'jsonl';
      break;
    case 'delimited':
      format = parseDelimited(name, text, collector, progress, { tab: ['tsv', 'tab'].includes(extensionOf(name)), columns: options.columns });
      break;
    case 'xml':
      format = parseXml(name, text, collector, progress);
      break;
    case 'titles':
      parseTitleList(text, collector);
      format = 'titles';
      break;
  }
  const summary = collector.finish(EMPTY[family]);
  progress(1);
  return { papers: collector.papers, format, summary };
}

/** A .json file that starts with "{" is one paper object, or JSON Lines under the wrong extension. */
function parseJsonOrLines(name: string, text: string, collector: Collector, progress: (fraction: number) => void): LibraryFormat {
  if (text.trimStart().startsWith('{')) {
    try {
      JSON.parse(text);
    } catch {
      parseJsonLines(name, text, collector, progress);
      return 'jsonl';
    }
  }
  return parseJsonDocument(name, text, collector, progress);
}

/**
 * The import entry point: the file's name and bytes, as a Web Worker receives them. Binary files and text that is
 * not UTF-8 are refused first ('not-text', 'not-utf8'), then the format is detected and parsed.
 * `onProgress` receives fractions from 0 to 1 during long parses (every few thousand records).
 */
export function parseLibrary(name: string, bytes: Uint8Array, onProgress?: (fraction: number) => void, options: ImportOptions = {}): ImportResult {
  return parseLibraryText(name, decodeText(name, bytes), onProgress, options);
}

/** The papers of a library file given as text (kept for callers that read files as text). */
export function parseCorpusFile(name: string, source: string): Paper[] {
  return parseLibraryText(name, source).papers;
}
