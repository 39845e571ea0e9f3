/**
 * The compressed index at scale (issue 10, parts 1 and 5): exact int8 search vs the compressed path
 * (Hamming first pass over sign codes + exact int8 rescoring of the candidates read from OPFS) at several
 * corpus sizes, in headless Chromium, from one run.
 *
 *   npx tsx tools/bench-million.ts [--json] [--runs 3] [--sizes 5000,50000,100000,200000,400000,1000000]
 *                                  [--queries 809] [--latency-queries 100] [--candidates 1000] [--first-pass 8000]
 *                                  [--baseline 4000:0|none] [--no-build] [--data <beir dir>]
 *
 * Per size N: memory held by each path (bytes of typed arrays), search p50/p95 (exact: score + top-10 in the
 * page; compressed: inside its worker, and the page's round trip; the two alternate query by query), the
 * crossover (the smallest N from which the compressed path's round trip beats the exact scan at p50 and p95,
 * the figure behind COMPRESSED_LAYOUT_FROM in src/published/layout-choice.ts), recall@10 of the compressed path against
 * the exact int8 ranking (the ground truth computed in Node and cached, and cross-checked against the page's
 * own exact results), the time to load the codes from IndexedDB, and query text -> ranked ids including the
 * query's embedding by the app's worker. In Node: the time to build the largest size's codes from int8 rows.
 * The corpus: src/index/compressed/synthetic.ts over SciFact's real vectors (docs/performance.md says how).
 * The page is served cross-origin isolated (real COOP/COEP headers from `vite preview`, as tools/bench.ts does),
 * so the query embedding gets onnxruntime's threads as on the published site; the output says so
 * (cross_origin_isolated, embed_threads). Medians over --runs of each run's p50/p95. A full run (6 sizes, 3
 * runs) takes ~15 minutes on the 2-core machine. Not a test: it asserts nothing about speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { MillionBenchApi } from '../src/bench/million-api.ts';
import type { OpenedIndex } from '../src/published/vectors/compressed-service.ts';
import { int8Mean, signCodesFromInt8 } from '../src/index/compressed/binary-codes.ts';
import { DEFAULT_CANDIDATES, DEFAULT_FIRST_PASS } from '../src/index/compressed/compressed-index.ts';
import { DEFAULT_SYNTHETIC, SyntheticCorpus } from '../src/index/compressed/synthetic.ts';
import { closestSource, groundTruth, loadSourceVectors, SCIFACT_DIR, setStatistics } from './synthetic-corpus.ts';
import { CHROMIUM, CHROMIUM_ARGS, pageCaller } from './bench-browser.ts';
import { median, quantile, round } from './stats.ts';
import { run, startPreview } from './preview.ts';
import { count, countList, parseOptions, runTool, UsageError } from './cli.ts';

interface Args {
  json: boolean;
  runs: number;
  sizes: number[];
  queries: number;
  latencyQueries: number;
  candidates: number;
  firstPass: number;
  /** Another candidates:firstPass setting searched in the same runs, as the baseline (e.g. 4000:0, the old default). */
  baseline: { candidates: number; firstPass: number } | null;
  build: boolean;
  data: string;
}

const K = 10;
const OUT_DIR = resolve('.cache', 'bench-million-site');
/** 5k / 100k / 1M for the issue's table; 50k-400k between them to place the exact/compressed crossover. */
const DEFAULT_SIZES = '5000,50000,100000,200000,400000,1000000';

function parseBaseline(text: string): Args['baseline'] {
  if (text === 'none') return null;
  const [candidates, firstPass] = text.split(':').map(Number);
  if (!(Number.isInteger(candidates) && candidates > 0 && Number.isInteger(firstPass) && firstPass >= 0)) throw new UsageError(`--baseline needs candidates:firstPass (e.g. 4000:0) or none, got ${text}`);
  return { candidates, firstPass };
}

