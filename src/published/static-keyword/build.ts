import { documentText } from '../../base/paper-id.ts';
import type { Paper } from '../../base/paper.ts';
import { MAX_PUBLISHED_FILE_BYTES, type FileSink, type PublishedFile } from '../../base/files.ts';
import { DEFAULT_KEYWORD_OPTIONS, normalizeTerm, tokenize, type Bm25Params, type KeywordOptions } from '../../index/keyword.ts';
import { encodeShard, encodeTermRecord } from './format.ts';
import { STATIC_KEYWORD_FORMAT_VERSION, type StaticKeywordManifest, type StaticKeywordScoring } from './manifest.ts';

/**
 * The static keyword index of a published library (issue 10, part 2): an inverted index whose postings carry
 * each document's whole BM25+ contribution for the term, as KeywordIndex (MiniSearch 7.2) scores it: per field
 * idf · (d + tf·(k+1) / (tf + k·(1 − b + b·len/avgLen))), with len the field's count of distinct raw tokens,
 * title weighted by titleBoost, summed over fields. The page then scores a query by adding impacts, without
 * knowing any statistics. Terms are cut into shards by sorted range, ~256 KiB each, fetched per query term.
 */

export interface StaticKeywordBuildOptions {
  /** Scoring and tokenisation; prefix and fuzzy matching cannot be served from static shards and must be off. */
  keyword?: KeywordOptions;
  /** A shard is closed before it would grow past this (a single term bigger than this gets a shard of its own). */
  targetShardBytes?: number;
  /** Files above this are split into parts (GitHub Pages' limit, with margin). */
  maxFileBytes?: number;
  /** Folder of the files inside the library. */
  folder?: string;
  log?: (line: string) => void;
}

export const DEFAULT_TARGET_SHARD_BYTES = 256 * 1024;
/** Per-field term frequencies share one u32 per posting while building; a field repeating a term more often is clamped. */
const MAX_TF = 0xffff;
const CHUNK = 1 << 20;

/** A growable u32 column in fixed chunks: a million papers make ~10^8 postings, which no doubling array should copy. */
class U32Column {
  private readonly chunks: Uint32Array[] = [];
  length = 0;

  push(value: number): void {
    const offset = this.length & (CHUNK - 1);
    if (offset === 0) this.chunks.push(new Uint32Array(CHUNK));
    this.chunks[this.chunks.length - 1][offset] = value;
    this.length++;
  }

  get(i: number): number {
    return this.chunks[i >>> 20][i & (CHUNK - 1)];
  }
}

/** Term ids for raw tokens, statistics per term and per document: everything the scores need, in one pass. */
class Collector {
  private readonly rawIds = new Map<string, number>();
  private readonly rawTerm: number[] = [];
  private readonly rawStamp: number[] = [];
  readonly termIds = new Map<string, number>();
  readonly terms: string[] = [];
  private readonly termStamp: number[] = [];
  private readonly tfTitle: number[] = [];
  private readonly tfText: number[] = [];
  readonly dfTitle: number[] = [];
  readonly dfText: number[] = [];
  readonly postings: number[] = [];
  readonly postingTerm = new U32Column();
  readonly postingTf = new U32Column();
  private readonly docTerms: number[] = [];

  constructor(private readonly stem: boolean) {}

  private rawId(token: string): number {
    let id = this.rawIds.get(token);
    if (id !== undefined) return id;
    id = this.rawTerm.length;
    this.rawIds.set(token, id);
    this.rawStamp.push(-1);
    const term = normalizeTerm(token, this.stem);
    if (term === null) {
      this.rawTerm.push(-1);
    } else {
      let termId = this.termIds.get(term);
      if (termId === undefined) {
        termId = this.terms.length;
        this.termIds.set(term, termId);
        this.terms.push(term);
        this.termStamp.push(-1);
        this.tfTitle.push(0);
        this.tfText.push(0);
        this.dfTitle.push(0);
        this.dfText.push(0);
        this.postings.push(0);
      }
      this.rawTerm.push(termId);
    }
    return id;
  }

