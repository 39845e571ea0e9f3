/**
 * Text shards at scale (issue 10, part 3): how big a million abstracts are as gzip shards, how long Node takes to
 * write them, and how long the page takes to show the text of a first page of 10 results.
 *
 *   npx tsx tools/bench-text.ts [--json] [--runs 3] [--size 1000000] [--queries 40] [--sweep 16,32,64,128,256,512]
 *                               [--offline-files 1000] [--reuse]
 *
 * Papers: tools/synthetic-text.ts (2–4 real SciFact documents mixed per paper; read by path, never copied).
 * Node: a sweep of papers-per-shard on the first 20,000 papers (compressed bytes per paper, files at --size,
 * expected bytes of a first page of 10 random rows), then the --size library at the default shard size written to
 * .cache/bench-text/site (build ms, total bytes, files, largest file).
 * Headless Chromium (the site served like GitHub Pages by tests/e2e/static-server.ts, an on-disk profile, no
 * service worker): per query, 10 random rows (no shard shared between queries of a run), timed from the request
 * to decoded papers, in four ways interleaved:
 *   raw      baseline: fetch + DecompressionStream + JSON.parse, inline, nothing verified or stored;
 *   nostore  the app's path (publishedFileSource + TextShardReader), verified, not stored;
 *   cold     the app's path, verified and stored in Cache Storage (the first time a result is shown);
 *   warm     the same rows again with a fresh reader: served from Cache Storage (verified again).
 * p50/p95 per run, and the median over runs of each; for cold, also the time until its files are stored.
 * Then "make available offline" (downloadForOffline) for the first --offline-files shards: MB/s and files/s.
 * --reuse skips the Node build when .cache/bench-text holds a library of the same size and shard size.
 * Not a test: it asserts nothing about speed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { build as viteBuild } from 'vite';
import { buildTextShards } from '../src/published/text-shards/build.ts';
import { DEFAULT_PAPERS_PER_SHARD, shardCount, type TextShardManifest } from '../src/published/text-shards/format.ts';
import type { FileSink } from '../src/base/files.ts';
import { startStaticServer } from '../tests/e2e/static-server.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './bench-browser.ts';
import { nodeFileSink } from './publish-files.ts';
import { loadScifactPapers, syntheticPaperSource } from './synthetic-text.ts';
import { median, quantile, round } from './stats.ts';
import { seededRandom } from '../src/base/random.ts';
import { countList, parseOptions, runTool, UsageError } from './cli.ts';

interface Args {
  json: boolean;
  runs: number;
  size: number;
  queries: number;
  sweep: number[];
  /** Reuse the library an earlier run wrote (same size, same shard size) instead of building it again. */
  reuse: boolean;
  offlineFiles: number;
}

const PAGE = 10;
const SWEEP_SAMPLE = 20_000;
const SEED = 7;
const WORK_DIR = resolve('.cache', 'bench-text');
const SITE_DIR = join(WORK_DIR, 'site');
const BASE_PATH = '/bench-text/';

function parseArgs(argv: readonly string[]): Args {
  const o = parseOptions(argv, { json: 'boolean', runs: 'count', size: 'count', queries: 'count', sweep: 'string', reuse: 'boolean', 'offline-files': 'count' });
  const sweep = countList('sweep', o.sweep ?? '16,32,64,128,256,512');
  const size = o.size ?? 1_000_000;
  const queries = o.queries ?? 40;
  // Every query row comes from a shard of its own (runRows), so fewer shards could never fill the pages.
  const needed = 3 * queries * PAGE;
  const shards = shardCount(size, DEFAULT_PAPERS_PER_SHARD);
  if (shards < needed) throw new UsageError(`--queries ${queries} needs ${needed} text shards (3 ways x ${queries} queries x ${PAGE} rows), but --size ${size} makes ${shards}: raise --size or lower --queries`);
  return {
    json: o.json,
    runs: o.runs ?? 3,
    size,
    queries,
    sweep,
    reuse: o.reuse,
    offlineFiles: o['offline-files'] ?? 1000,
  };
}

const log = (line: string) => process.stderr.write(line + '\n');



/** A sink that only counts: the sweep needs sizes, not files. */
function countingSink(): { sink: FileSink; sizes: number[] } {
  const sizes: number[] = [];
  return { sizes, sink: (path, data) => (sizes.push(data.byteLength), { path, bytes: data.byteLength, sha256: '' }) };
}

interface SweepRow {
  papers_per_shard: number;
  bytes_per_paper: number;
  files_at_size: number;
  mean_shard_kb: number;
  first_page_kb: number;
}

