/**
 * One searchable paper. `id` is stable (derived from the title for the bundled listing, from title and abstract for
 * imported libraries, or given by the source as `_id`); the text may change. The metadata fields are optional: a
 * Daily Papers listing has none, a BibTeX or RIS export usually has most.
 */
export interface Paper {
  id: string;
  title: string;
  abstract: string;
  /** "First Last", in the order the source lists them. */
  authors?: string[];
  year?: number;
  /** Journal, proceedings or book the paper appeared in. */
  venue?: string;
  /** Bare DOI ("10.1234/abc"), without a resolver prefix. */
  doi?: string;
  url?: string;
  /** arXiv identifier without version ("2101.00001", "hep-th/9901001"). */
  arxivId?: string;
  /** The citation key the source gave it (BibTeX's `@article{key,`): kept so an export does not break `\cite{key}`. */
  citationKey?: string;
}

/** The bibliographic fields a paper may carry besides its id, title and abstract. */
export type PaperMetadata = Pick<Paper, 'authors' | 'year' | 'venue' | 'doi' | 'url' | 'arxivId' | 'citationKey'>;
