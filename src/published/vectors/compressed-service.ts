import { PublishedLibraryError, type PublishedErrorCode } from '../errors.ts';
import { publishedFileSource } from '../fetch-file.ts';
import type { PublishedFile } from '../../base/files.ts';
import type { Int8Rows } from '../../index/quantized-matrix.ts';
import type { Hit } from '../../index/top-k.ts';
import { codeBytes, signCodesFromInt8, type SignCodes } from '../../index/compressed/binary-codes.ts';
import { CodeStore } from '../../index/compressed/code-store.ts';
import { CompressedIndex, type CompressedOptions } from '../../index/compressed/compressed-index.ts';
import { CompressedIndexError, type CompressedErrorCode } from '../../index/compressed/errors.ts';
import { opfsRowFiles, type RowFile, type RowFileStore } from '../../index/compressed/opfs-rows.ts';
import { decodeRowsFile, rowBytes, type PublishedCodes, type PublishedRows } from './published-vectors.ts';

/**
 * The compressed index as a worker's service (compressed.worker.ts only exposes it; compressed-client.ts is the
 * page's handle). It must run in a dedicated worker: the int8 rows are read through an OPFS sync access
 * handle, which only workers get. Three ways in:
 * - build from rows the page has: begin -> append (int8 rows: to the rows file and to codes) -> finish (codes
 *   to IndexedDB);
 * - install a published library (issue 10): install(spec) fetches its codes and rows files, checks them and
 *   writes them to IndexedDB and OPFS under the library's id; installed(id) says whether that is done;
 * - use: open (codes from IndexedDB, rows file from OPFS) -> search / searchTimed / rows.
 * In both ways in, the codes' manifest is written last, after the rows file is flushed: a build or install
 * stopped half-way leaves no manifest, reads as missing, and is done again from the start.
 */

export interface OpenedIndex {
  count: number;
  dims: number;
  /** Bytes of typed arrays the index holds in the worker (codes, distances, rescoring scratch). */
  heldBytes: number;
  codeBytes: number;
  candidates: number;
  simd: boolean;
  /** Milliseconds to read the codes from IndexedDB into the scan and open the rows file. */
  loadMs: number;
}

export interface TimedHits {
  hits: Hit[];
  /** Milliseconds inside the worker: first pass, row reads, rescoring, top-k. */
  ms: number;
}

/** The IndexedDB database of installed published libraries' codes (keyed by library id). */
export const PUBLISHED_CODES_DB = 'paper-search-published-codes';

/** What install() needs of a published library's manifest (src/published/manifest.ts). */
export interface InstallSpec {
  /** The manifest's id: the key of the codes and the name of the rows file. */
  id: string;
  dims: number;
  count: number;
  codes: PublishedCodes;
  rows: PublishedRows;
  /** URL of the library's folder, ending in '/'; file paths are relative to it. */
  baseUrl: string;
}

export interface InstallProgress {
  loadedBytes: number;
  totalBytes: number;
}

export interface InstallFailure {
  /** 'install-invalid' (compressed/errors.ts), or why a file could not be read or stored (published/errors.ts). */
  code: CompressedErrorCode | PublishedErrorCode;
  /** The file concerned (its path in the library), when one is. */
  file?: string;
  detail: string;
}

/** As an outcome rather than a throw: comlink passes an Error's message across, not its code. */
export type InstallOutcome = { ok: true; alreadyInstalled: boolean; fetchedBytes: number; ms: number } | { ok: false; failure: InstallFailure };

/**
 * Reads one file of a published library, checked against its size and sha256 (PublishedLibraryError by code);
 * `onBytes` gets the bytes received so far for this file (from 0 again if it is fetched again).
 */
export type PublishedFetcher = (baseUrl: string, file: PublishedFile, onBytes: (loaded: number) => void) => Promise<Uint8Array>;

/**
 * The worker's fetcher: the page's verified file source (published/fetch-file.ts), storing nothing in Cache
 * Storage, since these bytes are kept in IndexedDB and OPFS; a copy the offline download stored is still used.
 */
const fetchPublished: PublishedFetcher = (baseUrl, file, onBytes) => publishedFileSource(baseUrl, { keep: () => false })(file, { onBytes });

export interface ServiceDependencies {
  rowFiles: RowFileStore;
  fetchFile: PublishedFetcher;
}

