import MiniSearch from 'minisearch';
import type { Paper } from '../corpus/types.ts';
import type { Hit } from './top-k.ts';

/**
 * BM25 keyword search over title and abstract, by MiniSearch. Hits carry the paper's position in the corpus
 * (the same index the vector matrix uses), so keyword and semantic rankings can be fused directly.
 */

export interface KeywordOptions {
  /** Title matches count this many times a match in the abstract. */
  titleBoost: number;
  /** Prefix and fuzzy matching help while typing; they cost precision, so they are off for long queries. */
  prefix: boolean;
  fuzzy: number;
}

export const DEFAULT_KEYWORD_OPTIONS: KeywordOptions = { titleBoost: 1, prefix: false, fuzzy: 0 };

/** Common English function words: matching them adds noise, not relevance. */
const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have in is it its of on or that the their this to was were which with we our these those than then there into can not no'.split(' '),
);

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function processTerm(term: string): string | null {
  return STOP_WORDS.has(term) ? null : term;
}

export class KeywordIndex {
  private readonly search: MiniSearch<{ index: number; title: string; abstract: string }>;

  constructor(
    papers: readonly Paper[],
    private readonly options: KeywordOptions = DEFAULT_KEYWORD_OPTIONS,
  ) {
    this.search = new MiniSearch({
      idField: 'index',
      fields: ['title', 'abstract'],
      tokenize,
      processTerm,
    });
    this.search.addAll(papers.map((paper, index) => ({ index, title: paper.title, abstract: paper.abstract })));
  }

  /** Best-first hits with BM25 scores; at most `k`. */
  query(text: string, k: number): Hit[] {
    const results = this.search.search(text, {
      boost: { title: this.options.titleBoost },
      prefix: this.options.prefix,
      fuzzy: this.options.fuzzy,
      combineWith: 'OR',
    });
    return results.slice(0, k).map((result) => ({ index: result.id as number, score: result.score }));
  }
}
