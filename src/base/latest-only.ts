/**
 * Runs async searches so that only the newest one may publish: a slow, older query finishing after a newer
 * one is dropped instead of overwriting the newer results.
 */
export class LatestOnly {
  private generation = 0;

  /** Resolves with the result, or with `undefined` if a newer call started meanwhile. */
  async run<T>(task: () => Promise<T>): Promise<T | undefined> {
    const mine = ++this.generation;
    const result = await task();
    return mine === this.generation ? result : undefined;
  }
}

/** Calls `fn` once `waitMs` has passed without another call: typing does not start a search per keystroke. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number): ((...args: A) => void) & { flush(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: A | undefined;
  const debounced = (...args: A) => {
    pending = args;
    clearTimeout(timer);
    timer = setTimeout(debounced.flush, waitMs);
  };
  debounced.flush = () => {
    clearTimeout(timer);
    if (pending) {
      const args = pending;
      pending = undefined;
      fn(...args);
    }
  };
  return debounced;
}
