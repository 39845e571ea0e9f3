import { describe, expect, test } from 'vitest';
import { waitForState, withPage } from '../browser.ts';
import { closeEmbeddingWorker, embeddedCount, searchWithFallback, waitForEngine, waitForNotice } from '../faults.ts';
import { idOf, manyPapers, notices, openApp, startLargeImport } from '../helpers.ts';

/**
 * The embedding worker dies (closed from inside, as an onnxruntime abort would end it). No worker event tells
 * the page; the supervisor sees the worker's life lock released, restarts it, retries the query once, and
 * resumes an interrupted import from what was already embedded.
 */
describe('a lost embedding worker', () => {
  test('worker closed after ready: the next query is answered by meaning, and the page says what happened', async () => {
    await withPage({}, async (page) => {
      await openApp(page);
      await waitForEngine(page, 'ready');
      await closeEmbeddingWorker(page);
      const answer = await searchWithFallback(page, 'German RoBERTa pretraining');
      expect(answer.fallback).toBe('');
      expect(answer.ids[0]).toBe(idOf('GottBERT'));
      await waitForNotice(page, 'engine-recovered');
      expect(await notices(page)).not.toContain('engine-restarting');
      // And again: each loss is recovered from, not just the first.
      await closeEmbeddingWorker(page);
      const again = await searchWithFallback(page, 'reinforcement learning to improve reasoning in language models');
      expect(again.fallback).toBe('');
      expect(again.ids.length).toBeGreaterThan(0);
    });
  });

  test('worker killed during an import: the import resumes from what was embedded, and nothing is embedded twice', async () => {
    const rows = manyPapers(192);
    await withPage({}, async (page) => {
      await openApp(page);
      await startLargeImport(page, rows);
      await closeEmbeddingWorker(page);
      await waitForNotice(page, 'indexing-resumed');
      await waitForState(page, 'ready');
      // Every paper embedded exactly once across both workers.
      expect(await embeddedCount(page)).toBe(rows.length);
      expect(await page.getAttribute('[data-testid="corpus"]', 'data-name')).toBe('many.jsonl');
      const answer = await searchWithFallback(page, 'a pure German language model (variant 2)');
      expect(answer.fallback).toBe('');
      // The vectors were kept: a reload embeds nothing.
      await page.reload();
      await waitForState(page, 'ready');
      expect(await embeddedCount(page)).toBe(0);
    });
  });
});
