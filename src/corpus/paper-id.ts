import { sha256Hex } from './hash.ts';
import type { Paper } from './types.ts';

/** Whitespace and case do not change a paper's identity; a re-copied listing keeps its ids. */
export function normalizeTitle(title: string): string {
  return title.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Id from the paper's title (not its position, not its abstract): editing an abstract keeps the id, so the
 * UI and URLs keep pointing at the same paper while its vector is refreshed through the content hash.
 */
export function paperIdFromTitle(title: string): string {
  return 'p' + sha256Hex(normalizeTitle(title)).slice(0, 12);
}

/** The text a document is embedded and keyword-indexed from (BEIR convention: title, a space, abstract). */
export function documentText(paper: Pick<Paper, 'title' | 'abstract'>): string {
  return paper.title ? `${paper.title} ${paper.abstract}` : paper.abstract;
}

/** Hash of exactly what the encoder sees for this paper; part of every cache key. */
export function contentHash(paper: Pick<Paper, 'title' | 'abstract'>): string {
  return sha256Hex(documentText(paper)).slice(0, 32);
}
