import * as Comlink from 'comlink';
import { decodeVectorRows, isVectorFile, type VectorRowsFile } from '../../index/vector-file.ts';
import type { CorpusErrorData, ImportFile, ImportProgress, LibraryHead, PaperChunk, ParsedLibrary, ParseOptions, ParseOutcome } from './import-api.ts';
import { parseLibraryText } from '../../corpus/import.ts';
import { decodeText } from '../../corpus/formats/decode.ts';
import { PROGRESS_EVERY } from '../../corpus/formats/fields.ts';
import { contentHash } from '../../base/paper-id.ts';
import { checkModel, isIndexCorpus, matchVectors, papersFromBundle, parseIndexCorpus } from './precomputed-library.ts';
import type { Paper } from '../../base/paper.ts';
import { CorpusFormatError, type CorpusErrorCode } from '../../corpus/types.ts';

/** The codes only a set of files can produce (parseLibrary, which reads one library file, never gives them). */
export const FILE_SET_ERROR_CODES = ['too-many-files', 'malformed-vectors', 'vectors-without-papers', 'vectors-wrong-model', 'vectors-other-papers'] as const satisfies readonly CorpusErrorCode[];

/**
 * What the import worker does: reads the chosen files (a library export in any format parseLibrary reads, or
 * what `npm run index` writes), parses them, hashes every paper and matches precomputed vectors, off the page's
 * thread. The worker file only exposes an instance (import.worker.ts); the page uses import-client.ts.
 *
 * The papers do not come back with parse(): the page takes them with papers(start, end) in chunks, because
 * structured-cloning 100,000 papers into the page is itself one long main-thread task (the page deserialises a
 * message in one go). Bad input is an answer, not a thrown error, so its file, line and code survive comlink.
 */
export class ImportService {
  private parsed: { papers: Paper[]; hashes: string[] } | null = null;

  async parse(files: ImportFile[], options: ParseOptions, onProgress: (progress: ImportProgress) => void): Promise<ParseOutcome> {
    this.parsed = null;
    let library: ParsedLibrary;
    try {
      library = parseFiles(files, options, throttled(onProgress));
    } catch (error) {
      if (error instanceof CorpusFormatError) return { ok: false, error: errorData(error) };
      throw error;
    }
    const { papers, hashes, ...rest } = library;
    this.parsed = { papers, hashes };
    const head: LibraryHead = { ...rest, count: papers.length };
    const outcome: ParseOutcome = { ok: true, library: head };
    const rows = library.vectors?.rows;
    return Comlink.transfer(outcome, rows ? [rows.data.buffer as ArrayBuffer, rows.scales.buffer as ArrayBuffer] : []);
  }

  /** Papers start..end-1 of the last parse, with their content hashes. */
  async papers(start: number, end: number): Promise<PaperChunk> {
    if (!this.parsed) throw new Error('import worker: papers() before a successful parse()');
    return { papers: this.parsed.papers.slice(start, end), hashes: this.parsed.hashes.slice(start, end) };
  }

  /** Forgets the last parse (the page terminates the worker instead; tests and long-lived workers call this). */
  async release(): Promise<void> {
    this.parsed = null;
  }
}

export function errorData(error: CorpusFormatError): CorpusErrorData {
  const data: CorpusErrorData = { file: error.file, line: error.line, problem: error.problem };
  if (error.code) data.code = error.code;
  if (error.details) data.details = error.details;
  return data;
}

/** Progress messages are not worth more than ~20 a second; a stage's first and last always go out. */
const PROGRESS_GAP_MS = 50;

function throttled(report: (progress: ImportProgress) => void): (progress: ImportProgress) => void {
  let stage = '';
  let last = -Infinity;
  return (progress) => {
    const now = performance.now();
    if (progress.stage === stage && progress.done < progress.total && now - last < PROGRESS_GAP_MS) return;
    stage = progress.stage;
    last = now;
    void report(progress); // a comlink proxy returns a promise: nothing to wait for
  };
}

function fileList(files: readonly ImportFile[]): string {
  return files.map((file) => file.name).join(', ');
}

