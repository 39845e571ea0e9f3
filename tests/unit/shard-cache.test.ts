import { describe, expect, it } from 'vitest';
import { ShardCache } from '../../src/base/shard-cache.ts';

/** A loader that counts its loads and lets the test settle each one. */
function loader() {
  const loads: number[] = [];
  const waiting = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  const load = (key: number) => {
    loads.push(key);
    return new Promise<string>((resolve, reject) => waiting.set(key, { resolve, reject }));
  };
  return { loads, waiting, load };
}

describe('ShardCache: LRU with one load in flight per key', () => {
  it('shares one load between concurrent asks and then answers from memory', async () => {
    const { loads, waiting, load } = loader();
    const cache = new ShardCache(load, { limit: 4 });
    const first = cache.get(1);
    const second = cache.get(1);
    waiting.get(1)!.resolve('one');
    expect(await Promise.all([first, second])).toEqual(['one', 'one']);
    expect(await cache.get(1)).toBe('one');
    expect(loads).toEqual([1]);
    expect(cache.has(1)).toBe(true);
  });

  it('keeps no failed load: the next ask loads again', async () => {
    const { loads, waiting, load } = loader();
    const cache = new ShardCache(load, { limit: 4 });
    const failing = cache.get(2);
    waiting.get(2)!.reject(new Error('404'));
    await expect(failing).rejects.toThrow('404');
    const again = cache.get(2);
    waiting.get(2)!.resolve('two');
    expect(await again).toBe('two');
    expect(loads).toEqual([2, 2]);
  });

  it('drops the least recently used past the weight limit, never the value just loaded', async () => {
    const cache = new ShardCache(async (key: number) => 'x'.repeat(key), { limit: 10, weigh: (value) => value.length });
    await cache.get(4);
    await cache.get(5);
    await cache.get(4); // 4 is now the most recently used
    await cache.get(3); // 12 > 10: 5 goes, 4 stays
    expect([cache.has(3), cache.has(4), cache.has(5)]).toEqual([true, true, false]);
    expect(cache.weight).toBe(7);
    await cache.get(20); // heavier than the limit alone: kept, the rest dropped
    expect(cache.size).toBe(1);
    expect(cache.has(20)).toBe(true);
  });
});
