/**
 * Speed and scale benchmark (issue 4): native vs in-browser embedding throughput, query latency at 5,183 and
 * 100,000 abstracts, int8 scoring, IndexedDB load, memory, and the app's time to ready.
 *
 *   npm run bench -- [--json] [--runs 3] [--docs 200] [--queries 60] [--threads N] [--no-build] [--no-app] [--no-map] [--no-million] [--only-import] [--only-embedding [--variants a,b] [--no-webgpu]] [--only-webgpu] [--only-query] [--data <beir dir>]
 *
 * Everything runs in this one process, so every ratio compares figures taken under the same load: native
 * (onnxruntime-node through the same Encoder) and browser (headless Chromium, the app's worker) embedding runs
 * alternate. Prints medians and p95s; with --json the last stdout line is one JSON object. Not a test: it
 * asserts nothing about speed. The 100,000 corpus is SciFact's vectors repeated with seeded noise.
 *
 * The import step (tools/bench-import.ts) imports a generated 100,000-record JSON Lines file through the app's
 * import worker and, as the baseline, on the page's thread, recording the longest main-thread task of each;
 * --only-import runs just that step (no embedding), then the whole import in the built app (parse, receive, save,
 * keyword index, open) for a 60 MB CSV, a 20,000-entry BibTeX file and a UTF-16 CSV, with the longest main-thread
 * task of each (tools/bench-import-app.ts).
 *
 * Issue 16: `browser_docs_per_s_by_variant` times WASM embedding per onnxruntime build, thread count and batch
 * settings (EMBED_VARIANTS, runs alternating in one page); `webgpu_docs_per_s` is measured in a browser started
 * with --enable-unsafe-webgpu (null without an adapter); `first_visit_bytes_plain`, `first_answer_ms` and
 * `ready_repeat_plain_ms` come from tools/bench-first-visit.ts on the built site served by a static server that
 * compresses nothing and sends no COOP/COEP headers. --only-embedding runs just these. The library map's keys (projection time, pan frames at
 * 100,000 points) come from tools/bench-map.ts, run last; --no-map skips it. The million-abstract keys (issue 10:
 * `*_1m` from tools/bench-million.ts at 5,000 / 100,000 / 1,000,000, and `keyword_p95_ms_1m` from
 * tools/bench-keyword.ts) come from those tools run as child processes after everything else (~20 min more);
 * --no-million skips them.
 *
 * Issue 16.6: the model's query form (ModelSpec.ranking.queryViews: the query embedded with and without the
 * instruction, one batch of 2) is timed beside the instructed view alone, query by query in alternating order in
 * the same page and, for the embedding alone, in Node (`query_p95_ms_100k` vs `query_p95_ms_100k_single_view`,
 * `*_query_embed_p50_ms_*`); --only-query runs just that.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Query } from '../src/corpus/beir.ts';
import { documentText } from '../src/base/paper-id.ts';
import type { BenchApi, ImportFigures } from '../src/bench/bench-api.ts';
import { IMPORT_COUNT, importBenchData, measureImports } from './bench-import.ts';
import { appImportFigures } from './bench-import-app.ts';
import { mapBenchmark } from './bench-map.ts';
import { measureFirstVisit, timeReloads } from './bench-first-visit.ts';
import { DEFAULT_BATCH_SETTINGS } from '../src/embedding/encoder.ts';
import type { EmbedVariant } from '../src/bench/bench-api.ts';
import type { Encoder } from '../src/embedding/encoder.ts';
import { DEFAULT_MODEL_ID, getModelSpec, type QueryViews } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { loadBeirDataset, type BeirDataset } from '../src/eval/dataset.ts';
import { judgedQueries, rankQueries, scoreRankings } from '../src/eval/evaluate.ts';
import { embedPapersCached, embedQueriesCached } from '../src/eval/disk-vector-cache.ts';
import { QuantizedMatrix } from '../src/index/quantized-matrix.ts';
import { topK } from '../src/index/top-k.ts';
import { encodeVectorFile } from '../src/index/vector-file.ts';
import { VectorMatrix } from '../src/index/vector-matrix.ts';
import { contentHash } from '../src/base/paper-id.ts';
import { SearchIndex, type SearchMode } from '../src/search/search.ts';
import { CHROMIUM, CHROMIUM_ARGS, pageCaller, type PageCall } from './bench-browser.ts';
import { parseOptions, runTool } from './cli.ts';
import { run, startPreview } from './preview.ts';
import { median, quantile, round } from './stats.ts';

interface Args {
  json: boolean;
  runs: number;
  docs: number;
  queries: number;
  build: boolean;
  app: boolean;
  /** Only the import step. */
  onlyImport: boolean;
  /** Run the library map benchmark (tools/bench-map.ts) too. */
  map: boolean;
  /** Run the million-abstract benchmarks (tools/bench-million.ts, tools/bench-keyword.ts) too. */
  million: boolean;
  data: string;
  /** onnxruntime threads in the browser worker; undefined = the app's default. */
  threads?: number;
  /** Only the issue 16 figures: embedding variants, WebGPU, first visit. */
  onlyEmbedding: boolean;
  /** Only these embedding variants (names as in embedVariants), to keep a run short. */
  variants?: string[];
  /** Skip the WebGPU comparison (SwiftShader takes minutes per batch on this machine). */
  webgpu: boolean;
  /** Only the query forms (issue 16.6): query p95 at 100,000 with the model's query form beside one view, Node too. */
  onlyQuery: boolean;
  /** --only-webgpu: of the embedding figures, only the canary comparison (WebGPU vs WASM on 32 abstracts). */
  onlyWebgpu: boolean;
}

