/**
 * Resolves in a later task of the event loop, so work split into slices lets the page paint and answer input
 * between them (a task over 50 ms is a "long task"; issue 19 allows none over 200 ms during an import).
 * `scheduler.yield()` where the browser has it (it keeps the work's priority); else a MessageChannel message,
 * which, unlike setTimeout(0), is neither clamped to 4 ms when nested nor throttled to 1 s in a hidden tab.
 */
export function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Milliseconds of work a slice may take before it yields: well under the 50 ms of a long task. */
export const SLICE_MS = 25;

/** Calls `step(i)` for i in [0, count), yielding to the event loop whenever a slice has run SLICE_MS. */
export async function inSlices(count: number, step: (index: number) => void, sliceMs = SLICE_MS): Promise<void> {
  let sliceStart = performance.now();
  for (let i = 0; i < count; i++) {
    step(i);
    if (performance.now() - sliceStart >= sliceMs && i + 1 < count) {
      await nextTask();
      sliceStart = performance.now();
    }
  }
}