function parseArgs(argv: readonly string[]): Args {
  const o = parseOptions(argv, {
    json: 'boolean', runs: 'count', sizes: 'string', queries: 'count', 'latency-queries': 'count', candidates: 'count',
    'first-pass': 'string', baseline: 'string', 'no-build': 'boolean', data: 'string',
  });
  const firstPass = o['first-pass'];
  return {
    json: o.json,
    runs: o.runs ?? 3,
    sizes: countList('sizes', o.sizes ?? DEFAULT_SIZES),
    queries: o.queries ?? 809,
    latencyQueries: o['latency-queries'] ?? 100,
    candidates: o.candidates ?? DEFAULT_CANDIDATES,
    firstPass: firstPass === '0' ? 0 : (count('first-pass', firstPass) ?? DEFAULT_FIRST_PASS),
    baseline: parseBaseline(o.baseline ?? '4000:0'),
    build: !o['no-build'],
    data: o.data ?? SCIFACT_DIR,
  };
}

const log = (line: string) => process.stderr.write(line + '\n');


/** Mean over queries of |found top-k ∩ truth top-k| / k. */
function recallAtK(found: readonly number[][], truth: readonly number[][]): number {
  let hits = 0;
  found.forEach((ids, i) => {
    const expected = new Set(truth[i].slice(0, K));
    hits += ids.slice(0, K).filter((id) => expected.has(id)).length;
  });
  return hits / (found.length * K);
}


/**
 * An on-disk profile (OPFS in an in-memory profile is ~100x slower per read, see docs/performance.md) and
 * /bench-data from memory (same-origin responses, so COEP lets them through).
 */
async function openPage(origin: string, data: Record<string, Buffer>): Promise<{ context: BrowserContext; page: Page; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'bench-million-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, serviceWorkers: 'block' });
  await context.route('**/*', async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path.startsWith('/bench-data/')) {
      const body = data[path.slice('/bench-data/'.length)];
      return route.fulfill(body ? { body, contentType: 'application/octet-stream' } : { status: 404 });
    }
    return route.continue();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => log(`  [page error] ${error.message}`));
  await page.goto(`${origin}/bench-million.html`);
  await page.waitForFunction(() => window.paperSearchMillion !== undefined);
  return { context, page, profile };
}

const floatBuffer = (vectors: Float32Array) => Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength);

interface SizeResult {
  n: number;
  exact_mb: number;
  compressed_mb: number;
  code_mb: number;
  exact_p50_ms: number;
  exact_p95_ms: number;
  search_p50_ms: number;
  search_p95_ms: number;
  roundtrip_p50_ms: number;
  roundtrip_p95_ms: number;
  recall10: number;
  exact_matches_truth: number;
  load_ms: number;
  save_ms: number;
  append_ms: number;
  generate_ms: number;
  query_p50_ms: number;
  query_p95_ms: number;
  embed_p50_ms: number;
  /** The --baseline setting, searched in the same runs: in worker and round trip p50/p95, recall@10. */
  baseline?: { candidates: number; first_pass: number; search_p50_ms: number; search_p95_ms: number; roundtrip_p50_ms: number; roundtrip_p95_ms: number; recall10: number };
}

/**
 * The smallest N from which the compressed path, measured from the page (worker round trip), is faster than
 * the exact scan at both p50 and p95, at that size and every larger one measured; null if it never is.
 */
function crossoverOf(results: readonly SizeResult[]): { compressed_faster_from: number | null; basis: string; rows: Record<string, number>[] } {
  const sorted = [...results].sort((a, b) => a.n - b.n);
  const faster = (r: SizeResult) => r.roundtrip_p50_ms < r.exact_p50_ms && r.roundtrip_p95_ms < r.exact_p95_ms;
  let from: number | null = null;
  for (let i = sorted.length - 1; i >= 0 && faster(sorted[i]); i--) from = sorted[i].n;
  return {
    compressed_faster_from: from,
    basis: 'search p50 and p95 from the page: exact = score + top-10 in the page, compressed = round trip to its worker',
    rows: sorted.map((r) => ({ n: r.n, exact_p50_ms: r.exact_p50_ms, exact_p95_ms: r.exact_p95_ms, compressed_p50_ms: r.roundtrip_p50_ms, compressed_p95_ms: r.roundtrip_p95_ms, exact_mb: r.exact_mb, compressed_mb: r.compressed_mb })),
  };
}

