import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OFFLINE_RECHECK_MS, watchOfflineCopy } from '../../src/app/offline-watch.ts';

/** Lets pending checks settle (no timers move). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A check whose answer the test sets; counts calls. */
function fakeCheck(initial: boolean) {
  const state = { ready: initial, calls: 0, fail: false };
  const check = async () => {
    state.calls++;
    if (state.fail) throw new Error('caches.match failed');
    return state.ready;
  };
  return { state, check };
}

function setup(initial = true, intervalMs?: number) {
  const { state, check } = fakeCheck(initial);
  const reports: boolean[] = [];
  const win = new EventTarget();
  const doc = new EventTarget();
  const stop = watchOfflineCopy({ check, onChange: (ready) => reports.push(ready), events: { window: win, document: doc }, intervalMs });
  return { state, reports, win, doc, stop };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('watchOfflineCopy', () => {
  it('checks at once and reports the first answer', async () => {
    const { state, reports } = setup(true);
    expect(state.calls).toBe(1);
    await flush();
    expect(reports).toEqual([true]);
  });

  it('reports a lost copy on focus, and its return on visibilitychange', async () => {
    const { state, reports, win, doc } = setup(true);
    await flush();
    state.ready = false;
    win.dispatchEvent(new Event('focus'));
    await flush();
    expect(reports).toEqual([true, false]);
    state.ready = true;
    doc.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(reports).toEqual([true, false, true]);
    expect(state.calls).toBe(3);
  });

  it('rechecks when the browser comes back online', async () => {
    const { state, reports, win } = setup(false);
    await flush();
    state.ready = true;
    win.dispatchEvent(new Event('online'));
    await flush();
    expect(reports).toEqual([false, true]);
  });

  it('does not report when the answer is unchanged', async () => {
    const { state, reports, win, doc } = setup(true);
    await flush();
    win.dispatchEvent(new Event('focus'));
    await flush();
    doc.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(state.calls).toBe(3);
    expect(reports).toEqual([true]);
  });

  it('a check that throws counts as "not ready"', async () => {
    const { state, reports, win } = setup(true);
    await flush();
    state.fail = true;
    win.dispatchEvent(new Event('focus'));
    await flush();
    expect(reports).toEqual([true, false]);
  });

  it('rechecks on the interval', async () => {
    const { state, reports } = setup(true, 1_000);
    await flush();
    await vi.advanceTimersByTimeAsync(999);
    expect(state.calls).toBe(1);
    state.ready = false;
    await vi.advanceTimersByTimeAsync(1);
    expect(state.calls).toBe(2);
    expect(reports).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(state.calls).toBe(5);
    expect(reports).toEqual([true, false]);
  });

  it('uses OFFLINE_RECHECK_MS by default', async () => {
    const { state } = setup(true);
    await flush();
    await vi.advanceTimersByTimeAsync(OFFLINE_RECHECK_MS - 1);
    expect(state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.calls).toBe(2);
  });

  it('the stop function removes the listeners and the interval', async () => {
    const { state, reports, win, doc, stop } = setup(true, 1_000);
    await flush();
    stop();
    state.ready = false;
    win.dispatchEvent(new Event('focus'));
    win.dispatchEvent(new Event('online'));
    doc.dispatchEvent(new Event('visibilitychange'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state.calls).toBe(1);
    expect(reports).toEqual([true]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports nothing after stop, even for a check that was in flight (bug: a late check still calls onChange)', async () => {
    let answer!: (ready: boolean) => void;
    const reports: boolean[] = [];
    const stop = watchOfflineCopy({
      check: () => new Promise<boolean>((resolve) => (answer = resolve)),
      onChange: (ready) => reports.push(ready),
      events: { window: new EventTarget(), document: new EventTarget() },
    });
    stop();
    answer(true);
    await flush();
    expect(reports).toEqual([]);
  });
});
