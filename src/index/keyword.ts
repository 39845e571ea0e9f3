import MiniSearch from 'minisearch';
import { stemmer } from 'stemmer';
import { inSlices } from '../base/next-task.ts';
import { documentText } from '../base/paper-id.ts';
import type { Paper } from '../base/paper.ts';
import type { Hit } from './top-k.ts';

/**
 * BM25 keyword search over title and abstract, by MiniSearch. Hits carry the paper's position in the corpus
 * (the same index the vector matrix uses), so keyword and semantic rankings can be fused directly.
 * Defaults were tuned on half of the SciFact train claims and checked on the other half (docs/quality.md).
 */

export interface Bm25Params {
  /** Term-frequency saturation. */
  k: number;
  /** Length normalisation (0 = none, 1 = full). */
  b: number;
  /** BM25+ lower bound for any matching term (0 = classic BM25). */
  d: number;
}

export interface KeywordOptions {
  /** Weight of a match in the title field. The abstract field holds title + abstract (BEIR's document text), so titles count at least once. */
  titleBoost: number;
  /** Prefix and fuzzy matching help while typing; they cost precision, so they are off for long queries. */
  prefix: boolean;
  fuzzy: number;
  /** Porter stemming of index and query terms ("proteins" finds "protein"). */
  stem?: boolean;
  bm25?: Bm25Params;
  /**
   * MiniSearch multiplies a document's score by the number of distinct query terms it matches (a
   * coordination factor on top of BM25). False ranks by the plain BM25 sum instead.
   */
  coordination?: boolean;
}

/**
 * Best of a grid on the tuning half of SciFact train (tools/tune.ts keyword; docs/quality.md): Porter stemming,
 * plain BM25 sum (no coordination factor: +3 nDCG points), title counted 1.5x, k 0.9, b 0.75, BM25+ d 0.5.
 */
export const DEFAULT_KEYWORD_OPTIONS: KeywordOptions = {
  titleBoost: 0.5,
  prefix: false,
  fuzzy: 0,
  stem: true,
  bm25: { k: 0.9, b: 0.75, d: 0.5 },
  coordination: false,
};

/** Common English function words (Lucene's English list plus a few): matching them adds noise, not relevance. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  ('a an and are as at be but by for from has have if in is it its of on or such that the their they this to was were will which with ' +
    'we our these those than then there into can not no been also').split(' '),
);

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Index/query form of one token, or null when it should not be matched at all. */
export function normalizeTerm(term: string, stem = true): string | null {
  const lower = term.toLowerCase();
  if (STOP_WORDS.has(lower)) return null;
  return stem ? stemmer(lower) : lower;
}

interface KeywordDoc {
  index: number;
  title: string;
  text: string;
}

export class KeywordIndex {
  private readonly search: MiniSearch<KeywordDoc>;

  constructor(
    papers: readonly Paper[],
    private readonly options: KeywordOptions = DEFAULT_KEYWORD_OPTIONS,
  ) {
    const stem = options.stem ?? false;
    this.search = new MiniSearch<KeywordDoc>({
      idField: 'index',
      fields: ['title', 'text'],
      tokenize,
      processTerm: (term) => normalizeTerm(term, stem),
    });
    this.search.addAll(papers.map((paper, index) => ({ index, title: paper.title, text: documentText(paper) })));
  }

  /**
   * The same index, built a few papers at a time with the event loop free in between: indexing 40,000 long
   * abstracts at once held a page's thread for seconds after an import (issue 19).
   */
  static async build(papers: readonly Paper[], options: KeywordOptions = DEFAULT_KEYWORD_OPTIONS): Promise<KeywordIndex> {
    const index = new KeywordIndex([], options);
    await inSlices(papers.length, (i) => index.search.add({ index: i, title: papers[i].title, text: documentText(papers[i]) }));
    return index;
  }

  /**
   * Best-first hits with BM25 scores; at most `k`. `overrides` changes query-time options for this call only
   * (used by tuning, which would otherwise rebuild the index per setting); stemming is fixed at build time.
   */
  query(text: string, k: number, overrides: Partial<Omit<KeywordOptions, 'stem'>> = {}): Hit[] {
    const options = { ...this.options, ...overrides };
    const results = this.search.search(text, {
      fields: options.titleBoost > 0 ? ['title', 'text'] : ['text'],
      boost: { title: options.titleBoost },
      prefix: options.prefix,
      fuzzy: options.fuzzy,
      combineWith: 'OR',
      ...(options.bm25 ? { bm25: options.bm25 } : {}),
    });
    const hits = results.map((result) => ({
      index: result.id as number,
      score: options.coordination === false ? result.score / Math.max(1, result.queryTerms.length) : result.score,
    }));
    if (options.coordination === false) hits.sort((a, b) => b.score - a.score || a.index - b.index);
    return hits.slice(0, k);
  }
}
