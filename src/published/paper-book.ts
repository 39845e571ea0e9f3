import type { Paper } from '../base/paper.ts';
import type { PagedTexts } from '../search/searcher.ts';
import type { TextShardReader } from './text-shards/reader.ts';

/** What a read gives per row: the paper, or why its text could not be read. Rows left out could not be read. */
export type PaperRead = ReadonlyMap<number, Paper | Error>;

/**
 * The papers of a published library that this page has read so far. A million abstracts are never all in the
 * tab: text shards are fetched when results are shown (src/published/text-shards). `papers` is a sparse array
 * indexed by row, the shape results use everywhere (`papers[hit.index]`), holding only what was loaded.
 *
 * A row whose text cannot be read (a damaged or missing shard, offline) holds a stand-in that says so, so the
 * results still show it and the answer settles (issue 19); a later load tries it again.
 */
export class PaperBook implements PagedTexts {
  readonly papers: Paper[];
  private readonly rowById = new Map<string, number>();
  private readonly inFlight = new Map<number, Promise<string | null>>();
  private readonly standIns = new Set<number>();

  constructor(
    readonly count: number,
    private readonly read: (rows: readonly number[]) => Promise<PaperRead>,
  ) {
    this.papers = new Array<Paper>(count);
  }

  /** True when the row's paper itself was read (not a stand-in). */
  has(row: number): boolean {
    return this.papers[row] !== undefined && !this.standIns.has(row);
  }

  /** True when the row can be shown: its paper, or a stand-in saying its text is unavailable. */
  shown(row: number): boolean {
    return this.papers[row] !== undefined;
  }

  /** The row of a loaded paper (links such as ?like=<id> name papers by id). */
  rowOf(id: string): number | undefined {
    return this.rowById.get(id);
  }

  /**
   * Loads the papers of `rows` not loaded yet; concurrent calls for the same rows share one read. Never rejects:
   * resolves why some rows could not be read (they get stand-ins), or null when every row was.
   */
  async load(rows: readonly number[]): Promise<string | null> {
    const missing = [...new Set(rows)].filter((row) => row >= 0 && row < this.count && !this.has(row) && !this.inFlight.has(row));
    if (missing.length > 0) {
      const reading = this.read(missing).then(
        (found) => this.keep(missing, found),
        (error: unknown) => this.keep(missing, new Map(missing.map((row) => [row, error instanceof Error ? error : new Error(String(error))]))),
      );
      const settled = reading.finally(() => missing.forEach((row) => this.inFlight.delete(row)));
      missing.forEach((row) => this.inFlight.set(row, settled));
    }
    const problems = await Promise.all(rows.map((row) => this.inFlight.get(row)));
    return problems.find((problem) => problem) ?? null;
  }

  private keep(rows: readonly number[], found: PaperRead): string | null {
    let problem: string | null = null;
    for (const row of rows) {
      const paper = found.get(row);
      if (paper && !(paper instanceof Error)) {
        this.papers[row] = paper;
        this.standIns.delete(row);
        this.rowById.set(paper.id, row);
        continue;
      }
      const reason = paper?.message ?? 'not in the text shard';
      problem ??= reason;
      this.papers[row] = standIn(row, reason);
      this.standIns.add(row);
    }
    return problem;
  }
}

/** What a result whose text could not be read shows. Its id is the row's, so it never matches a real paper. */
function standIn(row: number, reason: string): Paper {
  return { id: `row-${row}-text-unavailable`, title: `Text unavailable (paper ${row + 1})`, abstract: `Text unavailable: ${reason}` };
}

/** A book over a library's text shards, read shard by shard: one damaged or missing shard costs only its own rows. */
export function paperBookOf(text: TextShardReader): PaperBook {
  const perShard = text.manifest.papersPerShard;
  return new PaperBook(text.count, async (rows) => {
    const byShard = new Map<number, number[]>();
    for (const row of rows) {
      const shard = Math.floor(row / perShard);
      byShard.set(shard, [...(byShard.get(shard) ?? []), row]);
    }
    const read = await Promise.all(
      [...byShard.values()].map((shardRows) =>
        text.papers(shardRows).then(
          (papers) => shardRows.map((row, i): [number, Paper | Error] => [row, papers[i]]),
          (error: unknown) => shardRows.map((row): [number, Paper | Error] => [row, error instanceof Error ? error : new Error(String(error))]),
        ),
      ),
    );
    return new Map(read.flat());
  });
}
