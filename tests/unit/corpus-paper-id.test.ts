import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDailyPapers } from '../../src/corpus/daily-papers.ts';
import { contentHash, documentText, normalizeTitle, paperIdFromTitle } from '../../src/base/paper-id.ts';

const bundled = readFileSync(fileURLToPath(new URL('../../data/daily-papers.txt', import.meta.url)), 'utf8');
const papers = parseDailyPapers(bundled);

/** Rebuilds a Daily Papers file (header + title/abstract paragraphs) from papers in the given order. */
function listing(items: readonly { title: string; abstract: string }[]): string {
  return 'new\n\nMar 12\n\n' + items.map((p) => `${p.title}\n\n${p.abstract}`).join('\n\n') + '\n';
}

describe('paper ids', () => {
  it('ids of all 96 bundled papers are unique and look like p + 12 hex digits', () => {
    const ids = papers.map((p) => p.id);
    expect(new Set(ids).size).toBe(96);
    for (const id of ids) expect(id).toMatch(/^p[0-9a-f]{12}$/);
  });

  it('an id is derived from the title, not the position: reversing the listing keeps every paper\'s id', () => {
    const reversed = parseDailyPapers(listing([...papers].reverse()));
    const byTitle = new Map(papers.map((p) => [p.title, p.id]));
    expect(reversed).toHaveLength(96);
    for (const p of reversed) expect(p.id).toBe(byTitle.get(p.title));
    expect(reversed[0].id).toBe(papers[95].id);
  });

  it('an id does not depend on the abstract', () => {
    const edited = parseDailyPapers(listing([{ title: papers[1].title, abstract: papers[2].abstract }]));
    expect(edited[0].id).toBe(papers[1].id);
  });

  it('case, surrounding and repeated whitespace, and NFKC-equivalent forms do not change the id', () => {
    const id = paperIdFromTitle('GottBERT: a pure German Language Model');
    expect(paperIdFromTitle('gottbert: A PURE german language model')).toBe(id);
    expect(paperIdFromTitle('  GottBERT:\ta  pure\nGerman Language   Model ')).toBe(id);
    expect(paperIdFromTitle('GottBERT: a pure German Language Model'.replace(/ /g, '\u00a0'))).toBe(id);
    expect(paperIdFromTitle('ＧｏｔｔＢＥＲＴ: a pure German Language Model')).toBe(id); // fullwidth letters
    expect(normalizeTitle('  A\u00a0 B\tC ')).toBe('a b c');
  });

  it('different titles give different ids (including ones that differ only in punctuation)', () => {
    expect(paperIdFromTitle('GottBERT: a pure German Language Model')).not.toBe(paperIdFromTitle('GottBERT a pure German Language Model'));
    expect(paperIdFromTitle('Mamba')).not.toBe(paperIdFromTitle('Mamba 2'));
  });

  it('the id of a known title is pinned (changing the id scheme orphans every stored vector and URL)', () => {
    expect(papers[1].id).toBe(paperIdFromTitle('GottBERT: a pure German Language Model'));
    // 'p' + the first 12 hex digits of sha256("gottbert: a pure german language model") (checked with sha256sum).
    expect(papers[1].id).toBe('p97e1f563b516');
  });
});

describe('contentHash and documentText', () => {
  const paper = { title: 'A Title', abstract: 'An abstract.' };

  it('documentText is "title abstract" (BEIR convention), or just the abstract without a title', () => {
    expect(documentText(paper)).toBe('A Title An abstract.');
    expect(documentText({ title: '', abstract: 'Only text.' })).toBe('Only text.');
  });

  it('contentHash is stable for equal content and independent of the paper\'s id or position', () => {
    expect(contentHash({ ...paper })).toBe(contentHash(paper));
    const reversed = parseDailyPapers(listing([...papers].reverse()));
    const hashes = new Map(papers.map((p) => [p.id, contentHash(p)]));
    for (const p of reversed) expect(contentHash(p)).toBe(hashes.get(p.id));
    expect(contentHash(paper)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('contentHash changes when the abstract changes, even by one character, while the id stays', () => {
    const edited = { ...paper, abstract: 'An abstract!' };
    expect(contentHash(edited)).not.toBe(contentHash(paper));
    expect(paperIdFromTitle(edited.title)).toBe(paperIdFromTitle(paper.title));
  });

  it('contentHash changes when the embedded title text changes (the encoder sees title + abstract)', () => {
    expect(contentHash({ ...paper, title: 'A title' })).not.toBe(contentHash(paper));
  });

  it('all 96 bundled papers have distinct content hashes', () => {
    expect(new Set(papers.map(contentHash)).size).toBe(96);
  });
});
