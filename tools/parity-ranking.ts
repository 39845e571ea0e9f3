/**
 * Browser/Node agreement judged by ranking (issue 9): the same claims are embedded as queries in Node
 * (onnxruntime-node) and in headless Chromium (the built site's bench page: the app's worker, onnxruntime-web
 * WASM), both query sets are ranked by the app's SearchIndex.rank over the same int8 document vectors (Node's,
 * as the build precomputes them), and nDCG@10 is compared per mode. Target: within 0.01.
 *
 *   npx tsx tools/parity-ranking.ts [--data ../shared/bench/scifact] [--queries 200] [--seed tests/fixtures/seed-dev]
 *                                   [--site .cache/parity-site] [--base /] [--build] [--json]
 *
 * --site is a built site (`npm run build -- --outDir <dir>`, with BASE_PATH=<base>); --build builds it first.
 * The claims are the first --queries judged ones by id. SciFact is read by path only (CC BY-NC), which is why this
 * is a tool and not part of `npm test`; tests/e2e/parity.test.ts checks seed-dev the same way. Exits 1 when a
 * mode misses the target. The page is served as tests/e2e/parity.test.ts gets it: without COOP/COEP (adding them
 * by request interception blocks the module worker, whose request Playwright does not intercept), so
 * onnxruntime-web runs on one thread.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Query } from '../src/corpus/beir.ts';
import { DEFAULT_MODEL_ID } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import type { Encoder } from '../src/embedding/encoder.ts';
import { loadBeirDataset, type BeirDataset } from '../src/eval/dataset.ts';
import { embedPapersCached } from '../src/eval/disk-vector-cache.ts';
import { judgedQueries, rankQueries, scoreRankings, splitHalves } from '../src/eval/evaluate.ts';
import { ndcgAtK } from '../src/eval/metrics.ts';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import { SEARCH_MODES, SearchIndex, type SearchMode } from '../src/search/search.ts';
import { parseFlags, runTool, stringFlag, UsageError } from './cli.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './bench-browser.ts';
import { run, startPreview } from './preview.ts';

/** The issue's bound on |nDCG@10 with browser query vectors - nDCG@10 with Node's|. */
const TARGET = 0.01;

const log = (line: string) => process.stderr.write(line + '\n');

function readArgs(argv: readonly string[]) {
  const flags = parseFlags(argv, {
    data: { type: 'string' },
    queries: { type: 'string' },
    seed: { type: 'string' },
    site: { type: 'string' },
    base: { type: 'string' },
    build: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const count = Number(stringFlag(flags, 'queries') ?? 200);
  if (!(Number.isInteger(count) && count > 0)) throw new UsageError('--queries needs a positive whole number');
  const base = stringFlag(flags, 'base') ?? '/';
  if (!base.startsWith('/') || !base.endsWith('/')) throw new UsageError('--base must start and end with "/" (e.g. / or /paper-search/)');
  return {
    data: stringFlag(flags, 'data') ?? resolve('..', 'shared', 'bench', 'scifact'),
    seed: stringFlag(flags, 'seed') ?? resolve('tests', 'fixtures', 'seed-dev'),
    count,
    site: resolve(stringFlag(flags, 'site') ?? join('.cache', 'parity-site')),
    base,
    build: flags.build === true,
    json: flags.json === true,
  };
}

/** Query vectors from the app's worker in Chromium (bench page, fresh worker, WASM), one query at a time as the app embeds them. */
async function browserQueryVectors(origin: string, base: string, texts: string[]): Promise<Float32Array[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    page.on('pageerror', (error) => log(`  [page error] ${error.message}`));
    await page.goto(`${origin}${base}bench.html`);
    await page.waitForFunction(() => window.paperSearchBench !== undefined);
    const result = await page.evaluate((t) => window.paperSearchBench!.vectors(t, 'query', 'wasm'), texts);
    if (result.backend !== 'wasm') throw new Error(`parity-ranking: the browser used ${result.backend}, not wasm`);
    return result.vectors.map((vector) => Float32Array.from(vector));
  } finally {
    await browser.close();
  }
}

interface Side {
  name: string;
  dataset: BeirDataset;
  queries: Query[];
  index: SearchIndex;
  node: Float32Array[];
}

async function prepare(name: string, dir: string, count: number, encoder: Encoder): Promise<Side> {
  const dataset = loadBeirDataset(dir);
  // The first `count` judged queries by id (splitHalves' order, both halves).
  const { tune, heldOut } = splitHalves(judgedQueries(dataset.queries, dataset.qrels));
  const queries = [...tune, ...heldOut].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })).slice(0, count);
  const { vectors, embedded } = await embedPapersCached(encoder, dataset.papers, resolve('.cache', 'vectors'));
  if (embedded > 0) log(`${name}: embedded ${embedded} documents for the cache`);
  // The app's form: int8 document vectors, the default ranking.
  const index = new SearchIndex(dataset.papers, QuantizedMatrix.fromFloat32(encoder.dims, vectors));
  // Fresh, not from the vector cache: what Node's encoder gives for each query now, one at a time.
  const node: Float32Array[] = [];
  for (const query of queries) node.push(await encoder.embedQuery(query.text));
  return { name, dataset, queries, index, node };
}

