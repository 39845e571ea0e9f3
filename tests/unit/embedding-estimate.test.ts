import { describe, expect, it } from 'vitest';
import {
  ASK_ABOVE_SECONDS,
  decideBeforeEmbedding,
  embeddingCost,
  estimateText,
  formatRate,
  MEASURE_SAMPLE,
  RateMeter,
  rateStorageKey,
  recallRate,
  rememberRate,
  roughDuration,
  type RateStorage,
} from '../../src/app/embedding-estimate.ts';

/** An in-memory Storage with localStorage's string semantics. */
function memoryStorage(): RateStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, String(value)) };
}

describe('embeddingCost', () => {
  it('grows with length, faster than linearly, and stops at the model window', () => {
    const short = embeddingCost('x'.repeat(200));
    const long = embeddingCost('x'.repeat(1600));
    expect(long).toBeGreaterThan(8 * short);
    expect(embeddingCost('x'.repeat(50_000))).toBe(embeddingCost('x'.repeat(3_000)));
    expect(embeddingCost('')).toBeGreaterThan(0); // [CLS] and [SEP] are still run
  });
});

describe('RateMeter', () => {
  it('leaves the first batch out: it only sets the baseline', () => {
    const meter = new RateMeter();
    meter.record(0, 0, 0); // before any batch: no progress, ignored
    meter.record(32, 32, 4_000); // first batch, slow (warm-up)
    expect(meter.rate()).toBeNull();
    meter.record(64, 64, 4_500);
    meter.record(96, 96, 5_000);
    expect(meter.papersPerSecond()).toBe(64); // 64 papers in 1 s, not 96 in 5 s
    expect(meter.secondsLeft(640)).toBe(10);
  });

  it('reads the injected clock when no time is given', () => {
    let now = 1_000;
    const meter = new RateMeter({ now: () => now });
    meter.record(10);
    now += 2_000;
    meter.record(30);
    expect(meter.papersPerSecond()).toBe(10);
  });

  it('follows the last 30 s: a machine that slows down is seen within the window', () => {
    const meter = new RateMeter(); // default window: 30 s
    let done = 0;
    for (let t = 0; t <= 60_000; t += 1_000) meter.record((done += 10), done, t); // 10 papers/s for a minute
    expect(meter.papersPerSecond()).toBeCloseTo(10, 6);
    for (let t = 61_000; t <= 100_000; t += 1_000) meter.record((done += 2), done, t); // then 2 papers/s
    expect(meter.papersPerSecond()).toBeCloseTo(2, 6);
  });

  it('estimates in cost units, so shortest-first batches do not make the rest look fast', () => {
    // The encoder runs a call's texts shortest first; the machine embeds a fixed cost per second.
    const lengths = Array.from({ length: 400 }, (_, i) => 100 + ((i * 7919) % 2300)).sort((a, b) => a - b);
    const costs = lengths.map((n) => embeddingCost('x'.repeat(n)));
    const costPerSecond = 3_000;
    const meter = new RateMeter();
    let done = 0;
    let cost = 0;
    let ms = 0;
    while (done < 100) {
      const batch = costs.slice(done, done + 4);
      const batchCost = batch.reduce((a, b) => a + b, 0);
      ms += (1000 * batchCost) / costPerSecond;
      done += batch.length;
      cost += batchCost;
      meter.record(done, cost, ms);
    }
    const remainingCost = costs.slice(done).reduce((a, b) => a + b, 0);
    const truth = remainingCost / costPerSecond;
    expect(meter.secondsLeft(remainingCost)).toBeCloseTo(truth, 6);
    // Counting papers instead would promise less than half the real time.
    expect((costs.length - done) / meter.papersPerSecond()!).toBeLessThan(truth / 2);
  });

  it('counts progress from startDone for a resumed job, and ignores samples out of order', () => {
    const meter = new RateMeter({ startDone: 500 });
    meter.record(500, 500, 0);
    meter.record(520, 520, 3_000); // first batch of this run: baseline
    meter.record(540, 540, 4_000);
    meter.record(530, 530, 5_000); // fewer done than before: ignored
    meter.record(560, 560, 3_500); // earlier than the last sample: ignored
    expect(meter.papersPerSecond()).toBe(20);
  });
});

describe('remembered rate', () => {
  const rate = { papersPerSecond: 6.9, costPerSecond: 2_500 };

  it('is kept per backend and model, with the time it was measured', () => {
    const storage = memoryStorage();
    expect(recallRate(storage, 'bge@abc', 'wasm')).toBeNull();
    expect(rememberRate(storage, 'bge@abc', 'wasm', rate, 1_700_000_000_000)).toBe(true);
    expect(recallRate(storage, 'bge@abc', 'wasm')).toEqual({ ...rate, measuredAt: 1_700_000_000_000 });
    expect(recallRate(storage, 'bge@abc', 'webgpu')).toBeNull();
    expect(recallRate(storage, 'e5@def', 'wasm')).toBeNull();
    expect([...storage.items.keys()]).toEqual([rateStorageKey('bge@abc', 'wasm')]);
  });

  it('reads as unknown when missing, corrupt, implausible or unreadable, and is not stored without storage', () => {
    const storage = memoryStorage();
    const key = rateStorageKey('m', 'wasm');
    for (const bad of ['{', 'null', '{"papersPerSecond":0,"costPerSecond":5,"measuredAt":1}', '{"papersPerSecond":"7","costPerSecond":5,"measuredAt":1}']) {
      storage.setItem(key, bad);
      expect(recallRate(storage, 'm', 'wasm')).toBeNull();
    }
    const refusing: RateStorage = {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    };
    expect(recallRate(refusing, 'm', 'wasm')).toBeNull();
    expect(rememberRate(refusing, 'm', 'wasm', rate)).toBe(false);
    expect(rememberRate(null, 'm', 'wasm', rate)).toBe(false);
    expect(rememberRate(storage, 'm', 'wasm', { papersPerSecond: NaN, costPerSecond: 1 })).toBe(false);
  });
});

