/**
 * Which layout `npm run index` publishes (and so which search path the app takes): the exact one (corpus.json +
 * vectors.bin, everything held in the tab) or the compressed one (library.json with codes, rows, keyword and text
 * shards, issue 10).
 */
export type PublishedLayout = 'exact' | 'compressed';
export type LayoutRequest = PublishedLayout | 'auto';

/**
 * Papers from which `--layout auto` publishes the compressed layout. Measured (docs/performance.md, "A million
 * abstracts"), 2026-11-26, headless Chromium on 2 cores:
 * - vectors alone: the exact int8 scan is faster up to 200,000 rows and the compressed path from 400,000
 *   (`npx tsx tools/bench-million.ts`, search p50 from the page: 10.2 vs 15.0 ms at 200k, 21.2 vs 15.8 at 400k);
 * - but the default ranking is hybrid, and there the keyword part decides: MiniSearch over 100,000 abstracts in
 *   the page takes p50 151.6 / p95 411.6 ms per query, the static keyword shards 1.4 / 2.9 ms once cached
 *   (`npx tsx tools/bench-keyword.ts`), so a hybrid query at 100k costs ~155 ms exact and ~11 ms compressed.
 * MiniSearch grows with N (~75 ms at 50,000 by that rate), and below that the exact layout's extras win: every
 * paper in the tab (map, export, find-by-example from a link), offline from the first visit, no text fetches.
 */
export const COMPRESSED_LAYOUT_FROM = 50_000;

export function chooseLayout(papers: number, request: LayoutRequest): PublishedLayout {
  if (request !== 'auto') return request;
  return papers >= COMPRESSED_LAYOUT_FROM ? 'compressed' : 'exact';
}
