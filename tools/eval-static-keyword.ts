/**
 * Keyword ranking quality of the static keyword shards (issue 10, part 2) against today's KeywordIndex
 * (MiniSearch) on a BEIR folder, SciFact by default:
 *
 *   npx tsx tools/eval-static-keyword.ts [--data <BEIR dir>] [--json]
 *
 * Both indexes are built from the same papers with the app's DEFAULT_KEYWORD_OPTIONS; the static one in memory
 * through the same builder `npm run index` uses. nDCG@10 (and recall@100) over all judged claims and over the
 * tuning / held-out halves the defaults were chosen on (src/eval/evaluate.ts splitHalves), side by side.
 */
import { createHash } from 'node:crypto';
import { parseFlags, runTool, stringFlag } from './cli.ts';
import type { Query } from '../src/corpus/beir.ts';
import { loadBeirDataset } from '../src/eval/dataset.ts';
import { EVAL_DEPTH, judgedQueries, scoreRankings, splitHalves } from '../src/eval/evaluate.ts';
import { KeywordIndex } from '../src/index/keyword.ts';
import { buildStaticKeyword } from '../src/published/static-keyword/build.ts';
import { StaticKeywordIndex } from '../src/published/static-keyword/static-keyword-index.ts';
import type { FileSink } from '../src/base/files.ts';
import { SCIFACT_DIR } from './synthetic-corpus.ts';

const pct = (x: number) => Number((100 * x).toFixed(2));

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv, { data: { type: 'string' }, json: { type: 'boolean' } });
  const dataset = loadBeirDataset(stringFlag(flags, 'data') ?? SCIFACT_DIR);
  const queries = judgedQueries(dataset.queries, dataset.qrels);
  const ids = dataset.papers.map((p) => p.id);

  const files = new Map<string, Uint8Array>();
  const sink: FileSink = (path, data) => {
    files.set(path, data);
    return { path, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  };
  let started = performance.now();
  const manifest = buildStaticKeyword(dataset.papers, sink);
  const buildMs = performance.now() - started;
  const shards = new StaticKeywordIndex(manifest, async (file) => files.get(file.path)!);
  started = performance.now();
  const exact = new KeywordIndex(dataset.papers);
  const miniSearchMs = performance.now() - started;

  const exactRanked = new Map(queries.map((q) => [q.id, exact.query(q.text, EVAL_DEPTH).map((h) => ids[h.index])]));
  const staticRanked = new Map<string, string[]>();
  for (const q of queries) staticRanked.set(q.id, (await shards.query(q.text, EVAL_DEPTH)).map((h) => ids[h.index]));
  const sameTop10 = queries.filter((q) => exactRanked.get(q.id)!.slice(0, 10).join() === staticRanked.get(q.id)!.slice(0, 10).join()).length;

  const { tune, heldOut } = splitHalves(queries);
  const rows = (
    [
      ['all judged claims', queries],
      ['tuning half', tune],
      ['held-out half', heldOut],
    ] as [string, Query[]][]
  ).map(([label, subset]) => {
    const score = (ranked: Map<string, string[]>) => scoreRankings(subset, subset.map((q) => ranked.get(q.id)!), dataset.qrels);
    const a = score(exactRanked);
    const b = score(staticRanked);
    return { split: label, queries: subset.length, ndcg10_minisearch: pct(a['ndcg@10']), ndcg10_static: pct(b['ndcg@10']), delta_points: pct(b['ndcg@10'] - a['ndcg@10']), recall100_minisearch: pct(a['recall@100']), recall100_static: pct(b['recall@100']) };
  });
  const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  const summary = {
    data: dataset.dir,
    split: dataset.split,
    docs: dataset.papers.length,
    terms: manifest.termCount,
    postings: manifest.postingCount,
    shards: manifest.shardFirstTerms.length,
    bytes,
    build_ms: Math.round(buildMs),
    minisearch_build_ms: Math.round(miniSearchMs),
    same_top10: `${sameTop10}/${queries.length}`,
    rows,
  };
  if (flags.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`${dataset.dir} (${dataset.split}): ${summary.docs} docs, ${summary.terms} terms, ${summary.postings} postings -> ${summary.shards} shards, ${bytes} bytes; static build ${summary.build_ms} ms, MiniSearch ${summary.minisearch_build_ms} ms`);
  console.log(`identical top 10 for ${summary.same_top10} claims`);
  console.log('| queries | n | MiniSearch nDCG@10 | static shards nDCG@10 | Δ points | MiniSearch R@100 | static R@100 |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.split} | ${r.queries} | ${r.ndcg10_minisearch} | ${r.ndcg10_static} | ${r.delta_points >= 0 ? '+' : ''}${r.delta_points} | ${r.recall100_minisearch} | ${r.recall100_static} |`);
}

runTool('eval-static-keyword', main);