const SYNTHETIC_COUNT = 100_000;
/** Per-dimension noise added to repeated SciFact vectors (unit length, 384 dims): cosine to the original ~0.98. */
const SYNTHETIC_NOISE = 0.01;
const K = 10;

function parseArgs(argv: readonly string[]): Args {
  const o = parseOptions(argv, {
    json: 'boolean', runs: 'count', docs: 'count', queries: 'count', 'no-build': 'boolean', 'no-app': 'boolean',
    'no-map': 'boolean', 'no-million': 'boolean', 'only-import': 'boolean', 'only-embedding': 'boolean', 'only-webgpu': 'boolean', 'only-query': 'boolean', data: 'string', threads: 'count', variants: 'string', 'no-webgpu': 'boolean',
  });
  return {
    json: o.json,
    runs: o.runs ?? 3,
    docs: o.docs ?? 200,
    queries: o.queries ?? 60,
    build: !o['no-build'],
    app: !o['no-app'],
    onlyImport: o['only-import'],
    map: !o['no-map'],
    million: !o['no-million'],
    data: o.data ?? resolve('..', 'shared', 'bench', 'scifact'),
    threads: o.threads,
    onlyEmbedding: o['only-embedding'] || o['only-webgpu'],
    onlyWebgpu: o['only-webgpu'],
    variants: o.variants?.split(',').map((name) => name.trim()),
    webgpu: !o['no-webgpu'],
    onlyQuery: o['only-query'],
  };
}

const log = (line: string) => process.stderr.write(line + '\n');


function machineInfo(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gb: round(totalmem() / 2 ** 30),
    node: process.version,
    load_average_1m: round(loadavg()[0], 2),
  };
}

// ---------- Node side ----------

/** int8 vs float32 ranking on SciFact through the eval pipeline (same SearchIndex, same queries). */
function quantizationQuality(dataset: BeirDataset, vectors: Float32Array, dims: number, queries: Query[], queryVectors: Float32Array[]) {
  const exact = new SearchIndex(dataset.papers, new VectorMatrix(dims, dataset.papers.length, vectors));
  const int8 = new SearchIndex(dataset.papers, QuantizedMatrix.fromFloat32(dims, vectors));
  const result: Record<string, number> = {};
  for (const mode of ['semantic', 'hybrid'] as SearchMode[]) {
    const a = rankQueries(exact, mode, queries, queryVectors);
    const b = rankQueries(int8, mode, queries, queryVectors);
    result[`ndcg10_fp32_${mode}`] = round(100 * scoreRankings(queries, a, dataset.qrels)['ndcg@10'], 2);
    result[`ndcg10_int8_${mode}`] = round(100 * scoreRankings(queries, b, dataset.qrels)['ndcg@10'], 2);
    const overlap = a.reduce((n, ranking, i) => n + ranking.slice(0, K).filter((id) => b[i].slice(0, K).includes(id)).length, 0);
    result[`top10_overlap_${mode}`] = round(overlap / (a.length * K), 4);
  }
  return result;
}

