import type { FileSource, PublishedFile } from '../../published/files.ts';
import { normalizeTerm, tokenize } from '../keyword.ts';
import type { Hit } from '../top-k.ts';
import { StaticKeywordError } from './errors.ts';
import { decodeShard, type DecodedShard, type TermRecord } from './format.ts';
import { checkManifest, type StaticKeywordManifest } from './manifest.ts';

/**
 * The page's side of the static keyword index: a query's terms are looked up in the shards that hold them
 * (fetched once each through the FileSource, decoded, kept in a bounded LRU), and a document's score is the sum
 * of its impacts, as KeywordIndex's BM25 sum up to the quantisation of the impacts. Runs in the browser and Node.
 */

export interface StaticKeywordIndexOptions {
  /** Decoded shards kept, by their file bytes (the decoded form is views into those bytes). */
  cacheBytes?: number;
}

export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** A query term and how often the query holds it (MiniSearch scores a repeated query term once per occurrence). */
export interface QueryTerm {
  term: string;
  count: number;
}

export class StaticKeywordIndex {
  private readonly cache = new Map<number, DecodedShard>();
  private heldBytes = 0;
  private readonly inFlight = new Map<number, Promise<DecodedShard>>();
  /** Start index in manifest.files of each shard's first file. */
  private readonly fileStart: number[] = [];
  private readonly cacheLimit: number;
  /** Per-document score accumulator and the documents touched by the current query, reused across queries. */
  private scores: Float32Array | null = null;
  private touched: Uint32Array | null = null;

  constructor(
    readonly manifest: StaticKeywordManifest,
    private readonly source: FileSource,
    options: StaticKeywordIndexOptions = {},
  ) {
    checkManifest(manifest);
    let at = 0;
    for (const count of manifest.shardFileCounts) {
      this.fileStart.push(at);
      at += count;
    }
    this.cacheLimit = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
  }

  get docCount(): number {
    return this.manifest.docCount;
  }

  /** The query's index terms (tokenised, stop words dropped, stemmed as at build time) with their counts. */
  termsFor(text: string): QueryTerm[] {
    const counts = new Map<string, number>();
    for (const token of tokenize(text)) {
      const term = normalizeTerm(token, this.manifest.scoring.stem);
      if (term !== null) counts.set(term, (counts.get(term) ?? 0) + 1);
    }
    return [...counts].map(([term, count]) => ({ term, count }));
  }

