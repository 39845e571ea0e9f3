/**
 * The model's decompressed, verified bytes, kept in Cache Storage so a repeat visit skips the gunzip of the
 * 24 MB archive (issue 16.5: 0.8–1.5 s of the repeat visit's critical path under load, tools/trace-repeat-visit.ts).
 * The sha256 check stays: a kept copy is hashed again when read (the cheap part, ~0.15 s) and dropped when it
 * does not match, so a damaged copy is never run; the file is then fetched and decompressed as on a first visit.
 * The key carries the expected sha256, so a new model version never meets an old copy; keeping a version drops
 * the older ones. Costs one more copy on disk (34 MB beside the 24 MB archive of the offline copy).
 */

export const VERIFIED_COPIES_CACHE = 'paper-search-verified-files';

export interface VerifiedCopies {
  /** The kept bytes of `url` whose sha256 is `sha256`, checked again; null when there are none or they are damaged. */
  read(url: string, sha256: string): Promise<ArrayBuffer | null>;
  /** Keeps bytes already verified against `sha256`; older versions of the same file are dropped. Never rejects. */
  keep(url: string, sha256: string, bytes: ArrayBuffer): Promise<void>;
}

/** The part of a Cache Storage cache this needs (tests pass an in-memory one). */
export type CacheLike = Pick<Cache, 'match' | 'put' | 'delete' | 'keys'>;

export interface CopiesOptions {
  /** Opens the cache; null when there is none (no Cache Storage, or it refuses). */
  open(): Promise<CacheLike | null>;
  sha256(bytes: ArrayBuffer): Promise<string>;
}

const keyOf = (url: string, sha256: string) => `${url.split('?')[0]}?sha256=${sha256}`;
const pathOf = (url: string) => new URL(url, 'http://x/').pathname;

export function verifiedCopies({ open, sha256 }: CopiesOptions): VerifiedCopies {
  return {
    async read(url, expected) {
      const cache = await open().catch(() => null);
      if (!cache) return null;
      const key = keyOf(url, expected);
      try {
        const kept = await cache.match(key);
        if (!kept) return null;
        const bytes = await kept.arrayBuffer();
        if ((await sha256(bytes)) === expected) return bytes;
      } catch {
        // Unreadable: treated as damaged.
      }
      await cache.delete(key).catch(() => false);
      return null;
    },
    async keep(url, expected, bytes) {
      const cache = await open().catch(() => null);
      if (!cache) return;
      const key = keyOf(url, expected);
      try {
        for (const old of await cache.keys()) {
          if (pathOf(old.url) === pathOf(key) && old.url !== new URL(key, old.url).href) await cache.delete(old);
        }
        await cache.put(key, new Response(bytes, { headers: { 'Content-Length': String(bytes.byteLength) } }));
      } catch {
        // Storage full or refused: the next visit decompresses the archive again, nothing worse.
      }
    },
  };
}

/** The browser's copies (Cache Storage), or none where there is no Cache Storage. */
export function browserVerifiedCopies(sha256: (bytes: ArrayBuffer) => Promise<string>): VerifiedCopies {
  return verifiedCopies({
    open: () => (typeof caches === 'undefined' ? Promise.resolve(null) : caches.open(VERIFIED_COPIES_CACHE)),
    sha256,
  });
}

/**
 * Copies whose `keep` waits for `flush()`: on a first visit, writing 48 MB to Cache Storage while onnxruntime
 * creates its session would slow the first answer; the worker flushes once the model is ready.
 */
export function keptLater(copies: VerifiedCopies): { copies: VerifiedCopies; flush(): Promise<void> } {
  let waiting: (() => Promise<void>)[] = [];
  return {
    copies: {
      read: (url, sha256) => copies.read(url, sha256),
      keep: async (url, sha256, bytes) => void waiting.push(() => copies.keep(url, sha256, bytes)),
    },
    async flush() {
      const now = waiting;
      waiting = [];
      for (const keep of now) await keep();
    },
  };
}