/** Scoring in Node's V8 for reference (the browser figure is the one the issue sets a target for). */
function nodeScoring(vectors: Float32Array, dims: number, queryVectors: Float32Array[]): { p50: number; p95: number } {
  const matrix = new QuantizedMatrix(dims, SYNTHETIC_COUNT);
  const source = vectors.length / dims;
  for (let start = 0; start < SYNTHETIC_COUNT; start += source) {
    matrix.appendFloat32(vectors.subarray(0, Math.min(source, SYNTHETIC_COUNT - start) * dims));
  }
  const times = queryVectors.map((q) => {
    const started = performance.now();
    topK(matrix.scores(q), K);
    return performance.now() - started;
  });
  return { p50: median(times), p95: quantile(times, 0.95) };
}

async function nativeRun(encoder: Encoder, texts: string[]): Promise<number> {
  const started = performance.now();
  await encoder.embedDocuments(texts);
  return texts.length / ((performance.now() - started) / 1000);
}

// ---------- browser side ----------

/** The bench page (served with COOP/COEP, PAPER_SEARCH_PREVIEW_ISOLATED, so onnxruntime may use threads), /bench-data/* from memory. */
async function openBenchPage(browser: Browser, origin: string, data: Record<string, Buffer>): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  await context.route('**/*', async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path.startsWith('/bench-data/')) {
      const body = data[path.slice('/bench-data/'.length)];
      return route.fulfill(body ? { body, contentType: 'application/octet-stream' } : { status: 404 });
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => log(`  [page error] ${error.message}`));
  await page.goto(`${origin}/bench.html`);
  await page.waitForFunction(() => window.paperSearchBench !== undefined);
  return { context, page };
}

const benchCaller = (page: Page) => pageCaller<BenchApi>(page, 'paperSearchBench');

interface AppFigures {
  firstVisitMs: number;
  firstVisitBytes: number;
  /** Reloads: navigation to the page's own app:ready mark. */
  repeatMs: number[];
  /** The same reloads on the driver's clock, polled (the figure before the mark existed). */
  repeatPolledMs: number[];
  threads: string;
}

/** The built app: a first visit in a fresh profile (bytes over the network, time to ready), then reloads. */
async function measureApp(origin: string, runs: number): Promise<AppFigures> {
  const profile = mkdtempSync(join(tmpdir(), 'bench-app-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    let bytes = 0;
    const count = async (request: import('playwright-core').Request) => {
      const response = await request.response();
      if (!response || response.fromServiceWorker()) return;
      const sizes = await request.sizes().catch(() => null);
      if (sizes) bytes += sizes.responseBodySize + sizes.responseHeadersSize;
    };
    context.on('requestfinished', (request) => void count(request));
    const page = context.pages()[0] ?? (await context.newPage());
    const started = performance.now();
    await page.goto(`${origin}/`);
    await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: 600_000 });
    const firstVisitMs = performance.now() - started;
    await page.waitForTimeout(2000); // let the service worker finish precaching; those bytes belong to the first visit
    const firstVisitBytes = bytes;
    const { markMs: repeatMs, polledMs: repeatPolledMs } = await timeReloads(page, runs);
    const threads = await page.evaluate(() => `crossOriginIsolated=${String(self.crossOriginIsolated)}`);
    return { firstVisitMs, firstVisitBytes, repeatMs, repeatPolledMs, threads };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * WASM embedding variants (issue 16.2), measured side by side. "asyncify" is the build the app shipped before
 * issue 16 (with today's batching), the baseline every other variant is compared with.
 */
function embedVariants(cores: number): EmbedVariant[] {
  const threads = Math.min(cores, 4);
  const base = DEFAULT_BATCH_SETTINGS;
  const plain = (name: string, settings: Partial<EmbedVariant['settings']>, t = threads): EmbedVariant => ({ name, build: 'plain', threads: t, settings: { ...base, ...settings } });
  return [
    { name: 'asyncify', build: 'asyncify', threads, settings: base },
    plain('plain', {}),
    plain('plain_1_thread', {}, 1),
    plain('plain_512_tokens', { maxBatchTokens: 512 }),
    plain('plain_2048_tokens', { maxBatchTokens: 2048 }),
    plain('plain_8_texts', { maxBatchSize: 8 }),
    plain('plain_unsorted', { sortByLength: false }),
    plain('plain_window_384', { maxTokens: 384 }),
    plain('plain_window_256', { maxTokens: 256 }),
    plain('plain_2048_tokens_window_384', { maxBatchTokens: 2048, maxTokens: 384 }),
  ];
}

async function embeddingVariantFigures(call: PageCall<BenchApi>, texts: string[], runs: number, cores: number, only?: readonly string[]): Promise<Record<string, unknown>> {
  const variants = embedVariants(cores).filter((variant) => !only || only.includes(variant.name));
  const times = await call('embedVariants', texts, variants, runs);
  const rates = Object.fromEntries(Object.entries(times).map(([name, ms]) => [name, round(median(ms.map((t) => texts.length / (t / 1000))), 2)]));
  log(`WASM embedding variants (${texts.length} abstracts, median of ${runs}): ${JSON.stringify(rates)}`);
  // Each variant against the build and settings shipped before issue 16 (target: 1.3x), from the same run.
  const toAsyncify = rates.asyncify ? Object.fromEntries(Object.entries(rates).map(([name, rate]) => [name, round(rate / rates.asyncify, 3)])) : {};
  return { browser_docs_per_s_by_variant: rates, browser_variant_docs: texts.length, plain_to_asyncify: toAsyncify.plain ?? null, variant_to_asyncify: toAsyncify };
}

/** Embedding on WebGPU where headless Chromium has an adapter (--enable-unsafe-webgpu: SwiftShader on a CPU). */
async function webgpuFigures(origin: string, texts: string[], runs: number): Promise<Record<string, number | null>> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), '--enable-unsafe-webgpu'] });
  try {
    const { page } = await openBenchPage(browser, origin, {});
    const rates = await benchCaller(page)('webgpuRate', texts, runs);
    // Three significant digits: SwiftShader's rate is far under 0.1 docs/s, which one decimal shows as 0.
    const show = (values: number[]) => values.map((r) => r.toPrecision(3)).join(', ');
    log(rates ? `canary (${texts.length} abstracts): WebGPU ${show(rates.webgpu)} vs WASM ${show(rates.wasm)} docs/s` : 'WebGPU: no adapter');
    // The WASM rate beside it, same texts, same browser, alternating: the canary's comparison (issue 16.3).
    const precise = (values: number[]) => Number(median(values).toPrecision(3));
    return { webgpu_docs_per_s: rates ? precise(rates.webgpu) : null, webgpu_canary_wasm_docs_per_s: rates ? precise(rates.wasm) : null, webgpu_docs: texts.length };
  } finally {
    await browser.close();
  }
}