describe('decideBeforeEmbedding', () => {
  const known = { papersPerSecond: 7, costPerSecond: 2_800 };

  it('goes ahead when there is nothing or little to embed', () => {
    expect(decideBeforeEmbedding({ count: 0, knownRate: null })).toEqual({ kind: 'go' });
    expect(decideBeforeEmbedding({ count: MEASURE_SAMPLE, knownRate: null })).toEqual({ kind: 'go' });
    expect(decideBeforeEmbedding({ count: 7 * ASK_ABOVE_SECONDS, knownRate: known })).toEqual({ kind: 'go' });
  });

  it('measures a sample first when the rate in this browser is unknown', () => {
    expect(decideBeforeEmbedding({ count: MEASURE_SAMPLE + 1, knownRate: null })).toEqual({ kind: 'measure-first', sample: MEASURE_SAMPLE });
    expect(decideBeforeEmbedding({ count: 100_000, knownRate: null, sampleSize: 96 })).toEqual({ kind: 'measure-first', sample: 96 });
  });

  it('asks above the threshold, with the estimate', () => {
    expect(decideBeforeEmbedding({ count: 7 * ASK_ABOVE_SECONDS + 7, knownRate: known })).toEqual({ kind: 'ask', seconds: ASK_ABOVE_SECONDS + 1, rate: 7 });
    expect(decideBeforeEmbedding({ count: 100, knownRate: known, thresholdSeconds: 10 })).toEqual({ kind: 'ask', seconds: 100 / 7, rate: 7 });
  });

  it('takes a bare papers/s as the known rate, and then ignores the cost, which it cannot compare', () => {
    expect(decideBeforeEmbedding({ count: 70_000, cost: 1, knownRate: 7 })).toEqual({ kind: 'ask', seconds: 10_000, rate: 7 });
    expect(decideBeforeEmbedding({ count: 700, knownRate: 7 })).toEqual({ kind: 'go' });
    expect(decideBeforeEmbedding({ count: 700, knownRate: 0 })).toEqual({ kind: 'measure-first', sample: MEASURE_SAMPLE });
  });

  it('uses the papers’ cost when given: long abstracts take longer than the measured papers did', () => {
    const decision = decideBeforeEmbedding({ count: 10_000, cost: 10_000 * 700, knownRate: known });
    expect(decision).toEqual({ kind: 'ask', seconds: 2_500, rate: 4 });
  });

  it('the whole flow: unknown, measure 64, remember, then ask with words', () => {
    const storage = memoryStorage();
    const count = 100_000;
    expect(decideBeforeEmbedding({ count, knownRate: recallRate(storage, 'bge', 'wasm') })).toEqual({ kind: 'measure-first', sample: 64 });
    const meter = new RateMeter();
    for (let batch = 1; batch <= 16; batch++) meter.record(batch * 4, batch * 4 * 400, 2_000 + batch * 500); // 8 papers/s
    expect(rememberRate(storage, 'bge', 'wasm', meter.rate()!)).toBe(true);
    const decision = decideBeforeEmbedding({ count: count - 64, cost: (count - 64) * 400, knownRate: recallRate(storage, 'bge', 'wasm') });
    expect(decision.kind).toBe('ask');
    if (decision.kind !== 'ask') return;
    expect(estimateText(decision.seconds, decision.rate)).toBe('about 3 h in this browser at 8 papers/s'); // 99,936 × 400 / 3,200 per s = 12,492 s
  });
});

describe('estimate words', () => {
  it('rounds coarser as durations grow, and rounds before choosing the unit', () => {
    const cases: [number, string][] = [
      [0.3, '1 s'],
      [7.4, '7 s'],
      [9.6, '10 s'],
      [41, '40 s'],
      [57.4, '55 s'],
      [57.5, '1 min'],
      [12 * 60 + 20, '12 min'],
      [59 * 60 + 40, '1 h'],
      [80 * 60, '1 h 20 min'],
      [2 * 3600 + 57 * 60, '3 h'],
      [4 * 3600 + 10 * 60, '4 h'],
      [23.6 * 3600, '1 day'],
      [1.6 * 86_400, '1.5 days'],
      [2 * 86_400, '2 days'],
      [12.4 * 86_400, '12 days'],
      [NaN, '…'],
      [-1, '…'],
    ];
    expect(cases.map(([seconds]) => roughDuration(seconds))).toEqual(cases.map(([, words]) => words));
  });

  it('rates: one decimal under 10 papers/s (none when it is .0), whole numbers above', () => {
    expect([6.94, 7.02, 9.96, 35.4, 0.44, 0.042, 0, Infinity].map(formatRate)).toEqual(['6.9', '7', '10', '35', '0.4', '0.042', '…', '…']);
  });

  it('reads like the issue asks', () => {
    expect(estimateText(4 * 3600, 7)).toBe('about 4 h in this browser at 7 papers/s');
    expect(estimateText(12 * 60, 6.94)).toBe('about 12 min in this browser at 6.9 papers/s');
  });
});
