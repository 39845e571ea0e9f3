/**
 * A value a ranking part gives either at once (the in-memory index) or later (a published library's shards and
 * worker), typed as Orama types its components (`SyncOrAsyncValue<T>`). The ranking steps are written once over
 * such values with `andThen`: a synchronous part keeps the whole ranking synchronous (evaluation, tuning and the
 * Node benchmarks never wait on a promise), an asynchronous one makes it a promise. A part is resolved once per
 * query, never per document.
 */
export type SyncOrAsync<T> = T | Promise<T>;

export const isPromise = <T>(value: SyncOrAsync<T>): value is Promise<T> => value instanceof Promise;

/** `fn(value)`, now when `value` is here, else once it arrives. */
// Not named `then`: a module exporting `then` is a thenable, and `await import()` of it would call it.
export function andThen<T, R>(value: SyncOrAsync<T>, fn: (resolved: T) => SyncOrAsync<R>): SyncOrAsync<R> {
  return isPromise(value) ? value.then(fn) : fn(value);
}

/** Both values; a promise only if either is one (then they are awaited together, not one after the other). */
export function both<A, B>(a: SyncOrAsync<A>, b: SyncOrAsync<B>): SyncOrAsync<[A, B]> {
  return isPromise(a) || isPromise(b) ? Promise.all([a, b]) : [a, b];
}

/** `step()`, or `recover(error)` when it throws or rejects. */
export function attempt<T>(step: () => SyncOrAsync<T>, recover: (error: unknown) => SyncOrAsync<T>): SyncOrAsync<T> {
  let value: SyncOrAsync<T>;
  try {
    value = step();
  } catch (error) {
    return recover(error);
  }
  return isPromise(value) ? value.catch(recover) : value;
}

/** The value of a ranking over synchronous parts; a promise here means a part was asynchronous (a programming error). */
export function settledNow<T>(value: SyncOrAsync<T>, what: string): T {
  if (isPromise(value)) throw new Error(`${what}: a part answered asynchronously; use the asynchronous ranking`);
  return value;
}
