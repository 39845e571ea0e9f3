import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../base/hash.ts';
import { contentHash, documentText } from '../base/paper-id.ts';
import type { Paper } from '../base/paper.ts';
import type { Encoder } from '../embedding/encoder.ts';
import type { QueryViews } from '../embedding/models.ts';
import { decodeVectorFile, encodeVectorFile } from '../index/vector-file.ts';

/**
 * Content-addressed disk cache of vectors for Node tools, keyed like the browser cache: the encoder's
 * fingerprint key (folder) + the content hash of exactly what was embedded (row). Changing one document
 * re-embeds that one; changing the model, prefix, pooling or weights changes the folder.
 * Stored as one vector file per kind (documents / queries) with ids = hashes.
 */
export class DiskVectorCache {
  private readonly rows = new Map<string, Float32Array>();
  private dirty = false;

  private constructor(
    readonly file: string,
    readonly modelKey: string,
    readonly dims: number,
  ) {}

  static open(cacheRoot: string, modelKey: string, dims: number, kind: 'documents' | 'queries'): DiskVectorCache {
    const store = new DiskVectorCache(join(cacheRoot, modelKey.replace(/[^\w.@-]/g, '_'), `${kind}.vec`), modelKey, dims);
    if (existsSync(store.file)) {
      const file = decodeVectorFile(new Uint8Array(readFileSync(store.file)), store.file);
      // A file written under another key or size is not ours to use (e.g. a hand-copied folder).
      if (file.modelKey === modelKey && file.dims === dims) {
        file.hashes.forEach((hash, i) => store.rows.set(hash, file.vectors.subarray(i * dims, (i + 1) * dims)));
      }
    }
    return store;
  }

  get size(): number {
    return this.rows.size;
  }

  get(hash: string): Float32Array | undefined {
    return this.rows.get(hash);
  }

  set(hash: string, vector: Float32Array): void {
    this.rows.set(hash, vector.slice());
    this.dirty = true;
  }

  /** Writes atomically (temp file + rename), so an interrupted run never leaves a torn cache. */
  save(): void {
    if (!this.dirty) return;
    const hashes = [...this.rows.keys()];
    const vectors = new Float32Array(hashes.length * this.dims);
    hashes.forEach((hash, i) => vectors.set(this.rows.get(hash)!, i * this.dims));
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, encodeVectorFile({ modelKey: this.modelKey, dims: this.dims, ids: hashes, hashes, vectors }));
    renameSync(temp, this.file);
    this.dirty = false;
  }
}

export interface EmbedReport {
  /** count x dims, row i = papers[i]. */
  vectors: Float32Array;
  /** Documents that had to be embedded (not found in the cache). */
  embedded: number;
  seconds: number;
}

/** Saves at most this often while embedding, so a long run that is stopped keeps most of its work. */
const SAVE_EVERY_MS = 30_000;

export async function embedPapersCached(
  encoder: Encoder,
  papers: readonly Paper[],
  cacheRoot: string,
  onProgress?: (done: number, total: number) => void,
): Promise<EmbedReport> {
  const store = DiskVectorCache.open(cacheRoot, encoder.key, encoder.dims, 'documents');
  const hashes = papers.map(contentHash);
  const missing = papers.map((_, i) => i).filter((i) => !store.get(hashes[i]));
  const started = performance.now();
  if (missing.length > 0) {
    let lastSave = started;
    await encoder.embedDocuments(
      missing.map((i) => documentText(papers[i])),
      (progress, indices, vectors) => {
        indices.forEach((textIndex, row) => store.set(hashes[missing[textIndex]], vectors.subarray(row * encoder.dims, (row + 1) * encoder.dims)));
        onProgress?.(progress.done, progress.total);
        if (performance.now() - lastSave > SAVE_EVERY_MS) {
          store.save();
          lastSave = performance.now();
        }
      },
    );
    store.save();
  }
  const seconds = (performance.now() - started) / 1000;
  const vectors = new Float32Array(papers.length * encoder.dims);
  hashes.forEach((hash, i) => vectors.set(store.get(hash)!, i * encoder.dims));
  return { vectors, embedded: missing.length, seconds };
}

/**
 * Query vectors, cached the same way: keyed by the query text and the query form (Encoder.queryForm: the views
 * summed; the single instructed view keeps the text alone as its key); the prefix is part of the model key.
 * `views` defaults to the model's own form.
 */
export async function embedQueriesCached(
  encoder: Encoder,
  texts: readonly string[],
  cacheRoot: string,
  views: QueryViews | null = encoder.spec.ranking.queryViews,
): Promise<Float32Array[]> {
  const store = DiskVectorCache.open(cacheRoot, encoder.key, encoder.dims, 'queries');
  const form = encoder.queryForm(views);
  const out: Float32Array[] = [];
  for (const text of texts) {
    const hash = sha256Hex(form ? `${form}\n${text}` : text).slice(0, 32);
    let vector = store.get(hash);
    if (!vector) {
      vector = await encoder.embedQuery(text, views);
      store.set(hash, vector);
    }
    out.push(vector);
  }
  store.save();
  return out;
}
