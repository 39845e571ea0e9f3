import { describe, expect, it } from 'vitest';
import { Collector } from '../../src/corpus/formats/collector.ts';
import { arxivIdIn, arxivIdOf, cleanDoi, splitNames, yearOf } from '../../src/corpus/formats/fields.ts';
import { paperLink } from '../../src/corpus/links.ts';
import { paperIdFromContent, paperIdFromTitle } from '../../src/base/paper-id.ts';
import { CorpusFormatError } from '../../src/corpus/types.ts';
import { sha256Hex } from '../../src/base/hash.ts';

describe('paperIdFromContent', () => {
  it('is p + the first 12 hex digits of sha256(normalised title + "\\n" + normalised abstract)', () => {
    expect(paperIdFromContent('A Title', 'An  Abstract.')).toBe('p' + sha256Hex('a title\nan abstract.').slice(0, 12));
    expect(paperIdFromContent('A Title', 'An abstract.')).toMatch(/^p[0-9a-f]{12}$/);
  });

  it('case, spacing and NFKC forms do not matter; title or abstract text does', () => {
    const id = paperIdFromContent('GottBERT: a pure German model', 'We train it.');
    expect(paperIdFromContent('  gottbert:\ta PURE german model ', 'we  train\nit.')).toBe(id);
    expect(paperIdFromContent('ＧｏｔｔＢＥＲＴ: a pure German model', 'We train it.')).toBe(id);
    expect(paperIdFromContent('GottBERT: a pure German model', 'We train it!')).not.toBe(id);
    expect(paperIdFromContent('Same title', 'One abstract.')).not.toBe(paperIdFromContent('Same title', 'Another abstract.'));
  });

  it('the title/abstract boundary counts ("a b" + "c" is not "a" + "b c"), and it differs from the title-only id', () => {
    expect(paperIdFromContent('a b', 'c')).not.toBe(paperIdFromContent('a', 'b c'));
    expect(paperIdFromContent('A title', '')).not.toBe(paperIdFromTitle('A title'));
  });
});

describe('Collector: merging duplicates', () => {
  it('keeps the first copy and fills only missing metadata from later copies', () => {
    const collector = new Collector('x.bib', true);
    collector.add({ line: 1, title: 'T', abstract: 'A.', year: 2020, venue: 'First venue' });
    collector.add({ line: 5, title: ' t ', abstract: 'a.', year: 1999, venue: 'Second venue', doi: '10.1/x', authors: ['X Y'] });
    collector.add({ line: 9, title: 'T', abstract: 'A.', url: 'https://x.org', authors: [] });
    expect(collector.papers).toEqual([{ id: paperIdFromContent('T', 'A.'), title: 'T', abstract: 'A.', year: 2020, venue: 'First venue', doi: '10.1/x', authors: ['X Y'], url: 'https://x.org' }]);
    expect(collector.finish('none')).toEqual({ records: 3, imported: 1, titleOnly: 0, duplicatesMerged: 2, skipped: [] });
  });

  it('an explicit id reused by different content is an error naming both lines; a generated id never is', () => {
    const collector = new Collector('x.jsonl', false);
    collector.add({ line: 2, title: 'One', abstract: 'a', explicitId: 'k' });
    expect(() => collector.add({ line: 7, title: 'Two', abstract: 'b', explicitId: 'k' })).toThrow(CorpusFormatError);
    try {
      collector.add({ line: 7, title: 'Two', abstract: 'b', explicitId: 'k' });
    } catch (error) {
      expect((error as CorpusFormatError).message).toBe('x.jsonl:7: duplicate _id "k": line 2 has the same _id with a different title or abstract');
    }
    // An explicit id equal to another paper's generated id is a conflict too (the person chose it).
    const generated = paperIdFromContent('Three', 'c');
    collector.add({ line: 8, title: 'Three', abstract: 'c' });
    expect(() => collector.add({ line: 9, title: 'Four', abstract: 'd', explicitId: generated })).toThrow(/line 8/);
  });

  it('nothing imported: empty, missing-title, or the first skip reason', () => {
    expect(() => new Collector('x', true).finish('expected something')).toThrow(expect.objectContaining({ code: 'empty', problem: 'expected something' }));
    const untitled = new Collector('x', true);
    untitled.add({ line: 3, abstract: 'no title' });
    expect(() => untitled.finish('')).toThrow(expect.objectContaining({ code: 'missing-title', line: 3 }));
    const deleted = new Collector('x', true);
    deleted.skip(4, 'deleted record');
    expect(() => deleted.finish('')).toThrow(expect.objectContaining({ code: 'empty', line: 4 }));
  });
});

