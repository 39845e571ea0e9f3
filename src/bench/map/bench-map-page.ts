import { mount, unmount } from 'svelte';
import LibraryMap from '../../map/ui/LibraryMap.svelte';
import { contentHash, documentText } from '../../base/paper-id.ts';
import type { Paper } from '../../base/paper.ts';
import { quantizeInto, type Int8Rows } from '../../index/quantized-matrix.ts';
import { decodeVectorFile } from '../../index/vector-file.ts';
import { loadLibraryMap } from '../../map/map-client.ts';
import { gaussian, seededRandom } from '../../base/random.ts';
import { MapRenderer, type PointFrame } from '../../map/renderer.ts';
import type { MapLayout } from '../../map/types.ts';
import type { MapBenchApi, MapBenchSource } from './bench-map-api.ts';

/** The map benchmark page: the app's map modules, timed. See bench-map-api.ts for the contract. */

/** Per-dimension noise on repeated SciFact vectors (as tools/bench.ts's 100k corpus): cosine to the original ~0.98. */
const SYNTHETIC_NOISE = 0.01;
const HIGHLIGHTED = 10;

interface Library {
  papers: { id: string; title: string }[];
  texts: string[];
  /** Float vectors, row-major, row i = papers[i]. */
  vectors: Float32Array;
  dims: number;
}