/** The exact and compressed rows side by side, one line per size and path (stderr). */
function sideBySide(results: readonly SizeResult[]): string[] {
  const lines = ['N          path        memory MB  search p50/p95 ms (from the page)  in worker p50/p95  recall@10  codes load ms'];
  for (const r of results) {
    const n = String(r.n).padEnd(10);
    lines.push(`${n} exact       ${String(r.exact_mb).padStart(9)}  ${`${r.exact_p50_ms} / ${r.exact_p95_ms}`.padEnd(34)} ${'-'.padEnd(18)} 1          -`);
    lines.push(`${n} compressed  ${String(r.compressed_mb).padStart(9)}  ${`${r.roundtrip_p50_ms} / ${r.roundtrip_p95_ms}`.padEnd(34)} ${`${r.search_p50_ms} / ${r.search_p95_ms}`.padEnd(18)} ${String(r.recall10).padEnd(10)} ${r.load_ms}`);
    const b = r.baseline;
    if (b) lines.push(`${n} (baseline ${b.candidates}:${b.first_pass})`.padEnd(34) + `${b.roundtrip_p50_ms} / ${b.roundtrip_p95_ms}`.padEnd(34) + ` ${`${b.search_p50_ms} / ${b.search_p95_ms}`.padEnd(18)} ${b.recall10}`);
  }
  return lines;
}

