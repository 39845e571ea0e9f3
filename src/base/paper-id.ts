import { sha256Hex } from './hash.ts';
import type { Paper } from './paper.ts';

/** Whitespace and case do not change a paper's identity; a re-copied listing keeps its ids. */
export function normalizeTitle(title: string): string {
  // Same result as .replace(/\s+/g, ' '), an order of magnitude faster on long text: single spaces are left alone.
  return title.normalize('NFKC').toLowerCase().replace(/\s{2,}|[^\S ]/g, ' ').trim();
}

/**
 * Id from the paper's title (not its position, not its abstract): editing an abstract keeps the id, so the
 * UI and URLs keep pointing at the same paper while its vector is refreshed through the content hash.
 */
export function paperIdFromTitle(title: string): string {
  return 'p' + sha256Hex(normalizeTitle(title)).slice(0, 12);
}

/**
 * Id of an imported paper from what it says, title and abstract (case, whitespace and NFKC-equivalent forms
 * aside): two different papers that share a title get different ids, and the same paper exported twice gets the
 * same id, which is how duplicates are found. The bundled listing keeps `paperIdFromTitle`.
 */
export function paperIdFromContent(title: string, abstract: string): string {
  return 'p' + sha256Hex(normalizeTitle(title) + '\n' + normalizeTitle(abstract)).slice(0, 12);
}

/** The text a document is embedded and keyword-indexed from (BEIR convention: title, a space, abstract). */
export function documentText(paper: Pick<Paper, 'title' | 'abstract'>): string {
  return paper.title ? `${paper.title} ${paper.abstract}` : paper.abstract;
}

/** Hash of exactly what the encoder sees for this paper; part of every cache key. */
export function contentHash(paper: Pick<Paper, 'title' | 'abstract'>): string {
  return sha256Hex(documentText(paper)).slice(0, 32);
}
