import type { EmbeddingSupervisor } from '../../embedding/supervisor.ts';
import { LatestOnly } from '../../base/latest-only.ts';
import { EXAMPLE_ERROR_CODES, type Examples } from '../../search/examples.ts';
import type { SearchMode } from '../../search/search.ts';
import { notice } from '../notices.ts';
import { describeParts, emptyOutcome, MAX_QUERY_CHARS, memorySource, searchLibrary, type QueryEmbedder, type SearchOutcome } from '../../search/searcher.ts';
import type { AppState } from './app-state.ts';
import type { OpenLibrary, OpenLibrarySlot } from './open-library.ts';

export interface SearchParts {
  state: AppState;
  engine: Pick<EmbeddingSupervisor, 'embedQuery' | 'state'>;
  slot: OpenLibrarySlot;
  /** A published library's vectors are installed and made by this app's model. */
  publishedVectorsReady(): boolean;
}

/** An answer, and the pinned papers left out of it because the open library does not hold them. */
export type SearchAnswer = SearchOutcome & { droppedExamples: readonly string[] };

/**
 * The one place the controller calls the searchers: the open library decides which. Pinned examples the
 * library does not hold (an old link, another library's ?like=) are dropped with a notice and named in the
 * answer, so the view drops them too.
 */
export class SearchDispatch {
  private readonly latest = new LatestOnly();

  constructor(private readonly parts: SearchParts) {}

  /** Ranks papers for a query; resolves `undefined` when a newer search superseded this one. */
  search(query: string, mode: SearchMode, examples: Examples | null = null): Promise<SearchAnswer | undefined> {
    return this.latest.run(async () => {
      const { state, engine, slot } = this.parts;
      // Everything this search reads is taken now: a library switch during the await below cannot mix in.
      const open = slot.current;
      if (open.kind === 'none') return nothingOpen(query, mode, examples);
      const { usable, dropped } = this.usableExamples(open, examples);
      const embedder: QueryEmbedder = { embedQuery: (text) => engine.embedQuery(text), available: () => engine.state.kind !== 'unavailable' };
      const outcome =
        open.kind === 'published'
          ? await searchLibrary(open.library.searchable, { ...embedder, available: () => embedder.available() && this.parts.publishedVectorsReady() }, query, mode, usable)
          : await searchLibrary(memorySource(open.corpus), embedder, query, mode, usable);
      if (outcome.fallback === 'query-failed' && !outcome.unavailable.some((problem) => problem.part === 'meaning')) state.notify(notice('query-failed'));
      if (outcome.unavailable.length > 0) state.notify(notice('part-unavailable', { parts: describeParts(outcome.unavailable) }));
      else state.withdraw('part-unavailable');
      if (outcome.queryCut) state.notify(notice('query-cut', { length: outcome.queryCut, kept: MAX_QUERY_CHARS }));
      else state.withdraw('query-cut');
      if (outcome.exampleProblem) state.notify(notice('examples-unusable', { reason: EXAMPLE_ERROR_CODES[outcome.exampleProblem.code] }));
      else state.withdraw('examples-unusable');
      return { ...outcome, droppedExamples: dropped };
    });
  }

  /** The examples the open library holds; null when none is left. Dropped ones are named in a notice. */
  private usableExamples(open: Exclude<OpenLibrary, { kind: 'none' }>, examples: Examples | null): { usable: Examples | null; dropped: string[] } {
    if (!examples) return { usable: null, dropped: [] };
    const holds = open.kind === 'local' ? idsOf(open.corpus.papers) : (id: string) => open.library.searchable.book.rowOf(id) !== undefined;
    const positive = examples.positive.filter(holds);
    const negative = examples.negative.filter(holds);
    const dropped = [...examples.positive, ...examples.negative].filter((id) => !holds(id));
    if (dropped.length === 0) return { usable: examples, dropped };
    this.parts.state.notify(notice('examples-dropped', { count: dropped.length, ids: dropped.join(', ') }));
    return { usable: positive.length + negative.length > 0 ? { positive, negative } : null, dropped };
  }
}

const idSets = new WeakMap<readonly { id: string }[], Set<string>>();

/** Membership in a library's papers, built once per papers array (a search per keystroke must not rebuild it). */
function idsOf(papers: readonly { id: string }[]): (id: string) => boolean {
  let ids = idSets.get(papers);
  if (!ids) idSets.set(papers, (ids = new Set(papers.map((paper) => paper.id))));
  const known = ids;
  return (id) => known.has(id);
}

/** The answer before any library is open (start-up): nothing, and nothing dropped. */
export function nothingOpen(query: string, mode: SearchMode, examples: Examples | null): SearchAnswer {
  return { ...emptyOutcome(query, mode), examples, droppedExamples: [] };
}
