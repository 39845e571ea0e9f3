import { parse as parseBibtex } from '@retorquere/bibtex-parser';
import Papa from 'papaparse';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { downloadText, REVOKE_AFTER_MS, type DownloadEnvironment } from '../../src/app/download.ts';
import { citationKeys, exportPapers, suggestedFileName, type ExportRow } from '../../src/corpus/export.ts';
import { parseLibrary } from '../../src/corpus/import.ts';
import type { Paper } from '../../src/base/paper.ts';

/** Bytes as a browser download would hold them (the Blob encodes the string as UTF-8). */
function reimport(name: string, text: string) {
  return parseLibrary(name, new TextEncoder().encode(text));
}

/** What the BibTeX and CSV readers make of text: whitespace runs folded to one space (line breaks are layout there). */
const folded = (text: string) => text.replace(/\s+/g, ' ').trim();

const NASTY: Paper[] = [
  {
    id: 'p-special',
    title: 'Braces {a} and }b{, 50% of R&D costs $5 #1 snake_case ~tilde \\backslash ^caret',
    abstract: 'We show that x_i^2 ≤ 100% in {all} cases.\nA second line -- with dashes --- and ``quotes\'\' and `ticks`.\n\nNew paragraph: C:\\path\\to\\file, a < b > c, x<y>z.',
    authors: ['Erwin Schrödinger', 'Ludwig van Beethoven', 'Jean de la Fontaine', 'Martin Luther King, Jr.', '张伟', 'Ben and Jerry', 'Zoë O’Brien-Müller'],
    year: 1926,
    venue: 'Annalen der Physik & Chemie',
    doi: '10.1002/andp.19263840602_x<y>',
    url: 'https://example.org/a_b%20c~d#frag&x=1',
    arxivId: '2101.00001',
  },
  {
    id: 'p-cjk',
    title: '量子力学における波動関数の解釈',
    abstract: '本論文では、シュレーディンガー方程式の解釈について論じる。',
    authors: ['山田 太郎'],
    year: 2021,
    arxivId: 'hep-th/9901001',
  },
  {
    id: 'p-arabic',
    title: 'تفسير معادلة شرودنغر في ميكانيكا الكم',
    abstract: 'نناقش في هذه الورقة تفسير الدالة الموجية.',
    authors: ['محمد العلي'],
    venue: 'Proceedings of the Conference on Quantum Things',
    year: 2020,
  },
  { id: 'p-bare', title: 'A title only -- no abstract', abstract: '' },
];

const RESULTS: ExportRow[] = NASTY.map((paper, i) => ({ paper, rank: i + 1, score: 0.9 - i * 0.125 }));

