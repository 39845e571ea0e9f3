import { fuse, type FusionOptions } from '../index/fusion.ts';
import type { Hit } from '../index/top-k.ts';
import type { RankingSpec } from '../embedding/models.ts';
import { feedbackVector } from './feedback.ts';
import { andThen, attempt, both, type SyncOrAsync } from './sync-or-async.ts';

/**
 * The ranking, written once: keywords, cosine scoring, fusion and feedback over parts that answer synchronously
 * (SearchIndex in memory: evaluation, tuning, benchmarks, the app's own libraries) or asynchronously (a published
 * library's compressed index in a worker and keyword shards fetched per term). Which it is only decides whether
 * the result is a value or a promise (sync-or-async.ts).
 */

/** The three ways to rank; the app, evaluation and benchmarks all go through this pipeline. */
export type SearchMode = 'semantic' | 'keyword' | 'hybrid';

/** How deep each single ranking goes before fusion. */
export const FUSION_DEPTH = 100;

/** Pseudo-relevance feedback on the query vector (ModelSpec.ranking.feedback). */
export type FeedbackOptions = NonNullable<RankingSpec['feedback']>;

export interface RankingOptions {
  fusion: FusionOptions;
  feedback: FeedbackOptions | null;
}

/** What a library must answer for the ranking. */
export interface RankingParts {
  /** The `depth` rows closest to `vector` by cosine, best first. */
  semantic(vector: Float32Array, depth: number): SyncOrAsync<Hit[]>;
  /** BM25 hits for `text`, best first. */
  keyword(text: string, depth: number): SyncOrAsync<Hit[]>;
  /** The stored vectors of `rows` (for feedback and examples). */
  rows(rows: readonly number[]): SyncOrAsync<Float32Array[]>;
}

export type RankingPart = 'meaning' | 'keywords';

/** A hit; `wordsOnly` when the paper has no vector yet (an import under way) and was ranked by its keyword score. */
export interface RankedHit extends Hit {
  wordsOnly?: true;
}

/**
 * Rows with no vector yet, while an import embeds: meaning cannot rank them, so they take part in hybrid through
 * their keyword score (issue 18) and are left out of a ranking by meaning alone.
 */
export interface Vectorless {
  /** How many rows lack a vector. */
  count: number;
  lacks(row: number): boolean;
}

/** Where one ranking spent its time, in ms; a phase the mode skips is 0. */
export interface RankTimings {
  /** Cosine scoring and top-k (both passes when hybrid uses feedback, reading the feedback rows included). */
  scoreMs: number;
  /** BM25. Asynchronous parts fetch keywords while the vectors are scored, so the two overlap there. */
  keywordMs: number;
  /** Combining the two lists (both fusions when hybrid uses feedback). */
  fusionMs: number;
}

export interface TimedRanking {
  hits: RankedHit[];
  timings: RankTimings;
}

export interface RankRequest {
  mode: SearchMode;
  text: string;
  /** Required for semantic and hybrid (embedded by the same encoder as the documents). */
  vector: Float32Array | null;
  k: number;
  vectorless?: Vectorless | null;
  /**
   * Called when a part fails (a damaged shard, a lost worker); the ranking goes on with the part that works, or
   * answers nothing. Without it a failure rejects the ranking (evaluation wants to know).
   */
  onPartFailure?: (part: RankingPart, error: unknown) => void;
}

/**
 * Times steps by clock readings: a step starts at the last reading and reads the clock once when it settles. Steps
 * run one after the other share their readings; steps started together (keywords fetched while vectors are
 * scored) each count from the same start.
 */
class PhaseClock {
  readonly timings: RankTimings = { scoreMs: 0, keywordMs: 0, fusionMs: 0 };
  private last: number;

  constructor(private readonly now: () => number) {
    this.last = now();
  }

  time<T>(phase: keyof RankTimings, step: () => SyncOrAsync<T>): SyncOrAsync<T> {
    const start = this.last;
    return andThen(step(), (value) => {
      const ended = this.now();
      this.timings[phase] += ended - start;
      this.last = Math.max(this.last, ended);
      return value;
    });
  }

  /** A step that is always synchronous (fusion). */
  timeNow<T>(phase: keyof RankTimings, step: () => T): T {
    return this.time(phase, step) as T;
  }
}

/**
 * Ranks one query. Hybrid scores and fetches keywords together, fuses, then (with feedback) moves the query
 * vector toward the top fused hits, scores again and fuses again with the same keyword hits (docs/quality.md
 * "Ranking variants"). Semantic mode stays one pass of plain cosines.
 */
