import { beforeEach, describe, expect, it } from 'vitest';
import { AppState } from '../../src/app/services/app-state.ts';

// Issue 16.5: ready_repeat_ms is read from the page's own `app:ready` mark, not from a driver polling the DOM.
describe('issue 16.5: the app:ready mark', () => {
  const marks = () => performance.getEntriesByName('app:ready', 'mark');
  beforeEach(() => performance.clearMarks('app:ready'));

  it('is set when the status first says ready, and only then', () => {
    const state = new AppState(() => undefined);
    state.update({ phase: 'loading' });
    state.update({ storage: 'indexeddb' });
    expect(marks()).toHaveLength(0);
    state.update({ phase: 'ready' });
    expect(marks()).toHaveLength(1);
  });

  it('keeps the first moment: a later ready (another library opened) adds no mark', () => {
    const state = new AppState(() => undefined);
    state.update({ phase: 'ready' });
    const first = marks()[0].startTime;
    state.update({ phase: 'indexing' });
    state.update({ phase: 'ready' });
    expect(marks()).toHaveLength(1);
    expect(marks()[0].startTime).toBe(first);
  });
});
