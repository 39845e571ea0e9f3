/** One searchable paper. `id` is stable (derived from the title, or given by the source); the text may change. */
export interface Paper {
  id: string;
  title: string;
  abstract: string;
}

/** A corpus file that could not be read: which file, which line, and what was expected there. */
export class CorpusFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'CorpusFormatError';
  }
}
