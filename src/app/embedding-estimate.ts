/**
 * How long embedding will take, said honestly: a rate meter fed while embedding, the last measured rate of this
 * browser remembered for the next import, the decision to ask before a long job, and the words for the estimate.
 * Pure (clock and storage injected), so it is unit-tested without a browser.
 *
 * Rates are measured in cost units, not papers, because the encoder sorts every embedDocuments call shortest text
 * first (src/embedding/batching.ts): papers per second falls as the job goes on. Measured 2026-11-26 with the app's
 * Encoder in Node (onnxruntime-node, 2 loaded cores) on 320 SciFact abstracts in one embedDocuments call: 4.4
 * papers/s over the first tenth of the batches, 1.4 over the last, while tokens per second stayed between 650 and
 * 865. A rate in papers/s taken early would promise a third of the real time; one in tokens holds.
 */

// ---------------------------------------------------------------------------------------------------------------
// Cost of a text

/** Characters per token of English abstracts with the BERT uncased tokenizer: 4.58 measured on 320 SciFact abstracts. */
const CHARS_PER_TOKEN = 4.58;
/** The models' window (bge-small, MiniLM and e5-small: 512 tokens); longer texts are cut to it before embedding. */
const WINDOW_TOKENS = 512;
/**
 * Per token, a BERT layer costs 24·d² multiply-adds in its projections and feed-forward, and 4·n·d in attention,
 * so a text of n tokens costs n·(1 + n/(6·d)); d = 384 for the small models. With n = 510 that is 22 % more per
 * token than a short text; measured the same way (batches of 2 texts cut to 32…510 tokens, medians of 9
 * interleaved rounds): 1.14–1.54 ms per token for 32–384 tokens, 1.78 at 510.
 */
const ATTENTION_TOKENS = 6 * 384;

/** Relative cost of embedding one text (its estimated tokens, weighted for attention): the unit of `RateMeter`'s work. */
export function embeddingCost(text: string): number {
  const tokens = Math.min(WINDOW_TOKENS, Math.ceil(text.length / CHARS_PER_TOKEN) + 2); // + [CLS] and [SEP]
  return tokens * (1 + tokens / ATTENTION_TOKENS);
}

// ---------------------------------------------------------------------------------------------------------------
// Rate meter

export interface MeasuredRate {
  papersPerSecond: number;
  /** embeddingCost units per second: what estimates for other texts are made from. */
  costPerSecond: number;
}

interface Sample {
  at: number;
  done: number;
  cost: number;
}

export interface RateMeterOptions {
  /** Rates are taken over the last this many milliseconds (at least one interval). Default 30 s. */
  windowMs?: number;
  /** Milliseconds, monotonic. Default performance.now. */
  now?: () => number;
  /** Papers already done when the meter starts (a resumed job); samples at or below it are not progress. */
  startDone?: number;
}

/**
 * Papers per second and seconds left while embedding, over a sliding window (30 s by default): it follows a
 * machine that gets busier or freer, without the jitter of single batches.
 *
 * Feed `record(done, cost)` after every batch, with the totals so far. The first sample that shows progress ends
 * the first batch and only sets the baseline: that batch's time holds one-off costs (the encoder tokenises every
 * text of the call before its first batch, and onnxruntime sets up its kernels on the first run). Measured in the
 * run above: 2285 ms for the first batch of 7 short texts, 947–1112 ms for each of the next four, of 5–6.
 */
export class RateMeter {
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly startDone: number;
  private samples: Sample[] = [];

  constructor(options: RateMeterOptions = {}) {
    this.windowMs = options.windowMs ?? 30_000;
    this.now = options.now ?? (() => performance.now());
    this.startDone = options.startDone ?? 0;
  }

  /** Totals after a batch: papers done and their summed embeddingCost (defaults to `done`, counting papers alike). */
  record(done: number, cost: number = done, at: number = this.now()): void {
    if (done <= this.startDone) return;
    const last = this.samples[this.samples.length - 1];
    if (last && (at < last.at || done < last.done)) return; // out of order: keep what is consistent
    this.samples.push({ at, done, cost });
    // Keep the newest sample at or before the window's start (the anchor) and everything after it.
    const start = at - this.windowMs;
    let anchor = 0;
    for (let i = 0; i < this.samples.length - 1; i++) if (this.samples[i].at <= start) anchor = i;
    if (anchor > 0) this.samples = this.samples.slice(anchor);
  }