  /** Counts one field's tokens into the document's term frequencies; returns the field length MiniSearch uses. */
  private field(tokens: readonly string[], stamp: number, doc: number, tf: number[]): number {
    let distinct = 0;
    for (const token of tokens) {
      const raw = this.rawId(token);
      if (this.rawStamp[raw] !== stamp) {
        this.rawStamp[raw] = stamp;
        distinct++;
      }
      const term = this.rawTerm[raw];
      if (term < 0) continue;
      if (this.termStamp[term] !== doc) {
        this.termStamp[term] = doc;
        this.tfTitle[term] = 0;
        this.tfText[term] = 0;
        this.docTerms.push(term);
      }
      tf[term]++;
    }
    return distinct;
  }

  /** Adds one document's postings; returns its [title, text] field lengths (distinct raw tokens, as MiniSearch). */
  add(doc: number, title: string, text: string): [number, number] {
    this.docTerms.length = 0;
    const titleLength = this.field(tokenize(title), 2 * doc, doc, this.tfTitle);
    const textLength = this.field(tokenize(text), 2 * doc + 1, doc, this.tfText);
    for (const term of this.docTerms) {
      const title = Math.min(MAX_TF, this.tfTitle[term]);
      const body = Math.min(MAX_TF, this.tfText[term]);
      if (title > 0) this.dfTitle[term]++;
      if (body > 0) this.dfText[term]++;
      this.postings[term]++;
      this.postingTerm.push(term);
      this.postingTf.push((title << 16) | body);
    }
    return [titleLength, textLength];
  }
}

function bm25(tf: number, idf: number, length: number, avgLength: number, { k, b, d }: Bm25Params): number {
  return idf * (d + (tf * (k + 1)) / (tf + k * (1 - b + (b * length) / avgLength)));
}

function idfOf(docCount: number, df: number): number {
  return Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
}

/** MiniSearch keeps a running mean of field lengths; the same arithmetic gives the same scores to the last bit. */
function runningMean(lengths: Uint32Array): number {
  let mean = 0;
  for (let i = 0; i < lengths.length; i++) mean = (mean * i + lengths[i]) / (i + 1);
  return mean;
}

/** Postings grouped by term (doc ids ascending within a term) with their exact float impacts. */
interface Grouped {
  start: Uint32Array;
  docs: Uint32Array;
  impacts: Float32Array;
}

function groupByTerm(collector: Collector, lengths: { title: Uint32Array; text: Uint32Array; perDoc: Uint32Array }, scoring: StaticKeywordScoring): Grouped {
  const docCount = lengths.title.length;
  const termCount = collector.terms.length;
  const start = new Uint32Array(termCount + 1);
  for (let t = 0; t < termCount; t++) start[t + 1] = start[t] + collector.postings[t];
  const fill = start.slice(0, termCount);
  const total = start[termCount];
  const docs = new Uint32Array(total);
  const impacts = new Float32Array(total);
  const idfTitle = collector.dfTitle.map((df) => idfOf(docCount, df));
  const idfText = collector.dfText.map((df) => idfOf(docCount, df));
  const avgTitle = runningMean(lengths.title);
  const avgText = runningMean(lengths.text);
  const useTitle = scoring.titleBoost > 0;
  let p = 0;
  for (let doc = 0; doc < docCount; doc++) {
    for (const end = p + lengths.perDoc[doc]; p < end; p++) {
      const term = collector.postingTerm.get(p);
      const tf = collector.postingTf.get(p);
      const tfTitle = tf >>> 16;
      const tfText = tf & 0xffff;
      // Field order as MiniSearch adds them: title, then text.
      let impact = 0;
      if (useTitle && tfTitle > 0) impact += scoring.titleBoost * bm25(tfTitle, idfTitle[term], lengths.title[doc], avgTitle, scoring.bm25);
      if (tfText > 0) impact += bm25(tfText, idfText[term], lengths.text[doc], avgText, scoring.bm25);
      const slot = fill[term]++;
      docs[slot] = doc;
      impacts[slot] = impact;
    }
  }
  return { start, docs, impacts };
}

/** One byte per posting: impact ≈ lo + byte · step, lo and step as float32 (what the shard stores). */
export function quantiseImpacts(impacts: Float32Array): { bytes: Uint8Array; lo: number; step: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const x of impacts) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const lo = Math.fround(min);
  const step = Math.fround((max - lo) / 255);
  const bytes = new Uint8Array(impacts.length);
  if (step > 0) for (let i = 0; i < impacts.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round((impacts[i] - lo) / step)));
  return { bytes, lo, step };
}

/** Writes shards through the sink, splitting any file above the limit into numbered parts. */
class ShardWriter {
  readonly firstTerms: string[] = [];
  readonly fileCounts: number[] = [];
  readonly files: PublishedFile[] = [];
  private records: Uint8Array[] = [];
  private bytes = 0;
  private first = '';

