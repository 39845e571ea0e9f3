/**
 * Which layout `npm run index` publishes (and so which search path the app takes): the exact one (corpus.json +
 * vectors.bin, everything held in the tab) or the compressed one (library.json with codes, rows, keyword and text
 * shards, issue 10).
 */
export type PublishedLayout = 'exact' | 'compressed';
export type LayoutRequest = PublishedLayout | 'auto';

/**
 * Papers from which `--layout auto` publishes the compressed layout. Provisional: 50,000 is where the exact
 * path's int8 matrix (~19.6 MB) and in-memory keyword index start to cost more than the compressed path's fixed
 * per-query work (~1.3 us per candidate, docs/performance.md "A million abstracts": exact search is faster at
 * 5,000 and 100,000 rows, but its memory grows with N). To be set from a measurement of both paths at sizes
 * between 20,000 and 200,000 (tools/bench-million.ts --sizes).
 */
export const COMPRESSED_LAYOUT_FROM = 50_000;

export function chooseLayout(papers: number, request: LayoutRequest): PublishedLayout {
  if (request !== 'auto') return request;
  return papers >= COMPRESSED_LAYOUT_FROM ? 'compressed' : 'exact';
}