interface Building {
  name: string;
  file: RowFile;
  codes: SignCodes;
}

/** Rows appended to the rows file per call while installing: bounds the interleaving buffer (6.4 MB at 384 dims). */
const INSTALL_APPEND_ROWS = 16_384;
/** Progress is reported at most this often in bytes (each report is a message to the page). */
const PROGRESS_STEP_BYTES = 4 * 1024 * 1024;

export class CompressedSearchService {
  private building: Building | null = null;
  private installing = false;
  private index: CompressedIndex | null = null;
  private rowsFile: RowFile | null = null;
  private readonly rowFiles: RowFileStore;
  private readonly fetchFile: PublishedFetcher;

  /** The worker constructs it with OPFS and fetch; tests pass rows in memory and files from memory. */
  constructor(dependencies: Partial<ServiceDependencies> = {}) {
    this.rowFiles = dependencies.rowFiles ?? opfsRowFiles;
    this.fetchFile = dependencies.fetchFile ?? fetchPublished;
  }

  /**
   * Starts an index named `name` for `count` rows: an empty rows file and room for their codes.
   * @param center the codes' per-dimension thresholds (int8Mean of the rows, or of a sample of them)
   */
  async begin(name: string, dims: number, count: number, center: Float32Array): Promise<void> {
    this.close();
    const file = await this.rowFiles.create(rowsFileName(name), dims);
    const bytes = codeBytes(dims);
    this.building = { name, file, codes: { dims, bytes, count: 0, center, data: new Uint8Array(count * bytes) } };
  }

  /** Appends rows (in order) to the rows file and their codes to the index being built. */
  append(rows: Int8Rows): void {
    const building = this.need(this.building, 'begin');
    const { codes } = building;
    const added = signCodesFromInt8(rows, codes.center);
    if ((codes.count + added.count) * codes.bytes > codes.data.length) throw new Error(`CompressedSearchService: more rows than the ${codes.data.length / codes.bytes} announced`);
    building.file.append(rows);
    codes.data.set(added.data, codes.count * codes.bytes);
    codes.count += added.count;
  }

  /** Flushes the rows file and stores the codes in IndexedDB (`dbName`); returns the milliseconds the save took. */
  async finish(dbName: string): Promise<{ count: number; saveMs: number }> {
    const building = this.need(this.building, 'begin');
    building.file.flush();
    building.file.close();
    const started = performance.now();
    const codes = { ...building.codes, data: building.codes.data.subarray(0, building.codes.count * building.codes.bytes) };
    await new CodeStore(dbName).save(building.name, codes, rowsFileName(building.name));
    this.building = null;
    return { count: codes.count, saveMs: performance.now() - started };
  }

  /** Whether the published library `id` is installed completely (codes committed, rows file of the right size). */
  async installed(id: string, dbName = PUBLISHED_CODES_DB): Promise<boolean> {
    let manifest;
    try {
      manifest = await new CodeStore(dbName).manifest(id);
    } catch (error) {
      if (error instanceof CompressedIndexError) return false;
      throw error;
    }
    if (manifest.label !== rowsFileName(id)) return false;
    try {
      return (await this.rowFiles.size(manifest.label)) === manifest.count * rowBytes(manifest.dims);
    } catch (error) {
      // 'no-opfs': nothing can be installed here; install() reports that code.
      if (error instanceof CompressedIndexError) return false;
      throw error;
    }
  }