async function main(argv: readonly string[]): Promise<void> {
  const startedAt = performance.now();
  const args = parseArgs(argv);
  const loadStart = round(loadavg()[0], 2);
  const machine: Record<string, string | number> = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gb: round(totalmem() / 2 ** 30), node: process.version, load_average_1m: loadStart };
  log(`machine: ${JSON.stringify(machine)}`);

  const source = await loadSourceVectors(args.data, log);
  const queryVectors = source.queryVectors.slice(0, args.queries);
  const { dims } = source;
  const corpus = new SyntheticCorpus(source.documents, dims, DEFAULT_SYNTHETIC);
  const sourceCount = source.documents.length / dims;
  const real = setStatistics(source.documents, dims);
  const synthetic = setStatistics(corpus.rows(0, sourceCount), dims);
  const nearestSource = closestSource(corpus);
  log(`source: ${sourceCount} SciFact vectors; nearest-neighbour cosine p10/p50/p90 real ${real.nn.join('/')} vs synthetic (first ${sourceCount}) ${synthetic.nn.join('/')}; mean cosine ${real.meanCosine} vs ${synthetic.meanCosine}; synthetic row to closest real vector p50/p90/p99 ${nearestSource.join('/')}`);

  // Node: the index-time cost of 1,000,000 codes (centre from a sample, then the codes), and the ground truth.
  // In a function, so the 400 MB matrix can be collected before the browser starts.
  const nodeSide = () => {
    let started = performance.now();
    const matrix = corpus.int8Matrix(Math.max(...args.sizes));
    const generateMs = performance.now() - started;
    started = performance.now();
    const rows = matrix.int8Rows();
    const center = int8Mean({ dims, data: rows.data.subarray(0, 65_536 * dims), scales: rows.scales.subarray(0, 65_536) });
    const codes = signCodesFromInt8(rows, center);
    const codesMs = performance.now() - started;
    log(`node: generated ${matrix.count} synthetic int8 rows in ${(generateMs / 1000).toFixed(1)} s; sign codes for ${codes.count} rows (${(codes.data.byteLength / 1e6).toFixed(1)} MB) in ${(codesMs / 1000).toFixed(2)} s`);
    return { generateMs, codesMs, truth: groundTruth(corpus, args.sizes, queryVectors, K, log, () => matrix) };
  };
  const { generateMs: generateNodeMs, codesMs: indexCodesMs, truth } = nodeSide();

  if (args.build) {
    log(`building the site into ${OUT_DIR} (vite build)…`);
    await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'vite.bench.config.ts', '--outDir', OUT_DIR, '--emptyOutDir']);
  }
  const port = 4900 + Math.floor(Math.random() * 300);
  // Real COOP/COEP headers (vite.config.ts): the published site gets them from its service worker, which this
  // page does not have, and headers added by request interception do not reach worker scripts.
  const server = await startPreview({ port, outDir: OUT_DIR, env: { PAPER_SEARCH_PREVIEW_ISOLATED: '1' } });
  let opened: Awaited<ReturnType<typeof openPage>> | null = null;
  try {
    const queryFloats = new Float32Array(queryVectors.length * dims);
    queryVectors.forEach((q, i) => queryFloats.set(q, i * dims));
    opened = await openPage(`http://localhost:${port}`, { 'source.f32': floatBuffer(source.documents), 'queries.f32': floatBuffer(queryFloats) });
    machine.chromium = opened.context.browser()?.version() ?? 'unknown';
    const call = pageCaller<MillionBenchApi>(opened.page, 'paperSearchMillion');
    const ready = await call('init', dims, DEFAULT_SYNTHETIC);
    machine.cross_origin_isolated = String(ready.crossOriginIsolated);
    machine.embed_threads = ready.threads;
    log(`page: crossOriginIsolated=${ready.crossOriginIsolated}; query embedding on ${ready.backend} with ${ready.threads} onnxruntime thread(s)`);
    if (!ready.crossOriginIsolated) log('  warning: the page is not cross-origin isolated, so the query embedding runs on one thread (unlike the published site)');
    const texts = source.queries.slice(0, args.latencyQueries).map((q) => q.text);

    const results: SizeResult[] = [];
    const loads: number[] = [];
    for (const n of args.sizes) {
      const built = await call('build', n);
      log(`N=${n}: generated in the page ${(built.generateMs / 1000).toFixed(1)} s (exact int8 ${(built.exactBytes / 1e6).toFixed(1)} MB); rows to OPFS + codes ${(built.appendMs / 1000).toFixed(1)} s; codes to IndexedDB ${built.saveMs.toFixed(0)} ms`);
      const codeLoads: number[] = [];
      const exactP: number[][] = [[], []];
      const searchP: number[][] = [[], []];
      const roundTrip: number[][] = [[], []];
      const baseP: number[][] = [[], [], [], []];
      let baseRecall = NaN;
      const queryP: number[][] = [[], []];
      const embedP: number[] = [];
      let openedIndex: OpenedIndex | null = null;
      let recall = NaN;
      let agreement = NaN;
      for (let r = 0; r < args.runs; r++) {
        const index = await call('open', { candidates: args.candidates, firstPass: args.firstPass });
        openedIndex = index;
        codeLoads.push(index.loadMs);
        const searched = await call('search', queryVectors.length, K);
        if (r === 0) {
          const expected = truth.get(n)!;
          recall = recallAtK(searched.compressedIds, expected);
          agreement = searched.exactIds.filter((ids, i) => ids.every((id, j) => id === expected[i][j])).length / searched.exactIds.length;
        }
        exactP[0].push(median(searched.exactMs));
        exactP[1].push(quantile(searched.exactMs, 0.95));
        searchP[0].push(median(searched.compressedMs));
        searchP[1].push(quantile(searched.compressedMs, 0.95));
        roundTrip[0].push(median(searched.roundTripMs));
        roundTrip[1].push(quantile(searched.roundTripMs, 0.95));
        const latency = await call('queryLatency', texts, K);
        const totals = latency.map(([embed, search]) => embed + search);
        queryP[0].push(median(totals));
        queryP[1].push(quantile(totals, 0.95));
        embedP.push(median(latency.map(([embed]) => embed)));
        if (args.baseline) {
          await call('open', args.baseline);
          const base = await call('search', queryVectors.length, K);
          if (r === 0) baseRecall = recallAtK(base.compressedIds, truth.get(n)!);
          [median(base.compressedMs), quantile(base.compressedMs, 0.95), median(base.roundTripMs), quantile(base.roundTripMs, 0.95)].forEach((x, i) => baseP[i].push(x));
          log(`  run ${r + 1}: baseline ${args.baseline.candidates}:${args.baseline.firstPass} in worker p50/p95 ${median(base.compressedMs).toFixed(2)}/${quantile(base.compressedMs, 0.95).toFixed(2)} ms, round trip ${median(base.roundTripMs).toFixed(2)}/${quantile(base.roundTripMs, 0.95).toFixed(2)} ms`);
        }
        loads.push(round(loadavg()[0], 2));
        log(`  run ${r + 1}: load codes ${index.loadMs.toFixed(0)} ms; exact p50/p95 ${median(searched.exactMs).toFixed(2)}/${quantile(searched.exactMs, 0.95).toFixed(2)} ms; compressed p50/p95 ${median(searched.compressedMs).toFixed(2)}/${quantile(searched.compressedMs, 0.95).toFixed(2)} ms (round trip p95 ${quantile(searched.roundTripMs, 0.95).toFixed(2)}); query text -> ids p50/p95 ${median(totals).toFixed(1)}/${quantile(totals, 0.95).toFixed(1)} ms (embedding p50 ${median(latency.map(([e]) => e)).toFixed(1)}); load average ${loadavg()[0].toFixed(2)}`);
      }
      await call('release');
      const index = openedIndex as OpenedIndex;
      const result: SizeResult = {
        n,
        exact_mb: round(built.exactBytes / 1e6, 2),
        compressed_mb: round(index.heldBytes / 1e6, 2),
        code_mb: round(index.codeBytes / 1e6, 2),
        exact_p50_ms: round(median(exactP[0]), 2),
        exact_p95_ms: round(median(exactP[1]), 2),
        search_p50_ms: round(median(searchP[0]), 2),
        search_p95_ms: round(median(searchP[1]), 2),
        roundtrip_p50_ms: round(median(roundTrip[0]), 2),
        roundtrip_p95_ms: round(median(roundTrip[1]), 2),
        recall10: round(recall, 4),
        exact_matches_truth: round(agreement, 4),
        load_ms: round(median(codeLoads)),
        save_ms: round(built.saveMs),
        append_ms: round(built.appendMs),
        generate_ms: round(built.generateMs),
        query_p50_ms: round(median(queryP[0])),
        query_p95_ms: round(median(queryP[1])),
        embed_p50_ms: round(median(embedP)),
      };
      if (args.baseline) {
        const [p50, p95, rt50, rt95] = baseP.map((xs) => round(median(xs), 2));
        result.baseline = { candidates: args.baseline.candidates, first_pass: args.baseline.firstPass, search_p50_ms: p50, search_p95_ms: p95, roundtrip_p50_ms: rt50, roundtrip_p95_ms: rt95, recall10: round(baseRecall, 4) };
      }
      log(`N=${n}: ${JSON.stringify(result)}`);
      results.push(result);
    }

    const million = results.find((r) => r.n === 1_000_000);
    const crossover = crossoverOf(results);
    for (const line of sideBySide(results)) log(line);
    log(`crossover: the compressed path is faster than the exact int8 scan (search p50 and p95 from the page) from N = ${crossover.compressed_faster_from ?? 'none of these sizes'}`);
    const summary = {
      machine: { ...machine, load_average_1m_end: round(loadavg()[0], 2), load_average_1m_runs: loads },
      elapsed_s: round((performance.now() - startedAt) / 1000),
      runs: args.runs,
      queries: queryVectors.length,
      latency_queries: texts.length,
      candidates: args.candidates,
      first_pass: args.firstPass,
      crossover,
      synthetic: { ...DEFAULT_SYNTHETIC, sources: sourceCount, nn_real: real.nn, nn_synthetic: synthetic.nn, mean_cos_real: real.meanCosine, mean_cos_synthetic: synthetic.meanCosine, closest_source: nearestSource },
      index_codes_rows: Math.max(...args.sizes),
      index_codes_ms: round(indexCodesMs),
      index_codes_1m_ms: Math.max(...args.sizes) === 1_000_000 ? round(indexCodesMs) : null,
      generate_node_ms: round(generateNodeMs),
      query_p95_ms_1m: million?.query_p95_ms ?? null,
      search_p95_ms_1m: million?.search_p95_ms ?? null,
      recall10_1m: million?.recall10 ?? null,
      vectors_mb_1m: million?.compressed_mb ?? null,
      load_1m_ms: million?.load_ms ?? null,
      sizes: results,
    };
    console.log(args.json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2));
  } finally {
    await opened?.context.close();
    if (opened) rmSync(opened.profile, { recursive: true, force: true });
    server.kill();
  }
}

runTool('bench-million', main);
