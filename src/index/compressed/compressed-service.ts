import type { Int8Rows } from '../quantized-matrix.ts';
import type { Hit } from '../top-k.ts';
import { codeBytes, signCodesFromInt8, type SignCodes } from './binary-codes.ts';
import { CodeStore } from './code-store.ts';
import { CompressedIndex, type CompressedOptions } from './compressed-index.ts';
import { OpfsRowFile } from './opfs-rows.ts';

/**
 * The compressed index as a worker's service (compressed.worker.ts only exposes it; compressed-client.ts is the
 * page's handle). It must run in a dedicated worker: the int8 rows are read through an OPFS sync access
 * handle, which only workers get. Build: begin -> append (int8 rows: to OPFS and to codes) -> finish (codes to
 * IndexedDB). Use: open (codes from IndexedDB, rows file from OPFS) -> search.
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

interface Building {
  name: string;
  file: OpfsRowFile;
  codes: SignCodes;
}

export class CompressedSearchService {
  private building: Building | null = null;
  private index: CompressedIndex | null = null;
  private rowsFile: OpfsRowFile | null = null;

  /**
   * Starts an index named `name` for `count` rows: an empty OPFS rows file and room for their codes.
   * @param center the codes' per-dimension thresholds (int8Mean of the rows, or of a sample of them)
   */
  async begin(name: string, dims: number, count: number, center: Float32Array): Promise<void> {
    this.close();
    const file = await OpfsRowFile.create(rowsFileName(name), dims);
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

  /** Opens the index `name`: codes from IndexedDB `dbName`, rows from OPFS. Throws CompressedIndexError by code. */
  async open(name: string, dbName: string, options: Partial<CompressedOptions> = {}): Promise<OpenedIndex> {
    this.close();
    const started = performance.now();
    const { scan, manifest } = await new CodeStore(dbName).load(name, options.useWasm ?? true);
    const rows = await OpfsRowFile.open(manifest.label, manifest.dims, manifest.count);
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
  async remove(name: string, dbName: string): Promise<void> {
    this.close();
    await new CodeStore(dbName).clear(name);
    await OpfsRowFile.remove(rowsFileName(name));
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
