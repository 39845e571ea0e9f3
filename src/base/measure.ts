/**
 * Start-up steps as `performance.measure` entries: the Performance panel shows them, and
 * tools/trace-repeat-visit.ts reads them from the page and the embedding worker on one clock.
 * Pass a function to count the step's synchronous start too (crypto.subtle.digest copies its input first).
 */
export async function timed<T>(name: string, work: Promise<T> | (() => Promise<T>)): Promise<T> {
  const start = performance.now();
  try {
    return await (typeof work === 'function' ? work() : work);
  } finally {
    performance.measure(name, { start, end: performance.now() });
  }
}
