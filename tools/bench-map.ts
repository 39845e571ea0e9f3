/**
 * Library map benchmark (issue 9): projection time in the map worker at 96 / 5,183 / 100,000 papers, and frame
 * times while panning the map of 100,000 points in headless Chromium, beside two baselines measured in the same
 * run: the same component at 10,000 points, and a naive Canvas2D painter (one path per point) at 100,000.
 *
 *   npx tsx tools/bench-map.ts [--json] [--runs 5] [--projection-runs 3] [--no-build] [--data <beir dir>]
 *
 * Frame times are requestAnimationFrame intervals during a ~2 s drag by Playwright's mouse (the pointer events
 * the app gets), plus long tasks from a PerformanceObserver. Per run: p50, p95 and max interval; printed as
 * medians over runs, with the worst run's max beside them. The 100,000 corpus is SciFact's vectors repeated with
 * seeded noise (as tools/bench.ts), texts cycled. With --json the last stdout line is one JSON object. Not a
 * test: it asserts nothing about speed.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { chromium, type Page } from 'playwright-core';
import { build, preview, type InlineConfig, type PreviewServer } from 'vite';
import { contentHash } from '../src/base/paper-id.ts';
import { DEFAULT_MODEL_ID } from '../src/embedding/models.ts';
import { loadNodeEncoder } from '../src/embedding/node-encoder.ts';
import { loadBeirDataset } from '../src/eval/dataset.ts';
import { embedPapersCached } from '../src/eval/disk-vector-cache.ts';
import { encodeVectorFile } from '../src/index/vector-file.ts';
import type { MapBenchApi, MapBenchProjection } from '../src/bench/map/bench-map-api.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './bench-browser.ts';
import { parseOptions, runTool } from './cli.ts';
import { median, quantile, round } from './stats.ts';

interface Args {
  json: boolean;
  runs: number;
  projectionRuns: number;
  build: boolean;
  data: string;
}

const OUT_DIR = resolve('.cache', 'bench-map-site');
const LARGE = 100_000;
const MEDIUM = 10_000;
/** Pointer moves in one drag, one per ~16 ms: about 2 s of panning. */
const DRAG_STEPS = 120;
const DRAG_STEP_MS = 16;

function parseArgs(argv: readonly string[]): Args {
  const o = parseOptions(argv, { json: 'boolean', runs: 'count', 'projection-runs': 'count', 'no-build': 'boolean', data: 'string' });
  return {
    json: o.json,
    runs: o.runs ?? 5,
    projectionRuns: o['projection-runs'] ?? 3,
    build: !o['no-build'],
    data: o.data ?? resolve('..', 'shared', 'bench', 'scifact'),
  };
}

const log = (line: string) => process.stderr.write(line + '\n');


/**
 * Only the benchmark page and what it imports, with the app's Svelte plugin and worker format but none of the
 * app's other entries or its service worker: the measurement does not depend on the rest of the app building.
 * (The same page is also an input of vite.bench.config.ts, so `npm run build:bench` builds it beside bench.html.)
 */
const SITE: InlineConfig = {
  configFile: false,
  logLevel: 'warn',
  base: '/',
  plugins: [svelte()],
  worker: { format: 'es' },
  build: { outDir: OUT_DIR, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096, rolldownOptions: { input: { 'bench-map': resolve('bench-map.html') } } },
  preview: { port: 0, headers: {} },
};

type BenchCall = <K extends keyof MapBenchApi>(name: K, ...args: Parameters<MapBenchApi[K]>) => Promise<Awaited<ReturnType<MapBenchApi[K]>>>;

function benchCaller(page: Page): BenchCall {
  return (name, ...args) =>
    page.evaluate(
      ([fn, fnArgs]) => (window.paperSearchMapBench as unknown as Record<string, (...a: unknown[]) => unknown>)[fn](...fnArgs),
      [name, args] as [string, unknown[]],
    ) as never;
}

interface PanRun {
  p50: number;
  p95: number;
  max: number;
  frames: number;
  longTaskMax: number;
}

/** One ~2 s drag across the map while frames are recorded. */
async function pan(page: Page, call: BenchCall, count: number, painter: 'component' | 'naive'): Promise<PanRun> {
  const box = await call('show', count, painter);
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await call('startFrames');
  await page.mouse.down();
  for (let step = 1; step <= DRAG_STEPS; step++) {
    const t = (2 * Math.PI * step) / DRAG_STEPS;
    await page.mouse.move(cx + 0.3 * box.width * Math.sin(t), cy + 0.3 * box.height * Math.sin(2 * t));
    await page.waitForTimeout(DRAG_STEP_MS);
  }
  await page.mouse.up();
  await page.waitForTimeout(100);
  const { frames, longTasks } = await call('stopFrames');
  return { p50: median(frames), p95: quantile(frames, 0.95), max: Math.max(...frames), frames: frames.length, longTaskMax: Math.max(0, ...longTasks) };
}

/**
 * The whole measurement, for this CLI and for tools/bench.ts to fold in: builds the page (unless args.build is
 * false), embeds SciFact into the disk cache if needed, and returns the figures (keys as printed).
 */