const libraries = new Map<MapBenchSource, Library>();
const layouts = new Map<number, { layout: MapLayout; papers: { id: string; title: string }[] }>();
let shown: { destroy(): void } | null = null;
let recording: { frames: number[]; longTasks: number[]; last: number; running: boolean; observer: PerformanceObserver | null } | null = null;

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`bench-map: HTTP ${response.status} for ${url}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Papers + their vectors, matched by content hash, as the app does. */
async function loadLibrary(source: 'bundled' | 'scifact'): Promise<Library> {
  const known = libraries.get(source);
  if (known) return known;
  const base = source === 'bundled' ? `${import.meta.env.BASE_URL}corpus/` : '/bench-data/';
  const papers = (JSON.parse(new TextDecoder().decode(await fetchBytes(`${base}corpus.json`))) as { papers: Paper[] }).papers;
  const file = decodeVectorFile(await fetchBytes(`${base}vectors.bin`), `${source} vectors`);
  const row = new Map(file.hashes.map((hash, i) => [hash, i]));
  const vectors = new Float32Array(papers.length * file.dims);
  papers.forEach((paper, i) => {
    const r = row.get(contentHash(paper));
    if (r === undefined) throw new Error(`bench-map: no vector for paper ${paper.id}`);
    vectors.set(file.vectors.subarray(r * file.dims, (r + 1) * file.dims), i * file.dims);
  });
  const library = { papers: papers.map(({ id, title }) => ({ id, title })), texts: papers.map(documentText), vectors, dims: file.dims };
  libraries.set(source, library);
  return library;
}

/** `count` int8 rows: the library's vectors, cycled, with seeded noise and renormalised beyond the first copy. */
function rowsOf(library: Library, count: number): Int8Rows {
  const { dims, vectors } = library;
  const source = vectors.length / dims;
  const random = seededRandom(42);
  const data = new Int8Array(count * dims);
  const scales = new Float32Array(count);
  const row = new Float32Array(dims);
  for (let i = 0; i < count; i++) {
    const from = (i % source) * dims;
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      row[d] = vectors[from + d] + (i < source ? 0 : SYNTHETIC_NOISE * gaussian(random));
      norm += row[d] * row[d];
    }
    for (let d = 0; d < dims; d++) row[d] /= Math.sqrt(norm);
    scales[i] = quantizeInto(row, data, i * dims, dims);
  }
  return { dims, data, scales };
}

/** The baseline painter: one Canvas2D path per point, filled per cluster colour. */
function naivePainter(frame: PointFrame): void {
  const { ctx, points, clusterOf, cssColors, view, size } = frame;
  for (let i = 0; i < points.length / 2; i++) {
    ctx.fillStyle = cssColors[clusterOf[i] % cssColors.length];
    ctx.beginPath();
    ctx.arc(points[i * 2] * view.scale + view.offsetX, points[i * 2 + 1] * view.scale + view.offsetY, size / 2, 0, Math.PI * 2);
    ctx.fill();
  }
}

const api: MapBenchApi = {
  async project(source, count) {
    const library = await loadLibrary(source === 'bundled' ? 'bundled' : 'scifact');
    const papers = Array.from({ length: count }, (_, i) =>
      i < library.papers.length ? library.papers[i] : { id: `synthetic-${i}`, title: library.papers[i % library.papers.length].title },
    );
    const texts = Array.from({ length: count }, (_, i) => library.texts[i % library.texts.length]);
    const rows = rowsOf(library, count);
    const started = performance.now();
    const { layout } = await loadLibraryMap(
      { modelKey: 'bench', hashes: papers.map((p) => p.id), rows, texts },
      { cache: null },
    );
    const wallMs = performance.now() - started;
    layouts.set(count, { layout, papers });
    const { reduceMs, umapMs, placeMs, clusterMs, keywordMs, totalMs } = layout.stats;
    return {
      count,
      wallMs,
      workerMs: totalMs,
      steps: { reduceMs, umapMs, placeMs, clusterMs, keywordMs },
      clusters: layout.clusters.slice(0, 6).map((c) => `${c.size}: ${c.keywords.join(', ')}`),
    };
  },

  async show(count, painter) {
    const entry = layouts.get(count);
    if (!entry) throw new Error(`bench-map: project ${count} points first`);
    shown?.destroy();
    const stage = document.getElementById('stage')!;
    stage.replaceChildren();
    const random = seededRandom(7);
    const highlighted = Array.from({ length: HIGHLIGHTED }, () => entry.papers[Math.floor(random() * entry.papers.length)].id);
    if (painter === 'component') {
      // What the app would do with a click or a selection, recorded where a Playwright script can read it.
      const onOpen = (id: string) => (document.body.dataset.opened = id);
      const onSelectRegion = (ids: string[] | null) => (document.body.dataset.selected = ids ? String(ids.length) : 'none');
      const component = mount(LibraryMap, { target: stage, props: { layout: entry.layout, papers: entry.papers, highlighted, onOpen, onSelectRegion } });
      shown = { destroy: () => void unmount(component) };
    } else {
      const canvas = document.createElement('canvas');
      canvas.className = 'naive';
      stage.append(canvas);
      const renderer = new MapRenderer(canvas, { painter: naivePainter });
      renderer.setTheme({ palette: ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#8c8c8c'], accent: '#1f5fa8', text: '#161b22', background: '#ffffff', selection: '#161b22' });
      renderer.resize();
      renderer.setLayout(entry.layout);
      renderer.setHighlights(highlighted.map((id) => entry.papers.findIndex((p) => p.id === id)));
      shown = { destroy: () => renderer.destroy() };
    }
    // Two frames: the first draw has happened before the measurement starts.
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const box = stage.querySelector('canvas')!.getBoundingClientRect();
    return { x: box.x, y: box.y, width: box.width, height: box.height };
  },

  startFrames() {
    const state = { frames: [] as number[], longTasks: [] as number[], last: performance.now(), running: true, observer: null as PerformanceObserver | null };
    const tick = (now: number) => {
      if (!state.running) return;
      state.frames.push(now - state.last);
      state.last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame((now) => {
      state.last = now;
      requestAnimationFrame(tick);
    });
    if (PerformanceObserver.supportedEntryTypes.includes('longtask')) {
      state.observer = new PerformanceObserver((list) => list.getEntries().forEach((entry) => state.longTasks.push(entry.duration)));
      state.observer.observe({ type: 'longtask' });
    }
    recording = state;
  },

  stopFrames() {
    if (!recording) throw new Error('bench-map: startFrames first');
    recording.running = false;
    recording.observer?.disconnect();
    const { frames, longTasks } = recording;
    recording = null;
    return { frames, longTasks };
  },
};

window.paperSearchMapBench = api;
document.body.dataset.ready = 'true';
