/**
 * One cross-tab lock (the Web Locks API) between "a library starts referencing vectors" and "vectors nobody
 * references are deleted". Creating a library holds it shared; deleting vectors holds it exclusive from reading
 * the set of referenced hashes until the deletion is committed. So a library created in another tab is either
 * seen by that read, or created after the deletion, and then its tab finds the vectors missing and embeds them
 * (the app reads the cache only after creating the library). See src/library/vector-gc.ts.
 */

export type LockMode = 'shared' | 'exclusive';

/** The part of navigator.locks used here (tests pass a fake; null where the API is missing). */
export interface LockManagerLike {
  request<T>(name: string, options: { mode: LockMode }, callback: () => Promise<T>): Promise<T>;
}

export const LIBRARY_LOCK = 'paper-search-libraries';

/** navigator.locks when the browser has it (all current ones do; Node does not), else null. */
export function browserLocks(): LockManagerLike | null {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return null;
  // The DOM typing resolves the callback's promise twice over (Promise<Awaited<…>>); the value is the same.
  return { request: <T>(name: string, options: { mode: LockMode }, callback: () => Promise<T>) => locks.request(name, options, callback) as Promise<T> };
}

/**
 * Runs `task` holding the library lock. Without Web Locks it runs unlocked: the two-pass sweep still never
 * deletes a vector referenced in the last grace period, and the remaining window costs a re-embedding, never a
 * wrong result (argued in vector-gc.ts).
 */
export function withLibraryLock<T>(locks: LockManagerLike | null, mode: LockMode, task: () => Promise<T>): Promise<T> {
  return locks ? locks.request(LIBRARY_LOCK, { mode }, task) : task();
}
