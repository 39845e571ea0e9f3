import { CorpusFormatError } from '../types.ts';
import type { Candidate, Collector } from './collector.ts';
import { arxivIdIn, arxivIdOf, cleanDoi, LineIndex, PROGRESS_EVERY, splitNames, text, yearOf, type Progress } from './fields.ts';
import { describeAt, findJsonError } from './json-syntax.ts';

/**
 * JSON Lines (one paper per line, BEIR style {"_id","title","text"}) and JSON arrays: Zotero's CSL-JSON export
 * ([{"title","abstract","author":[{"family","given"}],"issued":{"date-parts":[[2020]]},"DOI","URL",
 * "container-title"}]) or a plain [{"title","abstract"|"text"}]. Both shapes go through one field mapping, so a
 * JSON Lines file of CSL items works too.
 */

type Json = Record<string, unknown>;

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Keys only a CSL-JSON item has (Zotero, Mendeley, citation.js exports). */
export function isCslItem(value: Json): boolean {
  return (
    'issued' in value ||
    'container-title' in value ||
    'DOI' in value ||
    'URL' in value ||
    'citation-key' in value ||
    (Array.isArray(value.author) && value.author.some((a) => typeof a === 'object' && a !== null && ('family' in a || 'literal' in a)))
  );
}

/** A CSL name ({family, given, particles, suffix} or {literal}) or a plain string as "First Last". */
function personName(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const name = value as Json;
  const literal = text(name.literal) ?? text(name.name);
  if (literal) return literal.trim();
  const parts = [name.given, name['dropping-particle'], name['non-dropping-particle'], name.family].map(text).filter(Boolean);
  if (parts.length === 0) return undefined;
  const suffix = text(name.suffix);
  return parts.join(' ') + (suffix ? `, ${suffix}` : '');
}

function people(value: unknown): string[] | undefined {
  if (typeof value === 'string') return splitNames(value);
  if (!Array.isArray(value)) return undefined;
  const names = value.map(personName).filter((name): name is string => name !== undefined);
  return names.length ? names : undefined;
}

/** Year of a CSL date ({"date-parts": [[2020, 5]]}, {"raw": "2020-05"}, {"literal": "2020"}) or a plain value. */
function cslYear(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return yearOf(value);
  const date = value as Json;
  const parts = date['date-parts'];
  if (Array.isArray(parts) && Array.isArray(parts[0])) return yearOf(parts[0][0]);
  return yearOf(date.raw) ?? yearOf(date.literal) ?? yearOf(date.year);
}

function firstString(value: unknown): unknown {
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : value;
}

/**
 * One paper from a JSON object. Title: "title" (a string, or a list whose first entry is one). Abstract: "text",
 * "abstract", "summary" or "description", the first present. A present field of the wrong type is an error:
 * guessing would import a number as a title.
 */
export function candidateFromObject(value: Json, line: number, file: string, where = ''): Candidate {
  const wrong = (field: string, expected: string, found: unknown): never => {
    throw new CorpusFormatError(file, line, `expected "${field}"${where} to be ${expected}, found ${kind(found)}`, 'wrong-type');
  };
  const title = firstString(value.title);
  if (title !== undefined && title !== null && typeof title !== 'string') wrong('title', 'a string', title);
  let abstract: string | undefined;
  for (const key of ['text', 'abstract', 'summary', 'description']) {
    const field = value[key];
    if (field === undefined || field === null) continue;
    if (typeof field !== 'string') wrong(key, 'a string', field);
    abstract = field as string;
    break;
  }
  const id = value._id;
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') wrong('_id', 'a string', id);
  const url = text(value.URL) ?? text(value.url);
  const doi = cleanDoi(text(value.DOI) ?? text(value.doi));
  const candidate: Candidate = {
    line,
    title: typeof title === 'string' ? title : undefined,
    abstract,
    explicitId: id === undefined || id === '' ? undefined : String(id),
    authors: people(value.author) ?? people(value.authors),
    year: cslYear(value.issued) ?? yearOf(value.year) ?? cslYear(value.date) ?? cslYear(value.published) ?? yearOf(value.update_date),
    venue: text(firstString(value['container-title'])) ?? text(value.venue) ?? text(value.journal) ?? text(value.booktitle) ?? text(value['journal-ref']),
    doi,
    url,
    arxivId:
      arxivIdOf(text(value.arxivId) ?? text(value.arxiv_id) ?? text(value.arxiv) ?? text(value.eprint)) ??
      arxivIdOf(text(value.id)) ??
      arxivIdIn(url, text(value.DOI) ?? text(value.doi), text(value.number), text(value.note), text(value.archive_location)),
  };
  return candidate;
}

