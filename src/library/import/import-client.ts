import { Comlink, spawnService } from '../../base/worker-rpc.ts';
import type { CorpusErrorData, ImportFile, ImportProgress, ParsedLibrary, ParseOptions, ParseOutcome } from './import-api.ts';
import type { ImportService } from './import-service.ts';
import { CorpusFormatError } from '../../corpus/types.ts';

export type { ImportProgress, ParsedLibrary, ParseOptions } from './import-api.ts';

/** The page's view of the import worker: ImportService's methods, each returning a promise. */
export type ImportRemote = Comlink.Remote<ImportService>;

/**
 * Papers per message from the worker. Deserialising a message is one task on the page; 2,000 papers of up to
 * ~1.5 kB (a 60 MB CSV of 40,000 rows) is ~3 MB a message, well inside the 200 ms budget (`npm run bench --
 * --only-import`: import_longest_task_ms, app_import_csv_longest_task_ms).
 */
const CHUNK = 2000;

/** Turns the worker's error answer back into the error the rest of the app knows. */
export function corpusError(data: CorpusErrorData): CorpusFormatError {
  return new CorpusFormatError(data.file, data.line, data.problem, data.code, data.details);
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('import cancelled', 'AbortError');
}

/**
 * Parses, hashes and matches vectors in a worker of its own, which is terminated afterwards so its memory
 * (the file's bytes, the text, the parser's state) is returned at once. `files` arrive already read (the
 * caller reads them with File.arrayBuffer(), which does not block) and are transferred, not copied.
 */
async function parseInWorker(read: () => Promise<ImportFile[]>, options: ParseOptions, onProgress: (progress: ImportProgress) => void, signal?: AbortSignal): Promise<ParsedLibrary> {
  if (signal?.aborted) throw abortError(signal);
  // A worker that fails or dies rejects its pending calls (spawnService); an abort stops them here.
  const worker = spawnService<ImportService>(new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'import' }), 'import');
  const { api } = worker;
  let stop!: (reason: unknown) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => undefined);
  const onAbort = () => stop(abortError(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });
  const guarded = <T>(work: Promise<T>): Promise<T> => Promise.race([work, stopped]);
  try {
    const files = await guarded(read());
    const buffers = files.map((file) => file.bytes.buffer as ArrayBuffer);
    const outcome = await guarded<ParseOutcome>(api.parse(Comlink.transfer(files, buffers), options, Comlink.proxy(onProgress)));
    if (!outcome.ok) throw corpusError(outcome.error);
    const { count, ...head } = outcome.library;
    // All chunks are asked for at once: the worker serialises the next while the page deserialises the last,
    // and each arriving chunk is a task of its own on the page.
    const starts = Array.from({ length: Math.ceil(count / CHUNK) }, (_, i) => i * CHUNK);
    let received = 0;
    const chunks = await guarded(
      Promise.all(
        starts.map(async (start) => {
          const chunk = await api.papers(start, Math.min(count, start + CHUNK));
          received += chunk.papers.length;
          onProgress({ stage: 'receiving', done: received, total: count });
          return chunk;
        }),
      ),
    );
    return { ...head, papers: chunks.flatMap((chunk) => chunk.papers), hashes: chunks.flatMap((chunk) => chunk.hashes) };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    worker.terminate();
  }
}

/**
 * Imports the files a person chose: a library export (BibTeX, RIS, CSL-JSON/JSON, JSONL, CSV/TSV, arXiv XML,
 * Daily Papers .txt), or what `npm run index` wrote (corpus.json, with its vectors.bin for precomputed vectors,
 * or the single library.psl). Resolves with the papers, their content hashes and the vectors that belong to
 * them; rejects with CorpusFormatError (file, line, problem, code) for bad input, or with the signal's reason
 * (an AbortError) when `signal` aborts, which terminates the worker mid-parse.
 */
export function parseFilesInWorker(files: readonly File[], options: ParseOptions = {}, onProgress: (progress: ImportProgress) => void = () => {}, signal?: AbortSignal): Promise<ParsedLibrary> {
  const total = files.reduce((sum, file) => sum + file.size, 0);
  return parseInWorker(
    async () => {
      onProgress({ stage: 'reading', done: 0, total });
      const read: ImportFile[] = [];
      let done = 0;
      for (const file of files) {
        read.push({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
        done += file.size;
        onProgress({ stage: 'reading', done, total });
      }
      return read;
    },
    options,
    onProgress,
    signal,
  );
}

/**
 * Imports pasted text as if it were a file called `nameHint` (an extension such as ".bib" helps detection when
 * the content alone cannot tell; otherwise the content decides).
 */
export function parseTextInWorker(text: string, nameHint = 'pasted text', options: ParseOptions = {}, onProgress: (progress: ImportProgress) => void = () => {}, signal?: AbortSignal): Promise<ParsedLibrary> {
  return parseInWorker(async () => [{ name: nameHint, bytes: new TextEncoder().encode(text) }], options, onProgress, signal);
}
