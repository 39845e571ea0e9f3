import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import { parseCorpusFile, parseLibrary, type ImportOptions } from '../../src/corpus/import.ts';
import { FILE_SET_ERROR_CODES } from '../../src/library/import/import-service.ts';
import { CORPUS_ERROR_CODES, type CorpusErrorCode, type CorpusFormatError } from '../../src/corpus/types.ts';
import { fixtureBytes, fixtureText, importError, importText } from './import-helpers.ts';

const bytes = (...values: number[]) => new Uint8Array(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('files that are not text', () => {
  it('a PNG renamed .jsonl: not-text, says it is a PNG image, never a JSON.parse message', () => {
    const error = importError(() => parseLibrary('photo.jsonl', fixtureBytes('photo.jsonl')));
    expect(error).toMatchObject({ code: 'not-text', line: 1, file: 'photo.jsonl' });
    expect(error.message).toBe('photo.jsonl:1: this file is a PNG image, not a library export');
    expect(error.message).not.toMatch(/JSON|token|position/);
  });

  it('other signatures: JPEG, PDF, ZIP (.docx/.xlsx), gzip, SQLite (zotero.sqlite)', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['a.bib', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10), /a JPEG image/],
      ['a.ris', utf8('%PDF-1.7\n%âãÏÓ\n'), /a PDF document/],
      ['a.csv', bytes(0x50, 0x4b, 0x03, 0x04, 0x14, 0), /a ZIP archive/],
      ['a.json', bytes(0x1f, 0x8b, 0x08, 0), /gzip/],
      ['zotero.sqlite', utf8('SQLite format 3\0\x10\0'), /SQLite database/],
    ];
    for (const [name, content, what] of cases) {
      const error = importError(() => parseLibrary(name, content));
      expect(error.code).toBe('not-text');
      expect(error.problem).toMatch(what);
    }
  });

  it('a NUL byte anywhere: not-text at its line', () => {
    const error = importError(() => parseLibrary('x.jsonl', utf8('{"title": "a", "text": "b"}\n{"title": "c\0"}\n')));
    expect(error).toMatchObject({ code: 'not-text', line: 2 });
  });

  it('Latin-1 text: not-utf8 at the line of the first such byte, saying what to do', () => {
    const latin1 = bytes(...utf8('@article{a,\n  title = {Caf'), 0xe9, ...utf8('}\n}\n'));
    const error = importError(() => parseLibrary('old.bib', latin1));
    expect(error).toMatchObject({ code: 'not-utf8', line: 2 });
    expect(error.problem).toBe('expected UTF-8 text, found the byte 0xE9, which is not UTF-8 (probably a Latin-1 or Windows-1252 export: export the library again as UTF-8)');
  });

  it('UTF-16 with a byte-order mark (some Windows exports) is decoded', () => {
    const text = 'TY  - JOUR\r\nTI  - Unicode \u00fcber alles\r\nER  - \r\n';
    const le = new Uint8Array(2 + text.length * 2);
    le.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) le.set([text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8], 2 + 2 * i);
    expect(parseLibrary('x.ris', le).papers[0].title).toBe('Unicode über alles');
  });
});

