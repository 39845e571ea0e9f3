import Papa from 'papaparse';
import type { Paper } from '../base/paper.ts';

/**
 * Writes papers (a library, or search results with their scores and ranks) as BibTeX, CSV or JSON Lines. Pure and
 * synchronous, like parseLibrary, whose readers are the contract: every file written here imports back
 * (tests/unit/export.test.ts round-trips each format through parseLibrary). JSON Lines comes back exactly; BibTeX and
 * CSV with whitespace folded (the readers fold it), and with three losses the readers impose: a CSV cell defused
 * against formulas keeps its apostrophe, a suffix loses its comma in CSV ("King Jr."), and text shaped exactly like
 * the BibTeX parser's own markup tags ("<b>", "<i>", "<sup>") is dropped by the BibTeX reader.
 */

export type ExportFormat = 'bibtex' | 'csv' | 'jsonl';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['bibtex', 'csv', 'jsonl'];

/** One paper to write; `score` and `rank` are present for search results, absent for a library. */
export interface ExportRow {
  paper: Paper;
  score?: number;
  rank?: number;
}

/** What the rows are (results of `query` ranked by `mode`), written where the format has room for it. */
export interface ExportMeta {
  query?: string;
  mode?: string;
}

export interface ExportedFile {
  text: string;
  mimeType: string;
  /** Without the dot. */
  extension: string;
}

const FILE_TYPES: Record<ExportFormat, { mimeType: string; extension: string }> = {
  bibtex: { mimeType: 'application/x-bibtex;charset=utf-8', extension: 'bib' },
  csv: { mimeType: 'text/csv;charset=utf-8', extension: 'csv' },
  jsonl: { mimeType: 'application/x-ndjson;charset=utf-8', extension: 'jsonl' },
};

export function exportPapers(rows: readonly ExportRow[], format: ExportFormat, meta: ExportMeta = {}): ExportedFile {
  const text = format === 'bibtex' ? toBibtex(rows, meta) : format === 'csv' ? toCsv(rows) : toJsonLines(rows);
  return { text, ...FILE_TYPES[format] };
}

/**
 * A file name for a download: the library's name (its extension dropped), "-results-" and the query for results,
 * and the format's extension. Letters and digits of any script are kept, everything else becomes "-", so the name
 * is valid on every common file system.
 */
export function suggestedFileName(libraryName: string, format: ExportFormat, query?: string): string {
  const base = slug(libraryName.replace(/\.(bib|bibtex|biblatex|ris|json|jsonl|ndjson|csv|tsv|tab|txt|xml|atom)$/i, ''), 60) || 'papers';
  const about = query ? slug(query, 40) : '';
  let name = query !== undefined ? `${base}-results${about ? `-${about}` : ''}` : base;
  // Windows refuses these as file names whatever the extension (CON.csv is the console).
  if (/^(con|prn|aux|nul|com\d|lpt\d)$/.test(name)) name += '-papers';
  return `${name}.${FILE_TYPES[format].extension}`;
}

function slug(text: string, maxChars: number): string {
  const dashed = text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
  // Cut by code points, not UTF-16 units, so a name never ends in half a surrogate pair.
  return Array.from(dashed).slice(0, maxChars).join('').replace(/-+$/, '');
}

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------------------------
// Names

/** A "First Last" name split the way BibTeX reads one: first names, "von" particles, last name, suffix. */
interface NameParts {
  first: string;
  von: string;
  last: string;
  suffix: string;
}

const SUFFIX = /^(jr\.?|sr\.?|[ivx]+|\d+(st|nd|rd|th))$/i;
/**
 * A word of a person's name: letters, marks, apostrophes, hyphens, periods. Anything else ("<svg", "onload=x>") is
 * not split into first/von/last parts, which would reorder the text ("onload=x> Doe, <svg"); it stays one literal name.
 */
