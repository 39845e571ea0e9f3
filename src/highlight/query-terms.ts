import { normalizeTerm, tokenize } from '../index/keyword.ts';

/**
 * Marks the words of a text that match the query's terms, with the keyword index's own tokenisation, stop
 * words and stemming: "models" in a title is marked for the query "model", "the" never is. Returns the text
 * cut into runs, so the view renders marks without HTML (user text is never parsed as markup).
 */

export interface Run {
  text: string;
  match: boolean;
}

/** The stemmed terms of a query (stop words dropped). */
export function queryTerms(query: string): Set<string> {
  const terms = new Set<string>();
  for (const token of tokenize(query)) {
    const term = normalizeTerm(token);
    if (term) terms.add(term);
  }
  return terms;
}

/** `text` as runs, `match` where a word's stemmed form is one of `terms`. Joining the runs gives `text` back. */
export function markTerms(text: string, terms: ReadonlySet<string>): Run[] {
  if (terms.size === 0 || text.length === 0) return [{ text, match: false }];
  const runs: Run[] = [];
  let plainFrom = 0;
  for (const word of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const term = normalizeTerm(word[0]);
    if (!term || !terms.has(term)) continue;
    const start = word.index;
    if (start > plainFrom) runs.push({ text: text.slice(plainFrom, start), match: false });
    runs.push({ text: word[0], match: true });
    plainFrom = start + word[0].length;
  }
  if (plainFrom < text.length) runs.push({ text: text.slice(plainFrom), match: false });
  return runs.length > 0 ? runs : [{ text, match: false }];
}
