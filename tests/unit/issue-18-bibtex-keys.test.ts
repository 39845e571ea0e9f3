import { parse as parseBibtex } from '@retorquere/bibtex-parser';
import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/base/paper.ts';
import { citationKeys, exportPapers } from '../../src/corpus/export.ts';
import { importText } from './import-helpers.ts';

/** A reference manager's export: its own keys, one (SciFact-style) that no author/year/title rule would give. */
const LIBRARY = `@article{sf17388232,
  title = {Mechanical stimulation of bone cells},
  author = {Haddad, John and Other, Ann},
  year = {1999},
  abstract = {Bone cells respond to load.}
}

@inproceedings{vaswani2017attention,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish},
  year = {2017},
  booktitle = {NeurIPS},
  abstract = {Transformers.}
}
`;

const keysOf = (bibtex: string) => parseBibtex(bibtex).entries.map((entry) => entry.key);

describe('issue 18: BibTeX export keeps the citation keys the library came with', () => {
  it('a BibTeX import keeps each entry key, and exporting writes the same keys back', () => {
    const { papers } = importText('refs.bib', LIBRARY);
    expect(papers.map((paper) => paper.citationKey)).toEqual(['sf17388232', 'vaswani2017attention']);
    const exported = exportPapers(papers.map((paper) => ({ paper })), 'bibtex').text;
    expect(keysOf(exported)).toEqual(['sf17388232', 'vaswani2017attention']);
    // And they survive a second round trip.
    expect(keysOf(exportPapers(importText('again.bib', exported).papers.map((paper) => ({ paper })), 'bibtex').text)).toEqual(['sf17388232', 'vaswani2017attention']);
  });

  it('makes keys only for papers that had none, never one that a kept key already uses', () => {
    const kept = importText('refs.bib', LIBRARY).papers;
    // A paper from a format without keys whose generated key would be a kept paper's own key (and it comes first).
    const keyless: Paper = { id: 'x', title: 'Attention, once more', abstract: '', authors: ['Ashish Vaswani'], year: 2017 };
    const keys = citationKeys([keyless, ...kept]);
    expect(keys).toEqual(['vaswani2017attentiona', 'sf17388232', 'vaswani2017attention']);
  });

  it('formats without keys (RIS) still get the generated keys', () => {
    const { papers } = importText('refs.ris', 'TY  - JOUR\nTI  - Attention Is All You Need\nAU  - Vaswani, Ashish\nPY  - 2017\nAB  - Transformers.\nER  - \n');
    expect(papers[0].citationKey).toBeUndefined();
    expect(keysOf(exportPapers(papers.map((paper) => ({ paper })), 'bibtex').text)).toEqual(['vaswani2017attention']);
  });
});