export function rankParts(parts: RankingParts, ranking: RankingOptions, request: RankRequest, now: () => number = () => performance.now()): SyncOrAsync<TimedRanking> {
  const { mode, text, vector, k, vectorless = null } = request;
  const clock = new PhaseClock(now);
  const done = (hits: RankedHit[]): TimedRanking => ({ hits, timings: clock.timings });
  const keywords = (depth: number) => clock.time('keywordMs', () => guarded(request, 'keywords', () => parts.keyword(text, depth)));
  if (mode === 'keyword') return andThen(keywords(k), done);
  if (!vector) throw new Error(`rank: mode "${mode}" needs the query vector`);
  const scored = (query: Float32Array, depth: number) => andThen(parts.semantic(query, depth + (vectorless?.count ?? 0)), (hits) => withVectors(hits, vectorless, depth));
  if (mode === 'semantic') return andThen(clock.time('scoreMs', () => guarded(request, 'meaning', () => scored(vector, k))), done);

  const depth = Math.max(k, FUSION_DEPTH);
  const { fusion, feedback } = ranking;
  let meaningFailed = false;
  const firstPass = clock.time('scoreMs', () =>
    guarded(request, 'meaning', () => scored(vector, depth), () => (meaningFailed = true)),
  );
  return andThen(both(firstPass, keywords(depth)), ([semantic, keyword]) => {
    const fused = clock.timeNow('fusionMs', () => fuseWithVectorless(semantic, keyword, fusion, vectorless));
    const moved = fused.filter((hit) => !hit.wordsOnly).slice(0, feedback?.docs ?? 0);
    if (!feedback || meaningFailed || moved.length === 0) return done(fused.slice(0, k));
    const secondPass = (): SyncOrAsync<Hit[] | null> =>
      andThen(parts.rows(moved.map((hit) => hit.index)), (rows) => scored(feedbackVector(vector, rows, feedback.weight), depth));
    const report = request.onPartFailure;
    // Feedback only refines: if its second pass fails, the first fusion stands.
    const again = clock.time('scoreMs', () => (report ? attempt(secondPass, (error) => (report('meaning', error), null)) : secondPass()));
    return andThen(again, (second) => done(second ? clock.timeNow('fusionMs', () => fuseWithVectorless(second, keyword, fusion, vectorless)).slice(0, k) : fused.slice(0, k)));
  });
}

/** A part's answer, or none (reported) when it fails and the request tolerates that. */
function guarded(request: RankRequest, part: RankingPart, step: () => SyncOrAsync<Hit[]>, failed?: () => void): SyncOrAsync<Hit[]> {
  const report = request.onPartFailure;
  if (!report) return step();
  return attempt(step, (error) => {
    report(part, error);
    failed?.();
    return [];
  });
}

/** The first `depth` hits of rows that have a vector (rows without one score 0 and mean nothing). */
function withVectors(hits: Hit[], vectorless: Vectorless | null, depth: number): Hit[] {
  if (!vectorless || vectorless.count === 0) return hits.slice(0, depth);
  return hits.filter((hit) => !vectorless.lacks(hit.index)).slice(0, depth);
}

/**
 * Fusion where some keyword hits have no vector (issue 18): such a paper stands in the semantic list with the
 * cosine found at its own keyword rank (the best cosine for the best keyword hit, and so on), but never above
 * the cosine of the paper Keywords ranks first when that one has a vector; then everything is fused as usual.
 * So the keyword winner is first while it waits for its vector, and, once it has one, no paper without a vector
 * passes it: it ranks at least as high as it will when the import is done. Stand-ins are marked `wordsOnly`.
 */
export function fuseWithVectorless(semantic: readonly Hit[], keyword: readonly Hit[], fusion: FusionOptions, vectorless: Vectorless | null): RankedHit[] {
  if (!vectorless || vectorless.count === 0 || !keyword.some((hit) => vectorless.lacks(hit.index))) return fuse(semantic, keyword, fusion);
  const floor = semantic.length > 0 ? semantic[semantic.length - 1].score : 0;
  const leader = keyword[0].index;
  const cap = vectorless.lacks(leader) ? Infinity : (semantic.find((hit) => hit.index === leader)?.score ?? floor);
  const standIns: Hit[] = [];
  keyword.forEach((hit, rank) => {
    if (vectorless.lacks(hit.index)) standIns.push({ index: hit.index, score: Math.min(semantic[rank]?.score ?? floor, cap) });
  });
  const wordsOnly = new Set(standIns.map((hit) => hit.index));
  const merged = [...semantic, ...standIns].sort((a, b) => b.score - a.score || a.index - b.index);
  return fuse(merged, keyword, fusion).map((hit) => (wordsOnly.has(hit.index) ? { ...hit, wordsOnly: true } : hit));
}
