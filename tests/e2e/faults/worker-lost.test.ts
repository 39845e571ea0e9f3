import { describe, expect, test } from 'vitest';
import { waitForState, withPage } from '../browser.ts';
import { appUrl, idOf } from '../helpers.ts';
import { closeEmbeddingWorker, embeddedCount, importFile, jsonl, manyPapers, noticeCodes, searchWithFallback, waitForEngine, waitForNotice } from './fault-helpers.ts';

/**
 * The embedding worker dies (closed from inside, as an onnxruntime abort would end it). No worker event tells
 * the page; the supervisor sees the worker's life lock released, restarts it, retries the query once, and
 * resumes an interrupted import from what was already embedded.
 */
describe('a lost embedding worker', () => {
  test('worker closed after ready: the next query is answered by meaning, and the page says what happened', async () => {
    await withPage({}, async (page) => {
      await page.goto(appUrl());
      await waitForState(page, 'ready');
      await waitForEngine(page, 'ready');
      await closeEmbeddingWorker(page);
      const answer = await searchWithFallback(page, 'German RoBERTa pretraining');
      expect(answer.fallback).toBe('');
      expect(answer.ids[0]).toBe(idOf('GottBERT'));
      await waitForNotice(page, 'engine-recovered');
      expect(await noticeCodes(page)).not.toContain('engine-restarting');
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
      await page.goto(appUrl());
      await waitForState(page, 'ready');
      await importFile(page, 'many.jsonl', jsonl(rows));
      await page.waitForSelector('[data-testid="status"][data-state="indexing"]');
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="status"]')?.getAttribute('data-embedded')) > 0);
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
