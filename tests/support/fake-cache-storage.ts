/**
 * An in-memory CacheStorage (Node has no `caches` global), faithful to the Service Worker spec's Cache for what the
 * app uses: entries keyed by Request URL (fragment excluded), `ignoreSearch` on match/delete/keys, GET-only puts,
 * put replaces the entry with the same URL, put reads the whole body (a used body is a TypeError), match returns a
 * fresh Response each time, keys in insertion order. Not modelled: Vary, `ignoreMethod`/`ignoreVary`, opaque
 * responses. `quotaBytes` makes put reject with a QuotaExceededError DOMException, as a full origin does.
 */

interface Entry {
  url: string;
  body: Uint8Array;
  status: number;
  statusText: string;
  headers: [string, string][];
}

function requestUrl(request: RequestInfo | URL): { url: string; method: string } {
  const parsed = request instanceof Request ? request : new Request(request);
  const url = new URL(parsed.url);
  url.hash = '';
  return { url: url.href, method: parsed.method };
}

function withoutSearch(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  return parsed.href;
}

function matches(entryUrl: string, url: string, options?: CacheQueryOptions): boolean {
  return options?.ignoreSearch ? withoutSearch(entryUrl) === withoutSearch(url) : entryUrl === url;
}

export class FakeCache implements Pick<Cache, 'match' | 'matchAll' | 'put' | 'delete' | 'keys'> {
  private entries: Entry[] = [];
  /** Every call, for tests that check what was (not) looked up or stored. */
  readonly calls: { method: 'match' | 'put' | 'delete' | 'keys'; url?: string }[] = [];

  constructor(private readonly storage: FakeCacheStorage) {}

  get storedBytes(): number {
    return this.entries.reduce((sum, entry) => sum + entry.body.byteLength, 0);
  }

  get urls(): string[] {
    return this.entries.map((entry) => entry.url);
  }

  private find(request: RequestInfo | URL, options?: CacheQueryOptions): Entry[] {
    const { url, method } = requestUrl(request);
    if (method !== 'GET') return [];
    return this.entries.filter((entry) => matches(entry.url, url, options));
  }

  private response(entry: Entry): Response {
    return new Response(entry.body.slice() as Uint8Array<ArrayBuffer>, { status: entry.status, statusText: entry.statusText, headers: entry.headers });
  }

  async match(request: RequestInfo | URL, options?: CacheQueryOptions): Promise<Response | undefined> {
    this.calls.push({ method: 'match', url: requestUrl(request).url });
    const [entry] = this.find(request, options);
    return entry ? this.response(entry) : undefined;
  }

  async matchAll(request?: RequestInfo | URL, options?: CacheQueryOptions): Promise<readonly Response[]> {
    return (request === undefined ? this.entries : this.find(request, options)).map((entry) => this.response(entry));
  }

  async put(request: RequestInfo | URL, response: Response): Promise<void> {
    const { url, method } = requestUrl(request);
    this.calls.push({ method: 'put', url });
    if (method !== 'GET') throw new TypeError('Cache.put: only GET requests can be stored');
    if (!/^https?:$/.test(new URL(url).protocol)) throw new TypeError('Cache.put: request scheme must be http or https');
    if (response.status === 206) throw new TypeError('Cache.put: partial (206) responses cannot be stored');
    if (response.headers.get('Vary')?.includes('*')) throw new TypeError('Cache.put: Vary: * cannot be stored');
    if (response.bodyUsed) throw new TypeError('Cache.put: response body is already used');
    const body = new Uint8Array(await response.arrayBuffer());
    const replaced = this.entries.filter((entry) => entry.url === url).reduce((sum, entry) => sum + entry.body.byteLength, 0);
    if (this.storage.usedBytes() - replaced + body.byteLength > this.storage.quotaBytes) {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    }
    this.entries = this.entries.filter((entry) => entry.url !== url);
    this.entries.push({ url, body, status: response.status, statusText: response.statusText, headers: [...response.headers] });
  }

  async delete(request: RequestInfo | URL, options?: CacheQueryOptions): Promise<boolean> {
    const { url } = requestUrl(request);
    this.calls.push({ method: 'delete', url });
    const doomed = new Set(this.find(request, options));
    this.entries = this.entries.filter((entry) => !doomed.has(entry));
    return doomed.size > 0;
  }

  async keys(request?: RequestInfo | URL, options?: CacheQueryOptions): Promise<readonly Request[]> {
    this.calls.push({ method: 'keys' });
    const entries = request === undefined ? this.entries : this.find(request, options);
    return entries.map((entry) => new Request(entry.url));
  }
}

/** `open` resolves to a FakeCache (the Cache methods above), so this is a CacheStorageLike, not a full CacheStorage. */
export class FakeCacheStorage implements Pick<CacheStorage, 'has' | 'delete' | 'keys'> {
  private readonly caches = new Map<string, FakeCache>();

  constructor(readonly quotaBytes = Infinity) {}

  usedBytes(): number {
    return [...this.caches.values()].reduce((sum, cache) => sum + cache.storedBytes, 0);
  }

  async open(name: string): Promise<FakeCache> {
    let cache = this.caches.get(name);
    if (!cache) this.caches.set(name, (cache = new FakeCache(this)));
    return cache;
  }

  async has(name: string): Promise<boolean> {
    return this.caches.has(name);
  }

  async delete(name: string): Promise<boolean> {
    return this.caches.delete(name);
  }

  async keys(): Promise<string[]> {
    return [...this.caches.keys()];
  }
}
