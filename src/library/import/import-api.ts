import type { ColumnChoice, ImportSummary, LibraryFormat } from '../../corpus/import.ts';
import type { ExpectedModel, PrecomputedVectors } from './precomputed-library.ts';
import type { Paper } from '../../base/paper.ts';
import type { ColumnChoiceDetails, CorpusErrorCode } from '../../corpus/types.ts';

/**
 * The plain-data types that cross the boundary between the page and the import worker. The worker's methods are
 * those of ImportService (import-service.ts); the page's client type is `Comlink.Remote<ImportService>`
 * (import-client.ts). Type-only imports: the page never loads the parsers.
 */

export type { ExpectedModel, PrecomputedVectors } from './precomputed-library.ts';

/** One chosen file: its name (the format may be told from it) and its bytes. */
export interface ImportFile {
  name: string;
  bytes: Uint8Array;
}

export interface ParseOptions {
  /** CSV/TSV: the title (and abstract) columns, answering an 'ambiguous-columns' error. */
  columns?: ColumnChoice;
  /**
   * The model the app embeds with. Precomputed vectors (vectors.bin, library.psl) made by another one are
   * refused with 'vectors-wrong-model'. Without it, vectors are returned unchecked.
   */
  expectedModel?: ExpectedModel;
}

/**
 * reading: the files' bytes (done/total in bytes); parsing: the library (bytes of text); hashing: content hashes
 * (papers); vectors: matching precomputed vectors to papers (papers); receiving: papers handed from the worker to
 * the page (papers; reported by import-client.ts, not the worker). Stages come in this order, `done` never
 * decreases within one, and each ends with done === total.
 */
export type ImportStage = 'reading' | 'parsing' | 'hashing' | 'vectors' | 'receiving';

export interface ImportProgress {
  stage: ImportStage;
  done: number;
  total: number;
}

/** 'index-output': the corpus.json (+ vectors.bin) or library.psl that `npm run index` writes. */
export type ParsedFormat = LibraryFormat | 'index-output';

/** An imported library, ready for the app: papers, their content hashes, and precomputed vectors if any came. */
export interface ParsedLibrary {
  papers: Paper[];
  /** contentHash(papers[i]), computed in the worker so the page never hashes 100,000 abstracts. */
  hashes: string[];
  format: ParsedFormat;
  summary: ImportSummary;
  /** Vectors from vectors.bin / library.psl that belong to these papers (rows in paper order); else null. */
  vectors: PrecomputedVectors | null;
}

/** What parse() answers: everything but the papers, which the page takes in chunks (see ImportService.papers). */
export interface LibraryHead extends Omit<ParsedLibrary, 'papers' | 'hashes'> {
  count: number;
}

export interface PaperChunk {
  papers: Paper[];
  hashes: string[];
}

/** A CorpusFormatError as plain data: comlink would carry only an Error's name, message and stack. */
export interface CorpusErrorData {
  file: string;
  line: number;
  problem: string;
  code?: CorpusErrorCode;
  details?: ColumnChoiceDetails;
}

export type ParseOutcome = { ok: true; library: LibraryHead } | { ok: false; error: CorpusErrorData };
