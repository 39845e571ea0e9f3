import type { Int8Rows } from '../quantized-matrix.ts';
import { CompressedIndexError } from './errors.ts';
import type { RowSource } from './row-source.ts';

/** A rows file being written or read: rows appended in order, read back by id. */
export interface RowFile extends RowSource {
  append(rows: Int8Rows): void;
  flush(): void;
  close(): void;
}

/**
 * Where the service keeps its rows files: OPFS in the browser (opfsRowFiles), memory in tests. Kept this small so
 * the install and build logic is tested without a browser.
 */
export interface RowFileStore {
  /** A new, empty file (an existing one is truncated). */
  create(name: string, dims: number): Promise<RowFile>;
  /** The existing file, which must hold `count` rows of `dims`; CompressedIndexError 'rows-missing' / 'rows-mismatch'. */
  open(name: string, dims: number, count: number): Promise<RowFile>;
  /** Size of the file in bytes, null if there is none; reads no rows and takes no lock. */
  size(name: string): Promise<number | null>;
  remove(name: string): Promise<void>;
}

/**
 * The exact int8 rows in one file of the origin private file system, read on demand through a
 * FileSystemSyncAccessHandle (dedicated workers only). Record r = dims int8 values then the row's f32 scale
 * (little-endian), at offset r * (dims + 4); one read call per candidate.
 *
 * Why OPFS and not IndexedDB: in headless Chromium with an on-disk profile, random rows cost ~1.5 us each
 * through a sync access handle (1,000 rows: 1.6 ms median) against 6-14 ms for 50 rows and 37-42 ms for 200 as
 * IndexedDB records (medians; docs/performance.md, "A million abstracts"). In an in-memory (incognito-like)
 * profile OPFS reads cost ~0.25 ms each; that is noted there too.
 */
export class OpfsRowFile implements RowFile {
  readonly heldBytes = 0;
  private readonly record: Uint8Array;
  private readonly recordView: DataView;
  private rows: number;

  private constructor(
    private readonly handle: FileSystemSyncAccessHandle,
    readonly name: string,
    readonly dims: number,
  ) {
    this.record = new Uint8Array(dims + 4);
    this.recordView = new DataView(this.record.buffer);
    const size = handle.getSize();
    if (size % (dims + 4) !== 0) {
      handle.close();
      throw new CompressedIndexError('rows-mismatch', `${name}: ${size} bytes is not a whole number of ${dims + 4}-byte rows`);
    }
    this.rows = size / (dims + 4);
  }

  get count(): number {
    return this.rows;
  }

  private static async directory(): Promise<FileSystemDirectoryHandle> {
    if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) throw new CompressedIndexError('no-opfs', 'navigator.storage.getDirectory is missing');
    return navigator.storage.getDirectory();
  }

  private static async handleOf(file: FileSystemFileHandle, name: string): Promise<FileSystemSyncAccessHandle> {
    if (typeof file.createSyncAccessHandle !== 'function') throw new CompressedIndexError('no-opfs', `${name}: createSyncAccessHandle is missing (not a dedicated worker)`);
    return file.createSyncAccessHandle();
  }

  /** A new, empty file `name` (an existing one is truncated). */
  static async create(name: string, dims: number): Promise<OpfsRowFile> {
    const file = await (await OpfsRowFile.directory()).getFileHandle(name, { create: true });
    const handle = await OpfsRowFile.handleOf(file, name);
    handle.truncate(0);
    return new OpfsRowFile(handle, name, dims);
  }

  /** The existing file `name`, which must hold `count` rows of `dims`. */
  static async open(name: string, dims: number, count: number): Promise<OpfsRowFile> {
    let file: FileSystemFileHandle;
    try {
      file = await (await OpfsRowFile.directory()).getFileHandle(name);
    } catch (error) {
      if (error instanceof CompressedIndexError) throw error;
      throw new CompressedIndexError('rows-missing', `${name}: ${(error as Error).message}`);
    }
    const rows = new OpfsRowFile(await OpfsRowFile.handleOf(file, name), name, dims);
    if (rows.count !== count) {
      rows.close();
      throw new CompressedIndexError('rows-mismatch', `${name} holds ${rows.count} rows, the codes ${count}`);
    }
    return rows;
  }

  static async size(name: string): Promise<number | null> {
    const directory = await OpfsRowFile.directory();
    try {
      return (await (await directory.getFileHandle(name)).getFile()).size;
    } catch {
      return null;
    }
  }

  static async remove(name: string): Promise<void> {
    await (await OpfsRowFile.directory()).removeEntry(name).catch(() => undefined);
  }

  /** Appends rows at the end of the file. */
  append(rows: Int8Rows): void {
    const { dims } = this;
    if (rows.dims !== dims) throw new Error(`OpfsRowFile: rows have ${rows.dims} dims, file has ${dims}`);
    const count = rows.scales.length;
    const bytes = new Uint8Array(count * (dims + 4));
    const view = new DataView(bytes.buffer);
    for (let r = 0; r < count; r++) {
      bytes.set(new Uint8Array(rows.data.buffer, rows.data.byteOffset + r * dims, dims), r * (dims + 4));
      view.setFloat32(r * (dims + 4) + dims, rows.scales[r], true);
    }
    const written = this.handle.write(bytes, { at: this.rows * (dims + 4) });
    if (written !== bytes.length) throw new Error(`OpfsRowFile: wrote ${written} of ${bytes.length} bytes to ${this.name}`);
    this.rows += count;
  }

  read(ids: Int32Array, data: Int8Array, scales: Float32Array): void {
    const { dims, record, recordView, handle } = this;
    const rowBytes = new Int8Array(record.buffer, 0, dims);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < this.rows)) throw new Error(`OpfsRowFile: row ${id} out of range`);
      const got = handle.read(record, { at: id * (dims + 4) });
      if (got !== dims + 4) throw new CompressedIndexError('rows-mismatch', `${this.name}: read ${got} bytes of row ${id}`);
      data.set(rowBytes, i * dims);
      scales[i] = recordView.getFloat32(dims, true);
    }
  }

  flush(): void {
    this.handle.flush();
  }

  close(): void {
    this.handle.close();
  }
}

/** The browser's row files: OPFS, through sync access handles (dedicated workers only). */
export const opfsRowFiles: RowFileStore = {
  create: (name, dims) => OpfsRowFile.create(name, dims),
  open: (name, dims, count) => OpfsRowFile.open(name, dims, count),
  size: (name) => OpfsRowFile.size(name),
  remove: (name) => OpfsRowFile.remove(name),
};