  /** Index of the shard whose range holds `term`, or -1 when it sorts before every shard (so no shard holds it). */
  shardOf(term: string): number {
    const firsts = this.manifest.shardFirstTerms;
    let lo = 0;
    let hi = firsts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (firsts[mid] <= term) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Fetches (and caches) the shards a query would need, e.g. while the person is still typing. */
  async prefetch(text: string): Promise<void> {
    await this.recordsFor(this.termsFor(text));
  }

  /** Best-first hits (row index, summed impacts), at most k; ties go to the lower row, as KeywordIndex. */
  async query(text: string, k: number): Promise<Hit[]> {
    const terms = this.termsFor(text);
    const records = await this.recordsFor(terms);
    // From here to the end nothing awaits, so concurrent queries can share the accumulator.
    return this.rank(records, k);
  }

  /** Shards fetched and decoded so far and still cached (for tests and the offline view). */
  get cachedShards(): number {
    return this.cache.size;
  }

  /** File bytes of the cached shards. */
  get cachedBytes(): number {
    return this.heldBytes;
  }

  private async recordsFor(terms: readonly QueryTerm[]): Promise<{ record: TermRecord; count: number; term: string }[]> {
    const located = terms.map((t) => ({ ...t, shard: this.shardOf(t.term) })).filter((t) => t.shard >= 0);
    const shards = new Map<number, Promise<DecodedShard>>();
    for (const { shard } of located) if (!shards.has(shard)) shards.set(shard, this.shard(shard));
    const decoded = new Map<number, DecodedShard>();
    await Promise.all([...shards].map(async ([i, promise]) => decoded.set(i, await promise)));
    const out: { record: TermRecord; count: number; term: string }[] = [];
    for (const { term, count, shard } of located) {
      const record = decoded.get(shard)!.terms.get(term);
      if (record) out.push({ record, count, term });
    }
    return out;
  }

  private shard(i: number): Promise<DecodedShard> {
    const cached = this.cache.get(i);
    if (cached) {
      // Most recently used last: Map iteration order is the LRU order.
      this.cache.delete(i);
      this.cache.set(i, cached);
      return Promise.resolve(cached);
    }
    let pending = this.inFlight.get(i);
    if (!pending) {
      pending = this.load(i).finally(() => this.inFlight.delete(i));
      this.inFlight.set(i, pending);
    }
    return pending;
  }

  private async load(i: number): Promise<DecodedShard> {
    const files = this.manifest.files.slice(this.fileStart[i], this.fileStart[i] + this.manifest.shardFileCounts[i]);
    const parts = await Promise.all(files.map((file) => this.fetchFile(file)));
    const bytes = parts.length === 1 ? parts[0] : concat(parts);
    const firsts = this.manifest.shardFirstTerms;
    const decoded = decodeShard(bytes, files[0].path, { first: firsts[i], next: i + 1 < firsts.length ? firsts[i + 1] : null });
    this.remember(i, decoded);
    return decoded;
  }

  private async fetchFile(file: PublishedFile): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = await this.source(file);
    } catch (error) {
      throw new StaticKeywordError('shard-missing', `${file.path}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    if (bytes.length !== file.bytes) throw new StaticKeywordError('shard-corrupt', `${file.path}: ${bytes.length} bytes, the manifest says ${file.bytes}`);
    return bytes;
  }

  private remember(i: number, shard: DecodedShard): void {
    this.cache.set(i, shard);
    this.heldBytes += shard.bytes;
    for (const [key, old] of this.cache) {
      if (this.heldBytes <= this.cacheLimit || key === i) break;
      this.cache.delete(key);
      this.heldBytes -= old.bytes;
    }
  }

  private buffers(): { scores: Float32Array; touched: Uint32Array } {
    if (!this.scores || !this.touched) {
      this.scores = new Float32Array(this.manifest.docCount);
      this.touched = new Uint32Array(this.manifest.docCount);
    }
    return { scores: this.scores, touched: this.touched };
  }

  private rank(records: readonly { record: TermRecord; count: number; term: string }[], k: number): Hit[] {
    if (records.length === 0 || !(k >= 1)) return [];
    const { scores, touched } = this.buffers();
    let touchedCount = 0;
    try {
      for (const { record, count, term } of records) touchedCount = accumulate(record, count, term, scores, touched, touchedCount);
      return topTouched(scores, touched, touchedCount, Math.floor(k));
    } finally {
      for (let i = 0; i < touchedCount; i++) scores[touched[i]] = 0;
    }
  }
}

/**
 * Adds one term's impacts (times its count in the query) into `scores`, listing newly touched documents.
 * Impacts are positive (BM25+ with idf > 0), so a zero score means "not touched yet".
 */
function accumulate(record: TermRecord, count: number, term: string, scores: Float32Array, touched: Uint32Array, touchedCount: number): number {
  const { docs, impacts, lo, step, df } = record;
  const docCount = scores.length;
  let at = 0;
  let doc = 0;
  for (let i = 0; i < df; i++) {
    let gap = 0;
    let shift = 0;
    let byte: number;
    do {
      if (at >= docs.length) throw new StaticKeywordError('shard-corrupt', `postings of "${term}" end early`);
      byte = docs[at++];
      gap += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte >= 0x80);
    doc = i === 0 ? gap : doc + gap;
    if (doc >= docCount || (i > 0 && gap === 0)) throw new StaticKeywordError('shard-corrupt', `postings of "${term}" name row ${doc} of ${docCount}`);
    if (scores[doc] === 0) touched[touchedCount++] = doc;
    scores[doc] += count * (lo + impacts[i] * step);
  }
  if (at !== docs.length) throw new StaticKeywordError('shard-corrupt', `postings of "${term}" have trailing bytes`);
  return touchedCount;
}

function better(scores: Float32Array, a: number, b: number): boolean {
  return scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
}

/** The k best touched documents, best first (a size-k min-heap, as top-k.ts, over the touched list only). */
function topTouched(scores: Float32Array, touched: Uint32Array, count: number, k: number): Hit[] {
  const size = Math.min(k, count);
  const heap = new Uint32Array(size);
  let filled = 0;
  for (let i = 0; i < count; i++) {
    const doc = touched[i];
    if (filled < size) {
      let at = filled++;
      heap[at] = doc;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!better(scores, heap[parent], heap[at])) break;
        [heap[at], heap[parent]] = [heap[parent], heap[at]];
        at = parent;
      }
    } else if (better(scores, doc, heap[0])) {
      heap[0] = doc;
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        const right = left + 1;
        let worst = at;
        if (left < size && better(scores, heap[worst], heap[left])) worst = left;
        if (right < size && better(scores, heap[worst], heap[right])) worst = right;
        if (worst === at) break;
        [heap[at], heap[worst]] = [heap[worst], heap[at]];
        at = worst;
      }
    }
  }
  return Array.from(heap, (index) => ({ index, score: scores[index] })).sort((a, b) => b.score - a.score || a.index - b.index);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
