import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { codeBytes, type SignCodes } from './binary-codes.ts';
import { CandidateScan } from './candidate-scan.ts';
import { CompressedIndexError } from './errors.ts';

/**
 * Sign codes in IndexedDB, sharded like the vector store (../persistence/shards.ts): per key one manifest and
 * shards of CODE_SHARD_ROWS codes, written in one transaction. Loading streams the shards straight into a
 * CandidateScan, so the codes are copied once (IndexedDB's clone) and never concatenated.
 *
 *   "<key>|manifest"       -> CodeManifest
 *   "<key>|codes|<000000>" -> Uint8Array of up to CODE_SHARD_ROWS codes
 */

/** 65,536 x 48-byte codes = 3.1 MB per record: 16 records for 1,000,000 abstracts. */
export const CODE_SHARD_ROWS = 65_536;
const FORMAT = 1;

export interface CodeManifest {
  format: number;
  dims: number;
  bytes: number;
  count: number;
  center: Float32Array;
  /** Codes per shard, in row order. */
  shards: number[];
  /** Free text the caller stores beside the codes (e.g. which rows file they index); checked by the caller. */
  label: string;
}

const manifestKey = (key: string) => `${key}|manifest`;
const shardKey = (key: string, i: number) => `${key}|codes|${String(i).padStart(6, '0')}`;

function checkManifest(value: unknown, key: string): CodeManifest {
  if (value === undefined) throw new CompressedIndexError('codes-missing', key);
  const m = value as Partial<CodeManifest>;
  const ok =
    typeof value === 'object' && value !== null && m.format === FORMAT && Number.isInteger(m.dims) && (m.dims ?? 0) > 0 &&
    m.bytes === codeBytes(m.dims ?? 0) && Number.isInteger(m.count) && m.center instanceof Float32Array && m.center.length === m.dims &&
    Array.isArray(m.shards) && m.shards.every((n) => Number.isInteger(n) && n > 0) && m.shards.reduce((a, b) => a + b, 0) === m.count &&
    typeof m.label === 'string';
  if (!ok) throw new CompressedIndexError('codes-corrupt', `${key}: the manifest is malformed`);
  return m as CodeManifest;
}

export class CodeStore {
  private readonly store: UseStore;

  constructor(dbName = 'paper-search-codes') {
    this.store = createStore(dbName, 'codes');
  }

  /** Replaces whatever is stored under `key` with `codes`, in one transaction. */
  async save(key: string, codes: SignCodes, label = ''): Promise<void> {
    const old = await this.keys(key);
    const shards: number[] = [];
    const puts: [string, unknown][] = [];
    for (let start = 0; start < codes.count; start += CODE_SHARD_ROWS) {
      const end = Math.min(codes.count, start + CODE_SHARD_ROWS);
      puts.push([shardKey(key, shards.length), codes.data.slice(start * codes.bytes, end * codes.bytes)]);
      shards.push(end - start);
    }
    const manifest: CodeManifest = { format: FORMAT, dims: codes.dims, bytes: codes.bytes, count: codes.count, center: codes.center.slice(), shards, label };
    puts.push([manifestKey(key), manifest]);
    await this.store('readwrite', (store) => {
      for (const k of old) store.delete(k);
      for (const [k, value] of puts) store.put(value, k);
      return promisifyRequest(store.transaction);
    });
  }

  /**
   * Writes `codes` (whole codes of `bytes` each) as shards numbered from `first`, in one transaction, without a
   * manifest: until commit() the key reads as missing, so an install stopped half-way is never taken for a
   * complete one (the next install clears the key first). Returns the codes per shard written.
   */
  async putShards(key: string, first: number, codes: Uint8Array, bytes: number): Promise<number[]> {
    const count = codes.length / bytes;
    if (!Number.isInteger(count)) throw new Error(`CodeStore.putShards: ${codes.length} bytes is not a whole number of ${bytes}-byte codes`);
    const shards: number[] = [];
    await this.store('readwrite', (store) => {
      for (let start = 0; start < count; start += CODE_SHARD_ROWS) {
        const end = Math.min(count, start + CODE_SHARD_ROWS);
        store.put(codes.slice(start * bytes, end * bytes), shardKey(key, first + shards.length));
        shards.push(end - start);
      }
      return promisifyRequest(store.transaction);
    });
    return shards;
  }

  /** Writes the manifest of shards put by putShards: from now on `key` loads. */
  async commit(key: string, manifest: Omit<CodeManifest, 'format'>): Promise<void> {
    const value: CodeManifest = { format: FORMAT, ...manifest, center: manifest.center.slice() };
    checkManifest(value, key);
    await this.store('readwrite', (store) => {
      store.put(value, manifestKey(key));
      return promisifyRequest(store.transaction);
    });
  }

  /** Keys that have a manifest (complete sets of codes), e.g. to remove the installs of older libraries. */
  async savedKeys(): Promise<string[]> {
    const keys = await this.store('readonly', (store) => promisifyRequest(store.getAllKeys()));
    return keys.map(String).filter((k) => k.endsWith('|manifest')).map((k) => k.slice(0, -'|manifest'.length));
  }

  /** The manifest alone (cheap: tells count, dims and label without reading the codes). */
  async manifest(key: string): Promise<CodeManifest> {
    return checkManifest(await this.store('readonly', (store) => promisifyRequest(store.get(manifestKey(key)))), key);
  }

  /**
   * Loads the codes into a new CandidateScan. Shards are read in one readonly transaction and checked before use;
   * anything malformed throws 'codes-corrupt' (the caller rebuilds), a missing key 'codes-missing'.
   */
  async load(key: string, useWasm = true): Promise<{ scan: CandidateScan; manifest: CodeManifest }> {
    const manifest = await this.manifest(key);
    const values = await this.store('readonly', (store) => Promise.all(manifest.shards.map((_, i) => promisifyRequest<unknown>(store.get(shardKey(key, i))))));
    const scan = new CandidateScan(manifest.dims, manifest.center, manifest.count, useWasm);
    values.forEach((value, i) => {
      const count = manifest.shards[i];
      if (!(value instanceof Uint8Array) || value.length !== count * manifest.bytes) {
        throw new CompressedIndexError('codes-corrupt', `${shardKey(key, i)} holds ${value instanceof Uint8Array ? `${value.length} bytes` : 'no byte array'}, expected ${count} x ${manifest.bytes}`);
      }
      scan.append({ dims: manifest.dims, bytes: manifest.bytes, count, center: manifest.center, data: value });
    });
    return { scan, manifest };
  }

  async clear(key: string): Promise<void> {
    const keys = await this.keys(key);
    await this.store('readwrite', (store) => {
      for (const k of keys) store.delete(k);
      return promisifyRequest(store.transaction);
    });
  }

  private keys(key: string): Promise<string[]> {
    const range = IDBKeyRange.bound(`${key}|`, `${key}|\uffff`);
    return this.store('readonly', (store) => promisifyRequest(store.getAllKeys(range))).then((keys) => keys.map(String));
  }
}
