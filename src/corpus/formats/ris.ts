import { CorpusFormatError } from '../types.ts';
import type { Collector } from './collector.ts';
import { arxivIdIn, cleanDoi, invertName, PROGRESS_EVERY, yearOf, type Progress } from './fields.ts';

/**
 * RIS (EndNote, Mendeley, Zotero, JabRef, JSTOR, publishers' "export citation"): records of `XX  - value` lines
 * from `TY  - ` to `ER  - `; a line without a tag continues the previous value (wrapped abstracts).
 *
 * Hand-written rather than @citation-js/plugin-ris: that plugin needs @citation-js/core (and through it a fetch
 * polyfill, date and name packages) and returns CSL through citation.js's asynchronous plugin registry; it also
 * does not report the line a broken record starts on. RIS is a line format a page of code reads exactly, in one
 * pass, with the line numbers the messages need.
 */

/** `TY  - JOUR`; exporters disagree on the space after the hyphen (absent on empty values) and some use one space before it. */
const TAG_LINE = /^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|)$/;

interface RisRecord {
  line: number;
  fields: Map<string, string[]>;
}

function first(record: RisRecord, ...tags: string[]): string | undefined {
  for (const tag of tags) {
    const values = record.fields.get(tag)?.filter((value) => value.trim());
    if (values?.length) return values[0];
  }
  return undefined;
}

function all(record: RisRecord, ...tags: string[]): string[] {
  for (const tag of tags) {
    const values = record.fields.get(tag)?.filter((value) => value.trim());
    if (values?.length) return values;
  }
  return [];
}

function addRecord(record: RisRecord, collector: Collector): void {
  const urls = all(record, 'UR', 'L2', 'LK').flatMap((value) => value.split(/\s*;\s*|\s+/)).filter(Boolean);
  const doi = cleanDoi(first(record, 'DO')) ?? cleanDoi(first(record, 'M3')) ?? cleanDoi(urls.find((url) => /doi\.org\//i.test(url)));
  const authors = all(record, 'AU', 'A1').map(invertName).filter(Boolean);
  collector.add({
    line: record.line,
    title: first(record, 'TI', 'T1', 'CT', 'BT'),
    abstract: all(record, 'AB', 'N2').join(' ') || undefined,
    authors: authors.length ? authors : undefined,
    year: yearOf(first(record, 'PY', 'Y1', 'DA', 'Y2')),
    venue: first(record, 'T2', 'JF', 'JO', 'JA', 'J2'),
    doi,
    url: urls.find((url) => /^https?:\/\//i.test(url)) ?? urls[0],
    arxivId: arxivIdIn(...urls, first(record, 'DO'), first(record, 'L1'), first(record, 'AN'), first(record, 'M1'), ...all(record, 'N1')),
  });
}

export function parseRis(file: string, source: string, collector: Collector, progress: Progress): void {
  const lines = source.split(/\r?\n/);
  let current: RisRecord | null = null;
  let lastValues: string[] | null = null;
  let done = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    const match = TAG_LINE.exec(raw.trimEnd());
    if (!match) {
      if (raw.trim() === '') continue;
      // A continuation line (wrapped abstract); text before the first record (JSTOR's "Provider:" header) is not data.
      if (current && lastValues) lastValues[lastValues.length - 1] += ' ' + raw.trim();
      continue;
    }
    const tag = match[1];
    const value = (match[2] ?? '').trim();
    if (tag === 'TY') {
      if (current) {
        throw new CorpusFormatError(
          file,
          current.line,
          `expected "ER  - " to end the record that starts on this line, found the next record ("TY  - ${value}") on line ${lineNo}`,
          'unterminated-record',
        );
      }
      current = { line: lineNo, fields: new Map() };
      lastValues = null;
      continue;
    }
    if (!current) {
      throw new CorpusFormatError(file, lineNo, `expected "TY  - " to start a record, found "${tag}  - " outside a record`, 'malformed-ris');
    }
    if (tag === 'ER') {
      addRecord(current, collector);
      current = null;
      lastValues = null;
      if (++done % PROGRESS_EVERY === 0) progress(lineNo / lines.length);
      continue;
    }
    let values = current.fields.get(tag);
    if (!values) current.fields.set(tag, (values = []));
    values.push(value);
    lastValues = values;
  }
  if (current) {
    throw new CorpusFormatError(file, current.line, 'expected "ER  - " to end the record that starts on this line, found the end of the file', 'unterminated-record');
  }
}