  constructor(
    private readonly sink: FileSink,
    private readonly folder: string,
    private readonly targetBytes: number,
    private readonly maxFileBytes: number,
  ) {}

  add(term: string, record: Uint8Array): void {
    // 16: the shard header and term count, so a shard of small terms stays within the target.
    if (this.records.length > 0 && this.bytes + record.length + 16 > this.targetBytes) this.flush();
    if (this.records.length === 0) this.first = term;
    this.records.push(record);
    this.bytes += record.length;
  }

  flush(): void {
    if (this.records.length === 0) return;
    const data = encodeShard(this.records);
    const name = `${this.folder}/s${String(this.firstTerms.length).padStart(5, '0')}`;
    let parts = 0;
    for (let at = 0; at < data.length; at += this.maxFileBytes, parts++) {
      this.files.push(this.sink(parts === 0 ? `${name}.bin` : `${name}.${parts}.bin`, data.subarray(at, Math.min(data.length, at + this.maxFileBytes))));
    }
    this.firstTerms.push(this.first);
    this.fileCounts.push(parts);
    this.records = [];
    this.bytes = 0;
  }
}

function scoringOf(options: KeywordOptions): StaticKeywordScoring {
  if (options.prefix || options.fuzzy) throw new Error('buildStaticKeyword: prefix and fuzzy matching need the whole vocabulary in the page; turn them off');
  if (options.coordination !== false) throw new Error('buildStaticKeyword: static shards score by the plain BM25 sum (coordination: false)');
  const bm25 = options.bm25 ?? { k: 1.2, b: 0.7, d: 0.5 }; // MiniSearch's defaults, as KeywordIndex without bm25
  return { stem: options.stem ?? false, titleBoost: options.titleBoost, bm25: { ...bm25 } };
}

/**
 * Builds the keyword shards for `papers` (row i = papers[i]) through `sink`; returns the manifest section.
 * Any ArrayLike will do: a benchmark can make a million papers on demand instead of holding their text.
 */
export function buildStaticKeyword(papers: ArrayLike<Paper>, sink: FileSink, options: StaticKeywordBuildOptions = {}): StaticKeywordManifest {
  const scoring = scoringOf(options.keyword ?? DEFAULT_KEYWORD_OPTIONS);
  const log = options.log ?? (() => {});
  const collector = new Collector(scoring.stem);
  const lengths = { title: new Uint32Array(papers.length), text: new Uint32Array(papers.length), perDoc: new Uint32Array(papers.length) };
  let before = 0;
  for (let doc = 0; doc < papers.length; doc++) {
    const paper = papers[doc];
    const [title, text] = collector.add(doc, paper.title, documentText(paper));
    lengths.title[doc] = title;
    lengths.text[doc] = text;
    lengths.perDoc[doc] = collector.postingTerm.length - before;
    before = collector.postingTerm.length;
    if ((doc + 1) % 100_000 === 0) log(`  keyword: tokenised ${doc + 1}/${papers.length}`);
  }
  const grouped = groupByTerm(collector, lengths, scoring);
  log(`  keyword: ${collector.terms.length} terms, ${grouped.docs.length} postings grouped`);

  const writer = new ShardWriter(sink, options.folder ?? 'keyword', options.targetShardBytes ?? DEFAULT_TARGET_SHARD_BYTES, options.maxFileBytes ?? MAX_PUBLISHED_FILE_BYTES);
  const order = collector.terms.map((_, id) => id).sort((a, b) => (collector.terms[a] < collector.terms[b] ? -1 : 1));
  for (const id of order) {
    const from = grouped.start[id];
    const to = grouped.start[id + 1];
    const { bytes, lo, step } = quantiseImpacts(grouped.impacts.subarray(from, to));
    const term = collector.terms[id];
    writer.add(term, encodeTermRecord({ term, docs: grouped.docs.subarray(from, to), impacts: bytes, lo, step }));
  }
  writer.flush();
  return {
    format: 'static-keyword',
    version: STATIC_KEYWORD_FORMAT_VERSION,
    docCount: papers.length,
    termCount: collector.terms.length,
    postingCount: grouped.docs.length,
    scoring,
    shardFirstTerms: writer.firstTerms,
    shardFileCounts: writer.fileCounts,
    files: writer.files,
  };
}