/** The built site (dist/, base "/") on a static host that compresses nothing: bytes and time to the first answer. */
async function firstVisitFigures(runs: number): Promise<Record<string, number>> {
  const visits = [];
  for (let run = 0; run < runs; run++) visits.push(await measureFirstVisit(resolve('dist'), '/', 3));
  const figures = {
    first_visit_bytes_plain: median(visits.map((v) => v.bytes)),
    first_answer_ms: round(median(visits.map((v) => v.firstAnswerMs))),
    ready_repeat_plain_ms: round(median(visits.flatMap((v) => v.repeatMs))),
    ready_repeat_plain_polled_ms: round(median(visits.flatMap((v) => v.repeatPolledMs))),
    repeat_visit_bytes_plain: median(visits.map((v) => v.repeatBytes)),
  };
  log(`first visit (static host, no compression): ${JSON.stringify(figures)}`);
  return figures;
}

/** --only-embedding: the issue 16 figures without the rest of the benchmark. */
async function embeddingOnly(args: Args, machine: Record<string, string | number>): Promise<void> {
  const dataset = loadBeirDataset(args.data);
  const texts = dataset.papers.slice(0, args.docs).map(documentText);
  await onBenchSite(args, machine, async (browser, origin) => {
    const { page } = await openBenchPage(browser, origin, {});
    const variants = args.onlyWebgpu ? {} : await embeddingVariantFigures(benchCaller(page), texts, args.runs, cpus().length, args.variants);
    await browser.close(); // before the WebGPU browser starts: one model in memory at a time
    const webgpu = !args.webgpu ? {} : await webgpuFigures(origin, texts.slice(0, 32), Math.min(args.runs, 2));
    const firstVisit = args.app && !args.onlyWebgpu ? await firstVisitFigures(args.runs) : {};
    const result = { machine: { ...machine, load_average_1m_end: round(loadavg()[0], 2) }, runs: args.runs, ...variants, ...webgpu, ...firstVisit };
    console.log(args.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  });
}

/**
 * The bench pages (built by `npm run build:bench` unless --no-build) served by `vite preview`, cross-origin
 * isolated, and a browser on them for `work`; both are closed after it, whatever happens.
 */
async function onBenchSite<T>(args: Args, machine: Record<string, string | number>, work: (browser: Browser, origin: string) => Promise<T>): Promise<T> {
  if (args.build) {
    log('building the site (npm run build:bench)…');
    await run('npm', ['run', '--silent', 'build:bench']);
  }
  const port = 4600 + Math.floor(Math.random() * 300);
  const server = await startPreview({ port, env: { PAPER_SEARCH_PREVIEW_ISOLATED: '1' } });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    machine.chromium = browser.version();
    return await work(browser, `http://localhost:${port}`);
  } finally {
    await browser?.close();
    server.kill();
  }
}