describe('field helpers', () => {
  it('cleanDoi: bare DOIs from prefixes and URLs; not-DOIs dropped', () => {
    expect(cleanDoi(' https://doi.org/10.1038/nature14539 ')).toBe('10.1038/nature14539');
    expect(cleanDoi('http://dx.doi.org/10.1145/x')).toBe('10.1145/x');
    expect(cleanDoi('10.1/x')).toBeUndefined(); // registrant codes have at least 4 digits
    expect(cleanDoi('doi:10.1000/182')).toBe('10.1000/182');
    expect(cleanDoi('not a doi')).toBeUndefined();
  });

  it('arXiv ids: new and old style, versions dropped, found in URLs, "arXiv:" text and the arXiv DOI', () => {
    expect(arxivIdOf('2101.00001v2')).toBe('2101.00001');
    expect(arxivIdOf('arXiv:hep-th/9901001')).toBe('hep-th/9901001');
    expect(arxivIdOf('math.GT/0309136')).toBe('math.GT/0309136');
    expect(arxivIdOf('smith2020')).toBeUndefined();
    expect(arxivIdIn('https://arxiv.org/pdf/1706.03762v5.pdf')).toBe('1706.03762');
    expect(arxivIdIn('arXiv preprint arXiv:2005.11401')).toBe('2005.11401');
    expect(arxivIdIn(undefined, '10.48550/arXiv.2303.08774')).toBe('2303.08774');
    expect(arxivIdIn('https://example.org/paper')).toBeUndefined();
  });

  it('yearOf and splitNames', () => {
    expect([yearOf(2017), yearOf('2016///'), yearOf('May 2019'), yearOf('20190'), yearOf(3.5)]).toEqual([2017, 2016, 2019, undefined, undefined]);
    expect(splitNames('Vaswani, Ashish; Shazeer, Noam')).toEqual(['Ashish Vaswani', 'Noam Shazeer']);
    expect(splitNames('Smith, J. and Doe, Jane')).toEqual(['J. Smith', 'Jane Doe']);
    expect(splitNames('Smith, John')).toEqual(['John Smith']);
    expect(splitNames('Vaswani A., Shazeer N., Parmar N.')).toEqual(['Vaswani A.', 'Shazeer N.', 'Parmar N.']);
  });
});

describe('paperLink', () => {
  it('DOI first, then arXiv, then an http(s) url', () => {
    expect(paperLink({ doi: '10.1038/nature14539', arxivId: '1706.03762', url: 'https://x.org' })).toBe('https://doi.org/10.1038/nature14539');
    expect(paperLink({ arxivId: '1706.03762', url: 'https://x.org' })).toBe('https://arxiv.org/abs/1706.03762');
    expect(paperLink({ arxivId: 'hep-th/9901001' })).toBe('https://arxiv.org/abs/hep-th/9901001');
    expect(paperLink({ url: 'https://openreview.net/forum?id=ryQu7f-RZ' })).toBe('https://openreview.net/forum?id=ryQu7f-RZ');
  });

  it('null without a link, and for urls that are not http(s) (javascript:, file:, relative)', () => {
    expect(paperLink({})).toBeNull();
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'www.example.org', '/relative', 'http://']) expect(paperLink({ url })).toBeNull();
  });

  it('characters of a DOI that would break the URL are escaped, others kept readable', () => {
    expect(paperLink({ doi: '10.1002/(SICI)1097-4636(199706)35:4<487::AID-JBM9>3.0.CO;2-#' })).toBe(
      'https://doi.org/10.1002/(SICI)1097-4636(199706)35:4%3C487::AID-JBM9%3E3.0.CO;2-%23',
    );
  });
});