  /** The rate over the window, or null before two samples after the first batch. */
  rate(): MeasuredRate | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = (last.at - first.at) / 1000;
    if (seconds <= 0 || last.done === first.done) return null;
    return { papersPerSecond: (last.done - first.done) / seconds, costPerSecond: (last.cost - first.cost) / seconds };
  }

  papersPerSecond(): number | null {
    return this.rate()?.papersPerSecond ?? null;
  }

  /** Seconds to embed what is left, given its summed embeddingCost (or its paper count if `record` was fed counts). */
  secondsLeft(remainingCost: number): number | null {
    const rate = this.rate();
    if (!rate || rate.costPerSecond <= 0) return null;
    return Math.max(0, remainingCost) / rate.costPerSecond;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Remembered rate

export type RateStorage = Pick<Storage, 'getItem' | 'setItem'>;

export interface RememberedRate extends MeasuredRate {
  /** Date.now() when it was measured. */
  measuredAt: number;
}

const STORAGE_PREFIX = 'paper-search:embedding-rate:v1';

/** One remembered rate per model (its fingerprint key) and backend: WebGPU and WASM differ several-fold. */
export function rateStorageKey(modelKey: string, backend: string): string {
  return `${STORAGE_PREFIX}:${backend}:${modelKey}`;
}

/** localStorage when this context has a usable one (not in a worker; it throws in some private modes), else null. */
export function browserStorage(): RateStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

const positive = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** The last rate measured in this browser for this model and backend, or null (never measured, unreadable, no storage). */
export function recallRate(storage: RateStorage | null, modelKey: string, backend: string): RememberedRate | null {
  try {
    const raw = storage?.getItem(rateStorageKey(modelKey, backend));
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<RememberedRate>;
    if (!positive(value.papersPerSecond) || !positive(value.costPerSecond) || !positive(value.measuredAt)) return null;
    return { papersPerSecond: value.papersPerSecond, costPerSecond: value.costPerSecond, measuredAt: value.measuredAt };
  } catch {
    return null; // a corrupt entry or a storage that refuses to be read: as if never measured
  }
}

/** Keeps a measured rate for next time; false when it could not be stored (no storage, quota, private mode). */
export function rememberRate(storage: RateStorage | null, modelKey: string, backend: string, rate: MeasuredRate, now: number = Date.now()): boolean {
  if (!storage || !positive(rate.papersPerSecond) || !positive(rate.costPerSecond)) return false;
  try {
    const value: RememberedRate = { papersPerSecond: rate.papersPerSecond, costPerSecond: rate.costPerSecond, measuredAt: now };
    storage.setItem(rateStorageKey(modelKey, backend), JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Before embedding

/** Ask before a job estimated to take longer than this: 10 minutes, past which people want to choose. */
export const ASK_ABOVE_SECONDS = 600;
/**
 * Papers embedded to measure when the rate is unknown. The encoder's batches hold at most 32 texts
 * (src/embedding/encoder.ts), so 64 are at least two batches: one interval after the warm-up batch.
 */
export const MEASURE_SAMPLE = 64;

export type EmbeddingDecision =
  | { kind: 'go' }
  | { kind: 'measure-first'; sample: number }
  /** `rate` is papers/s for these papers (their lengths taken into account when `cost` was given). */
  | { kind: 'ask'; seconds: number; rate: number };

export interface DecisionInput {
  /** Papers to embed. */
  count: number;
  /** Their summed embeddingCost; without it the estimate assumes papers like the measured ones. */
  cost?: number;
  /** The measured rate (RateMeter.rate, recallRate), a bare papers/s, or null when this browser has not measured one. */
  knownRate: MeasuredRate | number | null;
  thresholdSeconds?: number;
  sampleSize?: number;
}

/**
 * What to do before embedding `count` papers:
 * - known rate, estimate at most the threshold → go;
 * - known rate, estimate above it → ask, with the estimate (show estimateText and the faster path: `npm run index`
 *   on a computer, then load its files);
 * - unknown rate and more papers than the sample → measure first: embed `sample` papers (in corpus order, one
 *   embedDocuments call: its lengths are typical, the sorting happens inside it), then decide again for the rest
 *   with the measured rate (and remember it). Search works over what is done meanwhile.
 */
export function decideBeforeEmbedding(input: DecisionInput): EmbeddingDecision {
  const threshold = input.thresholdSeconds ?? ASK_ABOVE_SECONDS;
  const sample = input.sampleSize ?? MEASURE_SAMPLE;
  if (input.count <= 0) return { kind: 'go' };
  const known = typeof input.knownRate === 'number' ? { papersPerSecond: input.knownRate, costPerSecond: NaN } : input.knownRate;
  if (known && positive(known.papersPerSecond)) {
    // The cost is only comparable with a rate measured in cost units.
    const seconds = input.cost !== undefined && positive(known.costPerSecond) ? input.cost / known.costPerSecond : input.count / known.papersPerSecond;
    if (seconds <= threshold) return { kind: 'go' };
    return { kind: 'ask', seconds, rate: input.count / seconds };
  }
  return input.count <= sample ? { kind: 'go' } : { kind: 'measure-first', sample };
}

// ---------------------------------------------------------------------------------------------------------------
// Words

/**
 * A rough duration for an estimate: "about 40 s", "about 12 min", "about 1 h 20 min", "about 4 h", "about 1.5 days".
 * Coarser as it grows (5 s, 1 min, 10 min below 3 h, 1 h, half a day below 3 days, 1 day): an estimate is not
 * more precise than that. Rounded first, then put in words, so it never reads "60 min".
 */
export function roughDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  if (seconds < 57.5) {
    const s = seconds < 10 ? Math.max(1, Math.round(seconds)) : Math.round(seconds / 5) * 5;
    return `${s} s`;
  }
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `${minutes} min`;
  if (seconds < 3 * 3600) {
    const tens = Math.round(seconds / 600); // in 10-minute steps
    const h = Math.floor(tens / 6);
    const m = (tens % 6) * 10;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const hours = Math.round(seconds / 3600);
  if (hours < 24) return `${hours} h`;
  const days = seconds < 3 * 86_400 ? Math.round(seconds / 43_200) / 2 : Math.round(seconds / 86_400);
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

/** Papers per second as people read it: one decimal under 10 ("6.9", "7"), whole numbers above, two digits under 0.1. */
export function formatRate(papersPerSecond: number): string {
  if (!Number.isFinite(papersPerSecond) || papersPerSecond <= 0) return '…';
  if (papersPerSecond >= 9.95) return String(Math.round(papersPerSecond));
  if (papersPerSecond < 0.095) return String(Number(papersPerSecond.toPrecision(2)));
  return String(Number(papersPerSecond.toFixed(1)));
}

/** "about 4 h in this browser at 7 papers/s" */
export function estimateText(seconds: number, papersPerSecond: number): string {
  return `about ${roughDuration(seconds)} in this browser at ${formatRate(papersPerSecond)} papers/s`;
}
