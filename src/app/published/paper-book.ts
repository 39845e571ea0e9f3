import type { Paper } from '../../base/paper.ts';

/**
 * The papers of a published library that this page has read so far. A million abstracts are never all in the
 * tab: text shards are fetched when results are shown (src/corpus/text-shards). `papers` is a sparse array indexed
 * by row, the shape results use everywhere (`papers[hit.index]`), holding only what was loaded.
 */
export class PaperBook {
  readonly papers: Paper[];
  private readonly rowById = new Map<string, number>();
  private readonly inFlight = new Map<number, Promise<void>>();

  constructor(
    readonly count: number,
    private readonly read: (rows: readonly number[]) => Promise<ReadonlyMap<number, Paper>>,
  ) {
    this.papers = new Array<Paper>(count);
  }

  has(row: number): boolean {
    return this.papers[row] !== undefined;
  }

  /** The row of a loaded paper (links such as ?like=<id> name papers by id). */
  rowOf(id: string): number | undefined {
    return this.rowById.get(id);
  }

  /** Loads the papers of `rows` not loaded yet; concurrent calls for the same rows share one read. */
  async load(rows: readonly number[]): Promise<void> {
    const missing = [...new Set(rows)].filter((row) => row >= 0 && row < this.count && !this.has(row) && !this.inFlight.has(row));
    if (missing.length > 0) {
      const reading = this.read(missing).then((found) => {
        for (const [row, paper] of found) {
          this.papers[row] = paper;
          this.rowById.set(paper.id, row);
        }
      });
      const settled = reading.finally(() => missing.forEach((row) => this.inFlight.delete(row)));
      missing.forEach((row) => this.inFlight.set(row, settled));
    }
    await Promise.all(rows.map((row) => this.inFlight.get(row)));
  }
}