  /**
   * Installs a published library's vectors: every codes file into IndexedDB `dbName` under `spec.id`, every rows
   * file into the rows file named after it, each checked (size, sha256) before it is stored; progress in bytes
   * fetched. Does nothing if `installed(spec.id)`. Whatever an earlier, interrupted install left is cleared first.
   * Does not touch the index that is open (search it meanwhile; open the new one when this returns).
   */
  async install(spec: InstallSpec, onProgress: (progress: InstallProgress) => void = () => {}, dbName = PUBLISHED_CODES_DB): Promise<InstallOutcome> {
    if (this.installing) throw new Error('CompressedSearchService: an install is already running');
    this.installing = true;
    const started = performance.now();
    const totalBytes = [...spec.codes.files, ...spec.rows.files].reduce((sum, file) => sum + file.bytes, 0);
    let file: RowFile | null = null;
    let current: PublishedFile | undefined;
    try {
      checkInstallSpec(spec);
      if (await this.installed(spec.id, dbName)) {
        onProgress({ loadedBytes: totalBytes, totalBytes });
        return { ok: true, alreadyInstalled: true, fetchedBytes: 0, ms: performance.now() - started };
      }
      const store = new CodeStore(dbName);
      await store.clear(spec.id);
      file = await this.rowFiles.create(rowsFileName(spec.id), spec.dims);
      const progress = progressReporter(totalBytes, onProgress);
      const fetchOne = async (published: PublishedFile) => {
        current = published;
        const bytes = await this.fetchFile(spec.baseUrl, published, (loaded) => progress.file(loaded));
        if (bytes.length !== published.bytes) throw new PublishedLibraryError('file-damaged', `${bytes.length} bytes, the manifest lists ${published.bytes}`, published.path);
        progress.done(published.bytes);
        return bytes;
      };
      const shards: number[] = [];
      for (const published of spec.codes.files) shards.push(...(await store.putShards(spec.id, shards.length, await fetchOne(published), spec.codes.bytesPerCode)));
      for (const [i, published] of spec.rows.files.entries()) appendInChunks(file, decodeRowsFile(await fetchOne(published), spec.dims, spec.rows.rowsPerFile[i]));
      current = undefined;
      file.flush();
      file.close();
      file = null;
      await store.commit(spec.id, { dims: spec.dims, bytes: spec.codes.bytesPerCode, count: spec.count, center: Float32Array.from(spec.codes.center), shards, label: rowsFileName(spec.id) });
      progress.flush();
      return { ok: true, alreadyInstalled: false, fetchedBytes: totalBytes, ms: performance.now() - started };
    } catch (error) {
      const failure = installFailure(error, current);
      if (file) {
        // A half-written rows file can be hundreds of MB: free it now (the next install would truncate it anyway).
        file.close();
        file = null;
        await this.rowFiles.remove(rowsFileName(spec.id)).catch(() => undefined);
        await new CodeStore(dbName).clear(spec.id).catch(() => undefined);
      }
      return { ok: false, failure };
    } finally {
      file?.close();
      this.installing = false;
    }
  }

  /** Opens the index `name`: codes from IndexedDB `dbName`, rows from their file. Throws CompressedIndexError by code. */
  async open(name: string, dbName = PUBLISHED_CODES_DB, options: Partial<CompressedOptions> = {}): Promise<OpenedIndex> {
    this.close();
    const started = performance.now();
    const { scan, manifest } = await new CodeStore(dbName).load(name, options.useWasm ?? true);
    const rows = await this.rowFiles.open(manifest.label, manifest.dims, manifest.count);
    const loadMs = performance.now() - started;
    this.rowsFile = rows;
    this.index = new CompressedIndex(scan, rows, options);
    return {
      count: this.index.count,
      dims: this.index.dims,
      heldBytes: this.index.byteLength,
      codeBytes: manifest.count * manifest.bytes,
      candidates: this.index.options.candidates,
      simd: scan.simd,
      loadMs,
    };
  }

  /** CompressedIndex.search in the worker. */
  search(query: Float32Array, k: number): Hit[] {
    return this.need(this.index, 'open').search(query, k);
  }

  /** search, with the time it took inside the worker (the benchmark separates it from messaging). */
  searchTimed(query: Float32Array, k: number): TimedHits {
    const started = performance.now();
    const hits = this.search(query, k);
    return { hits, ms: performance.now() - started };
  }

  /** Rows `ids` dequantized (the int8 values times the row's scale), e.g. for Rocchio feedback (search/feedback.ts). */
  rows(ids: number[]): Float32Array[] {
    const index = this.need(this.index, 'open');
    return ids.map((id) => {
      if (!(Number.isInteger(id) && id >= 0 && id < index.count)) throw new Error(`CompressedSearchService: row ${id} out of range 0..${index.count - 1}`);
      return index.row(id);
    });
  }

  /** Releases the rows file handle (another open or a removal needs it) and the index. */
  close(): void {
    this.rowsFile?.close();
    this.rowsFile = null;
    this.index = null;
    if (this.building) {
      this.building.file.close();
      this.building = null;
    }
  }

  /** Deletes the index `name`: its codes and its rows file. */
  async remove(name: string, dbName = PUBLISHED_CODES_DB): Promise<void> {
    this.close();
    await new CodeStore(dbName).clear(name);
    await this.rowFiles.remove(rowsFileName(name));
  }

