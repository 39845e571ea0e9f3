import type { FileSource, PublishedFile } from '../../base/files.ts';
import { ShardCache } from '../../base/shard-cache.ts';
import { normalizeTerm, tokenize } from '../../index/keyword.ts';
import type { Hit } from '../../index/top-k.ts';
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
  /** Decoded shards by shard number, bounded by their file bytes. */
  private readonly cache: ShardCache<number, DecodedShard>;
  /** Start index in manifest.files of each shard's first file. */
  private readonly fileStart: number[] = [];
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
    this.cache = new ShardCache((i) => this.load(i), { limit: options.cacheBytes ?? DEFAULT_CACHE_BYTES, weigh: (shard) => shard.bytes });
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
    return this.cache.weight;
  }

  private async recordsFor(terms: readonly QueryTerm[]): Promise<{ record: TermRecord; count: number; term: string }[]> {
    const located = terms.map((t) => ({ ...t, shard: this.shardOf(t.term) })).filter((t) => t.shard >= 0);
    const shards = new Map<number, Promise<DecodedShard>>();
    for (const { shard } of located) if (!shards.has(shard)) shards.set(shard, this.cache.get(shard));
    const decoded = new Map<number, DecodedShard>();
    await Promise.all([...shards].map(async ([i, promise]) => decoded.set(i, await promise)));
    const out: { record: TermRecord; count: number; term: string }[] = [];
    for (const { term, count, shard } of located) {
      const record = decoded.get(shard)!.terms.get(term);
      if (record) out.push({ record, count, term });
    }
    return out;
  }

  private async load(i: number): Promise<DecodedShard> {
    const files = this.manifest.files.slice(this.fileStart[i], this.fileStart[i] + this.manifest.shardFileCounts[i]);
    const parts = await Promise.all(files.map((file) => this.fetchFile(file)));
    const bytes = parts.length === 1 ? parts[0] : concat(parts);
    const firsts = this.manifest.shardFirstTerms;
    return decodeShard(bytes, files[0].path, { first: firsts[i], next: i + 1 < firsts.length ? firsts[i + 1] : null });
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
    } catch (error) {
      // A damaged shard stopped accumulate part-way, after touching rows it did not report: clear them all (rare).
      scores.fill(0);
      throw error;
    }
    // Selecting also clears the accumulator for the next query.
    return selectAndClear(scores, touched, touchedCount, Math.floor(k));
  }
}

/** Reused by `accumulate`: one term's 256 possible contributions, so the loop does a lookup, not a multiply-add. */
const contribution = new Float32Array(256);

/**
 * Adds one term's impacts (times its count in the query) into `scores`, listing newly touched documents.
 * Impacts are positive (BM25+ with idf > 0), so a zero score means "not touched yet".
 */
function accumulate(record: TermRecord, count: number, term: string, scores: Float32Array, touched: Uint32Array, touchedCount: number): number {
  const { docs, impacts, lo, step, df } = record;
  for (let q = 0; q < 256; q++) contribution[q] = count * (lo + q * step);
  const docCount = scores.length;
  const end = docs.length;
  let at = 0;
  let doc = 0;
  for (let i = 0; i < df; i++) {
    if (at >= end) throw new StaticKeywordError('shard-corrupt', `postings of "${term}" end early`);
    let gap = docs[at++];
    if (gap >= 0x80) {
      // Multi-byte gap (rare terms): LEB128, 7 bits per byte.
      gap &= 0x7f;
      let shift = 7;
      let byte: number;
      do {
        if (at >= end) throw new StaticKeywordError('shard-corrupt', `postings of "${term}" end early`);
        byte = docs[at++];
        gap += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte >= 0x80);
    }
    doc = i === 0 ? gap : doc + gap;
    if (doc >= docCount || (i > 0 && gap === 0)) throw new StaticKeywordError('shard-corrupt', `postings of "${term}" name row ${doc} of ${docCount}`);
    const before = scores[doc];
    if (before === 0) touched[touchedCount++] = doc;
    scores[doc] = before + contribution[impacts[i]];
  }
  if (at !== end) throw new StaticKeywordError('shard-corrupt', `postings of "${term}" have trailing bytes`);
  return touchedCount;
}

/**
 * The k best touched documents, best first (ties: lower row first, as top-k.ts), zeroing every touched score on
 * the way: one pass over the touched list with a size-k min-heap of (score, row) whose root is the worst kept.
 */
function selectAndClear(scores: Float32Array, touched: Uint32Array, count: number, k: number): Hit[] {
  const size = Math.min(k, count);
  const heapDoc = new Uint32Array(size);
  const heapScore = new Float32Array(size);
  let filled = 0;
  for (let i = 0; i < count; i++) {
    const doc = touched[i];
    const score = scores[doc];
    scores[doc] = 0;
    if (filled < size) {
      siftUp(heapDoc, heapScore, filled++, doc, score);
    } else if (score > heapScore[0] || (score === heapScore[0] && doc < heapDoc[0])) {
      siftDown(heapDoc, heapScore, size, doc, score);
    }
  }
  const hits: Hit[] = [];
  for (let i = 0; i < filled; i++) hits.push({ index: heapDoc[i], score: heapScore[i] });
  return hits.sort((a, b) => b.score - a.score || a.index - b.index);
}

/** True when (scoreA, docA) ranks below (scoreB, docB). */
const worse = (scoreA: number, docA: number, scoreB: number, docB: number) => scoreA < scoreB || (scoreA === scoreB && docA > docB);

function siftUp(heapDoc: Uint32Array, heapScore: Float32Array, at: number, doc: number, score: number): void {
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (!worse(score, doc, heapScore[parent], heapDoc[parent])) break;
    heapDoc[at] = heapDoc[parent];
    heapScore[at] = heapScore[parent];
    at = parent;
  }
  heapDoc[at] = doc;
  heapScore[at] = score;
}

/** Replaces the root (the worst kept) with (doc, score) and restores the heap. */
function siftDown(heapDoc: Uint32Array, heapScore: Float32Array, size: number, doc: number, score: number): void {
  let at = 0;
  for (;;) {
    const left = 2 * at + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && worse(heapScore[right], heapDoc[right], heapScore[left], heapDoc[left]) ? right : left;
    if (!worse(heapScore[child], heapDoc[child], score, doc)) break;
    heapDoc[at] = heapDoc[child];
    heapScore[at] = heapScore[child];
    at = child;
  }
  heapDoc[at] = doc;
  heapScore[at] = score;
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
