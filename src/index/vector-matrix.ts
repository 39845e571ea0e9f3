/**
 * All document vectors in one contiguous Float32Array (row i = document i), so scoring is one tight loop
 * over memory with no per-document objects.
 */
export class VectorMatrix {
  readonly data: Float32Array;

  constructor(
    readonly dims: number,
    readonly count: number,
    data?: Float32Array,
  ) {
    if (data && data.length !== dims * count) {
      throw new Error(`VectorMatrix: expected ${dims * count} floats (${count} x ${dims}), got ${data.length}`);
    }
    this.data = data ?? new Float32Array(dims * count);
  }

  row(i: number): Float32Array {
    return this.data.subarray(i * this.dims, (i + 1) * this.dims);
  }

  setRow(i: number, vector: ArrayLike<number>): void {
    if (vector.length !== this.dims) throw new Error(`VectorMatrix: row ${i} has ${vector.length} dims, expected ${this.dims}`);
    this.data.set(vector, i * this.dims);
  }

  /** Bytes held by the vectors. */
  get byteLength(): number {
    return this.data.byteLength;
  }
}