  /**
   * Deletes every complete index in `dbName` except `keep` (a newer version of a published library has another
   * id; the old one's rows would otherwise stay in OPFS). Returns the names removed.
   */
  async removeOthers(keep: string, dbName = PUBLISHED_CODES_DB): Promise<string[]> {
    const others = (await new CodeStore(dbName).savedKeys()).filter((name) => name !== keep);
    for (const name of others) await this.remove(name, dbName);
    return others;
  }

  private need<T>(value: T | null, step: string): T {
    if (value === null) throw new Error(`CompressedSearchService: call ${step} first`);
    return value;
  }
}

/** OPFS file names allow most characters but not '/'; keys may hold model ids with '/'. */
function rowsFileName(name: string): string {
  return `rows-${name.replace(/[^\w.@-]/g, '_')}.i8`;
}

/** The sections must describe `count` rows of `dims` in files of the sizes they list. */
function checkInstallSpec(spec: InstallSpec): void {
  const fail = (problem: string): never => {
    throw new CompressedIndexError('install-invalid', `${spec.id}: ${problem}`);
  };
  const { codes, rows, dims, count } = spec;
  if (!(Number.isInteger(dims) && dims > 0 && Number.isInteger(count) && count >= 0)) fail(`${count} rows of ${dims} dims`);
  if (codes.bytesPerCode !== codeBytes(dims)) fail(`codes of ${codes.bytesPerCode} bytes, ${dims} dims need ${codeBytes(dims)}`);
  if (codes.center.length !== dims) fail(`the codes' centre has ${codes.center.length} dims, not ${dims}`);
  const sections: [string, PublishedFile[], number[], number][] = [
    ['codes', codes.files, codes.rowsPerFile, codes.bytesPerCode],
    ['rows', rows.files, rows.rowsPerFile, rowBytes(dims)],
  ];
  for (const [part, files, perFile, bytesPerRow] of sections) {
    if (files.length !== perFile.length) fail(`${part}: ${files.length} files but ${perFile.length} row counts`);
    if (perFile.reduce((a, b) => a + b, 0) !== count) fail(`${part}: the files hold ${perFile.reduce((a, b) => a + b, 0)} rows, the library ${count}`);
    files.forEach((file, i) => {
      if (file.bytes !== perFile[i] * bytesPerRow) fail(`${file.path}: ${file.bytes} bytes for ${perFile[i]} rows of ${bytesPerRow}`);
    });
  }
}

function appendInChunks(file: RowFile, rows: Int8Rows): void {
  const { dims } = rows;
  for (let start = 0; start < rows.scales.length; start += INSTALL_APPEND_ROWS) {
    const end = Math.min(rows.scales.length, start + INSTALL_APPEND_ROWS);
    file.append({ dims, data: rows.data.subarray(start * dims, end * dims), scales: rows.scales.subarray(start, end) });
  }
}

/** Bytes of finished files plus the current file's bytes so far, reported every PROGRESS_STEP_BYTES. */
function progressReporter(totalBytes: number, report: (progress: InstallProgress) => void) {
  let finished = 0;
  let reported = -Infinity;
  const send = (loadedBytes: number, force: boolean) => {
    if (!force && loadedBytes - reported < PROGRESS_STEP_BYTES) return;
    reported = loadedBytes;
    report({ loadedBytes, totalBytes });
  };
  return {
    file: (loaded: number) => send(finished + loaded, false),
    done: (bytes: number) => {
      finished += bytes;
      send(finished, true);
    },
    flush: () => send(finished, true),
  };
}

/**
 * A thrown error as an outcome: coded errors keep their code; anything else happened while writing to
 * IndexedDB or OPFS (fetch errors are coded by the fetcher), which in practice means the quota ran out.
 */
function installFailure(error: unknown, current: PublishedFile | undefined): InstallFailure {
  const failure: InstallFailure =
    error instanceof PublishedLibraryError || error instanceof CompressedIndexError
      ? { code: error.code, detail: error.detail }
      : { code: 'storage-full', detail: error instanceof Error ? error.message : String(error) };
  const file = (error instanceof PublishedLibraryError ? error.file : undefined) ?? current?.path;
  if (file !== undefined) failure.file = file;
  return failure;
}
