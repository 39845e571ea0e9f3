import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// urls.ts reads `self.location` when it is imported, and Node has no `self`: give it a page address first.
vi.hoisted(() => {
  (globalThis as { self?: unknown }).self ??= { location: { href: 'https://example.test/app/' } };
});

import { chooseBackend, parseBackendRequest } from '../../src/embedding/backend.ts';
import { readUrlState } from '../../src/app/urls.ts';
import { debounce, LatestOnly } from '../../src/base/latest-only.ts';
import { DEFAULT_SEARCH_MODE } from '../../src/search/search.ts';

afterAll(() => {
  delete (globalThis as { self?: unknown }).self;
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

describe('LatestOnly', () => {
  it('an older slow task resolves undefined once a newer one has started', async () => {
    const latest = new LatestOnly();
    const slow = deferred<string>();
    const fast = deferred<string>();
    const older = latest.run(() => slow.promise);
    const newer = latest.run(() => fast.promise);
    fast.resolve('new results');
    await expect(newer).resolves.toBe('new results');
    slow.resolve('old results');
    await expect(older).resolves.toBeUndefined();
  });

  it('a task with no newer one publishes its result, even when it finishes last', async () => {
    const latest = new LatestOnly();
    const first = deferred<number>();
    const a = latest.run(() => first.promise);
    first.resolve(1);
    await expect(a).resolves.toBe(1);
    await expect(latest.run(async () => 2)).resolves.toBe(2);
  });

  it('a failing task rejects for its caller', async () => {
    const latest = new LatestOnly();
    await expect(latest.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});

describe('debounce', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls once, with the last arguments, after the pause', () => {
    const calls: string[][] = [];
    const search = debounce((q: string, mode: string) => void calls.push([q, mode]), 200);
    search('p', 'hybrid');
    vi.advanceTimersByTime(150);
    search('pr', 'hybrid');
    vi.advanceTimersByTime(150);
    search('pro', 'keyword');
    vi.advanceTimersByTime(199);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([['pro', 'keyword']]);
    vi.advanceTimersByTime(1_000);
    expect(calls).toHaveLength(1);
  });

  it('flush runs the pending call at once, and the timer does not call again', () => {
    const calls: string[] = [];
    const search = debounce((q: string) => void calls.push(q), 200);
    search('protein');
    search.flush();
    expect(calls).toEqual(['protein']);
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual(['protein']);
  });

  it('flush without pending arguments does not call', () => {
    const calls: string[] = [];
    const search = debounce((q: string) => void calls.push(q), 200);
    search.flush();
    search('a');
    vi.advanceTimersByTime(200);
    search.flush();
    expect(calls).toEqual(['a']);
  });
});

describe('readUrlState', () => {
  const NO_LIBRARY = { library: null, like: [], not: [] };

  it('reads q, mode and backend', () => {
    expect(readUrlState('https://example.test/app/?q=protein+folding&mode=keyword&backend=webgpu')).toEqual({
      query: 'protein folding',
      mode: 'keyword',
      backend: 'webgpu',
      ...NO_LIBRARY,
    });
  });

  it('reads the library and the pinned examples (ids listed once, blanks dropped)', () => {
    expect(readUrlState('https://example.test/app/?library=abc&like=p1,p2,p1,&not=p3')).toMatchObject({ library: 'abc', like: ['p1', 'p2'], not: ['p3'] });
  });

  it('defaults: empty query, the default mode, wasm', () => {
    expect(readUrlState('https://example.test/app/')).toEqual({ query: '', mode: DEFAULT_SEARCH_MODE, backend: 'auto', ...NO_LIBRARY });
    expect(DEFAULT_SEARCH_MODE).toBe('hybrid');
  });

  it('an invalid mode or backend falls back to the defaults', () => {
    expect(readUrlState('https://example.test/app/?q=x&mode=fuzzy&backend=cuda')).toEqual({ query: 'x', mode: 'hybrid', backend: 'auto', ...NO_LIBRARY });
    expect(readUrlState('https://example.test/app/?mode=Semantic')).toMatchObject({ mode: 'hybrid' });
  });

  it('reads the page address by default', () => {
    expect(readUrlState()).toEqual({ query: '', mode: 'hybrid', backend: 'auto', ...NO_LIBRARY });
  });
});

describe('parseBackendRequest', () => {
  it.each([
    ['webgpu', 'webgpu'],
    ['auto', 'auto'],
    ['wasm', 'wasm'],
    // issue 16.3: the default is auto (queries on WASM, a canary decides about documents on WebGPU).
    [null, 'auto'],
    ['', 'auto'],
    ['WebGPU', 'auto'],
  ] as const)('%s -> %s', (value, want) => {
    expect(parseBackendRequest(value)).toBe(want);
  });
});

describe('chooseBackend', () => {
  const adapter = { info: { description: 'fake adapter' } };
  const gpu = (answer: () => Promise<typeof adapter | null>) => {
    const requests = { count: 0 };
    return { requests, requestAdapter: () => (requests.count++, answer()) };
  };

  it('wasm is taken as asked, without looking for a GPU', async () => {
    const g = gpu(async () => adapter);
    expect(await chooseBackend('wasm', g)).toEqual({ backend: 'wasm' });
    expect(g.requests.count).toBe(0);
  });

  it('webgpu without navigator.gpu falls back to wasm and says why', async () => {
    const choice = await chooseBackend('webgpu', undefined);
    expect(choice.backend).toBe('wasm');
    expect(choice.fallbackReason).toMatch(/no WebGPU/);
  });

  it('webgpu with no adapter falls back with a reason', async () => {
    const choice = await chooseBackend('webgpu', gpu(async () => null));
    expect(choice).toEqual({ backend: 'wasm', fallbackReason: 'no WebGPU adapter is available on this device' });
  });

  it('webgpu whose requestAdapter throws falls back with the error in the reason', async () => {
    const choice = await chooseBackend('webgpu', gpu(async () => Promise.reject(new Error('GPU process crashed'))));
    expect(choice.backend).toBe('wasm');
    expect(choice.fallbackReason).toBe('requesting a WebGPU adapter failed: GPU process crashed');
  });

  it('auto falls back silently (no reason) in every failing case', async () => {
    expect(await chooseBackend('auto', undefined)).toEqual({ backend: 'wasm' });
    expect(await chooseBackend('auto', gpu(async () => null))).toEqual({ backend: 'wasm' });
    expect(await chooseBackend('auto', gpu(async () => Promise.reject(new Error('x'))))).toEqual({ backend: 'wasm' });
  });

  it('an adapter means webgpu, for webgpu and auto', async () => {
    expect(await chooseBackend('webgpu', gpu(async () => adapter))).toEqual({ backend: 'webgpu' });
    expect(await chooseBackend('auto', gpu(async () => adapter))).toEqual({ backend: 'webgpu' });
  });
});
