import { describe, expect, it } from 'vitest';
import { fixtureText, importError, importFixture, importText, lineOf } from './import-helpers.ts';

describe('arXiv API results (Atom)', () => {
  const result = importFixture('arxiv-api.xml');

  it('reads each <entry>: whitespace in title and summary folded, authors, year, arXiv id without version', () => {
    expect(result.format).toBe('atom');
    expect(result.summary).toEqual({ records: 3, imported: 3, titleOnly: 0, duplicatesMerged: 0, skipped: [] });
    expect(result.papers[0]).toMatchObject({
      title: 'Attention Is All You Need',
      abstract:
        'The dominant sequence transduction models are based on complex recurrent or convolutional neural networks in an encoder-decoder configuration. ' +
        'The best performing models also connect the encoder and decoder through an attention mechanism & we propose a new simple network architecture, the Transformer.',
      authors: ['Ashish Vaswani', 'Noam Shazeer'],
      year: 2017,
      arxivId: '1706.03762',
      url: 'https://arxiv.org/abs/1706.03762v7',
    });
  });

  it('old-style ids, arxiv:doi and arxiv:journal_ref', () => {
    expect(result.papers[1]).toMatchObject({
      title: 'Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA',
      arxivId: 'hep-ex/0307015',
      doi: '10.1140/epjc/s2003-01326-x',
      venue: 'Eur.Phys.J.C31:17-29,2003',
      authors: ['H1 Collaboration'],
    });
  });

  it('character references, CDATA and escaped markup come out as text', () => {
    expect(result.papers[2]).toMatchObject({ title: 'Café Latté: A <Study> of Foam', abstract: 'Milk foam <stability> under pressure.', authors: ['Zoë Ångström'] });
  });

  it('an entry without a title is skipped at the line of its <entry>; an API error entry is skipped with its message', () => {
    const feed = '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n<id>http://arxiv.org/abs/1</id>\n<summary>No title</summary>\n</entry>\n<entry><title>Kept</title><summary>x</summary></entry>\n' +
      '<entry>\n<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id><title>Error</title><summary>incorrect id format for 1234</summary></entry>\n</feed>';
    const { summary } = importText('r.atom', feed);
    expect(summary.skipped).toEqual([
      { line: 2, reason: 'no title' },
      { line: 7, reason: 'the arXiv API returned an error: incorrect id format for 1234' },
    ]);
    expect(summary.imported).toBe(1);
  });
});

describe('arXiv OAI-PMH records', () => {
  it('metadataPrefix=arXiv: keyname/forenames authors, created year, journal-ref, doi; a deleted record skipped at its line', () => {
    const { format, papers, summary } = importFixture('arxiv-oai.xml');
    expect(format).toBe('oai-pmh');
    expect(summary).toMatchObject({ records: 3, imported: 2, skipped: [{ line: lineOf(fixtureText('arxiv-oai.xml'), '<header status="deleted">') - 1, reason: 'deleted record oai:arXiv.org:0704.0003' }] });
    expect(papers[0]).toMatchObject({
      title: 'Sparsity-certifying Graph Decompositions',
      authors: ['Ileana Streinu', 'Louis Theran'],
      year: 2007,
      arxivId: '0704.0002',
      url: 'https://arxiv.org/abs/0704.0002',
    });
    expect(papers[0].abstract).toMatch(/^We describe a new algorithm, the \$\(k,\\ell\)\$-pebble game with colors, and use it obtain/);
    expect(papers[1]).toMatchObject({
      title: 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies',
      authors: ['C. Balázs', 'E. L. Berger'],
      venue: 'Phys.Rev.D76:013009,2007',
      doi: '10.1103/PhysRevD.76.013009',
    });
  });

  it('metadataPrefix=oai_dc: the first description is the abstract ("Comment: …" is not), creators turned round', () => {
    const { papers } = importFixture('arxiv-oai-dc.xml');
    expect(papers).toEqual([
      {
        id: papers[0].id,
        title: 'Attention Is All You Need',
        abstract: 'The dominant sequence transduction models are based on complex recurrent or convolutional neural networks.',
        authors: ['Ashish Vaswani', 'Noam Shazeer'],
        year: 2017,
        url: 'http://arxiv.org/abs/1706.03762',
        arxivId: '1706.03762',
      },
    ]);
  });

  it('an OAI-PMH error response says so', () => {
    const error = importError(() => importText('o.xml', '<?xml version="1.0"?>\n<OAI-PMH>\n<responseDate>2024-01-01</responseDate>\n<error code="noRecordsMatch">No records match</error>\n</OAI-PMH>'));
    expect(error).toMatchObject({ code: 'empty', line: 4, problem: 'expected OAI-PMH records, found an OAI-PMH error (noRecordsMatch): No records match' });
  });
});

describe('XML errors', () => {
  it('a mismatched closing tag: its line, in plain words', () => {
    const error = importError(() => importFixture('broken.xml'));
    expect(error).toMatchObject({ code: 'malformed-xml', line: 6 });
    expect(error.problem).toBe('expected </summary> (to close the <summary> on line 6), found </sumary>');
  });

  it('a file cut off inside an element: the line where the innermost open element starts', () => {
    const error = importError(() => importText('cut.xml', '<?xml version="1.0"?>\n<feed>\n<entry><title>x</title>\n<summary>abc\ndef'));
    expect(error).toMatchObject({ code: 'malformed-xml', line: 4, problem: 'expected </summary> to close the <summary> that opens on this line, found the end of the file' });
  });

  it('an unescaped & in text', () => {
    const error = importError(() => importText('amp.xml', '<feed>\n<entry><title>R&D</title></entry>\n</feed>'));
    expect(error).toMatchObject({ code: 'malformed-xml', line: 2 });
    expect(error.problem).toContain('write &amp; for a literal &');
  });

  it('XML of another kind: unsupported-xml naming its root', () => {
    expect(importError(() => importText('x.xml', '<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>'))).toMatchObject({
      code: 'unsupported-xml',
      line: 2,
      problem: 'expected an arXiv Atom feed (<feed>) or OAI-PMH records (<OAI-PMH>), found <rss>',
    });
  });

  it('a feed with no entries is empty', () => {
    expect(importError(() => importText('x.xml', '<feed xmlns="http://www.w3.org/2005/Atom"><title>Nothing</title></feed>')).code).toBe('empty');
  });
});