describe('format detection', () => {
  const ris = 'TY  - JOUR\nTI  - A title\nAB  - An abstract.\nER  - \n';
  const bib = '% Encoding: UTF-8\n\n@article{a, title = {A title}, abstract = {An abstract.}}\n';

  it('by extension, case-insensitive', () => {
    expect(importText('X.RIS', ris).format).toBe('ris');
    expect(importText('refs.BibTeX', bib).format).toBe('bibtex');
    expect(importText('x.ndjson', '{"title": "a", "text": "b"}').format).toBe('jsonl');
    expect(importText('x.atom', '<feed><entry><title>a</title></entry></feed>').format).toBe('atom');
  });

  it('by content when it is unmistakable, whatever the name: RIS and BibTeX in .txt, JSON in .csv, XML without extension', () => {
    expect(importText('endnote-export.txt', ris).format).toBe('ris');
    expect(importText('scholar.txt', bib).format).toBe('bibtex');
    expect(importText('export', '<?xml version="1.0"?><feed><entry><title>a</title></entry></feed>').format).toBe('atom');
    expect(importText('odd.csv', '[{"title": "a"}]').format).toBe('json');
    const jstor = 'Provider: JSTOR http://www.jstor.org\nDatabase: JSTOR\nContent: text/plain; charset="UTF-8"\n\n' + ris;
    expect(importText('citations.txt', jstor).papers[0].title).toBe('A title');
  });

  it('a header row with a title column in a .txt or nameless file is CSV/TSV', () => {
    expect(importText('endnote.txt', 'Title\tAbstract\tYear\nA\tB\t2020\n').format).toBe('tsv');
    expect(importText('data', 'title,abstract\nA,B\n').format).toBe('csv');
  });

  it('an unknown extension with content that is none of the formats: unknown-format listing what is read', () => {
    const error = importError(() => importText('notes.docx', 'Some words'));
    expect(error.code).toBe('unknown-format');
    expect(error.problem).toMatch(/^expected a BibTeX \(\.bib\), RIS \(\.ris\), CSL-JSON or JSON array \(\.json\), JSON Lines \(\.jsonl\), CSV\/TSV/);
    const text = importError(() => importText('readme.txt', 'Just some prose.\nNothing else.'));
    expect(text).toMatchObject({ code: 'unknown-format', line: 1 });
    expect(text.problem).toContain('neither a Daily Papers listing');
  });

  it('a web page saved instead of the export: unknown-format saying it is HTML', () => {
    const error = importError(() => importText('export.bib', '<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>'));
    expect(error.code).toBe('unknown-format');
    expect(error.problem).toContain('found a web page (HTML)');
  });

  it('an empty file (or only a BOM and whitespace): empty', () => {
    for (const content of ['', '\uFEFF', ' \r\n\r\n']) expect(importError(() => importText('x.bib', content)).code).toBe('empty');
  });
});

describe('a byte-order mark and CRLF line endings change nothing, in every format', () => {
  const lfFixtures = [
    'zotero-bbt.bib', 'broken.bib', 'mendeley.ris', 'truncated.ris', 'zotero-csl.json', 'plain.json', 'not-objects.json', 'malformed-array.json',
    'library.jsonl', 'malformed3.jsonl', 'id-conflict.jsonl', 'ambiguous.csv', 'unclosed-quote.csv', 'extra-fields.csv', 'arxiv-api.xml',
    'arxiv-oai.xml', 'arxiv-oai-dc.xml', 'broken.xml',
  ];
  const outcome = (name: string, data: Uint8Array) => {
    try {
      const { papers, summary, format } = parseLibrary(name, data);
      return { papers, summary, format };
    } catch (error) {
      // The problem text may quote a few source characters, which then include a \r: compare code and line.
      const { code, line } = error as CorpusFormatError;
      return { code, line };
    }
  };

  it.each(lfFixtures)('%s', (name) => {
    const text = fixtureText(name);
    expect(text).not.toContain('\r'); // the fixture itself uses LF
    const windows = utf8('\uFEFF' + text.replace(/\n/g, '\r\n'));
    expect(outcome(name, windows)).toEqual(outcome(name, fixtureBytes(name)));
  });
});

describe('the Daily Papers listing through parseLibrary', () => {
  const source = readFileSync(fileURLToPath(new URL('../../data/daily-papers.txt', import.meta.url)), 'utf8');

  it('gives the same 96 papers and title-derived ids as parseDailyPapers (bundled ids and URLs do not change)', () => {
    const result = parseLibrary('daily-papers.txt', utf8(source));
    expect(result.format).toBe('daily-papers');
    expect(result.papers).toEqual(parseDailyPapers(source));
    expect(result.papers[1].id).toBe('p97e1f563b516');
    expect(result.summary).toEqual({ records: 96, imported: 96, titleOnly: 0, duplicatesMerged: 0, skipped: [] });
  });

  it('its errors keep their line and get the code malformed-listing', () => {
    const lines = source.split('\n');
    const error = importError(() => importText('papers.txt', source + '\n\n' + lines[390] + '\n\n' + lines[392] + '\n'));
    expect(error).toMatchObject({ code: 'malformed-listing', line: 395 });
  });
});

