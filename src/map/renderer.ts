import { packColor, paintPoints, type PixelTarget, type View } from './raster.ts';
import { SpatialGrid } from './spatial-grid.ts';
import type { MapLayout } from './types.ts';
import { pointBounds } from './bounds.ts';

/**
 * Draws a library map on a canvas and turns pointer, wheel and key input into pan, zoom, hover, click and
 * brush selection. Points go through a pixel buffer (raster.ts); the few things drawn on top (search results,
 * cluster labels, the hovered point, the selected region) use Canvas2D paths. A frame is drawn only when
 * something changed, at most once per animation frame.
 */

export interface MapTheme {
  /** One colour per cluster, cycled (CSS colour strings). */
  palette: string[];
  /** Search results. */
  accent: string;
  /** Labels and the hover ring. */
  text: string;
  /** Halo behind labels and the background points fade toward when results are shown. */
  background: string;
  /** The selected region's outline. */
  selection: string;
}

/** Everything a point painter needs for one frame. */
export interface PointFrame {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
  view: View;
  points: Float32Array;
  clusterOf: Uint16Array;
  /** Packed colour per cluster, already dimmed when results are highlighted. */
  colors: Uint32Array;
  /** CSS colour per cluster (for painters that draw paths). */
  cssColors: string[];
  size: number;
}

/** Paints all points of a frame. The default fills a pixel buffer; the benchmark passes a naive path painter. */
export type PointPainter = (frame: PointFrame) => void;

export interface MapRendererOptions {
  /** The point under the pointer (null when none), with the pointer's position relative to the canvas. */
  onHover?: (index: number | null, x: number, y: number) => void;
  onClick?: (index: number) => void;
  /** The points inside a brushed rectangle, or null when the selection was cleared. */
  onBrush?: (indices: number[] | null) => void;
  painter?: PointPainter;
  /** Where arrow/plus/minus keys are listened to (a focusable wrapper); the canvas by default. */
  keyTarget?: HTMLElement;
}

/** How near (CSS px) the pointer must be to a point to hover or click it. */
const HIT_RADIUS = 6;
/** A press that moves less than this (CSS px) is a click, not a drag. */
const CLICK_SLOP = 4;
const MIN_ZOOM = 0.5;
const MAX_ZOOM = 400;
const KEY_PAN = 40;
/** CSS pixels kept free around the map at zoom 1. */
const FIT_MARGIN = 24;
/** Rank numbers are drawn for the first this many results. */
const NUMBERED_RESULTS = 9;

/** CSS pixels kept between a cluster label and the edge of the canvas. */
const LABEL_MARGIN = 2;