export async function mapBenchmark(args: Omit<Args, 'json'>): Promise<Record<string, unknown>> {
  const machine: Record<string, string | number> = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gb: round(totalmem() / 2 ** 30), node: process.version, load_average_1m: round(loadavg()[0], 2) };
  log(`machine: ${JSON.stringify(machine)}`);

  const dataset = loadBeirDataset(args.data);
  const encoder = await loadNodeEncoder(DEFAULT_MODEL_ID);
  const corpus = await embedPapersCached(encoder, dataset.papers, resolve('.cache', 'vectors'), (done, total) => {
    if (done % 512 < 32) log(`  embedding SciFact for the cache: ${done}/${total}`);
  });
  await encoder.dispose();
  const benchData: Record<string, Buffer> = {
    'corpus.json': Buffer.from(JSON.stringify({ papers: dataset.papers })),
    'vectors.bin': Buffer.from(encodeVectorFile({ modelKey: encoder.key, dims: encoder.dims, ids: dataset.papers.map((p) => p.id), hashes: dataset.papers.map(contentHash), vectors: corpus.vectors })),
  };

  if (args.build) {
    log(`building the benchmark page into ${OUT_DIR}…`);
    await build(SITE);
  }
  const port = 4900 + Math.floor(Math.random() * 300);
  const server: PreviewServer = await preview({ ...SITE, preview: { ...SITE.preview, port, strictPort: true } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    machine.chromium = browser.version();
    const context = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 1280, height: 900 } });
    await context.route('**/bench-data/*', (route) => {
      const body = benchData[new URL(route.request().url()).pathname.slice('/bench-data/'.length)];
      return route.fulfill(body ? { body, contentType: 'application/octet-stream' } : { status: 404 });
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => log(`  [page error] ${error.message}`));
    await page.goto(`http://localhost:${port}/bench-map.html`);
    await page.waitForFunction(() => window.paperSearchMapBench !== undefined);
    const call = benchCaller(page);

    const projections: Record<string, MapBenchProjection[]> = { '96': [], '5k': [], '100k': [] };
    for (let r = 0; r < args.projectionRuns; r++) {
      projections['96'].push(await call('project', 'bundled', 96));
      projections['5k'].push(await call('project', 'scifact', dataset.papers.length));
      projections['100k'].push(await call('project', 'synthetic', LARGE));
      for (const [size, list] of Object.entries(projections)) {
        const p = list[r];
        log(`  projection ${size} (${p.count}) run ${r + 1}: worker ${p.workerMs.toFixed(0)} ms (${Object.entries(p.steps).map(([k, v]) => `${k.replace('Ms', '')} ${v.toFixed(0)}`).join(', ')}), wall ${p.wallMs.toFixed(0)} ms`);
      }
    }
    log(`  clusters at 5k: ${projections['5k'][0].clusters.join(' | ')}`);
    await call('project', 'synthetic', MEDIUM);

    const pans: Record<'fast100k' | 'naive100k' | 'fast10k', PanRun[]> = { fast100k: [], naive100k: [], fast10k: [] };
    for (let r = 0; r < args.runs; r++) {
      pans.fast100k.push(await pan(page, call, LARGE, 'component'));
      pans.naive100k.push(await pan(page, call, LARGE, 'naive'));
      pans.fast10k.push(await pan(page, call, MEDIUM, 'component'));
      for (const [name, list] of Object.entries(pans)) {
        const p = list[r];
        log(`  pan ${name} run ${r + 1}: ${p.frames} frames, p50 ${p.p50.toFixed(1)} / p95 ${p.p95.toFixed(1)} / max ${p.max.toFixed(1)} ms; longest task ${p.longTaskMax.toFixed(0)} ms`);
      }
    }
    await context.close();

    const projectionMs = (size: string) => round(median(projections[size].map((p) => p.workerMs)));
    const stat = (list: PanRun[], key: keyof PanRun) => round(median(list.map((p) => p[key])));
    const result = {
      machine: { ...machine, load_average_1m_end: round(loadavg()[0], 2) },
      runs: args.runs,
      projection_runs: args.projectionRuns,
      map_projection_ms_96: projectionMs('96'),
      map_projection_ms_5k: projectionMs('5k'),
      map_projection_ms_100k: projectionMs('100k'),
      map_projection_wall_ms_100k: round(median(projections['100k'].map((p) => p.wallMs))),
      map_pan_frame_p50_ms_100k: stat(pans.fast100k, 'p50'),
      map_pan_frame_p95_ms_100k: stat(pans.fast100k, 'p95'),
      map_pan_frame_max_ms_100k: stat(pans.fast100k, 'max'),
      map_pan_frame_worst_ms_100k: round(Math.max(...pans.fast100k.map((p) => p.max))),
      map_pan_longtask_max_ms_100k: stat(pans.fast100k, 'longTaskMax'),
      map_pan_frame_p95_ms_10k: stat(pans.fast10k, 'p95'),
      map_pan_frame_max_ms_10k: stat(pans.fast10k, 'max'),
      map_pan_frame_p95_ms_100k_naive: stat(pans.naive100k, 'p95'),
      map_pan_frame_max_ms_100k_naive: stat(pans.naive100k, 'max'),
    };
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const result = await mapBenchmark(args);
  console.log(args.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}

// Run only as a script, so tools/bench.ts can import mapBenchmark.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runTool('bench-map', main);
}