describe('BibTeX export', () => {
  it('reads back through parseLibrary: text, authors, year, venue, DOI, URL and arXiv id', () => {
    const file = exportPapers(RESULTS, 'bibtex', { query: 'wave functions', mode: 'hybrid' });
    expect(file.extension).toBe('bib');
    const back = reimport('results.bib', file.text);
    expect(back.format).toBe('bibtex');
    expect(back.summary.skipped).toEqual([]);
    expect(back.papers).toHaveLength(NASTY.length);
    back.papers.forEach((paper, i) => {
      const original = NASTY[i];
      expect(paper.title).toBe(folded(original.title));
      expect(paper.abstract).toBe(folded(original.abstract));
      expect(paper.authors).toEqual(original.authors);
      expect(paper.year).toBe(original.year);
      expect(paper.venue).toBe(original.venue);
      expect(paper.doi).toBe(original.doi);
      expect(paper.url).toBe(original.url);
      expect(paper.arxivId).toBe(original.arxivId);
    });
  });

  it('reads back random text made of every character LaTeX treats specially (seeded, 120 papers)', () => {
    // No letter of the tags the BibTeX reader strips as the parser's own markup (<b>, <i>, <sup>, <p>…): text shaped
    // exactly like them is lost on import, a limit of src/corpus/formats/bibtex.ts, not of the escaping tested here.
    const pool = [...'xyzXYZ019 \\{}%&$#_~^`\'"-.,;:!?()[]<>/|*+=@\n\t', 'ö', 'é', 'ß', '量', 'ع', '–', '…', 'ﬁ', '’', '\u00a0'];
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const text = (n: number) => Array.from({ length: n }, () => pool[Math.floor(random() * pool.length)]).join('');
    const name = (n: number) => text(n).replace(/[,\s]/g, 'q');
    const papers: Paper[] = Array.from({ length: 120 }, (_, i) => ({
      id: `r${i}`,
      title: `T${i} ${text(24)}`,
      abstract: text(80),
      authors: [`${name(5)} ${name(4)} Smith`, `de ${name(4)}`],
    }));
    const back = reimport('fuzz.bib', exportPapers(papers.map((paper) => ({ paper })), 'bibtex').text);
    expect(back.papers.map((paper) => [paper.title, paper.abstract, paper.authors])).toEqual(
      papers.map((paper) => [folded(paper.title), folded(paper.abstract), paper.authors]),
    );
  });

  it('writes authors as "Last, First and …", with von particles and suffixes where BibTeX expects them', () => {
    const { text } = exportPapers([{ paper: NASTY[0] }], 'bibtex');
    expect(text).toContain(
      'author = {Schrödinger, Erwin and van Beethoven, Ludwig and de la Fontaine, Jean and King, Jr., Martin Luther and 张伟 and {Ben and Jerry} and O’Brien-Müller, Zoë},',
    );
    const [entry] = parseBibtex(text, { sentenceCase: false }).entries;
    expect(entry.fields.author?.[3]).toMatchObject({ lastName: 'King', firstName: 'Martin Luther', suffix: 'Jr.' });
    expect(entry.fields.author?.[1]).toMatchObject({ lastName: 'Beethoven', prefix: 'van', firstName: 'Ludwig' });
  });

  it('picks @article with journal, @inproceedings with booktitle for proceedings, @misc without a venue', () => {
    const { text } = exportPapers(RESULTS, 'bibtex');
    const entries = parseBibtex(text, { sentenceCase: false }).entries;
    expect(entries.map((entry) => entry.type)).toEqual(['article', 'misc', 'inproceedings', 'misc']);
    expect(entries[0].fields.journal).toBe('Annalen der Physik & Chemie');
    expect(entries[2].fields.booktitle).toBe('Proceedings of the Conference on Quantum Things');
    expect(entries[1].fields).toMatchObject({ eprint: 'hep-th/9901001', archiveprefix: 'arXiv' });
  });

  it('carries scores and ranks in x-score / x-rank for results, and nothing of the kind for a library', () => {
    const results = exportPapers(RESULTS, 'bibtex', { query: 'mail me@example.org', mode: 'semantic' }).text;
    const entries = parseBibtex(results, { sentenceCase: false }).entries;
    expect(entries.map((entry) => [entry.fields['x-rank'], entry.fields['x-score']])).toEqual(RESULTS.map((row) => [String(row.rank), String(row.score)]));
    expect(results.split('\n')[0]).toBe('% Paper Search export: 4 results for "mail me(at)example.org" (semantic ranking); x-rank and x-score hold each rank and score.');
    const library = exportPapers(NASTY.map((paper) => ({ paper })), 'bibtex').text;
    expect(library).not.toMatch(/x-score|x-rank/);
    expect(library.split('\n')[0]).toBe('% Paper Search export: 4 papers.');
  });

  it('gives stable, unique citation keys: last name, year, first word that is not a function word', () => {
    const paper = (title: string, authors?: string[], year?: number): Paper => ({ id: title, title, abstract: '', authors, year });
    const papers = [
      paper('Attention Is All You Need', ['Ashish Vaswani', 'Noam Shazeer'], 2017),
      paper('Attention, again', ['Ashish Vaswani'], 2017),
      paper('The Attention Strikes Back', ['A. Vaswani'], 2017),
      paper('Quantisierung als Eigenwertproblem', ['Erwin Schrödinger'], 1926),
      paper('On the Electrodynamics of Moving Bodies', ['Ludwig van Beethoven']),
      paper('量子力学', ['山田 太郎'], 2021),
      paper('Untitled musings'),
    ];
    const keys = citationKeys(papers);
    expect(keys).toEqual(['vaswani2017attention', 'vaswani2017attentiona', 'vaswani2017attentionb', 'schrodinger1926quantisierung', 'beethovenelectrodynamics', 'paper2021', 'untitled']);
    expect(citationKeys(papers)).toEqual(keys);
    // The keys are what a BibTeX reader sees.
    const entries = parseBibtex(exportPapers(papers.map((p) => ({ paper: p })), 'bibtex').text).entries;
    expect(entries.map((entry) => entry.key)).toEqual(keys);
  });

  it('never repeats a key, even when a suffixed key equals another paper’s own key', () => {
    const paper = (title: string): Paper => ({ id: title, title, abstract: '', authors: ['Ann Smith'], year: 2020 });
    const keys = citationKeys([paper('X'), paper('X'), paper('Xa'), paper('X'), paper('Xa')]);
    expect(new Set(keys).size).toBe(5);
    expect(keys).toEqual(['smith2020x', 'smith2020xa', 'smith2020xaa', 'smith2020xb', 'smith2020xab']);
  });
});