const NAME_WORD = /^[\p{L}\p{M}.'’‐-]+$/u;

/**
 * Splits an author as papers carry them ("First Last", "Ludwig van Beethoven", "Martin Luther King, Jr."), or
 * null for a name that is not in that shape (a comma that is not before a suffix, or the word "and", which would
 * split the BibTeX name list): those are written as one literal name.
 */
function nameParts(name: string): NameParts | null {
  const flat = collapse(name);
  let main = flat;
  let suffix = '';
  const comma = flat.indexOf(',');
  if (comma !== -1) {
    const tail = flat.slice(comma + 1).trim();
    if (!SUFFIX.test(tail)) return null;
    main = flat.slice(0, comma).trim();
    suffix = tail;
  }
  const tokens = main.split(' ').filter(Boolean);
  if (tokens.length === 0 || tokens.some((token) => token.toLowerCase() === 'and' || !NAME_WORD.test(token))) return null;
  // BibTeX's "von" part: the lower-case words just before the last name ("van", "de la").
  let vonStart = tokens.length - 1;
  while (vonStart > 0 && /^\p{Ll}/u.test(tokens[vonStart - 1])) vonStart--;
  const parts = { first: tokens.slice(0, vonStart).join(' '), von: tokens.slice(vonStart, -1).join(' '), last: tokens[tokens.length - 1], suffix };
  return parts.suffix && !parts.first ? null : parts;
}

/** "von Last, Jr., First" (BibTeX's full form); "{Literal Name}" when the name cannot be split. */
function bibtexName(name: string): string {
  const parts = nameParts(name);
  if (!parts) return `{${latexText(collapse(name))}}`;
  const last = latexText([parts.von, parts.last].filter(Boolean).join(' '));
  return [last, parts.suffix && latexText(parts.suffix), parts.first && latexText(parts.first)].filter(Boolean).join(', ');
}

/** "Last, First" (Zotero's CSV convention); parseLibrary turns it back into "First Last". */
function csvName(name: string): string {
  const parts = nameParts(name);
  if (!parts) return collapse(name);
  const last = [parts.von, parts.last].filter(Boolean).join(' ');
  return [last, parts.first, parts.suffix].filter(Boolean).join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// BibTeX

/**
 * Text as a BibTeX value that reads back as the same text: LaTeX's special characters escaped, and the input
 * ligatures a BibTeX reader expands broken with an empty group ("--" would come back as "–", "``" and "''" as
 * curly quotes). Everything else, accents and non-Latin scripts included, is written as UTF-8: Zotero, JabRef,
 * Biber and Better BibTeX read it.
 */
function latexText(text: string): string {
  return text
    .replace(/[\\{}%&$#_~^`]/g, (c) => LATEX_ESCAPES[c])
    .replace(/-(?=-)/g, '-{}')
    .replace(/'(?=')/g, "'{}");
}

const LATEX_ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  '%': '\\%',
  '&': '\\&',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '`': '{`}',
};

/**
 * url, doi and eprint are verbatim fields (read as written, no LaTeX): only a brace or a backslash could break the
 * entry, and neither is valid unescaped in a URL, so they are percent-encoded.
 */
function verbatim(value: string): string {
  return value.trim().replace(/[{}\\]/g, (c) => encodeURIComponent(c));
}

/** Venues that are proceedings; any other venue is written as a journal (@article), as the brief for unsure cases says. */
const PROCEEDINGS = /\b(proceedings|proc\.|conference|workshop|symposium|neurips|nips|icml|iclr|cvpr|iccv|eccv|emnlp|naacl|aaai|ijcai|sigir|kdd)\b/i;

function entryType(paper: Paper): { type: string; venueField?: string } {
  if (!paper.venue?.trim()) return { type: 'misc' }; // arXiv's own BibTeX export writes preprints as @misc
  return PROCEEDINGS.test(paper.venue) ? { type: 'inproceedings', venueField: 'booktitle' } : { type: 'article', venueField: 'journal' };
}

/** Lower-case ASCII letters and digits: accents dropped (ö → o), other letters spelled out, anything else removed. */
function asciiKeyPart(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøłđþ]/gi, (c) => ({ ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', þ: 'th' })[c.toLowerCase()] ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

const TITLE_STOPWORDS = new Set(['a', 'an', 'the', 'on', 'of', 'in', 'for', 'to', 'and', 'with', 'from', 'by', 'at', 'is', 'are', 'towards', 'toward']);

/** Google Scholar's key shape: first author's last name, year, first word of the title that is not a function word. */
function baseKey(paper: Paper): string {
  const first = paper.authors?.[0];
  const parts = first ? nameParts(first) : null;
  const author = first ? asciiKeyPart(parts ? parts.last : collapse(first).split(' ')[0]) : '';
  const word = paper.title
    .split(/[^\p{L}\p{N}]+/u)
    .map(asciiKeyPart)
    .find((part) => part !== '' && !TITLE_STOPWORDS.has(part));
  const key = `${author}${paper.year ?? ''}${word ?? ''}`;
  // A key must have a letter first for BibTeX tools; an unknown author or a non-Latin one gives none.
  return /^[a-z]/.test(key) ? key : `paper${key}`;
}

/** a, b, …, z, aa, ab, … */
function letters(n: number): string {
  let out = '';
  for (let k = n + 1; k > 0; k = Math.floor((k - 1) / 26)) out = String.fromCharCode(97 + ((k - 1) % 26)) + out;
  return out;
}

/**
 * One key per row, in row order. A paper imported with a citation key keeps it (a \cite{} written against the
 * library must still resolve); the others get a generated key that no kept key uses. A repeated key, kept or
 * generated, gets "a", "b", … appended on its later rows.
 */
export function citationKeys(papers: readonly Paper[]): string[] {
  const kept = new Set(papers.flatMap((paper) => (paper.citationKey ? [paper.citationKey] : [])));
  const used = new Set<string>();
  return papers.map((paper) => {
    const base = paper.citationKey ?? baseKey(paper);
    let key = base;
    // A generated key steps aside for every kept key, even one on a later row; a kept key only for earlier rows.
    for (let n = 0; used.has(key) || (!paper.citationKey && kept.has(key)); n++) key = base + letters(n);
    used.add(key);
    return key;
  });
}

/** Header line: BibTeX ignores text outside entries but starts an entry at any "@", so none may appear in it. */
function bibtexHeader(rows: readonly ExportRow[], meta: ExportMeta): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const what = meta.query !== undefined ? `${count(rows.length, 'result')} for "${collapse(meta.query)}"${meta.mode ? ` (${meta.mode} ranking)` : ''}` : count(rows.length, 'paper');
  const scored = rows.some((row) => finite(row.score) !== undefined || row.rank !== undefined) ? '; x-rank and x-score hold each rank and score' : '';
  return `% Paper Search export: ${what}${scored}.`.replace(/@/g, '(at)');
}

function toBibtex(rows: readonly ExportRow[], meta: ExportMeta): string {
  const keys = citationKeys(rows.map((row) => row.paper));
  const entries = rows.map(({ paper, score, rank }, i) => {
    const { type, venueField } = entryType(paper);
    const fields: [string, string][] = [['title', latexText(collapse(paper.title))]];
    if (paper.authors?.length) fields.push(['author', paper.authors.map(bibtexName).join(' and ')]);
    if (paper.year !== undefined) fields.push(['year', String(paper.year)]);
    if (venueField && paper.venue) fields.push([venueField, latexText(collapse(paper.venue))]);
    if (paper.doi) fields.push(['doi', verbatim(paper.doi)]);
    if (paper.url) fields.push(['url', verbatim(paper.url)]);
    if (paper.arxivId) fields.push(['eprint', verbatim(paper.arxivId)], ['archivePrefix', 'arXiv']);
    if (paper.abstract.trim()) fields.push(['abstract', latexText(collapse(paper.abstract))]);
    // Scores go in fields of their own, not in `note`: bibliography styles print `note` (plain, alpha, apalike
    // and biblatex's standard styles all do), so a score there would end up in someone's reference list, while
    // BibTeX and Biber ignore fields they do not know and JabRef keeps them.
    if (rank !== undefined) fields.push(['x-rank', String(rank)]);
    const value = finite(score);
    if (value !== undefined) fields.push(['x-score', String(value)]);
    return `@${type}{${keys[i]},\n${fields.map(([name, text]) => `  ${name} = {${text}},`).join('\n')}\n}\n`;
  });
  return [bibtexHeader(rows, meta), '', ...entries].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// CSV

/**
 * Cells a spreadsheet would run as a formula (OWASP's CSV injection list: = + - @, tab, carriage return) get a
 * leading apostrophe, which Excel, LibreOffice and Google Sheets treat as "this is text": an abstract starting
 * with "=HYPERLINK(…)" in someone's import must not become a live link or command when the export is opened.
 * Papa Parse's own default pattern ends in `.*$` without the `s` flag, so it misses a cell whose first line
 * starts with "=" and that continues on another line; this one looks at the first character only. Numbers (rank,
 * score, year) are passed as numbers, which Papa Parse never escapes, so a negative score stays a number.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

const CSV_COLUMNS = ['title', 'abstract', 'authors', 'year', 'venue', 'doi', 'url', 'arxiv_id', '_id'] as const;

/**
 * Header row, then one row per paper. Ids go in `_id`, the column parseLibrary reads ids from (as in JSON Lines),
 * so a re-imported file keeps them. Line breaks inside a field are quoted, not removed. A UTF-8 byte-order mark
 * first, so Excel opens the file as UTF-8 instead of the system code page; parseLibrary drops it.
 */
function toCsv(rows: readonly ExportRow[]): string {
  const scored = rows.some((row) => row.rank !== undefined || finite(row.score) !== undefined);
  const fields = [...(scored ? ['rank', 'score'] : []), ...CSV_COLUMNS];
  const data = rows.map(({ paper, score, rank }) => {
    const cells: (string | number)[] = [
      paper.title,
      paper.abstract,
      (paper.authors ?? []).map(csvName).join('; '),
      paper.year ?? '',
      paper.venue ?? '',
      paper.doi ?? '',
      paper.url ?? '',
      paper.arxivId ?? '',
      paper.id,
    ];
    return scored ? [rank ?? '', finite(score) ?? '', ...cells] : cells;
  });
  return '\uFEFF' + Papa.unparse({ fields, data }, { escapeFormulae: FORMULA_START, newline: '\r\n' }) + '\r\n';
}

// ---------------------------------------------------------------------------------------------------------------
// JSON Lines

/**
 * One object per line in the app's own import shape (BEIR's `_id`, `title`, `text`, which `npm run index` and
 * `npm run eval` read too), then the metadata and, for results, rank and score. Text is kept exactly, line breaks
 * included (JSON escapes them). U+2028/U+2029 are escaped as well: JSON allows them raw, but readers that split
 * lines on every Unicode line break (Python's str.splitlines) would cut the record there.
 */
function toJsonLines(rows: readonly ExportRow[]): string {
  return rows
    .map(({ paper, score, rank }) => {
      const record: Record<string, unknown> = { _id: paper.id, title: paper.title, text: paper.abstract };
      if (paper.authors?.length) record.authors = paper.authors;
      if (paper.year !== undefined) record.year = paper.year;
      if (paper.venue) record.venue = paper.venue;
      if (paper.doi) record.doi = paper.doi;
      if (paper.url) record.url = paper.url;
      if (paper.arxivId) record.arxivId = paper.arxivId;
      if (rank !== undefined) record.rank = rank;
      const value = finite(score);
      if (value !== undefined) record.score = value;
      return JSON.stringify(record).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + '\n';
    })
    .join('');
}