export class MapRenderer {
  private layout: MapLayout | null = null;
  private grid: SpatialGrid | null = null;
  private theme: MapTheme | null = null;
  private colors = new Uint32Array(0);
  private dimmedColors = new Uint32Array(0);
  private highlights: number[] = [];
  private region: [number, number, number, number] | null = null;
  private hovered = -1;
  private brushMode = false;
  /** Zoom 1 fits the whole map (its bounding box, `extent`) in the canvas. */
  private zoom = 1;
  private extent = { x: 0, y: 0, width: 2, height: 2 };
  private centerX = 0;
  private centerY = 0;
  private cssWidth = 0;
  private cssHeight = 0;
  private dpr = 1;
  private frame = 0;
  private drag: { id: number; x: number; y: number; moved: boolean; brush: boolean; startX: number; startY: number } | null = null;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly painter: PointPainter;
  private readonly listeners: [EventTarget, string, EventListener, AddEventListenerOptions?][] = [];
  /** Milliseconds the last frame's drawing took (diagnostics and the benchmark). */
  lastDrawMs = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly options: MapRendererOptions = {},
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('MapRenderer: this browser gives no 2-D canvas context');
    this.ctx = ctx;
    this.painter = options.painter ?? rasterPainter;
    this.listen('pointerdown', (e) => this.onPointerDown(e as PointerEvent));
    this.listen('pointermove', (e) => this.onPointerMove(e as PointerEvent));
    this.listen('pointerup', (e) => this.onPointerUp(e as PointerEvent));
    this.listen('pointercancel', () => (this.drag = null));
    this.listen('pointerleave', () => this.setHovered(-1, 0, 0));
    this.listen('wheel', (e) => this.onWheel(e as WheelEvent), { passive: false });
    this.listen('keydown', (e) => this.onKey(e as KeyboardEvent), undefined, options.keyTarget);
  }

  setLayout(layout: MapLayout): void {
    this.layout = layout;
    this.extent = extentOf(layout.points);
    this.grid = SpatialGrid.build(layout.points);
    this.hovered = -1;
    this.highlights = this.highlights.filter((i) => i < layout.count);
    this.region = null;
    this.resetView();
  }

  setTheme(theme: MapTheme): void {
    this.theme = theme;
    const background = parseColor(theme.background, this.ctx);
    const parsed = theme.palette.map((color) => parseColor(color, this.ctx));
    this.colors = Uint32Array.from(parsed, ([r, g, b]) => packColor(r, g, b));
    // Faded toward the background so results stand out; opaque, so the buffer needs no blending.
    this.dimmedColors = Uint32Array.from(parsed, ([r, g, b]) => packColor(mix(r, background[0]), mix(g, background[1]), mix(b, background[2])));
    this.requestDraw();
  }

  /** Papers to mark, best first (row indices). */
  setHighlights(indices: readonly number[]): void {
    this.highlights = indices.filter((i) => this.layout !== null && i >= 0 && i < this.layout.count);
    this.requestDraw();
  }

  /** Outlines a region in map coordinates, or none. Brushing sets it; a cluster button may set its bounds. */
  setRegion(region: [number, number, number, number] | null): void {
    this.region = region;
    this.requestDraw();
  }

  /** When on, dragging selects a rectangle instead of panning (Shift+drag always selects). */
  setBrushMode(on: boolean): void {
    this.brushMode = on;
  }

  /** Matches the drawing buffer to the canvas's CSS size and the device pixel ratio. */
  resize(): void {
    this.cssWidth = this.canvas.clientWidth;
    this.cssHeight = this.canvas.clientHeight;
    this.dpr = globalThis.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(this.cssWidth * this.dpr));
    this.canvas.height = Math.max(1, Math.round(this.cssHeight * this.dpr));
    this.requestDraw();
  }

  resetView(): void {
    this.zoom = 1;
    this.centerX = this.extent.x + this.extent.width / 2;
    this.centerY = this.extent.y + this.extent.height / 2;
    this.requestDraw();
  }

  /** Moves the map by (dx, dy) CSS pixels. */
  panBy(dx: number, dy: number): void {
    const scale = this.cssScale();
    this.centerX -= dx / scale;
    this.centerY -= dy / scale;
    this.requestDraw();
  }

  /** Zooms by `factor` keeping the map point under (x, y) (CSS px from the canvas corner) in place. */
  zoomAt(x: number, y: number, factor: number): void {
    const [mx, my] = this.toMap(x, y);
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
    const scale = this.cssScale();
    this.centerX = mx - (x - this.cssWidth / 2) / scale;
    this.centerY = my - (y - this.cssHeight / 2) / scale;
    this.requestDraw();
  }

  /** The map point under (x, y) CSS pixels. */
  toMap(x: number, y: number): [number, number] {
    const scale = this.cssScale();
    return [this.centerX + (x - this.cssWidth / 2) / scale, this.centerY + (y - this.cssHeight / 2) / scale];
  }

  /** Where map point (mx, my) is drawn, in CSS pixels from the canvas corner. */
  toScreen(mx: number, my: number): [number, number] {
    const scale = this.cssScale();
    return [(mx - this.centerX) * scale + this.cssWidth / 2, (my - this.centerY) * scale + this.cssHeight / 2];
  }

  /** The point within the hit radius of (x, y) CSS pixels, or -1. */
  pointAt(x: number, y: number): number {
    if (!this.grid) return -1;
    const [mx, my] = this.toMap(x, y);
    return this.grid.nearest(mx, my, HIT_RADIUS / this.cssScale());
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    for (const [target, type, listener, options] of this.listeners) target.removeEventListener(type, listener, options);
  }

  requestDraw(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Draws now (a scheduled frame calls this; the benchmark may too). */
  draw(): void {
    this.frame = 0;
    const started = performance.now();
    const { ctx } = this;
    const width = this.canvas.width, height = this.canvas.height;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const layout = this.layout, theme = this.theme;
    if (!layout || !theme || width === 0 || height === 0) return;
    const scale = this.cssScale() * this.dpr;
    const view: View = { scale, offsetX: width / 2 - this.centerX * scale, offsetY: height / 2 - this.centerY * scale };
    const size = Math.max(2, Math.round((layout.count > 20_000 ? 2 : layout.count > 2_000 ? 3 : 5) * this.dpr * Math.min(2, Math.sqrt(this.zoom))));
    this.painter({
      ctx,
      width,
      height,
      view,
      points: layout.points,
      clusterOf: layout.clusterOf,
      colors: this.highlights.length > 0 ? this.dimmedColors : this.colors,
      cssColors: theme.palette,
      size,
    });
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    this.drawLabels(layout, theme);
    this.drawRegion(theme);
    this.drawHighlights(layout, theme);
    if (this.hovered >= 0) {
      const [x, y] = this.toScreen(layout.points[this.hovered * 2], layout.points[this.hovered * 2 + 1]);
      ring(ctx, x, y, 6, theme.text, 2);
    }
    this.lastDrawMs = performance.now() - started;
  }

  private drawLabels(layout: MapLayout, theme: MapTheme): void {
    const { ctx } = this;
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    // Largest clusters first (their order); a label that would overlap one already drawn is left out until
    // zooming in separates them.
    const drawn: [number, number, number, number][] = [];
    const shown: { text: string; box: number[] }[] = [];
    for (const cluster of layout.clusters) {
      if (cluster.keywords.length === 0) continue;
      const [atX, atY] = this.toScreen(cluster.x, cluster.y);
      if (atX < -100 || atY < -20 || atX > this.cssWidth + 100 || atY > this.cssHeight + 20) continue;
      const placed = this.fitLabel(cluster.keywords, atX, atY);
      if (!placed) continue;
      const { text, x, y, half } = placed;
      const box: [number, number, number, number] = [x - half, y - 8, x + half, y + 8];
      if (drawn.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) continue;
      drawn.push(box);
      shown.push({ text, box: box.map((v) => Math.round(v * 10) / 10) });
      ctx.strokeStyle = theme.background;
      ctx.lineWidth = 4;
      ctx.strokeText(text, x, y);
      ctx.fillStyle = theme.text;
      ctx.fillText(text, x, y);
    }
    // The labels are pixels: their boxes (CSS px, canvas-relative) go on the canvas for tests and tools to check
    // that none is clipped (issue 18, 390 px). Written only when they change, not on every frame.
    const labels = JSON.stringify(shown);
    if (this.canvas.dataset.labels !== labels) this.canvas.dataset.labels = labels;
  }

  /**
   * A label that fits the canvas (issue 18: labels were clipped at the edge of a phone-wide map): two keywords,
   * or one when two are wider than the canvas, moved inward from the edges; null when even one does not fit.
   */
  private fitLabel(keywords: readonly string[], atX: number, atY: number): { text: string; x: number; y: number; half: number } | null {
    const room = this.cssWidth / 2 - LABEL_MARGIN;
    for (const text of [keywords.slice(0, 2).join(' · '), keywords[0]]) {
      const half = this.ctx.measureText(text).width / 2 + 2;
      if (half > room) continue;
      const x = Math.min(Math.max(atX, half + LABEL_MARGIN), this.cssWidth - half - LABEL_MARGIN);
      const y = Math.min(Math.max(atY, 8 + LABEL_MARGIN), this.cssHeight - 8 - LABEL_MARGIN);
      return { text, x, y, half };
    }
    return null;
  }

  private drawRegion(theme: MapTheme): void {
    const rect = this.drag?.brush ? this.dragRect() : this.region;
    if (!rect) return;
    const [x0, y0] = this.toScreen(rect[0], rect[1]);
    const [x1, y1] = this.toScreen(rect[2], rect[3]);
    const { ctx } = this;
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = theme.selection;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    ctx.setLineDash([]);
  }

  private drawHighlights(layout: MapLayout, theme: MapTheme): void {
    const { ctx } = this;
    ctx.font = '700 10px system-ui, sans-serif';
    // Worst first, so the best result is drawn on top.
    for (let rank = this.highlights.length - 1; rank >= 0; rank--) {
      const i = this.highlights[rank];
      const [x, y] = this.toScreen(layout.points[i * 2], layout.points[i * 2 + 1]);
      const radius = rank < NUMBERED_RESULTS ? 8 : 4;
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, Math.PI * 2);
      ctx.fillStyle = theme.accent;
      ctx.fill();
      ctx.strokeStyle = theme.background;
      ctx.lineWidth = 1.5;
      ctx.stroke();
      if (rank < NUMBERED_RESULTS) {
        ctx.fillStyle = theme.background;
        ctx.fillText(String(rank + 1), x, y + 0.5);
      }
    }
  }

  /** CSS pixels per map unit: at zoom 1 the bounding box fills the canvas, less a margin for dots and labels. */
  private cssScale(): number {
    const fit = Math.min((this.cssWidth - 2 * FIT_MARGIN) / Math.max(this.extent.width, 1e-6), (this.cssHeight - 2 * FIT_MARGIN) / Math.max(this.extent.height, 1e-6));
    return Math.max(fit, 1e-6) * this.zoom;
  }

  private dragRect(): [number, number, number, number] | null {
    if (!this.drag) return null;
    const [x0, y0] = this.toMap(this.drag.startX, this.drag.startY);
    const [x1, y1] = this.toMap(this.drag.x, this.drag.y);
    return [x0, y0, x1, y1];
  }

  private setHovered(index: number, x: number, y: number): void {
    if (index === this.hovered) return;
    this.hovered = index;
    this.options.onHover?.(index < 0 ? null : index, x, y);
    this.requestDraw();
  }

  private listen(type: string, listener: EventListener, options?: AddEventListenerOptions, target: EventTarget = this.canvas): void {
    target.addEventListener(type, listener, options);
    this.listeners.push([target, type, listener, options]);
  }

  private local(e: MouseEvent): [number, number] {
    const box = this.canvas.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const [x, y] = this.local(e);
    this.drag = { id: e.pointerId, x, y, startX: x, startY: y, moved: false, brush: this.brushMode || e.shiftKey };
    this.canvas.setPointerCapture?.(e.pointerId);
  }

  private onPointerMove(e: PointerEvent): void {
    const [x, y] = this.local(e);
    const drag = this.drag;
    if (!drag || drag.id !== e.pointerId) {
      this.setHovered(this.pointAt(x, y), x, y);
      return;
    }
    if (Math.hypot(x - drag.startX, y - drag.startY) >= CLICK_SLOP) drag.moved = true;
    if (!drag.brush) this.panBy(x - drag.x, y - drag.y);
    else this.requestDraw();
    drag.x = x;
    drag.y = y;
  }

  private onPointerUp(e: PointerEvent): void {
    const drag = this.drag;
    if (!drag || drag.id !== e.pointerId) return;
    const [x, y] = this.local(e);
    drag.x = x;
    drag.y = y;
    const rect = drag.brush && drag.moved ? this.dragRect() : null;
    this.drag = null;
    if (rect && this.grid) {
      const indices = this.grid.within(...rect);
      this.region = indices.length > 0 ? rect : null;
      this.options.onBrush?.(indices.length > 0 ? indices : null);
    } else if (!drag.moved) {
      const index = this.pointAt(x, y);
      if (index >= 0) this.options.onClick?.(index);
    }
    this.requestDraw();
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const [x, y] = this.local(e);
    this.zoomAt(x, y, Math.exp(-e.deltaY * 0.0015));
  }

  private onKey(e: KeyboardEvent): void {
    const actions: Record<string, () => void> = {
      ArrowLeft: () => this.panBy(KEY_PAN, 0),
      ArrowRight: () => this.panBy(-KEY_PAN, 0),
      ArrowUp: () => this.panBy(0, KEY_PAN),
      ArrowDown: () => this.panBy(0, -KEY_PAN),
      '+': () => this.zoomAt(this.cssWidth / 2, this.cssHeight / 2, 1.25),
      '=': () => this.zoomAt(this.cssWidth / 2, this.cssHeight / 2, 1.25),
      '-': () => this.zoomAt(this.cssWidth / 2, this.cssHeight / 2, 0.8),
      '0': () => this.resetView(),
    };
    const action = actions[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  }
}