/** Expected distinct shards among PAGE random rows of `shards` equal shards: S(1 − (1 − 1/S)^PAGE). */
const expectedShards = (shards: number) => shards * (1 - Math.pow(1 - 1 / shards, PAGE));

async function sweep(papers: ArrayLike<{ id: string; title: string; abstract: string }>, args: Args): Promise<SweepRow[]> {
  const sample = Array.from({ length: Math.min(SWEEP_SAMPLE, args.size) }, (_, i) => papers[i]);
  const rows: SweepRow[] = [];
  for (const perShard of args.sweep) {
    const { sink, sizes } = countingSink();
    const manifest = await buildTextShards(sample, sink, { papersPerShard: perShard });
    const bytesPerPaper = manifest.totalBytes / manifest.count;
    const files = Math.ceil(args.size / perShard);
    const shardBytes = bytesPerPaper * perShard;
    rows.push({
      papers_per_shard: perShard,
      bytes_per_paper: round(bytesPerPaper),
      files_at_size: files,
      mean_shard_kb: round(shardBytes / 1024),
      first_page_kb: round((expectedShards(files) * shardBytes) / 1024),
    });
    log(`  sweep ${perShard}/shard: ${round(bytesPerPaper)} B/paper (${sizes.length} shards of the sample), ${files} files at ${args.size}, first page ≈ ${rows.at(-1)!.first_page_kb} KB`);
  }
  return rows;
}

/** The page's code: the app's modules, bundled by Vite, plus an inline baseline. */
const ENTRY = (src: string) => `
import { publishedFileSource } from ${JSON.stringify(join(src, 'published/fetch-file.ts'))};
import { TextShardReader } from ${JSON.stringify(join(src, 'corpus/text-shards/reader.ts'))};
import { downloadForOffline, offlineStatus, planOfflineDownload } from ${JSON.stringify(join(src, 'published/offline-download.ts'))};

let manifest;
const base = new URL('./lib/', location.href).href;

async function raw(rows) {
  const per = manifest.papersPerShard;
  const shards = [...new Set(rows.map((row) => Math.floor(row / per)))];
  const decoded = new Map(await Promise.all(shards.map(async (shard) => {
    const response = await fetch(base + manifest.files[shard].path);
    const text = await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).text();
    return [shard, JSON.parse(text).papers];
  })));
  return rows.map((row) => decoded.get(Math.floor(row / per))[row % per]);
}

window.benchText = {
  setManifest(m) { manifest = m; },
  async time(kind, rows, cacheName) {
    const started = performance.now();
    const source = publishedFileSource(base, { cacheName, keep: () => kind !== 'nostore' });
    const papers = kind === 'raw' ? await raw(rows) : await new TextShardReader(manifest, source).papers(rows);
    const ms = performance.now() - started;
    // Reads store in the background; wait (untimed) so the next query does not compete with these writes.
    await source.idle();
    const storedMs = performance.now() - started;
    if (papers.length !== rows.length || papers.some((p) => typeof p.abstract !== 'string')) throw new Error('bad papers');
    return { ms, storedMs };
  },
  /** "Make available offline" for the first count shards: wall time, stored files and bytes. */
  async offline(count, cacheName) {
    const files = manifest.files.slice(0, count);
    const source = publishedFileSource(base, { cacheName });
    const started = performance.now();
    const plan = await planOfflineDownload(files, source);
    const planMs = performance.now() - started;
    const outcome = await downloadForOffline(plan, source);
    const ms = performance.now() - started;
    const statusStarted = performance.now();
    const status = await offlineStatus(manifest.files, source);
    return { planMs, ms, status: outcome.status, bytes: plan.missingBytes, files: plan.missing.length, statusMs: performance.now() - statusStarted, stored: status.storedFiles };
  },
  async clearCaches() { for (const name of await caches.keys()) await caches.delete(name); },
};
`;

async function buildPage(): Promise<void> {
  const entry = join(WORK_DIR, 'entry.js');
  writeFileSync(entry, ENTRY(resolve('src')));
  await viteBuild({
    configFile: false,
    root: WORK_DIR,
    logLevel: 'warn',
    build: { outDir: SITE_DIR, emptyOutDir: false, minify: false, target: 'es2022', lib: { entry, formats: ['es'], fileName: () => 'bench-text.js' } },
  });
  writeFileSync(join(SITE_DIR, 'index.html'), '<!doctype html><meta charset="utf-8"><title>bench-text</title><script type="module" src="./bench-text.js"></script>\n');
}

