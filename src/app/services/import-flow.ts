import type { ColumnChoice } from '../../corpus/import.ts';
import { CorpusFormatError } from '../../corpus/types.ts';
import type { ModelInfo } from '../../embedding/worker-api.ts';
import type { ImportProgress, ParsedLibrary, ParseOptions } from '../../library/import/import-client.ts';
import { uniqueName } from '../../library/library-store.ts';
import { estimateImportBytes, roomForImport, type PersistenceResult } from '../../library/storage-status.ts';
import type { LibraryInfo } from '../../library/types.ts';
import type { LoadedCorpus } from '../bundled-corpus.ts';
import { formatBytes } from '../format.ts';
import { importSummaryText } from '../import-summary.ts';
import { notice } from '../notices.ts';
import { describe, type AppState } from './app-state.ts';
import type { AppDeps, CacheLike, LibraryStoreLike } from './deps.ts';
import { keepImport } from './keep-import.ts';

/** What an import reads: chosen or dropped files, or pasted text. */
export type ImportSource = { kind: 'files'; files: readonly File[]; name: string } | { kind: 'text'; text: string; name: string };

/** How an import ended: a library to open, a question about CSV columns put to the person, or refused. */
export type ImportResult = { kind: 'opened'; corpus: LoadedCorpus } | { kind: 'ask-columns' } | { kind: 'rejected' };

export interface ImportParts {
  state: AppState;
  deps: Pick<AppDeps, 'parseFiles' | 'parseText' | 'storage'>;
  store: LibraryStoreLike;
  cache: CacheLike;
  /** Content hashes every library uses (vectors taken back out after a refused save keep these). */
  referencedHashes: () => Promise<ReadonlySet<string>>;
}

/**
 * From a file or pasted text to a stored library: parsed in a worker (the page never freezes), the storage
 * quota checked first, kept as a named library with any vectors that came with it. A file that does not parse
 * changes nothing: the message names the file and line.
 */
export class ImportFlow {
  /** An import waiting for the person to choose CSV columns. */
  private pending: ImportSource | null = null;
  private persistenceAsked = false;

  constructor(private readonly parts: ImportParts) {}

  async run(source: ImportSource, model: ModelInfo, columns?: ColumnChoice): Promise<ImportResult> {
    const { state, deps } = this.parts;
    const options: ParseOptions = { expectedModel: { modelKey: model.modelKey, dims: model.dims }, ...(columns ? { columns } : {}) };
    // The worker's progress messages can arrive after its answer: once parsing has ended they must not bring
    // the bar back (issue 18: a failed paste left "Importing Pasted list · 0 B of 249 B" on screen).
    let parsing = true;
    const onProgress = (progress: ImportProgress) => {
      if (parsing) state.update({ importing: { name: source.name, ...progress } });
    };
    state.update({ importing: { name: source.name, stage: 'reading', done: 0, total: 1 }, columnQuestion: null });
    let parsed: ParsedLibrary;
    try {
      parsed = await (source.kind === 'files' ? deps.parseFiles(source.files, options, onProgress) : deps.parseText(source.text, options, onProgress)).finally(() => (parsing = false));
      if (parsed.papers.length === 0) throw new CorpusFormatError(source.name, 1, 'expected at least one paper, found none', 'empty');
    } catch (error) {
      state.update({ importing: null });
      if (error instanceof CorpusFormatError && error.code === 'ambiguous-columns' && error.details) {
        this.pending = source;
        state.update({ columnQuestion: { file: error.file, headers: error.details.headers, candidates: error.details.candidates } });
        return { kind: 'ask-columns' };
      }
      state.notify(notice('import-rejected', { problem: describe(error) }));
      return { kind: 'rejected' };
    }
    state.withdraw('import-rejected');
    await this.warnIfStorageTight(parsed, model.dims);
    state.update({ importing: { name: source.name, stage: 'saving', done: 0, total: 1 } });
    const { id, name } = await this.keep(source.name, parsed);
    state.notify(notice('import-summary', { summary: importSummaryText(name, parsed) }));
    // The bar stays while the keyword index is built (seconds for a big library); the controller clears it once open.
    state.update({ importing: { name: source.name, stage: 'indexing', done: 0, total: 1 } });
    return { kind: 'opened', corpus: { id, name, kind: 'imported', papers: parsed.papers, hashes: parsed.hashes, precomputed: parsed.vectors } };
  }

  /** The import that asked for columns, taken (the question is withdrawn either way); null when none waits. */
  takePending(): ImportSource | null {
    const pending = this.pending;
    this.pending = null;
    this.parts.state.update({ columnQuestion: null });
    return pending;
  }

  /** Asks the browser, once, to keep the person's libraries through storage pressure, and says what it answered. */
  async askToPersist(): Promise<void> {
    const { state, deps, store } = this.parts;
    if (this.persistenceAsked || store.kind !== 'indexeddb') return;
    this.persistenceAsked = true;
    const result = await deps.storage.persist().catch((): PersistenceResult => 'unsupported');
    if (result === 'granted') state.notify(notice('storage-persisted'));
    else if (result === 'denied') state.notify(notice('storage-not-persisted'));
    const status = await deps.storage.status().catch(() => null);
    if (status) state.update({ storageInfo: status });
  }

  /** Says so before the library is written when the browser's quota will not hold it, not after a write fails. */
  private async warnIfStorageTight(parsed: ParsedLibrary, dims: number): Promise<void> {
    const { state, deps } = this.parts;
    const status = await deps.storage.status().catch(() => null);
    if (!status) return;
    state.update({ storageInfo: status });
    const textBytes = parsed.papers.reduce((sum, paper) => sum + paper.title.length + paper.abstract.length, 0);
    const room = roomForImport(status, estimateImportBytes(parsed.papers.length, textBytes, dims));
    if (!room.ok) state.notify(notice('storage-tight', { needed: formatBytes(room.neededBytes), available: formatBytes(Math.max(0, room.availableBytes)) }));
  }

  /** Stores the library with its vectors, or neither; when storage refuses, it stays open for this tab under a temporary id. */
  private async keep(wanted: string, parsed: ParsedLibrary): Promise<{ id: string; name: string }> {
    const { state, store, cache, referencedHashes } = this.parts;
    const existing = (await store.list().catch(() => [] as LibraryInfo[])).map((info) => info.name);
    const kept = await keepImport({ libraries: store, cache, referencedHashes }, uniqueName(existing, wanted), parsed);
    if (!kept.saved) state.notify(notice('import-not-saved', { name: kept.name, reason: kept.reason }));
    return kept;
  }
}

/** A library is named after its file; `npm run index` output after the file that is not the vectors. */
export function libraryNameOf(files: readonly File[]): string {
  const named = files.find((file) => !/\.bin$/i.test(file.name)) ?? files[0];
  return named.name;
}