/** The default painter: every point into one pixel buffer, then one putImageData. */
function rasterPainter(frame: PointFrame): void {
  const image = rasterImage(frame.ctx, frame.width, frame.height);
  const target: PixelTarget = { pixels: new Uint32Array(image.data.buffer), width: frame.width, height: frame.height };
  target.pixels.fill(0);
  paintPoints(target, frame.points, frame.clusterOf, frame.colors, frame.view, frame.size);
  frame.ctx.putImageData(image, 0, 0);
}

const images = new WeakMap<CanvasRenderingContext2D, ImageData>();

/** One ImageData per canvas, reused across frames (allocating 4 MB per frame would feed the GC). */
function rasterImage(ctx: CanvasRenderingContext2D, width: number, height: number): ImageData {
  let image = images.get(ctx);
  if (!image || image.width !== width || image.height !== height) {
    image = ctx.createImageData(width, height);
    images.set(ctx, image);
  }
  return image;
}

function extentOf(points: Float32Array): { x: number; y: number; width: number; height: number } {
  const bounds = pointBounds(points);
  return bounds ? { x: bounds.minX, y: bounds.minY, width: bounds.maxX - bounds.minX, height: bounds.maxY - bounds.minY } : { x: -1, y: -1, width: 2, height: 2 };
}

function ring(ctx: CanvasRenderingContext2D, x: number, y: number, radius: number, color: string, width: number): void {
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, Math.PI * 2);
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.stroke();
}

/** Half way to the background: results stand out, the clusters stay readable. */
const mix = (value: number, toward: number) => Math.round(value * 0.5 + toward * 0.5);

/** Any CSS colour as [r, g, b], by letting the canvas parse it (fillStyle normalises to #rrggbb or rgba()). */
function parseColor(color: string, ctx: CanvasRenderingContext2D): [number, number, number] {
  ctx.fillStyle = '#000';
  ctx.fillStyle = color;
  const normalised = String(ctx.fillStyle);
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normalised);
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
  const rgb = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(normalised);
  return rgb ? [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])] : [128, 128, 128];
}