/** A vector file's own checks (vector-file.ts) as a corpus error: damaged or truncated. */
function readVectors(file: ImportFile): VectorRowsFile {
  try {
    return decodeVectorRows(file.bytes, file.name);
  } catch (error) {
    const message = (error as Error).message;
    const problem = message.startsWith(`${file.name}: `) ? message.slice(file.name.length + 2) : message;
    throw new CorpusFormatError(file.name, 1, `expected a vector file as npm run index writes it, but ${problem}`, 'malformed-vectors');
  }
}

/**
 * The chosen files → a library. One library file (any format; corpus.json included), optionally with one
 * vectors.bin; or one library.psl bundle alone. Throws CorpusFormatError for anything else.
 */
export function parseFiles(files: readonly ImportFile[], options: ParseOptions, report: (progress: ImportProgress) => void): ParsedLibrary {
  const bytes = files.reduce((sum, file) => sum + file.bytes.length, 0);
  report({ stage: 'reading', done: bytes, total: bytes });
  if (files.length === 0) throw new CorpusFormatError('(no file)', 1, 'expected a library file, found no file chosen', 'empty');
  const vectorFiles = files.filter((file) => isVectorFile(file.bytes));
  const libraries = files.filter((file) => !isVectorFile(file.bytes));
  if (vectorFiles.length > 1) {
    throw new CorpusFormatError(vectorFiles[1].name, 1, `expected at most one vector file, found ${vectorFiles.length} (${fileList(vectorFiles)})`, 'too-many-files');
  }
  if (libraries.length > 1) {
    throw new CorpusFormatError(
      libraries[1].name,
      1,
      `expected one library file (or corpus.json with its vectors.bin), found ${libraries.length} (${fileList(libraries)}): import them one at a time`,
      'too-many-files',
    );
  }
  const vectorFile = vectorFiles[0] as ImportFile | undefined;
  const libraryFile = libraries[0] as ImportFile | undefined;
  const vectors = vectorFile ? readVectors(vectorFile) : null;
  // The model is checked first: a file from another model is refused before its papers are read.
  if (vectors && options.expectedModel) checkModel(vectorFile!.name, vectors, options.expectedModel);
  if (vectors?.papers && libraryFile) {
    throw new CorpusFormatError(libraryFile.name, 1, `expected ${vectorFile!.name} alone: it already holds its papers, so ${libraryFile.name} has no place beside it`, 'too-many-files');
  }
  if (vectors && !vectors.papers && !libraryFile) {
    throw new CorpusFormatError(
      vectorFile!.name,
      1,
      'expected the papers these vectors belong to as well: choose the corpus.json written beside this vector file too (or the library.psl bundle, which holds both)',
      'vectors-without-papers',
    );
  }

  let parsed: { papers: Paper[]; summary: ParsedLibrary['summary']; format: ParsedLibrary['format'] };
  if (libraryFile) {
    const size = libraryFile.bytes.length;
    const parsing = (fraction: number) => report({ stage: 'parsing', done: Math.round(fraction * size), total: size });
    parsing(0);
    const text = decodeText(libraryFile.name, libraryFile.bytes);
    parsed = isIndexCorpus(text)
      ? { ...parseIndexCorpus(libraryFile.name, text, parsing), format: 'index-output' }
      : parseLibraryText(libraryFile.name, text, parsing, { columns: options.columns });
    parsing(1);
  } else {
    const count = vectors!.papers!.length;
    const parsing = (fraction: number) => report({ stage: 'parsing', done: Math.round(fraction * count), total: count });
    parsing(0);
    parsed = { ...papersFromBundle(vectorFile!.name, vectors!.papers!, parsing), format: 'index-output' };
    parsing(1);
  }

  const { papers } = parsed;
  const hashes = new Array<string>(papers.length);
  for (let i = 0; i < papers.length; i++) {
    hashes[i] = contentHash(papers[i]);
    if ((i + 1) % PROGRESS_EVERY === 0) report({ stage: 'hashing', done: i + 1, total: papers.length });
  }
  report({ stage: 'hashing', done: papers.length, total: papers.length });

  let matched: ParsedLibrary['vectors'] = null;
  if (vectors) {
    report({ stage: 'vectors', done: 0, total: papers.length });
    matched = matchVectors(vectorFile!.name, vectors, hashes, (done) => report({ stage: 'vectors', done, total: papers.length }));
  }
  return { papers, hashes, format: parsed.format, summary: parsed.summary, vectors: matched };
}
