import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseLibrary } from '../../src/corpus/import.ts';
import type { Paper } from '../../src/base/paper.ts';
import type { RowFile, RowFileStore } from '../../src/index/compressed/opfs-rows.ts';
import { CompressedIndexError } from '../../src/index/compressed/errors.ts';
import { quantizeRows, type Int8Rows } from '../../src/index/quantized-matrix.ts';
import type { FileSink } from '../../src/base/files.ts';
import { seededRandom as rng } from '../../src/base/random.ts';

/** Shared by the published-library and compressed-service tests: a sink, rows and row files in memory. */

/** A FileSink keeping every file's bytes by path (sha256 by node:crypto, as tools/publish-files.ts). */
export function memorySink(): { sink: FileSink; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const sink: FileSink = (path, data) => {
    if (files.has(path)) throw new Error(`${path} written twice`);
    files.set(path, data);
    return { path, bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
  };
  return { sink, files };
}

/** The bundled Daily Papers corpus (96 papers), parsed by the app's import code. */
export function bundledPapers(): Paper[] {
  return parseLibrary('data/daily-papers.txt', new Uint8Array(readFileSync('data/daily-papers.txt'))).papers;
}

/** Deterministic unit vectors around a few topics with a common offset (so centring the codes matters), as int8. */
export function syntheticRows(count: number, dims: number, seed: number): Int8Rows {
  const random = rng(seed);
  const common = Float32Array.from({ length: dims }, () => random() - 0.5);
  const topics = Array.from({ length: 6 }, () => Float32Array.from({ length: dims }, () => random() - 0.5));
  const out = new Float32Array(count * dims);
  for (let i = 0; i < count; i++) {
    const topic = topics[Math.floor(random() * topics.length)];
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      const x = common[d] + topic[d] + 0.4 * (random() - 0.5);
      out[i * dims + d] = x;
      norm += x * x;
    }
    for (let d = 0; d < dims; d++) out[i * dims + d] /= Math.sqrt(norm);
  }
  return quantizeRows(out, dims);
}

class MemoryRowFile implements RowFile {
  readonly heldBytes = 0;
  constructor(
    readonly dims: number,
    readonly store: { data: number[]; scales: number[] },
  ) {}

  get count(): number {
    return this.store.scales.length;
  }

  append(rows: Int8Rows): void {
    for (const x of rows.data) this.store.data.push(x);
    for (const s of rows.scales) this.store.scales.push(s);
  }

  read(ids: Int32Array, data: Int8Array, scales: Float32Array): void {
    ids.forEach((id, i) => {
      if (!(id >= 0 && id < this.count)) throw new Error(`row ${id} out of range`);
      data.set(this.store.data.slice(id * this.dims, (id + 1) * this.dims), i * this.dims);
      scales[i] = this.store.scales[id];
    });
  }

  flush(): void {}
  close(): void {}
}

/** Row files in memory, with OPFS's contract (opfs-rows.ts RowFileStore): sizes in bytes, coded open errors. */
export class MemoryRowFiles implements RowFileStore {
  readonly files = new Map<string, { dims: number; data: number[]; scales: number[] }>();

  async create(name: string, dims: number): Promise<RowFile> {
    const store = { dims, data: [], scales: [] };
    this.files.set(name, store);
    return new MemoryRowFile(dims, store);
  }

  async open(name: string, dims: number, count: number): Promise<RowFile> {
    const store = this.files.get(name);
    if (!store) throw new CompressedIndexError('rows-missing', name);
    if (store.dims !== dims || store.scales.length !== count) throw new CompressedIndexError('rows-mismatch', `${name} holds ${store.scales.length} rows`);
    return new MemoryRowFile(dims, store);
  }

  async size(name: string): Promise<number | null> {
    const store = this.files.get(name);
    return store ? store.scales.length * (store.dims + 4) : null;
  }

  async remove(name: string): Promise<void> {
    this.files.delete(name);
  }
}
