/**
 * A bounded least-recently-used cache of loaded values, with one promise per key in flight: concurrent asks for
 * a key share one load (as Pagefind's "one promise per chunk hash"), a failed load is not kept (the next ask
 * tries again), and once the held weight passes the limit the least recently used values are dropped, never
 * the one just loaded. Used for the shards of a published library (keyword postings, paper texts).
 */
export interface ShardCacheOptions<Value> {
  /** The most weight held (values count 1 each unless `weigh` says otherwise). */
  limit: number;
  weigh?: (value: Value) => number;
}

export class ShardCache<Key, Value> {
  /** Map iteration order is the LRU order: most recently used last. */
  private readonly held = new Map<Key, Value>();
  private readonly inFlight = new Map<Key, Promise<Value>>();
  private heldWeight = 0;

  constructor(
    private readonly load: (key: Key) => Promise<Value>,
    private readonly options: ShardCacheOptions<Value>,
  ) {}

  /** The value for `key`: held, being loaded, or loaded now. */
  get(key: Key): Promise<Value> {
    const value = this.held.get(key);
    if (value !== undefined) {
      this.held.delete(key);
      this.held.set(key, value);
      return Promise.resolve(value);
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.load(key)
        .then((loaded) => (this.remember(key, loaded), loaded))
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Whether `key`'s value is held (answering it needs no load). */
  has(key: Key): boolean {
    return this.held.has(key);
  }

  /** How many values are held. */
  get size(): number {
    return this.held.size;
  }

  /** The total weight of the values held. */
  get weight(): number {
    return this.heldWeight;
  }

  private weightOf(value: Value): number {
    return this.options.weigh?.(value) ?? 1;
  }

  private remember(key: Key, value: Value): void {
    this.held.set(key, value);
    this.heldWeight += this.weightOf(value);
    for (const [oldKey, old] of this.held) {
      if (this.heldWeight <= this.options.limit || oldKey === key) break;
      this.held.delete(oldKey);
      this.heldWeight -= this.weightOf(old);
    }
  }
}