/** The two-view form docs/quality.md measured (query + 2 x plain), timed whether or not the model ships it. */
const TWO_VIEWS: QueryViews = { plainWeight: 2 };

/** The query forms timed (issue 16.6), keyed as the figures name them: the model's (else the two views), and one view. */
function queryForms(): Array<[string, QueryViews | null]> {
  return [['', getModelSpec(DEFAULT_MODEL_ID).ranking.queryViews ?? TWO_VIEWS], ['_single_view', null]];
}

/**
 * Query text → top-k over the 100,000 synthetic rows in the browser worker, in the model's query form and in the
 * instructed view alone, query by query in alternating order (so both see the same load), `runs` times; and the
 * query embedding alone in Node, alternating the same way. p95s are per run, then the median over runs.
 */
async function queryFormFigures(call: PageCall<BenchApi>, encoder: Encoder, texts: string[], runs: number): Promise<Record<string, number>> {
  const forms = queryForms();
  for (const [, views] of forms) await call('syntheticLatency', texts.slice(0, 5), K, views); // warm-up
  const perRun = new Map<string, number[]>();
  const add = (key: string, value: number) => perRun.set(key, [...(perRun.get(key) ?? []), value]);
  for (let run = 0; run < runs; run++) {
    const split = new Map<string, [number, number][]>(forms.map(([suffix]) => [suffix, []]));
    const node = new Map<string, number[]>(forms.map(([suffix]) => [suffix, []]));
    for (let q = 0; q < texts.length; q++) {
      const order = (q + run) % 2 === 0 ? forms : [...forms].reverse();
      for (const [suffix, views] of order) split.get(suffix)!.push(...(await call('syntheticLatency', [texts[q]], K, views)));
      for (const [suffix, views] of order) {
        const started = performance.now();
        await encoder.embedQuery(texts[q], views);
        node.get(suffix)!.push(performance.now() - started);
      }
    }
    for (const [suffix] of forms) {
      const times = split.get(suffix)!;
      add(`query_p95_ms_100k${suffix}`, quantile(times.map(([e, s]) => e + s), 0.95));
      add(`query_p50_ms_100k${suffix}`, median(times.map(([e, s]) => e + s)));
      add(`browser_query_embed_p50_ms${suffix}`, median(times.map(([e]) => e)));
      add(`score_p95_ms_100k${suffix}`, quantile(times.map(([, s]) => s), 0.95));
      add(`node_query_embed_p50_ms${suffix}`, median(node.get(suffix)!));
    }
    log(`  query forms, run ${run + 1} (${texts.length} queries, load ${round(loadavg()[0], 2)}): ${forms.map(([suffix]) => `${suffix || 'model form'}: p95 ${round(perRun.get(`query_p95_ms_100k${suffix}`)![run], 1)} ms, browser embed p50 ${round(perRun.get(`browser_query_embed_p50_ms${suffix}`)![run], 1)} ms, node embed p50 ${round(perRun.get(`node_query_embed_p50_ms${suffix}`)![run], 1)} ms`).join('; ')}`);
  }
  const out: Record<string, number> = {};
  for (const [key, values] of perRun) out[key] = round(median(values), 2);
  out.browser_query_embed_added_ms = round(out.browser_query_embed_p50_ms - out.browser_query_embed_p50_ms_single_view, 2);
  out.node_query_embed_added_ms = round(out.node_query_embed_p50_ms - out.node_query_embed_p50_ms_single_view, 2);
  return out;
}

