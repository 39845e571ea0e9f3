import { CodedError } from '../base/errors.ts';

/**
 * Every reason an import can fail, one stable code each, so tests and the UI can tell them apart without parsing
 * messages. The text says what the person can do about it.
 */
export const CORPUS_ERROR_CODES = {
  'not-text': 'The file is binary (an image, PDF, archive…), not a text export of a library.',
  'not-utf8': 'The file is text but not UTF-8; export it again as UTF-8.',
  'unknown-format': 'Neither the file name nor the content matches a format this app reads.',
  empty: 'The file holds no papers.',
  'malformed-json': 'A JSON value does not parse.',
  'not-an-object': 'A JSON value where one paper was expected is not an object.',
  'wrong-type': 'A field has the wrong type (for example a number where the title should be).',
  'missing-title': 'No record in the file has a title (records without one are skipped, but not all of them).',
  'duplicate-id': 'The same explicit "_id" is given to two different papers.',
  'malformed-bibtex': 'A BibTeX entry does not parse.',
  'malformed-ris': 'A RIS line is out of place.',
  'unterminated-record': 'A RIS record has no "ER  - " line before the next record or the end of the file.',
  'malformed-csv': 'A CSV/TSV row does not parse (an unclosed quote, or more fields than the header).',
  'ambiguous-columns': 'The title or abstract column of a CSV/TSV file cannot be told from its header; choose them.',
  'unknown-column': 'A column chosen for the title or abstract is not in the header.',
  'malformed-xml': 'The XML is not well-formed.',
  'unsupported-xml': 'The XML is neither an arXiv Atom feed nor OAI-PMH records.',
  'malformed-listing': 'A Daily Papers listing does not follow the title/abstract layout.',
  'too-many-files':
    'More than one library, or more than one vector file, was chosen; choose one library, or the corpus.json and vectors.bin that `npm run index` wrote together.',
  'malformed-vectors': 'A vector file (vectors.bin, library.psl) is damaged: truncated, or its header does not parse.',
  'vectors-without-papers': 'A vectors.bin was chosen without its papers; choose the corpus.json beside it too (or the library.psl bundle).',
  'vectors-wrong-model': 'The vectors were made with another model, or another version of it, than this app uses; run `npm run index` again with this version.',
  'vectors-other-papers': 'None of the vectors belongs to the chosen papers: the corpus.json and vectors.bin come from different runs.',
} as const;

export type CorpusErrorCode = keyof typeof CORPUS_ERROR_CODES;

/** Carried by 'ambiguous-columns' (and 'unknown-column'), so the UI can ask which columns to use. */
export interface ColumnChoiceDetails {
  /** The header row, in file order. */
  headers: string[];
  /** Header names that look like a title / an abstract column (empty when none does). */
  candidates: { title: string[]; abstract: string[] };
}

/** A corpus file that could not be read: which file, which line, and what was expected there. */
export class CorpusFormatError extends CodedError<CorpusErrorCode | undefined> {
  /** @param code undefined while a parser has not classified the problem yet (the importer then does) */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
    code?: CorpusErrorCode,
    readonly details?: ColumnChoiceDetails,
  ) {
    super('CorpusFormatError', code, problem, `${file}:${line}: ${problem}`);
  }
}