/**
 * The queries whose nDCG@10 differs between the two query vectors, with the first rank where the rankings part
 * and how close the two papers there were by Node's scores: near-ties are what flips.
 */
function logFlips(side: Side, mode: SearchMode, web: Float32Array[]): void {
  side.queries.forEach((query, i) => {
    const [a, b] = [side.node[i], web[i]].map((vector) => side.index.rank(mode, query.text, vector, 10));
    const judgements = side.dataset.qrels.get(query.id)!;
    const ids = (hits: typeof a) => hits.map((hit) => side.dataset.papers[hit.index].id);
    const [ndcgNode, ndcgWeb] = [ndcgAtK(ids(a), judgements, 10), ndcgAtK(ids(b), judgements, 10)];
    if (ndcgNode === ndcgWeb) return;
    const at = a.findIndex((hit, rank) => hit.index !== b[rank]?.index);
    const other = a.find((hit) => hit.index === b[at]?.index);
    const gap = other ? (a[at].score - other.score).toFixed(4) : 'n/a (not in Node top 10)';
    log(`  ${side.name} ${mode} ${query.id}: nDCG@10 Node ${ndcgNode.toFixed(3)}, browser ${ndcgWeb.toFixed(3)}; rankings part at rank ${at + 1}, Node's score gap there ${gap}`);
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const args = readArgs(argv);
  if (args.build) {
    log(`building the site into ${args.site} (BASE_PATH=${args.base})…`);
    await run('npm', ['run', '--silent', 'build:bench', '--', '--outDir', args.site, '--emptyOutDir'], { ...process.env, BASE_PATH: args.base, NODE_ENV: 'production' });
  }
  if (!existsSync(join(args.site, 'bench.html'))) throw new UsageError(`${args.site} holds no built site (bench.html): pass --build, or --site <a build>`);

  const encoder = await loadNodeEncoder(DEFAULT_MODEL_ID);
  const sides = [await prepare('scifact', args.data, args.count, encoder), await prepare('seed-dev', args.seed, Infinity, encoder)];
  await encoder.dispose();

  const port = 4900 + Math.floor(Math.random() * 300);
  const server = await startPreview({ port, outDir: args.site, env: { BASE_PATH: args.base } });
  const rows: Array<{ dataset: string; queries: number; mode: string; node: number; browser: number; difference: number }> = [];
  try {
    for (const side of sides) {
      log(`${side.name}: embedding ${side.queries.length} queries in Chromium…`);
      const web = await browserQueryVectors(`http://localhost:${port}`, args.base, side.queries.map((q) => q.text));
      for (const mode of SEARCH_MODES.filter((m) => m !== 'keyword')) {
        const ndcg = (vectors: Float32Array[]) => scoreRankings(side.queries, rankQueries(side.index, mode, side.queries, vectors), side.dataset.qrels)['ndcg@10'];
        const [node, browser] = [ndcg(side.node), ndcg(web)];
        rows.push({ dataset: side.name, queries: side.queries.length, mode, node, browser, difference: browser - node });
        logFlips(side, mode, web);
      }
    }
  } finally {
    server.kill();
  }
  console.log('| dataset | queries | mode | nDCG@10, Node query vectors | nDCG@10, browser query vectors | difference |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.dataset} | ${r.queries} | ${r.mode} | ${r.node.toFixed(4)} | ${r.browser.toFixed(4)} | ${r.difference >= 0 ? '+' : ''}${r.difference.toFixed(4)} |`);
  if (args.json) console.log(JSON.stringify({ target: TARGET, rows }));
  const missed = rows.filter((r) => Math.abs(r.difference) > TARGET);
  if (missed.length > 0) {
    log(`parity-ranking: ${missed.map((r) => `${r.dataset} ${r.mode}`).join(', ')} differ by more than ${TARGET}`);
    process.exitCode = 1;
  }
}

runTool('parity-ranking', main);