/** --only-query: the query forms at 100,000 abstracts, `runs` runs of `queries` SciFact claims. */
async function queryFormsOnly(args: Args, machine: Record<string, string | number>): Promise<void> {
  const dataset = loadBeirDataset(args.data);
  const queries = judgedQueries(dataset.queries, dataset.qrels);
  const encoder = await loadNodeEncoder(DEFAULT_MODEL_ID);
  const corpus = await embedPapersCached(encoder, dataset.papers, resolve('.cache', 'vectors'));
  try {
    await onBenchSite(args, machine, async (browser, origin) => {
      const benchData = {
        'corpus.json': Buffer.from(JSON.stringify({ papers: dataset.papers })),
        'vectors.bin': Buffer.from(encodeVectorFile({ modelKey: encoder.key, dims: encoder.dims, ids: dataset.papers.map((p) => p.id), hashes: dataset.papers.map(contentHash), vectors: corpus.vectors })),
      };
      const { page } = await openBenchPage(browser, origin, benchData);
      const call = benchCaller(page);
      const model = await call('init', args.threads);
      log(`browser worker: ${JSON.stringify(model.backend)}`);
      await call('loadCorpus');
      await call('buildSynthetic', SYNTHETIC_COUNT, SYNTHETIC_NOISE);
      const forms = await queryFormFigures(call, encoder, queries.slice(0, args.queries).map((q) => q.text), args.runs);
      const result = { machine: { ...machine, load_average_1m_end: round(loadavg()[0], 2) }, runs: args.runs, queries: args.queries, query_views: queryForms()[0][1], browser_backend: model.backend, ...forms };
      console.log(args.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
    });
  } finally {
    await encoder.dispose();
  }
}

/** The import step on a page of its own: medians over `runs` of the worker path, the old path and index output. */
async function importStep(browser: Browser, origin: string, args: Args): Promise<Record<string, number>> {
  log(`import: generating ${IMPORT_COUNT} records from ${args.data}…`);
  const data = importBenchData(args.data);
  log(`import: ${(data['import-100k.jsonl'].length / 1e6).toFixed(1)} MB JSON Lines; as index output ${(data['import-100k-corpus.json'].length / 1e6).toFixed(1)} MB corpus.json + ${(data['import-100k-vectors.bin'].length / 1e6).toFixed(1)} MB vectors.bin`);
  const { context, page } = await openBenchPage(browser, origin, data);
  try {
    const runs = await measureImports(benchCaller(page), args.runs, log);
    const ms = (figures: ImportFigures[]) => round(median(figures.map((f) => f.ms)));
    const longest = (figures: ImportFigures[]) => round(median(figures.map((f) => f.longestTaskMs)));
    return {
      import_parse_100k_ms: ms(runs.worker),
      import_longest_task_ms: longest(runs.worker),
      import_parse_100k_main_ms: ms(runs.main),
      import_longest_task_main_ms: longest(runs.main),
      import_index_output_100k_ms: ms(runs.indexOutput),
      import_index_output_longest_task_ms: longest(runs.indexOutput),
      import_longest_task_max_ms: round(Math.max(...runs.worker.map((f) => f.longestTaskMs))),
      import_max_gap_ms: round(median(runs.worker.map((f) => f.maxGapMs))),
      import_max_gap_main_ms: round(median(runs.main.map((f) => f.maxGapMs))),
      import_index_output_max_gap_ms: round(median(runs.indexOutput.map((f) => f.maxGapMs))),
      import_mb: round(data['import-100k.jsonl'].length / 1e6),
    };
  } finally {
    await context.close();
  }
}

/** The library map's keys, from tools/bench-map.ts (its own page and browser). */
async function mapFigures(args: Args): Promise<Record<string, unknown>> {
  const figures = await mapBenchmark({ runs: args.runs, projectionRuns: 1, build: args.build, data: args.data });
  return Object.fromEntries(Object.entries(figures).filter(([key]) => key.startsWith('map_')));
}

/** Runs `npx tsx <tool> --json ...` and returns the JSON object its last stdout line holds. */
function toolJson(tool: string, args: readonly string[]): Promise<Record<string, unknown>> {
  return new Promise((resolveJson, reject) => {
    const child = spawn('npx', ['tsx', tool, '--json', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`${tool} exited with ${code}`));
      else {
        try {
          resolveJson(JSON.parse(last) as Record<string, unknown>);
        } catch {
          reject(new Error(`${tool}: the last line is not JSON: ${last.slice(0, 200)}`));
        }
      }
    });
  });
}

/**
 * The million-abstract keys (issue 10), each tool in its own process and browser, one after the other: the
 * compressed path vs the exact scan at 5k / 100k / 1M (and the crossover), then the static keyword index at 1M.
 */