type Kind = 'raw' | 'nostore' | 'cold' | 'warm';
const KINDS: Kind[] = ['raw', 'nostore', 'cold', 'warm'];
/** `stored`: from the cold request until its files are in Cache Storage (reads store in the background). */
type Series = Kind | 'stored';
const SERIES: Series[] = [...KINDS, 'stored'];

/** Query rows for one run: PAGE rows per query and per kind, no shard used twice in the run. */
function runRows(manifest: TextShardManifest, queries: number, seed: number): Record<Exclude<Kind, 'warm'>, number[][]> {
  const next = seededRandom(seed);
  const used = new Set<number>();
  const pick = () => {
    const rows: number[] = [];
    while (rows.length < PAGE) {
      const row = Math.floor(next() * manifest.count);
      const shard = Math.floor(row / manifest.papersPerShard);
      if (used.has(shard)) continue;
      used.add(shard);
      rows.push(row);
    }
    return rows;
  };
  const make = () => Array.from({ length: queries }, pick);
  return { raw: make(), nostore: make(), cold: make() };
}

const pageBytes = (manifest: TextShardManifest, rows: readonly number[]) =>
  [...new Set(rows.map((row) => Math.floor(row / manifest.papersPerShard)))].reduce((sum, shard) => sum + manifest.files[shard].bytes, 0);

