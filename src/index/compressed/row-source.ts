import type { Int8Rows } from '../quantized-matrix.ts';

/**
 * Where the exact int8 rows of the candidates come from. Reads are synchronous, so a whole query (first pass,
 * reads, rescoring) runs without yielding: in the browser the rows live in an OPFS file read through a
 * SyncAccessHandle (opfs-rows.ts, workers only), elsewhere in memory.
 */
export interface RowSource {
  readonly dims: number;
  readonly count: number;
  /** Row ids[i] into data[i * dims ..] and scales[i]; ids ascending (sequential reads are cheapest). */
  read(ids: Int32Array, data: Int8Array, scales: Float32Array): void;
  /** Bytes of rows this source keeps in memory (0 when it reads them from storage). */
  readonly heldBytes: number;
}

/** Rows held in memory: tests, Node tools, and corpora small enough to keep whole. */
export class MemoryRowSource implements RowSource {
  readonly dims: number;
  readonly count: number;

  constructor(private readonly rows: Int8Rows) {
    this.dims = rows.dims;
    this.count = rows.scales.length;
    if (rows.data.length !== this.count * this.dims) throw new Error(`MemoryRowSource: ${rows.data.length} values for ${this.count} rows of ${this.dims}`);
  }

  get heldBytes(): number {
    return this.rows.data.byteLength + this.rows.scales.byteLength;
  }

  read(ids: Int32Array, data: Int8Array, scales: Float32Array): void {
    const { dims } = this;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < this.count)) throw new Error(`MemoryRowSource: row ${id} out of range`);
      data.set(this.rows.data.subarray(id * dims, (id + 1) * dims), i * dims);
      scales[i] = this.rows.scales[id];
    }
  }
}