describe('CSV export', () => {
  it('reads back through parseLibrary, byte-order mark and all, with ids and metadata', () => {
    const file = exportPapers(RESULTS, 'csv');
    expect(file.mimeType).toBe('text/csv;charset=utf-8');
    expect(file.text.startsWith('\uFEFFrank,score,title,abstract,authors,year,venue,doi,url,arxiv_id,_id\r\n')).toBe(true);
    const back = reimport('results.csv', file.text);
    expect(back.format).toBe('csv');
    expect(back.papers.map((paper) => paper.id)).toEqual(NASTY.map((paper) => paper.id));
    back.papers.forEach((paper, i) => {
      const original = NASTY[i];
      expect(paper.title).toBe(folded(original.title));
      expect(paper.abstract).toBe(folded(original.abstract));
      expect([paper.year, paper.venue, paper.doi, paper.url, paper.arxivId]).toEqual([original.year, original.venue, original.doi, original.url, original.arxivId]);
    });
    // "Last, First; …" turns back into the names, except that a suffix loses its comma.
    expect(back.papers[0].authors).toEqual(['Erwin Schrödinger', 'Ludwig van Beethoven', 'Jean de la Fontaine', 'Martin Luther King Jr.', '张伟', 'Ben and Jerry', 'Zoë O’Brien-Müller']);
  });

  it('keeps line breaks inside quoted fields, and ranks and scores as numbers', () => {
    const { text } = exportPapers(RESULTS, 'csv');
    const rows = Papa.parse<Record<string, string>>(text.slice(1), { header: true, skipEmptyLines: true }).data;
    expect(rows[0].abstract).toBe(NASTY[0].abstract);
    expect(rows.map((row) => [Number(row.rank), Number(row.score)])).toEqual(RESULTS.map((row) => [row.rank, row.score]));
    expect(rows[0].authors).toBe('Schrödinger, Erwin; van Beethoven, Ludwig; de la Fontaine, Jean; King, Martin Luther, Jr.; 张伟; Ben and Jerry; O’Brien-Müller, Zoë');
  });

  it('defuses cells a spreadsheet would run as formulas, but not numbers', () => {
    const paper = (id: string, title: string, abstract: string): Paper => ({ id, title, abstract });
    const rows: ExportRow[] = [
      { paper: paper('f1', '=HYPERLINK("http://evil.example","click")', '+1 and more'), rank: 1, score: -0.25 },
      { paper: paper('f2', '@SUM(A1:A2)', '-2 is negative'), rank: 2, score: 0.5 },
      { paper: paper('f3', 'Fine title', '=1+1\nsecond line'), rank: 3, score: 0 },
    ];
    const parsed = Papa.parse<Record<string, string>>(exportPapers(rows, 'csv').text.slice(1), { header: true, skipEmptyLines: true }).data;
    expect(parsed.map((row) => [row.title, row.abstract, row.score])).toEqual([
      ['\'=HYPERLINK("http://evil.example","click")', "'+1 and more", '-0.25'],
      ["'@SUM(A1:A2)", "'-2 is negative", '0.5'],
      ['Fine title', "'=1+1\nsecond line", '0'],
    ]);
  });

  it('has no rank or score columns for a library', () => {
    const { text } = exportPapers(NASTY.map((paper) => ({ paper })), 'csv');
    expect(text.split('\r\n')[0]).toBe('\uFEFFtitle,abstract,authors,year,venue,doi,url,arxiv_id,_id');
    expect(reimport('library.csv', text).papers).toHaveLength(NASTY.length);
  });
});