async function millionFigures(args: Args): Promise<Record<string, unknown>> {
  const runs = ['--runs', String(args.runs), '--data', args.data];
  const million = await toolJson('tools/bench-million.ts', [...runs, '--sizes', '5000,100000,1000000', ...(args.build ? [] : ['--no-build'])]);
  const keyword = await toolJson('tools/bench-keyword.ts', runs);
  const wanted = (key: string) => key.endsWith('_1m') || key.includes('_1m_') || key === 'crossover' || key === 'sizes' || key.startsWith('keyword_');
  return Object.fromEntries([...Object.entries(million), ...Object.entries(keyword)].filter(([key]) => wanted(key)));
}

/** --only-import: the site, a browser and the import step; no model. */
async function importOnly(args: Args, machine: Record<string, string | number>): Promise<void> {
  await onBenchSite(args, machine, async (browser, origin) => {
    const figures = await importStep(browser, origin, args);
    // The whole import in the app (parse, receive, save, keyword index, open), each file in a fresh profile.
    const appFigures = await appImportFigures(null, log, {}, args.data);
    const result = { machine: { ...machine, load_average_1m_end: round(loadavg()[0], 2) }, runs: args.runs, ...figures, ...appFigures };
    console.log(args.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  });
}

// ---------- main ----------

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';
  const machine = machineInfo();
  log(`machine: ${JSON.stringify(machine)}`);
  if (args.onlyImport) return importOnly(args, machine);
  if (args.onlyEmbedding) return embeddingOnly(args, machine);
  if (args.onlyQuery) return queryFormsOnly(args, machine);

  const dataset = loadBeirDataset(args.data);
  const queries = judgedQueries(dataset.queries, dataset.qrels);
  const encoder = await loadNodeEncoder(DEFAULT_MODEL_ID);
  log(`model ${encoder.key}; corpus ${dataset.papers.length} documents from ${args.data}`);
  const corpus = await embedPapersCached(encoder, dataset.papers, resolve('.cache', 'vectors'), (done, total) => {
    if (done % 512 < 32) log(`  embedding SciFact for the cache: ${done}/${total}`);
  });
  const queryVectors = await embedQueriesCached(encoder, queries.map((q) => q.text), resolve('.cache', 'vectors'));
  const quality = quantizationQuality(dataset, corpus.vectors, encoder.dims, queries, queryVectors);
  log(`quantization on ${args.data} (${queries.length} judged queries): ${JSON.stringify(quality)}`);
  const nodeScore = nodeScoring(corpus.vectors, encoder.dims, queryVectors.slice(0, 100));
  log(`node: score + top-${K} over ${SYNTHETIC_COUNT} int8 vectors p50 ${nodeScore.p50.toFixed(2)} ms, p95 ${nodeScore.p95.toFixed(2)} ms`);

  if (args.build) {
    log('building the site (npm run build:bench)…');
    await run('npm', ['run', '--silent', 'build:bench']);
  }
  const port = 4600 + Math.floor(Math.random() * 300);
  const origin = `http://localhost:${port}`;
  const server = await startPreview({ port, env: { PAPER_SEARCH_PREVIEW_ISOLATED: '1' } });
  const appOrigin = `http://localhost:${port + 1}`;
  const appServer = await startPreview({ port: port + 1, env: { PAPER_SEARCH_PREVIEW_ISOLATED: '0' } });
  let browser: Browser | null = null;
  try {
    // Playwright gives launch() a fresh temporary profile of its own (it refuses an explicit --user-data-dir).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    machine.chromium = browser.version();
    const texts = dataset.papers.slice(0, args.docs).map(documentText);
    const benchData = {
      'corpus.json': Buffer.from(JSON.stringify({ papers: dataset.papers })),
      'vectors.bin': Buffer.from(encodeVectorFile({ modelKey: encoder.key, dims: encoder.dims, ids: dataset.papers.map((p) => p.id), hashes: dataset.papers.map(contentHash), vectors: corpus.vectors })),
    };
    const { context, page } = await openBenchPage(browser, origin, benchData);
    const call = benchCaller(page);
    const initStarted = performance.now();
    const model = await call('init', args.threads);
    const workerInitMs = performance.now() - initStarted;
    log(`browser worker: ${JSON.stringify(model.backend)}; model load + warm-up query ${workerInitMs.toFixed(0)} ms`);

    // Alternate native and browser runs so both see the same background load.
    const native: number[] = [];
    const browserRates: number[] = [];
    await nativeRun(encoder, texts.slice(0, 16)); // warm-up
    for (let r = 0; r < args.runs; r++) {
      native.push(await nativeRun(encoder, texts));
      browserRates.push(texts.length / ((await call('embedDocuments', texts)) / 1000));
      log(`  run ${r + 1}: native ${native[r].toFixed(1)} docs/s, browser ${browserRates[r].toFixed(1)} docs/s (${texts.length} SciFact abstracts)`);
    }

    const variantFigures = await embeddingVariantFigures(call, texts.slice(0, Math.min(texts.length, 96)), args.runs, cpus().length);

    const loaded = await call('loadCorpus');
    const queryTexts = queries.slice(0, args.queries).map((q) => q.text);
    await call('queryLatency', queryTexts.slice(0, 5), 'semantic', K); // warm-up
    const semantic5k = await call('queryLatency', queryTexts, 'semantic', K);
    const hybrid5k = await call('queryLatency', queryTexts, 'hybrid', K);
    log(`5k (${loaded.papers} papers, int8 index ${(loaded.vectorBytes / 1e6).toFixed(1)} MB): semantic p50 ${median(semantic5k).toFixed(1)} / p95 ${quantile(semantic5k, 0.95).toFixed(1)} ms; hybrid p50 ${median(hybrid5k).toFixed(1)} / p95 ${quantile(hybrid5k, 0.95).toFixed(1)} ms`);

    const synthetic = await call('buildSynthetic', SYNTHETIC_COUNT, SYNTHETIC_NOISE);
    log(`100k: ${(synthetic.bytes / 1e6).toFixed(1)} MB of int8 vectors`);
    const forms = await queryFormFigures(call, encoder, queryTexts, 1);

    const storage = await call('storageRoundTrip', Math.max(3, args.runs));
    log(`IndexedDB: wrote 100k vectors in ${storage.writeMs.toFixed(0)} ms (${storage.shards} shards); load + matrix ${storage.loadMs.map((x) => x.toFixed(0)).join(', ')} ms${storage.problems.length ? `; problems: ${storage.problems.join('; ')}` : ''}`);
    await context.close();

    const imports = await importStep(browser, origin, args);

    let app: AppFigures | null = null;
    if (args.app) {
      try {
        app = await measureApp(appOrigin, Math.max(3, args.runs));
        log(`app: first visit ${(app.firstVisitMs / 1000).toFixed(2)} s, ${(app.firstVisitBytes / 1e6).toFixed(1)} MB over the network; repeat visit to ready ${app.repeatMs.map((x) => x.toFixed(0)).join(', ')} ms (polled ${app.repeatPolledMs.map((x) => x.toFixed(0)).join(', ')}) (${app.threads})`);
      } catch (error) {
        log(`app not measured: ${(error as Error).message}`);
      }
    }

    const result = {
      machine: { ...machine, load_average_1m_end: round(loadavg()[0], 2) },
      docs: texts.length,
      runs: args.runs,
      browser_docs_per_s: round(median(browserRates)),
      native_docs_per_s: round(median(native)),
      browser_to_native: round(median(browserRates) / median(native), 3),
      browser_backend: model.backend,
      query_p50_ms_5k: round(median(semantic5k)),
      query_p95_ms_5k: round(quantile(semantic5k, 0.95)),
      hybrid_p95_ms_5k: round(quantile(hybrid5k, 0.95)),
      ...forms,
      node_score_p95_ms_100k: round(nodeScore.p95, 2),
      load_100k_ms: round(median(storage.loadMs)),
      worker_init_ms: round(workerInitMs),
      ready_repeat_ms: app ? round(median(app.repeatMs)) : null,
      ready_repeat_polled_ms: app ? round(median(app.repeatPolledMs)) : null,
      first_visit_ms: app ? round(app.firstVisitMs) : null,
      first_visit_bytes: app ? app.firstVisitBytes : null,
      vectors_mb_100k: round(synthetic.bytes / 1e6, 2),
      ...variantFigures,
      ...(await webgpuFigures(origin, texts.slice(0, 32), Math.min(args.runs, 2))),
      ...(args.app ? await firstVisitFigures(Math.max(1, Math.min(args.runs, 3))) : {}),
      ...imports,
      ...quality,
      ...(args.map ? await mapFigures(args) : {}),
      ...(args.million ? await millionFigures(args) : {}),
    };
    console.log(args.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  } finally {
    await browser?.close();
    server.kill();
    appServer.kill();
    await encoder.dispose();
  }
}

runTool('bench', main);