function malformed(file: string, line: number, prefix: string, lineText: string, fallbackMessage: string): CorpusFormatError {
  const found = findJsonError(lineText);
  if (!found) {
    // The engine refused what the locator accepts (should not happen): say so without a made-up column.
    return new CorpusFormatError(file, line, `${prefix}; the JSON is malformed (${fallbackMessage})`, 'malformed-json');
  }
  return new CorpusFormatError(
    file,
    line,
    `${prefix}; the JSON is malformed at column ${found.offset + 1}: expected ${found.expected}, found ${describeAt(lineText, found.offset, lineText.length, 'the end of the line')}`,
    'malformed-json',
  );
}

/** One JSON object per line; blank lines skipped; CRLF accepted. Linear: one JSON.parse per line. */
export function parseJsonLines(file: string, source: string, collector: Collector, progress: Progress): void {
  let lineNo = 0;
  let parsed = 0;
  for (let start = 0; start <= source.length; ) {
    const newline = source.indexOf('\n', start);
    const end = newline === -1 ? source.length : newline;
    const lineText = source.slice(start, end > start && source.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
    lineNo++;
    start = end + 1;
    if (lineText.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (error) {
      throw malformed(file, lineNo, 'expected one JSON object per line', lineText, (error as Error).message);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CorpusFormatError(file, lineNo, `expected one JSON object per line, found ${kind(value)}`, 'not-an-object');
    }
    collector.add(candidateFromObject(value as Json, lineNo, file));
    if (++parsed % PROGRESS_EVERY === 0) progress(start / source.length);
  }
}

/** Offsets where the elements of the top-level array start (the text is known to be valid JSON). */
function arrayElementOffsets(source: string): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let expectValue = false;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (depth === 1 && expectValue) {
      offsets.push(i);
      expectValue = false;
    }
    if (c === 0x22) {
      // Skip the string: to the next quote not escaped by an odd run of backslashes.
      for (i++; i < source.length; i++) {
        const s = source.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c && depth === 1) {
      expectValue = true;
    }
  }
  return offsets;
}

/** A JSON array of papers (CSL-JSON or plain), or one paper object. Returns which it was. */
export function parseJsonDocument(file: string, source: string, collector: Collector, progress: Progress): 'csl-json' | 'json' {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const found = findJsonError(source);
    if (!found) throw new CorpusFormatError(file, 1, `expected a JSON array of papers; the JSON is malformed (${(error as Error).message})`, 'malformed-json');
    const lines = new LineIndex(source);
    throw new CorpusFormatError(
      file,
      lines.lineAt(found.offset),
      `expected a JSON array of papers; the JSON is malformed at column ${lines.columnAt(found.offset)}: expected ${found.expected}, found ${describeAt(source, found.offset)}`,
      'malformed-json',
    );
  }
  const lines = new LineIndex(source);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Json;
    if (!('title' in object)) {
      const keys = Object.keys(object).slice(0, 5).map((key) => JSON.stringify(key)).join(', ');
      throw new CorpusFormatError(file, lines.lineAt(source.search(/\S/)), `expected a JSON array of papers ([{"title": …}, …]), found an object with the keys ${keys || '(none)'}`, 'not-an-object');
    }
    collector.add(candidateFromObject(object, lines.lineAt(source.search(/\S/)), file));
    return isCslItem(object) ? 'csl-json' : 'json';
  }
  if (!Array.isArray(value)) {
    throw new CorpusFormatError(file, lines.lineAt(source.search(/\S/)), `expected a JSON array of papers ([{"title": …}, …]), found ${kind(value)}`, 'not-an-object');
  }
  const offsets = arrayElementOffsets(source);
  let csl = 0;
  value.forEach((element, index) => {
    const line = lines.lineAt(offsets[index] ?? 0);
    if (typeof element !== 'object' || element === null || Array.isArray(element)) {
      throw new CorpusFormatError(file, line, `expected an object with a "title" at index ${index} of the array, found ${kind(element)}`, 'not-an-object');
    }
    if (isCslItem(element as Json)) csl++;
    collector.add(candidateFromObject(element as Json, line, file, ` at index ${index}`));
    if ((index + 1) % PROGRESS_EVERY === 0) progress((index + 1) / value.length);
  });
  return csl > 0 && csl >= value.length / 2 ? 'csl-json' : 'json';
}
