import { describe, expect, it } from 'vitest';
import { paperIdFromContent } from '../../src/base/paper-id.ts';
import { fixtureText, importError, importFixture, importText, lineOf } from './import-helpers.ts';

describe('BibTeX: a Better BibTeX (Zotero) export', () => {
  const result = importFixture('zotero-bbt.bib');
  const text = fixtureText('zotero-bbt.bib');
  const byKey = (title: string) => result.papers.find((p) => p.title.startsWith(title))!;

  it('reads 5 entries: 4 papers (1 title-only), 1 skipped for having no title, at the line of its @misc', () => {
    expect(result.format).toBe('bibtex');
    expect(result.summary).toEqual({
      records: 5,
      imported: 4,
      titleOnly: 1,
      duplicatesMerged: 0,
      skipped: [{ line: lineOf(text, '@misc{untitled2021'), reason: 'no title' }],
    });
    expect(result.summary.skipped[0].line).toBe(46);
    expect(result.papers.map((p) => p.title)).toEqual([
      'Attention Is All You Need',
      "GottBERT: A Pure German Language Model for Müller's Übersetzungen",
      'On the Convergence of Adam and Beyond',
      'Retrieval-augmented generation for knowledge-intensive NLP tasks',
    ]);
  });

  it('expands @string macros with # concatenation, joins wrapped abstracts, reads the arXiv eprint', () => {
    expect(byKey('Attention')).toEqual({
      id: paperIdFromContent(byKey('Attention').title, byKey('Attention').abstract),
      title: 'Attention Is All You Need',
      abstract:
        'The dominant sequence transduction models are based on complex recurrent or convolutional neural networks in an encoder-decoder configuration. ' +
        'We propose a new simple network architecture, the Transformer, based solely on attention mechanisms, dispensing with recurrence and convolutions entirely.',
      authors: ['Ashish Vaswani', 'Noam Shazeer', 'Niki Parmar', 'Jakob Uszkoreit', 'Llion Jones', 'Aidan N. Gomez', 'Łukasz Kaiser', 'Illia Polosukhin'],
      year: 2017,
      venue: 'Advances in Neural Information Processing Systems 30',
      arxivId: '1706.03762',
      citationKey: 'vaswani2017attention',
    });
  });

  it('decodes LaTeX accents ({\\"u}, {\\\'e}), nested case-protecting braces, ---, \\emph, \\% and math; keeps the title case', () => {
    const paper = byKey('GottBERT');
    expect(paper.title).toBe("GottBERT: A Pure German Language Model for Müller's Übersetzungen");
    expect(paper.abstract).toBe(
      'We train a BERT model on German text — news, the web and Wikipedia — and compare it with multilingual models on évaluations such as named-entity recognition, reaching 50% fewer errors when p<0.05.',
    );
    expect(paper.authors).toEqual(['Jörg Müller', 'René Schäfer', 'Jan van der Berg']);
    // Composed (NFC) like typed text, although the parser decomposes accents: a search for "Müller" must match.
    for (const text of [paper.title, paper.abstract, ...paper.authors!]) expect(text).toBe(text.normalize('NFC'));
    expect(paper.venue).toBe('Journal of Machine Learning Research'); // @string jmlr
    expect(paper.doi).toBe('10.5555/3322706.3362000'); // the doi.org prefix removed
    expect(paper.url).toBe('https://jmlr.org/papers/v20/muller19a.html');
    expect(paper.year).toBe(2019); // year = 2019 without braces
  });

  it('an entry without abstract is imported title-only; BibLaTeX date and journaltitle fill year and venue', () => {
    expect(byKey('On the Convergence')).toMatchObject({
      abstract: '',
      year: 2020,
      venue: 'International Conference on Learning Representations',
      authors: ['Thi Minh Nguyen', 'José Pérez'],
      url: 'https://openreview.net/forum?id=ryQu7f-RZ',
    });
  });

  it('Google Scholar style: "and others" is not an author; the arXiv id comes from journal = {arXiv preprint arXiv:…}', () => {
    expect(byKey('Retrieval')).toMatchObject({ authors: ['Patrick Lewis', 'Ethan Perez'], arxivId: '2005.11401', year: 2020 });
  });
});

