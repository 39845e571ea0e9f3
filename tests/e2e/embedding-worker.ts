import type { Page, Worker } from 'playwright-core';

/**
 * The app's embedding worker as Playwright sees it (used by the fault tests and tools/measure-recovery.ts).
 * onnxruntime's thread pool runs in workers loaded from the same script, so the URL alone does not tell them
 * apart: the embedding worker is the one named "embedding".
 */
export async function embeddingWorker(page: Page): Promise<Worker> {
  // Thread-pool workers block in Atomics.wait and never answer an evaluation: ask all at once, briefly.
  const nameOf = (worker: Worker) =>
    Promise.race([worker.evaluate(() => (self as unknown as { name: string }).name).catch(() => ''), new Promise<string>((r) => setTimeout(() => r(''), 10_000))]);
  const workers = page.workers();
  const names = await Promise.all(workers.map(nameOf));
  const named = workers.filter((_, i) => names[i] === 'embedding');
  if (named.length === 0) throw new Error('no embedding worker on the page');
  return named[named.length - 1];
}

/** Closes the embedding worker from inside, as a crash in onnxruntime would end it: no event reaches the page. */
export async function closeEmbeddingWorker(page: Page): Promise<void> {
  const worker = await embeddingWorker(page);
  // The evaluation never returns: the worker is gone before it can answer.
  void worker.evaluate(() => (self as unknown as { close(): void }).close()).catch(() => undefined);
}
