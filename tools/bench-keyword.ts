/**
 * Keyword search at a million abstracts (issue 10, part 2): the static keyword shards vs MiniSearch.
 *
 *   npx tsx tools/bench-keyword.ts [--json] [--runs 3] [--size 1000000] [--baseline-size 100000] [--queries 809]
 *                                  [--baseline-queries 200] [--data <BEIR dir>]
 *
 * Node: builds the shards for --size and --baseline-size synthetic papers (tools/synthetic-text.ts, from
 * SciFact's corpus) with the builder `npm run index` uses, into a temporary folder; reports build ms, bytes,
 * shard count, largest file and manifest size. Browser (headless Chromium, tests/e2e/static-server.ts serving
 * that folder as GitHub Pages would): per run, the SciFact claims against each library through the app's
 * verified file source — cold (a fresh index per query: fetch + sha256 + decode of every shard it needs) and
 * warm (the query set twice on one index, the second pass timed: shards cached) — and MiniSearch (the app's
 * KeywordIndex) over the --baseline-size papers in the same page, with its build time, on the first
 * --baseline-queries claims (it takes ~0.4 s a query at 100k under load; the static indexes run all of them). p50/p95 per run,
 * medians over --runs. The build is measured once (it takes minutes at 1M). Not a test: it asserts nothing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { build as viteBuild } from 'vite';
import type { KeywordBenchApi, TimedQueries } from '../src/bench/keyword-api.ts';
import { loadBeirDataset } from '../src/eval/dataset.ts';
import { judgedQueries } from '../src/eval/evaluate.ts';
import { buildStaticKeyword } from '../src/published/static-keyword/build.ts';
import type { StaticKeywordManifest } from '../src/published/static-keyword/manifest.ts';
import type { FileSink } from '../src/base/files.ts';
import { startStaticServer } from '../tests/e2e/static-server.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './bench-browser.ts';
import { parseOptions, runTool } from './cli.ts';
import { SCIFACT_DIR } from './synthetic-corpus.ts';
import { loadScifactPapers, syntheticPaperSource } from './synthetic-text.ts';
import { median, quantile, round } from './stats.ts';

const K = 10;
const SEED = 1;
const BASE = '/bench/';

const log = (line: string) => process.stderr.write(line + '\n');


interface BuiltLibrary {
  n: number;
  folder: string;
  manifest: StaticKeywordManifest;
  build_ms: number;
  bytes: number;
  shards: number;
  files: number;
  largest_file_bytes: number;
  manifest_bytes: number;
  manifest_gzip_bytes: number;
  bytes_per_posting: number;
}

/** Builds one library's keyword shards into `site/<folder>/keyword/…` through a Node file sink. */
function buildLibrary(site: string, n: number, sources: ReturnType<typeof loadScifactPapers>): BuiltLibrary {
  const folder = `lib-${n}`;
  const sink: FileSink = (path, data) => {
    const file = join(site, folder, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
    return { path, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  };
  const started = performance.now();
  const manifest = buildStaticKeyword(syntheticPaperSource(n, SEED, sources), sink, { log });
  const buildMs = performance.now() - started;
  const json = JSON.stringify(manifest);
  const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  const built = {
    n,
    folder,
    manifest,
    build_ms: round(buildMs, 0),
    bytes,
    shards: manifest.shardFirstTerms.length,
    files: manifest.files.length,
    largest_file_bytes: Math.max(...manifest.files.map((f) => f.bytes)),
    manifest_bytes: json.length,
    manifest_gzip_bytes: gzipSync(json).length,
    bytes_per_posting: round(bytes / manifest.postingCount, 2),
  };
  log(`node: N=${n}: ${manifest.termCount} terms, ${manifest.postingCount} postings -> ${built.shards} shards, ${(bytes / 1e6).toFixed(1)} MB, largest file ${built.largest_file_bytes} B, manifest ${built.manifest_bytes} B (${built.manifest_gzip_bytes} gzipped), built in ${(buildMs / 1000).toFixed(1)} s; load average ${loadavg()[0].toFixed(2)}`);
  return built;
}

type Call = <Name extends keyof KeywordBenchApi>(name: Name, ...args: Parameters<KeywordBenchApi[Name]>) => Promise<Awaited<ReturnType<KeywordBenchApi[Name]>>>;

function caller(page: Page): Call {
  return (name, ...args) =>
    page.evaluate(
      ([fn, fnArgs]) => (window.paperSearchKeyword as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn](...fnArgs),
      [name, args] as [string, unknown[]],
    ) as never;
}

const p = (run: TimedQueries) => ({ p50: median(run.ms), p95: quantile(run.ms, 0.95) });

/** Share of queries whose top-k row ids are the same, in the same order. */
function sameTopK(a: TimedQueries, b: TimedQueries): number {
  return a.ids.filter((ids, i) => ids.join() === b.ids[i].join()).length / a.ids.length;
}

async function main(argv: readonly string[]): Promise<void> {
  const o = parseOptions(argv, { json: 'boolean', runs: 'count', size: 'count', 'baseline-size': 'count', queries: 'count', 'baseline-queries': 'count', data: 'string' });
  const data = o.data ?? SCIFACT_DIR;
  const runs = o.runs ?? 3;
  const size = o.size ?? 1_000_000;
  const baselineSize = o['baseline-size'] ?? 100_000;
  const json = o.json;
  const machine: Record<string, string | number> = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gb: round(totalmem() / 2 ** 30), node: process.version, load_average_1m: round(loadavg()[0], 2) };
  log(`machine: ${JSON.stringify(machine)}`);

  const dataset = loadBeirDataset(resolve(data));
  const queries = judgedQueries(dataset.queries, dataset.qrels)
    .slice(0, o.queries ?? 100_000)
    .map((q) => q.text);
  const baselineQueries = queries.slice(0, o['baseline-queries'] ?? 200);
  const sources = loadScifactPapers(join(resolve(data), 'corpus.jsonl'));
  const site = mkdtempSync(join(tmpdir(), 'bench-keyword-'));
  const server = await startStaticServer(site, BASE);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    log(`building the page into ${site} (vite, bench-keyword.html only)…`);
    await viteBuild({ configFile: false, root: process.cwd(), base: BASE, logLevel: 'warn', build: { outDir: site, emptyOutDir: false, target: 'es2022', rolldownOptions: { input: { 'bench-keyword': resolve('bench-keyword.html') } } } });
    const big = buildLibrary(site, size, sources);
    const small = baselineSize === size ? big : buildLibrary(site, baselineSize, sources);
    const baselinePapers = syntheticPaperSource(baselineSize, SEED, sources);
    writeFileSync(join(site, small.folder, 'papers.json'), JSON.stringify(Array.from({ length: baselineSize }, (_, i) => baselinePapers[i])));

    const perRun: Record<string, number[]> = {};
    const add = (key: string, value: number) => (perRun[key] ??= []).push(value);
    let agreement = NaN;
    let cachedBytes = NaN;
    let browserVersion = 'unknown';
    for (let r = 0; r < runs; r++) {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      const page = await context.newPage();
      page.on('pageerror', (error) => log(`  [page error] ${error.message}`));
      await page.goto(`${server.baseUrl}bench-keyword.html`);
      await page.waitForFunction(() => window.paperSearchKeyword !== undefined);
      browserVersion = browser.version();
      const call = caller(page);
      const large = await call('staticQueries', big.folder, big.manifest, queries, K);
      cachedBytes = large.cachedBytes;
      const base = small === big ? large : await call('staticQueries', small.folder, small.manifest, queries, K);
      const mini = await call('miniSearchQueries', small.folder, baselineQueries, K);
      agreement = sameTopK({ ms: [], ids: base.warm.ids.slice(0, baselineQueries.length) }, mini.run);
      for (const [key, run] of Object.entries({ static_warm: large.warm, static_cold: large.cold, baseline_static_warm: base.warm, baseline_static_cold: base.cold, baseline_minisearch: mini.run })) {
        const { p50, p95 } = p(run);
        add(`${key}_p50`, p50);
        add(`${key}_p95`, p95);
      }
      add('minisearch_build', mini.buildMs);
      log(
        `  run ${r + 1}: N=${size} static warm p50/p95 ${p(large.warm).p50.toFixed(2)}/${p(large.warm).p95.toFixed(2)} ms, cold ${p(large.cold).p50.toFixed(1)}/${p(large.cold).p95.toFixed(1)} ms; ` +
          `N=${baselineSize} static warm ${p(base.warm).p50.toFixed(2)}/${p(base.warm).p95.toFixed(2)}, MiniSearch ${p(mini.run).p50.toFixed(2)}/${p(mini.run).p95.toFixed(2)} ms (built in ${(mini.buildMs / 1000).toFixed(1)} s); ` +
          `same top ${K} static vs MiniSearch ${(100 * agreement).toFixed(1)} %; load average ${loadavg()[0].toFixed(2)}`,
      );
      await context.close();
    }
    const med = (key: string) => round(median(perRun[key]), 2);
    const libraryFacts = ({ manifest: _, folder: __, ...facts }: BuiltLibrary) => facts;
    const summary = {
      machine: { ...machine, chromium: browserVersion, load_average_1m_end: round(loadavg()[0], 2) },
      runs,
      queries: queries.length,
      baseline_queries: baselineQueries.length,
      k: K,
      size,
      baseline_size: baselineSize,
      keyword_p95_ms_1m: size === 1_000_000 ? med('static_warm_p95') : null,
      keyword_p50_ms: med('static_warm_p50'),
      keyword_p95_ms: med('static_warm_p95'),
      keyword_first_fetch_p50_ms: med('static_cold_p50'),
      keyword_first_fetch_p95_ms: med('static_cold_p95'),
      cached_shard_bytes_after_query_set: cachedBytes,
      baseline: {
        static_p50_ms: med('baseline_static_warm_p50'),
        static_p95_ms: med('baseline_static_warm_p95'),
        static_first_fetch_p95_ms: med('baseline_static_cold_p95'),
        minisearch_p50_ms: med('baseline_minisearch_p50'),
        minisearch_p95_ms: med('baseline_minisearch_p95'),
        minisearch_build_ms: round(median(perRun.minisearch_build), 0),
        same_top10_static_vs_minisearch: round(agreement, 4),
      },
      build: { [size]: libraryFacts(big), ...(small === big ? {} : { [baselineSize]: libraryFacts(small) }) },
    };
    console.log(json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2));
  } finally {
    await browser.close();
    await server.close();
    rmSync(site, { recursive: true, force: true });
  }
}

runTool('bench-keyword', main);