describe('parseCorpusFile (kept for callers that read text)', () => {
  it('a PNG read with File.text() (bad bytes as U+FFFD) is still refused as a PNG image', () => {
    const text = new TextDecoder().decode(fixtureBytes('photo.jsonl')); // what the browser's file.text() gives
    const error = importError(() => parseCorpusFile('photo.jsonl', text));
    expect(error).toMatchObject({ code: 'not-text', message: 'photo.jsonl:1: this file is a PNG image, not a library export' });
  });

  it('returns the papers of parseLibrary', () => {
    const jsonl = '{"title": "A", "text": "a"}\n{"title": "B", "text": "b"}\n';
    expect(parseCorpusFile('x.jsonl', jsonl)).toEqual(parseLibrary('x.jsonl', utf8(jsonl)).papers);
    expect(parseCorpusFile('x.jsonl', '\uFEFF' + jsonl)).toHaveLength(2);
  });
});

describe('progress', () => {
  it('from 0 to 1, increasing, every few thousand records', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ title: `Paper ${i}`, text: `Abstract ${i}.` })).join('\n');
    const fractions: number[] = [];
    const result = parseLibrary('many.jsonl', utf8(lines), (f) => fractions.push(f));
    expect(result.papers).toHaveLength(10_000);
    expect(fractions[0]).toBe(0);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.length).toBeGreaterThanOrEqual(5); // 0, four in between (every 2,000 records), 1
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThan(fractions[i - 1]);
  });

  it('a failed parse reports no 1', () => {
    const fractions: number[] = [];
    expect(() => parseLibrary('x.jsonl', utf8('{oops'), (f) => fractions.push(f))).toThrow();
    expect(fractions).toEqual([0]);
  });
});

describe('the error-code catalogue', () => {
  /**
   * One input per code: every code parseLibrary can give is produced by some file. The codes about a set of
   * files (index output: vectors.bin and friends) come from ImportService and are produced in import-service.test.ts.
   */
  type SingleFileCode = Exclude<CorpusErrorCode, (typeof FILE_SET_ERROR_CODES)[number]>;
  const producers: Record<SingleFileCode, [string, string | Uint8Array, ImportOptions?]> = {
    'not-text': ['a.jsonl', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)],
    'not-utf8': ['a.ris', bytes(0x54, 0x59, 0xe9)],
    'unknown-format': ['a.xyz', 'hello'],
    empty: ['a.ris', 'Provider: nobody\n'],
    'malformed-json': ['a.jsonl', '{'],
    'not-an-object': ['a.jsonl', '{"title": "a"}\n42'],
    'wrong-type': ['a.jsonl', '{"title": true}'],
    'missing-title': ['a.jsonl', '{"text": "x"}'],
    'duplicate-id': ['a.jsonl', '{"_id": "1", "title": "a"}\n{"_id": "1", "title": "b"}'],
    'malformed-bibtex': ['a.bib', '@article{a, title = {x}'],
    'malformed-ris': ['a.ris', 'TI  - no record\n'],
    'unterminated-record': ['a.ris', 'TY  - JOUR\nTI  - x\n'],
    'malformed-csv': ['a.csv', 'title\n"open'],
    'ambiguous-columns': ['a.csv', 'x,y\n1,2\n'],
    'unknown-column': ['a.csv', 'title\nx\n', { columns: { title: 'nope' } }],
    'malformed-xml': ['a.xml', '<feed><entry></feed>'],
    'unsupported-xml': ['a.xml', '<rss/>'],
    'malformed-listing': ['a.txt', 'Mar 12\n\nOnly a title\n'],
  };

  it('lists every code with a description, and each one is produced by some input', () => {
    const fileSet: readonly string[] = FILE_SET_ERROR_CODES;
    expect(Object.keys(producers).sort()).toEqual(Object.keys(CORPUS_ERROR_CODES).filter((code) => !fileSet.includes(code)).sort());
    for (const [code, [name, content, options]] of Object.entries(producers)) {
      const data = typeof content === 'string' ? utf8(content) : content;
      const error = importError(() => parseLibrary(name, data, undefined, options));
      expect({ input: name, code: error.code }).toEqual({ input: name, code });
      expect(error.line).toBeGreaterThanOrEqual(1);
      expect(CORPUS_ERROR_CODES[code as CorpusErrorCode].length).toBeGreaterThan(10);
    }
  });
});