describe('BibTeX: a JabRef export with a byte-order mark and CRLF line endings', () => {
  const result = importFixture('jabref.bib');

  it('merges the same paper entered twice (accents written two ways, wrapped abstract) and keeps the same-titled different paper', () => {
    expect(result.summary).toMatchObject({ records: 3, imported: 2, duplicatesMerged: 1, titleOnly: 0, skipped: [] });
    const [first, other] = result.papers;
    expect(first.title).toBe("Deep Learning for Études of Schödinger's Equation");
    expect(other.title).toBe(first.title);
    expect(other.abstract).toMatch(/^A different paper with the same title/);
    expect(first.id).not.toBe(other.id);
  });

  it('the merged paper keeps the first copy and takes the url only the second copy had', () => {
    expect(result.papers[0]).toMatchObject({
      venue: 'Journal of Computational Physics',
      year: 2019,
      doi: '10.1016/j.jcp.2018.10.045',
      url: 'https://example.org/smith2019a',
      authors: ['John Smith', 'Jane Doe'],
    });
  });
});

describe('BibTeX: errors and edge cases', () => {
  it('an entry that does not parse: the line of its @, what was expected and where the parser stopped', () => {
    const error = importError(() => importFixture('broken.bib'));
    expect(error.code).toBe('malformed-bibtex');
    expect(error.line).toBe(lineOf(fixtureText('broken.bib'), '@article{broken'));
    expect(error.message).toBe('broken.bib:6: expected "}" in this entry, found "@article{good2, ti"… on line 11');
  });

  it('an unterminated value at the end of the file', () => {
    const error = importError(() => importText('x.bib', '@article{a, title = {Fine}}\n\n@article{b,\n  title = {Never closed\n'));
    expect(error.code).toBe('malformed-bibtex');
    expect(error.line).toBe(3);
    expect(error.problem).toMatch(/^expected a closing "}" for the value that begins "Never closed/);
  });

  it('no entry has a title: missing-title at the first entry', () => {
    const error = importError(() => importText('x.bib', '% comment\n@misc{a, author = {A}}\n@misc{b, note = {B}}\n'));
    expect(error.code).toBe('missing-title');
    expect(error.line).toBe(2);
  });

  it('only @string/@comment/@preamble: empty', () => {
    const error = importError(() => importText('x.bib', '@string{a = "b"}\n@comment{nothing}\n'));
    expect(error.code).toBe('empty');
  });

  it('a bare < and > in text mean < and >, not the ¡ and ¿ of the OT1 font; markup from \\textbf and \\textsc is dropped', () => {
    const { papers } = importText('x.bib', '@article{a, title = {Is \\textsc{p} < 0.05 > \\textbf{enough}?}, abstract = {See \\url{https://x.org/a<b}.}}');
    expect(papers[0].title).toBe('Is p < 0.05 > enough?');
    expect(papers[0].abstract).toBe('See https://x.org/a<b.');
  });

  it('a large file is parsed in chunks with @string definitions carried across them, and reports progress', async () => {
    const { parseLibrary } = await import('../../src/corpus/import.ts');
    const entries = Array.from({ length: 900 }, (_, i) => `@article{k${i},\n  title = {Paper {${i}}},\n  journal = jn,\n  abstract = {Abstract number ${i}.}\n}\n`);
    const source = '@string{jn = {Journal of Names}}\n\n' + entries.join('\n');
    const fractions: number[] = [];
    const result = parseLibrary('big.bib', new TextEncoder().encode(source), (f) => fractions.push(f));
    expect(result.papers).toHaveLength(900);
    expect(result.papers.every((p) => p.venue === 'Journal of Names')).toBe(true);
    expect(result.papers[899]).toMatchObject({ title: 'Paper 899', abstract: 'Abstract number 899.' });
    expect(fractions.length).toBeGreaterThanOrEqual(4); // 0, after each of 3 chunks, 1
    expect(fractions[0]).toBe(0);
    expect(fractions.at(-1)).toBe(1);
    // Line numbers stay right across chunks: entry k850 starts on line 3 + 6 × 850.
    const broken = source.replace('title = {Paper {850}}', 'title {Paper {850}}');
    const error = importError(() => parseLibrary('big.bib', new TextEncoder().encode(broken)));
    expect(error.line).toBe(3 + 6 * 850);
    expect(error.problem).toBe('expected "=" after the field name "title", found "{Paper {850}}, jou"… on line 5104');
  });
});
