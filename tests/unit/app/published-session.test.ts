import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Paper } from '../../../src/base/paper.ts';
import { PaperBook } from '../../../src/published/paper-book.ts';
import { publishedSearchable, type PublishedLibrary } from '../../../src/published/published-library.ts';
import { AppState } from '../../../src/app/services/app-state.ts';
import { OpenLibrarySlot } from '../../../src/app/services/open-library.ts';
import { PublishedSession } from '../../../src/app/services/published-session.ts';
import { deferred, fakeModel } from '../../support/fake-worker.ts';

const MODEL = fakeModel(4);
const PAPERS: Paper[] = Array.from({ length: 80 }, (_, i) => ({ id: `p${i}`, title: `Paper ${i}`, abstract: `About ${i}.` }));

/** A published library whose vector download the test finishes; its parts are never searched here. */
function published(modelKey = MODEL.modelKey) {
  const install = deferred<void>();
  const reads: number[][] = [];
  const library: PublishedLibrary = {
    name: 'Field literature',
    count: PAPERS.length,
    modelKey,
    searchable: publishedSearchable(
      new PaperBook(PAPERS.length, async (rows) => (reads.push([...rows]), new Map(rows.map((row): [number, Paper] => [row, PAPERS[row]])))),
      { semantic: async () => [], keyword: async () => [], rows: async () => [] },
      () => false,
    ),
    installVectors: async (onProgress) => {
      onProgress({ loaded: 10, total: 100 });
      await install.promise;
    },
    offlineState: async () => ({ parts: [], missingBytes: 100 }),
    downloadForOffline: async (_onProgress, signal) => (signal.aborted ? 'cancelled' : 'complete'),
    dispose: () => {},
  };
  return { library, install, reads };
}

async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

function session(library: PublishedLibrary) {
  const state = new AppState(() => {});
  const slot = new OpenLibrarySlot();
  slot.current = { kind: 'published', library };
  return { state, slot, session: new PublishedSession({ state, library, engine: { whenReady: async () => MODEL }, slot }) };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PublishedSession', () => {
  it('lists the first page of papers at once; meaning is ready once the vectors are installed', async () => {
    const p = published();
    const s = session(p.library);
    await s.session.enter();
    expect(p.reads[0]).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(s.state.current).toMatchObject({ phase: 'ready', published: { count: 80, vectors: 'downloading', vectorDownload: { loaded: 10, total: 100 } } });
    expect(s.session.vectorsReady()).toBe(false);
    p.install.resolve();
    await settle();
    expect(s.state.current).toMatchObject({ fromPrecomputed: 80, published: { vectors: 'ready', vectorDownload: null, offline: { missingBytes: 100 } } });
    expect(s.session.vectorsReady()).toBe(true);
  });

  it('vectors of another model are refused with a notice', async () => {
    const p = published('other-model@1');
    const s = session(p.library);
    await s.session.enter();
    p.install.resolve();
    await settle();
    expect(s.state.current.published?.vectors).toBe('wrong-model');
    expect(s.state.current.notices.map((n) => n.code)).toEqual(['published-wrong-model']);
  });

  it('once another library is open, its download no longer writes to the page', async () => {
    const p = published();
    const s = session(p.library);
    await s.session.enter();
    s.slot.current = { kind: 'none' };
    s.state.update({ published: null });
    s.session.leave();
    p.install.resolve();
    await settle();
    expect(s.state.current.published).toBeNull();
    expect(s.state.current.fromPrecomputed).toBe(0);
  });
});
