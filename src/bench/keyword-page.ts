import type { Paper } from '../base/paper.ts';
import { KeywordIndex } from '../index/keyword.ts';
import { StaticKeywordIndex } from '../published/static-keyword/static-keyword-index.ts';
import { publishedFileSource } from '../published/fetch-file.ts';
import type { Hit } from '../index/top-k.ts';
import type { KeywordBenchApi, TimedQueries } from './keyword-api.ts';

/** The keyword benchmark page: the app's keyword modules, timed. See keyword-api.ts for the contract. */

async function timed(queries: readonly string[], run: (text: string) => Promise<Hit[]> | Hit[]): Promise<TimedQueries> {
  const out: TimedQueries = { ms: [], ids: [] };
  for (const text of queries) {
    const started = performance.now();
    const hits = await run(text);
    out.ms.push(performance.now() - started);
    out.ids.push(hits.map((hit) => hit.index));
  }
  return out;
}

const folderUrl = (folder: string) => new URL(`${folder}/`, location.href).href;

const api: KeywordBenchApi = {
  async staticQueries(folder, manifest, queries, k) {
    const source = publishedFileSource(folderUrl(folder), { caches: null });
    const cold = await timed(queries, (text) => new StaticKeywordIndex(manifest, source).query(text, k));
    const index = new StaticKeywordIndex(manifest, source, { cacheBytes: Number.MAX_SAFE_INTEGER });
    await timed(queries, (text) => index.query(text, k));
    const warm = await timed(queries, (text) => index.query(text, k));
    return { cold, warm, cachedBytes: index.cachedBytes };
  },

  async miniSearchQueries(folder, queries, k) {
    const response = await fetch(`${folderUrl(folder)}papers.json`);
    if (!response.ok) throw new Error(`bench-keyword: HTTP ${response.status} for papers.json`);
    const papers = (await response.json()) as Paper[];
    const started = performance.now();
    const index = new KeywordIndex(papers);
    const buildMs = performance.now() - started;
    return { buildMs, papers: papers.length, run: await timed(queries, (text) => index.query(text, k)) };
  },
};

window.paperSearchKeyword = api;
document.body.dataset.ready = 'true';