async function browserRuns(manifest: TextShardManifest, args: Args) {
  await buildPage();
  const server = await startStaticServer(SITE_DIR, BASE_PATH);
  const profile = mkdtempSync(join(tmpdir(), 'bench-text-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, serviceWorkers: 'block' });
  const perRun: Record<Series, { p50: number; p95: number }>[] = [];
  const firstPageBytes: number[] = [];
  let offline: Record<string, number | string> = {};
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => log(`  [page error] ${error.message}`));
    await page.goto(server.baseUrl);
    await page.waitForFunction(() => (window as unknown as { benchText?: unknown }).benchText !== undefined);
    await page.evaluate((m) => (window as unknown as { benchText: { setManifest(m: unknown): void } }).benchText.setManifest(m), manifest as unknown as Record<string, unknown>);
    const time = (kind: Kind, rows: number[], cacheName: string) =>
      page.evaluate(([k, r, c]) => (window as unknown as { benchText: { time(k: string, r: number[], c: string): Promise<{ ms: number; storedMs: number }> } }).benchText.time(k, r, c), [kind, rows, cacheName] as const);
    for (let run = 0; run < args.runs; run++) {
      await page.evaluate(() => (window as unknown as { benchText: { clearCaches(): Promise<void> } }).benchText.clearCaches());
      const rows = runRows(manifest, args.queries, SEED * 1000 + run);
      // One throw-away query per kind: the first fetches pay for connection set-up and code warm-up.
      for (const kind of KINDS) await time(kind, rows.raw[0], `warmup-${run}`);
      const ms: Record<Kind | 'stored', number[]> = { raw: [], nostore: [], cold: [], warm: [], stored: [] };
      const cacheName = `bench-run-${run}`;
      for (let q = 1; q < args.queries; q++) {
        ms.raw.push((await time('raw', rows.raw[q], cacheName)).ms);
        ms.nostore.push((await time('nostore', rows.nostore[q], cacheName)).ms);
        const cold = await time('cold', rows.cold[q], cacheName);
        ms.cold.push(cold.ms);
        ms.stored.push(cold.storedMs);
        ms.warm.push((await time('warm', rows.cold[q], cacheName)).ms);
        firstPageBytes.push(pageBytes(manifest, rows.cold[q]));
      }
      const summary = Object.fromEntries(SERIES.map((kind) => [kind, { p50: quantile(ms[kind], 0.5), p95: quantile(ms[kind], 0.95) }])) as Record<Series, { p50: number; p95: number }>;
      perRun.push(summary);
      log(`  run ${run + 1}/${args.runs} (load ${round(loadavg()[0], 2)}): ` + SERIES.map((kind) => `${kind} p50/p95 ${round(summary[kind].p50)}/${round(summary[kind].p95)} ms`).join(', '));
    }
    await page.evaluate(() => (window as unknown as { benchText: { clearCaches(): Promise<void> } }).benchText.clearCaches());
    const offlineRun = await page.evaluate(
      ([count]) => (window as unknown as { benchText: { offline(c: number, n: string): Promise<Record<string, number | string>> } }).benchText.offline(count, 'bench-offline'),
      [Math.min(args.offlineFiles, manifest.files.length)] as const,
    );
    const seconds = (offlineRun.ms as number) / 1000;
    offline = {
      files: offlineRun.files as number,
      mb: round((offlineRun.bytes as number) / 1e6, 2),
      plan_ms: round(offlineRun.planMs as number),
      seconds: round(seconds, 2),
      mb_per_s: round((offlineRun.bytes as number) / 1e6 / seconds, 2),
      files_per_s: round((offlineRun.files as number) / seconds),
      status_all_files_ms: round(offlineRun.statusMs as number),
      status: offlineRun.status as string,
    };
    log(`  offline download of ${offline.files} shards (${offline.mb} MB): ${offline.seconds} s, ${offline.files_per_s} files/s, ${offline.mb_per_s} MB/s (load ${round(loadavg()[0], 2)})`);
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  const result = Object.fromEntries(
    SERIES.flatMap((kind) => [
      [`${kind}_p50_ms`, round(median(perRun.map((r) => r[kind].p50)))],
      [`${kind}_p95_ms`, round(median(perRun.map((r) => r[kind].p95)))],
      [`${kind}_p95_runs_ms`, perRun.map((r) => round(r[kind].p95))],
    ]),
  );
  return { ...result, first_page_kb_mean: round(firstPageBytes.reduce((a, b) => a + b, 0) / firstPageBytes.length / 1024), offline };
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, load_average_1m_start: round(loadavg()[0], 2) };
  log(`machine: ${JSON.stringify(machine)}`);
  const papers = syntheticPaperSource(args.size, SEED, loadScifactPapers());

  log(`sweep of papers per shard on the first ${Math.min(SWEEP_SAMPLE, args.size)} papers:`);
  const sweepRows = await sweep(papers, args);

  // Making the synthetic papers is not part of building shards: timed alone, then subtracted.
  let started = performance.now();
  let chars = 0;
  for (let i = 0; i < args.size; i++) chars += papers[i].abstract.length;
  const generateMs = performance.now() - started;
  log(`node: made ${args.size} synthetic papers (${round(chars / 1e6)} M abstract characters) in ${round(generateMs / 1000, 2)} s`);

  const saved = join(WORK_DIR, 'text-manifest.json');
  const previous = args.reuse && existsSync(saved) ? (JSON.parse(readFileSync(saved, 'utf8')) as { manifest: TextShardManifest; node: Record<string, number> }) : null;
  let manifest: TextShardManifest;
  let node: Record<string, number | boolean>;
  if (previous && previous.manifest.count === args.size && previous.manifest.papersPerShard === DEFAULT_PAPERS_PER_SHARD) {
    ({ manifest } = previous);
    node = { ...previous.node, reused: true };
  } else {
    rmSync(SITE_DIR, { recursive: true, force: true });
    mkdirSync(SITE_DIR, { recursive: true });
    const { sink, tally } = nodeFileSink(join(SITE_DIR, 'lib'));
    started = performance.now();
    manifest = await buildTextShards(papers, sink);
    const buildMs = performance.now() - started;
    node = {
      size: args.size,
      papers_per_shard: manifest.papersPerShard,
      build_ms: Math.round(buildMs),
      build_minus_generate_ms: Math.round(buildMs - generateMs),
      load_average_1m_after_build: round(loadavg()[0], 2),
      files: manifest.files.length,
      total_mb: round(manifest.totalBytes / 1e6, 2),
      uncompressed_mb: round(manifest.uncompressedBytes / 1e6, 2),
      largest_kb: round((tally.largest?.bytes ?? 0) / 1024),
      bytes_per_paper: round(manifest.totalBytes / manifest.count),
      manifest_text_section_kb: round(JSON.stringify(manifest).length / 1024),
    };
    writeFileSync(saved, JSON.stringify({ manifest, node }));
  }
  log(`node: ${JSON.stringify(node)}`);

  const browser = await browserRuns(manifest, args);
  const result = { machine: { ...machine, load_average_1m_end: round(loadavg()[0], 2) }, default_papers_per_shard: DEFAULT_PAPERS_PER_SHARD, sweep: sweepRows, node, browser };
  if (args.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    console.log(`text shards at ${args.size} papers: ${node.files} files, ${node.total_mb} MB (${node.uncompressed_mb} MB JSON), largest ${node.largest_kb} KB, built in ${round(Number(node.build_ms) / 1000, 1)} s`);
    for (const kind of SERIES) console.log(`  ${kind.padEnd(8)} first page of ${PAGE}: p50 ${(browser as Record<string, number>)[`${kind}_p50_ms`]} ms, p95 ${(browser as Record<string, number>)[`${kind}_p95_ms`]} ms`);
  }
}

runTool('bench-text', main);
