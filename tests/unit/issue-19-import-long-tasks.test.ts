import { describe, expect, it } from 'vitest';
import { inSlices, nextTask } from '../../src/base/next-task.ts';
import type { Paper } from '../../src/base/paper.ts';
import { KeywordIndex } from '../../src/index/keyword.ts';

/**
 * Issue 19, point 2: no long main-thread task during an import. The keyword index of a big library is built in
 * slices with the event loop free in between; the long-task figures themselves are measured by
 * `npm run bench -- --only-import` (tools/bench-import-app.ts), not asserted here.
 */

const WORDS = ['protein', 'folding', 'glacier', 'retreat', 'bread', 'yeast', 'neural', 'network', 'climate', 'model', 'graph', 'ranking'];

function papers(count: number): Paper[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `p${i}`,
    title: `${WORDS[i % WORDS.length]} ${WORDS[(i * 5) % WORDS.length]} study ${i}`,
    abstract: Array.from({ length: 40 }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' '),
  }));
}

describe('issue 19: the keyword index of a big import is built without a long task', () => {
  it('KeywordIndex.build ranks exactly as the index built at once', async () => {
    const library = papers(1500);
    const atOnce = new KeywordIndex(library);
    const sliced = await KeywordIndex.build(library);
    for (const query of ['protein folding', 'glacier retreat climate', 'yeast bread', 'study 77', 'ranking graph neural']) {
      expect(sliced.query(query, 50)).toEqual(atOnce.query(query, 50));
    }
  });

  it('work in slices lets other tasks run in between, and every step runs once, in order', async () => {
    const steps: number[] = [];
    let otherTasks = 0;
    let running = true;
    const tick = () => {
      otherTasks++;
      if (running) void nextTask().then(tick);
    };
    void nextTask().then(tick);
    // A slice budget of 0 ms: each step is its own slice, so the other task gets a turn between steps.
    await inSlices(20, (i) => steps.push(i), 0);
    running = false;
    expect(steps).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(otherTasks).toBeGreaterThanOrEqual(10);
  });
});