describe('JSON Lines export', () => {
  it('reads back exactly through parseLibrary (text as written, ids, metadata)', () => {
    const file = exportPapers(RESULTS, 'jsonl');
    expect(file.extension).toBe('jsonl');
    const back = reimport('results.jsonl', file.text);
    expect(back.format).toBe('jsonl');
    expect(back.papers).toEqual(NASTY);
  });

  it('writes one object per line with rank and score for results, none for a library', () => {
    const withBreak: Paper = { id: 'ls', title: 'Line\u2028separator', abstract: 'para\u2029graph\nnext' };
    const { text } = exportPapers([...RESULTS, { paper: withBreak, rank: 5, score: 0.1 }], 'jsonl');
    const lines = text.split(/\r\n|\r|\n|\u2028|\u2029/).filter(Boolean);
    expect(lines).toHaveLength(5);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ _id: 'p-special', title: NASTY[0].title, text: NASTY[0].abstract, rank: 1, score: 0.9, authors: NASTY[0].authors, arxivId: '2101.00001' });
    expect(records[4]).toMatchObject({ title: withBreak.title, text: withBreak.abstract });
    const library = exportPapers([{ paper: NASTY[3] }], 'jsonl').text;
    expect(library).toBe('{"_id":"p-bare","title":"A title only -- no abstract","text":""}\n');
  });
});

describe('suggestedFileName', () => {
  it('names a library after itself and results after the query, in letters, digits and dashes', () => {
    expect(suggestedFileName('Daily Papers', 'csv')).toBe('daily-papers.csv');
    expect(suggestedFileName('my library.bib', 'bibtex', 'attention: is all / you need?')).toBe('my-library-results-attention-is-all-you-need.bib');
    expect(suggestedFileName('論文 集', 'jsonl')).toBe('論文-集.jsonl');
    expect(suggestedFileName('', 'jsonl')).toBe('papers.jsonl');
    expect(suggestedFileName('<>:"/\\|?*', 'csv', '')).toBe('papers-results.csv');
    expect(suggestedFileName('CON', 'csv')).toBe('con-papers.csv');
    const long = suggestedFileName('x'.repeat(200), 'csv', 'y '.repeat(100));
    expect(long).toBe(`${'x'.repeat(60)}-results-${'y-'.repeat(19)}y.csv`);
  });
});

describe('downloadText', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('clicks a temporary link to an object URL of the text, removes the link, and revokes the URL later', async () => {
    vi.useFakeTimers();
    const events: string[] = [];
    let blob: Blob | undefined;
    const link = {
      href: '',
      download: '',
      rel: '',
      style: { display: '' },
      click: () => events.push(`click ${link.href} ${link.download}`),
      remove: () => events.push('remove'),
    };
    const env: DownloadEnvironment = {
      document: { createElement: () => link as unknown as HTMLAnchorElement, body: { append: () => events.push('append') } },
      URL: {
        createObjectURL: (value) => {
          blob = value;
          return 'blob:test/1';
        },
        revokeObjectURL: (url) => events.push(`revoke ${url}`),
      },
      setTimeout: (run, ms) => setTimeout(run, ms),
    };
    downloadText('\uFEFFtitle\r\nSchrödinger\r\n', 'x.csv', 'text/csv;charset=utf-8', env);
    expect(events).toEqual(['append', 'click blob:test/1 x.csv', 'remove']);
    vi.advanceTimersByTime(REVOKE_AFTER_MS - 1);
    expect(events).not.toContain('revoke blob:test/1');
    vi.advanceTimersByTime(1);
    expect(events.at(-1)).toBe('revoke blob:test/1');
    expect(blob?.type).toBe('text/csv;charset=utf-8');
    const bytes = new Uint8Array(await blob!.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes)).toBe('title\r\nSchrödinger\r\n');
  });
});
